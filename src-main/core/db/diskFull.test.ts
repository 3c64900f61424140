/**
 * A full disk, in a curator's words (audit-durable F3): a library that cannot be opened because
 * its disk has no space left (SQLite: SQLITE_IOERR_SHMSIZE, no room for the -shm) is reported as a
 * full disk whose library is unchanged — not as "disk I/O error … Choose another folder" — and a
 * change SQLite cannot store ("database or disk is full") answers `disk_full` naming the folder,
 * never `internal`. Real SQLite refuses the change (a page limit, `max_page_count`, gives the same
 * SQLITE_FULL as a full disk); the free space a real full disk would report is given to the
 * wording functions as statfs would (a unit test cannot fill a disk without mounting one).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QcError, toErrorShape } from '../../../src-shared/contract/errors';
import { qcError, tempDir } from '../../../test-support/fixtures';
import { openDatabase, type Db } from './open';
import { databaseOpenError, databaseWriteError, freeBytes, shownBytes } from './openErrors';

let dir: string;
let file: string;
const opened: Db[] = [];
beforeEach(() => {
  dir = tempDir();
  file = path.join(dir, 'library.sqlite');
});
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The error SQLite raises when it cannot size the -shm file (a disk with no space left). */
const shmError = () => new Database.SqliteError('disk I/O error', 'SQLITE_IOERR_SHMSIZE');
const fullError = () => new Database.SqliteError('database or disk is full', 'SQLITE_FULL');

describe('opening a library on a full disk', () => {
  it('says the disk is full and the library unchanged, not "disk I/O error … Choose another folder"', () => {
    const e = databaseOpenError(file, shmError(), 15_000, () => 0) as QcError;
    expect(e).toBeInstanceOf(QcError);
    expect(e.toJSON()).toEqual({
      code: 'disk_full',
      message: `${dir} is on a full disk (0 bytes free): Quality Curator needs a little space there to open the library; the library itself was not changed. Free some space on that disk, then try again.`,
    });
    expect((databaseOpenError(file, fullError(), 15_000, () => 36_000) as QcError).message).toMatch(new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is on a full disk \\(36 kB free\\)`));
  });

  it('leaves an I/O error on a disk with room to the file checks it had', () => {
    openDatabase(file).close();
    const e = databaseOpenError(file, shmError(), 15_000, () => 50e9) as QcError;
    expect(e.code).toBe('bad_input');
    expect(e.message).toBe(`${file}: cannot open the library database (disk I/O error). Choose another folder.`);
  });
});

describe('a change with no room for it', () => {
  it('on a (nearly) full disk: disk_full naming the folder, the change not saved', () => {
    for (const [free, shown] of [[0, '0 bytes'], [36_000, '36 kB'], [null, 'an unknown amount']] as const) {
      const e = databaseWriteError(file, fullError(), () => free) as QcError;
      expect(e.toJSON()).toEqual({ code: 'disk_full', message: `${dir} is on a full disk (${shown} free): this change was not saved, and the library is as it was. Free some space on that disk, then try again.` });
    }
    // An I/O error there is the full disk too (no room to grow the -shm); elsewhere it stays SQLite's.
    expect((databaseWriteError(file, shmError(), () => 0) as QcError).code).toBe('disk_full');
    const io = shmError();
    expect(databaseWriteError(file, io, () => 50e9)).toBe(io);
  });

  it('from real SQLite through every kind of write, rolled back, naming the file and the temporary folder when the library disk has room', () => {
    const db = openDatabase(file);
    opened.push(db);
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    const free = freeBytes(dir);
    expect(free).toBeGreaterThan(0);
    const message = `${file}: the database or disk is full (${dir} has ${shownBytes(free)} free; SQLite's temporary files go to ${os.tmpdir()}): this change was not saved, and the library is as it was. Free some space, then try again.`;
    const insert = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)');
    const big = 'x'.repeat(200_000);
    const batch = db.transaction(() => {
      insert.run('a', '1');
      insert.run('b', big);
    });
    for (const write of [() => insert.run('k', big), () => db.exec(`INSERT INTO settings (key, value) VALUES ('k', '${big}')`), () => batch(), () => batch.immediate()]) {
      const e = qcError(write);
      expect(toErrorShape(e)).toEqual({ code: 'disk_full', message });
      expect((e as Error & { cause?: { code?: string } }).cause?.code).toBe('SQLITE_FULL');
      expect(db.inTransaction).toBe(false);
    }
    expect(db.prepare('SELECT COUNT(*) FROM settings').pluck().get()).toBe(0);
  });

  it('words sizes as a curator reads them', () => {
    expect([0, 999, 36_000, 1_500_000, 2.25e9, null].map(shownBytes)).toEqual(['0 bytes', '999 bytes', '36 kB', '1.5 MB', '2.3 GB', 'an unknown amount']);
  });
});
