/**
 * A library database that can only be read (audit-durable F2): refused at open as `read_only`,
 * naming the file and what to do, and a change that SQLite refuses later (SQLITE_READONLY) answers
 * `read_only` naming the file, never SQLite's bare "attempt to write a readonly database" under
 * `internal`. Real files and SQLite: the file is made unwritable for real (chmod for a user; as
 * root, whom chmod does not stop, the immutable flag, skipped where the file system lacks it), and
 * a refusal after the open comes from SQLite's own `query_only`, which answers SQLITE_READONLY as a
 * read-only file does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QcError, toErrorShape } from '../../../src-shared/contract/errors';
import { qcError, tempDir } from '../../../test-support/fixtures';
import { canMakeUnwritable, isRoot, makeUnwritable, makeWritable } from '../../../test-support/unwritable';
import { openDatabase, type Db } from './open';

let dir: string;
let file: string;
const unwritable: string[] = [];
const opened: Db[] = [];
beforeEach(() => {
  dir = tempDir();
  file = path.join(dir, 'library.sqlite');
});
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
  for (const f of unwritable.splice(0)) makeWritable(f);
  fs.rmSync(dir, { recursive: true, force: true });
});

function open(...args: Parameters<typeof openDatabase>): Db {
  const db = openDatabase(...args);
  opened.push(db);
  return db;
}

describe('a library database that can only be read', () => {
  it.runIf(canMakeUnwritable())('is refused at open as read_only, naming the file and what to do; a read-only open still reads it', () => {
    const db = open(file);
    db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('k', '"v"');
    db.close();
    unwritable.push(file);
    makeUnwritable(file);

    const e = qcError(() => open(file));
    expect(e.code).toBe('read_only');
    const why = isRoot ? 'cannot be written (not permitted)' : 'cannot be written (no permission)';
    expect(e.message).toBe(
      `${file} ${why}: Quality Curator saves every change in the library database, so it cannot open this library. To use it, make it writable (check its owner, permissions and immutable flag), or copy the library folder to a place you can write and open the copy.`,
    );
    // What reads it read-only (doctor, snapshots) still can.
    expect(open(file, { readonly: true }).prepare('SELECT value FROM settings WHERE key = ?').pluck().get('k')).toBe('"v"');
  });

  describe('a change SQLite refuses after the open', () => {
    /** A library open at the latest schema, then refusing every write as a read-only file does (SQLITE_READONLY). */
    function refusingWrites(): Db {
      const db = open(file);
      db.pragma('query_only = ON');
      return db;
    }
    const message = () => `${file} cannot be written (attempt to write a readonly database): this change was not saved, and the library is as it was. Make it writable (check its owner, permissions and immutable flag), then try again.`;

    it('answers read_only naming the file from a statement, exec and pragma, never internal', () => {
      const db = refusingWrites();
      for (const write of [
        () => db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('k', '1'),
        () => db.exec("INSERT INTO settings (key, value) VALUES ('k', '1')"),
        () => db.prepare("INSERT INTO settings (key, value) VALUES ('k', '1') RETURNING key").get(),
        () => db.prepare("INSERT INTO settings (key, value) VALUES ('k', '1') RETURNING key").all(),
      ]) {
        const e = qcError(write);
        expect(e.toJSON()).toEqual({ code: 'read_only', message: message() });
        expect(toErrorShape(e).code).toBe('read_only');
        expect((e as Error & { cause?: { code?: string } }).cause?.code).toBe('SQLITE_READONLY');
      }
      // Reads go on.
      expect(db.prepare('SELECT COUNT(*) FROM settings').pluck().get()).toBe(0);
    });

    it('answers read_only from a transaction in each of its modes, rolled back, and the connection goes on', () => {
      const db = refusingWrites();
      const insert = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)');
      const batch = db.transaction((n: number) => {
        for (let i = 0; i < n; i++) insert.run(`k${i}`, '1');
        return n;
      });
      for (const run of [() => batch(3), () => batch.immediate(3), () => batch.deferred(3), () => batch.exclusive(3), () => (batch.immediate as typeof batch).deferred(3)]) {
        expect(qcError(run).toJSON()).toEqual({ code: 'read_only', message: message() });
        expect(db.inTransaction).toBe(false);
      }
      db.pragma('query_only = OFF');
      expect(batch.immediate(2)).toBe(2);
      expect(db.prepare('SELECT COUNT(*) FROM settings').pluck().get()).toBe(2);
    });

    it('answers read_only from iterate, whose rows (and errors) come at each next(); a loop left early still ends the statement', () => {
      const db = refusingWrites();
      const rows = db.prepare("INSERT INTO settings (key, value) VALUES ('k', '1') RETURNING key").iterate();
      expect(qcError(() => rows.next()).toJSON()).toEqual({ code: 'read_only', message: message() });
      expect(qcError(() => [...db.prepare("INSERT INTO settings (key, value) VALUES ('k', '1') RETURNING key").iterate()]).toJSON()).toEqual({ code: 'read_only', message: message() });
      // Reads by iterate go on, for…of included, and one left early frees the connection for the next statement.
      db.pragma('query_only = OFF');
      db.exec("INSERT INTO settings (key, value) VALUES ('a', '1'), ('b', '2'), ('c', '3')");
      const seen: string[] = [];
      for (const key of db.prepare('SELECT key FROM settings ORDER BY key').pluck().iterate()) {
        seen.push(key as string);
        if (seen.length === 2) break;
      }
      expect(seen).toEqual(['a', 'b']);
      db.prepare("INSERT INTO settings (key, value) VALUES ('d', '4')").run();
      expect([...db.prepare('SELECT key FROM settings ORDER BY key').pluck().iterate()]).toEqual(['a', 'b', 'c', 'd']);
    });

    it('answers disk_full from iterate when the database cannot grow', () => {
      const db = open(file);
      // SQLite's own limit on the file's pages: the write fails as on a full disk (SQLITE_FULL).
      db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
      const big = 'x'.repeat(64 * 1024);
      const rows = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) RETURNING key').iterate('big', big);
      const e = qcError(() => rows.next());
      expect(e.code).toBe('disk_full');
      expect((e as Error & { cause?: { code?: string } }).cause?.code).toBe('SQLITE_FULL');
      expect(db.prepare('SELECT COUNT(*) FROM settings').pluck().get()).toBe(0);
    });

    it('leaves other errors as SQLite gave them (callers that look at their code still can)', () => {
      const db = open(file);
      db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('k', '1');
      let thrown: unknown;
      try {
        db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('k', '2');
      } catch (e) {
        thrown = e;
      }
      expect(thrown).not.toBeInstanceOf(QcError);
      expect((thrown as { code?: string }).code).toMatch(/^SQLITE_CONSTRAINT/);
      expect(() => db.exec('SELECT * FROM no_such_table')).toThrow(expect.objectContaining({ code: 'SQLITE_ERROR' }));
    });
  });
});
