/**
 * A library folder whose `library.sqlite` Quality Curator refuses (another program's database, a
 * newer Quality Curator's, a file that is no database) is refused before anything is made beside it:
 * no originals/, thumbs/, previews/, tmp/ or owners/ (audit-durable F6).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { qcError } from '../../../test-support/fixtures';
import { createCore } from '../app';
import { checkLibraryFolder } from '../library/store';
import { LATEST_SCHEMA_VERSION } from './migrations';

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-foreign-'));
  file = path.join(dir, 'library.sqlite');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

/** Opening the folder as a library, by the app's way in and by the folder check alike, is refused with `message`, leaving the folder as it was. */
function refusedUntouched(message: string): void {
  const listing = fs.readdirSync(dir).sort();
  const before = sha(file);
  for (const attempt of [() => createCore({ dataDir: dir, ml: 'in-process' }), () => checkLibraryFolder(dir)]) {
    const e = qcError(attempt);
    expect(e.message).toBe(message);
    expect(fs.readdirSync(dir).sort()).toEqual(listing);
    expect(sha(file)).toBe(before);
  }
}

describe('a library folder whose database is refused', () => {
  for (const mode of ['delete', 'wal']) {
    it(`holding another program's database (journal mode ${mode}) gets none of the library's folders`, () => {
      const raw = new Database(file);
      raw.pragma(`journal_mode = ${mode}`);
      raw.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('mine');");
      raw.close();
      expect(fs.readdirSync(dir)).toEqual(['library.sqlite']);
      refusedUntouched(`${file} is not a Quality Curator library database (it holds another program's tables: notes), so its contents were not changed: move it out of ${dir}, or choose another folder.`);
    });
  }

  it("holding another program's WAL database with rows still in its -wal: refused saying its contents were not changed, which holds (audit-new72 F6)", () => {
    // Another program's database copied while that program had it open: its last rows only in the -wal.
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-foreign-wal-'));
    try {
      const raw = new Database(path.join(elsewhere, 'library.sqlite'));
      raw.pragma('journal_mode = wal');
      raw.pragma('wal_autocheckpoint = 0');
      raw.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('mine');");
      for (const f of ['library.sqlite', 'library.sqlite-wal']) fs.copyFileSync(path.join(elsewhere, f), path.join(dir, f));
      raw.close();
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(0);
    const e = qcError(() => createCore({ dataDir: dir, ml: 'in-process' }));
    // Not "left unchanged": SQLite's last close merged the -wal into the file (its bytes changed), every row kept.
    expect(e.message).toBe(`${file} is not a Quality Curator library database (it holds another program's tables: notes), so its contents were not changed: move it out of ${dir}, or choose another folder.`);
    const check = new Database(file, { readonly: true });
    expect(check.prepare('SELECT body FROM notes').pluck().all()).toEqual(['mine']);
    check.close();
    expect(fs.readdirSync(dir).filter((f) => !f.startsWith('library.sqlite'))).toEqual([]);
  });

  it('holding a file that is no database', () => {
    fs.writeFileSync(file, 'these are my notes, not a database; '.repeat(50));
    refusedUntouched(`${file} is not a Quality Curator library database (it is another kind of file, or damaged): move it out of ${dir}, or choose another folder.`);
  });

  it("holding a newer Quality Curator's database", () => {
    const raw = new Database(file);
    raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT)');
    raw.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)').run(LATEST_SCHEMA_VERSION + 1, 'future');
    raw.close();
    refusedUntouched(`the library database has schema version ${LATEST_SCHEMA_VERSION + 1}, but this Quality Curator knows only up to ${LATEST_SCHEMA_VERSION}; update Quality Curator`);
  });

  it('but an empty file, or none, is a new library, opened and made', async () => {
    fs.writeFileSync(file, '');
    await createCore({ dataDir: dir, ml: 'in-process' }).close();
    expect(fs.readdirSync(dir)).toEqual(expect.arrayContaining(['library.sqlite', 'originals', 'thumbs', 'previews', 'owners']));
    // And the library, opened again, is checked and opened as ours.
    await createCore({ dataDir: dir, ml: 'in-process' }).close();
  });
});
