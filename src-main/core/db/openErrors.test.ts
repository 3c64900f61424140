/**
 * A library database or folder Quality Curator cannot use is refused with a `bad_input` naming it
 * and why, in a curator's words, instead of SQLite's bare "unable to open database file" or Node's
 * "ENOENT … mkdir" for a folder that exists. Real files and real SQLite throughout (tests run as
 * root, so no chmod: a folder as the database file, a text file, a damaged file, a real lock, and
 * /sys, where even root cannot create a file).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QcError } from '../../../src-shared/contract/errors';
import { qcError, tempDir } from '../../../test-support/fixtures';
import { openDatabase } from './open';
import { checkWritableFolder, databaseOpenError, unwritableFolder } from './openErrors';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The error a real fs call throws, for the codes a test machine cannot make (a read-only mount needs privileges). */
function errno(code: string, syscall = 'open', p = '/mnt/x/.probe'): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed, ${syscall} '${p}'`), { code, syscall, path: p, errno: -1 });
}

describe('unwritableFolder', () => {
  it('words a read-only file system, no permission and a full disk, naming the folder and what to do', () => {
    expect(unwritableFolder('/mnt/x', errno('EROFS'))?.toJSON()).toEqual({
      code: 'bad_input',
      message: '/mnt/x is on a read-only file system: Quality Curator needs to write its library there. Choose another folder.',
    });
    expect(unwritableFolder('/mnt/x', errno('EACCES'))?.message).toBe('/mnt/x cannot be written (no permission): Quality Curator needs to write its library there. Choose another folder.');
    expect(unwritableFolder('/mnt/x', errno('EPERM'))?.message).toBe('/mnt/x cannot be written (not permitted): Quality Curator needs to write its library there. Choose another folder.');
    expect(unwritableFolder('/mnt/x', errno('ENOSPC'))?.message).toBe('/mnt/x is on a full disk: Quality Curator needs to write its library there. Free some space there, or choose another folder.');
    // Not about writing the folder: left to the caller.
    expect(unwritableFolder('/mnt/x', errno('EMFILE'))).toBeNull();
    expect(unwritableFolder('/mnt/x', new Error('x'))).toBeNull();
  });

  it.runIf(process.platform === 'linux' && fs.existsSync('/sys/kernel'))('words the error of a real write that fails (a file in /sys, refused even to root)', () => {
    let thrown: unknown;
    try {
      fs.openSync('/sys/kernel/qc-test-probe', 'wx');
    } catch (e) {
      thrown = e;
    }
    expect(['EACCES', 'EPERM', 'EROFS']).toContain((thrown as NodeJS.ErrnoException).code);
    expect(unwritableFolder('/sys/kernel', thrown)?.message).toMatch(/^\/sys\/kernel (cannot be written|is on a read-only)/);
  });
});

describe('checkWritableFolder', () => {
  it('passes a folder it can write, leaving nothing behind', () => {
    checkWritableFolder(dir);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it.runIf(process.platform === 'linux' && fs.existsSync('/sys/kernel'))('refuses a folder it cannot create a file in, naming it', () => {
    const e = qcError(() => checkWritableFolder('/sys/kernel'));
    expect(e.code).toBe('bad_input');
    expect(e.message).toMatch(/^\/sys\/kernel cannot be written \((no permission|not permitted)\): Quality Curator needs to write its library there\. Choose another folder\.$/);
  });
});

describe('openDatabase on a file it cannot use', () => {
  it('refuses a folder where the database file should be, naming it', () => {
    const file = path.join(dir, 'library.sqlite');
    fs.mkdirSync(file);
    const e = qcError(() => openDatabase(file));
    expect(e).toBeInstanceOf(QcError);
    expect(e.code).toBe('bad_input');
    expect(e.message).toBe(`${file} is a folder, not a database file: Quality Curator keeps its library database under that name. Move that folder out of ${dir}, or choose another folder.`);
  });

  it('refuses a file that is not a database, and leaves it as it was', () => {
    const file = path.join(dir, 'library.sqlite');
    const text = 'these are my notes, not a database\n'.repeat(200);
    fs.writeFileSync(file, text);
    const e = qcError(() => openDatabase(file));
    expect(e.code).toBe('bad_input');
    expect(e.message).toBe(`${file} is not a Quality Curator library database (it is another kind of file, or damaged): move it out of ${dir}, or choose another folder.`);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });

  it('refuses a damaged database, saying so', () => {
    const file = path.join(dir, 'library.sqlite');
    openDatabase(file).close();
    const bytes = fs.readFileSync(file);
    for (let i = 100; i < bytes.length; i++) bytes[i] = (i * 7) & 255; // the header stays, the pages are noise
    fs.writeFileSync(file, bytes);
    const e = qcError(() => openDatabase(file));
    expect(e.code).toBe('bad_input');
    expect(e.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: the library database is damaged \\(.+\\): put back a copy from a backup, or choose another folder\\.$`));
  });

  it('refuses a database another program keeps locked past the wait, saying what to do', () => {
    const file = path.join(dir, 'library.sqlite');
    const other = new Database(file);
    try {
      // A library in rollback-journal mode (in WAL, readers are not locked out), not migrated yet.
      other.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT '')");
      other.exec('BEGIN EXCLUSIVE');
      other.exec("INSERT INTO schema_migrations (version, name) VALUES (0, 'x')");
      const e = qcError(() => openDatabase(file, { busyTimeoutMs: 200 }));
      expect(e.code).toBe('bad_input');
      expect(e.message).toBe(`${file} is locked by another program (waited 0.2 s for it): close the other program that has this library open, then try again.`);
    } finally {
      other.close();
    }
    // Once the other program lets go, the same file opens.
    openDatabase(file, { busyTimeoutMs: 200 }).close();
  });

  it('refuses a database in a folder that is not there, naming the file (a readonly open)', () => {
    const file = path.join(dir, 'nowhere', 'library.sqlite');
    const e = qcError(() => openDatabase(file, { readonly: true }));
    expect(e.code).toBe('bad_input');
    expect(e.message).toBe(`${file}: cannot open the library database: its folder ${path.dirname(file)} is not there. Choose another folder.`);
  });

  it('leaves errors that are not about the file as they are', () => {
    const bug = Object.assign(new Error('no such table: x'), { code: 'SQLITE_ERROR' });
    expect(databaseOpenError('/l/library.sqlite', bug, 15_000)).toBe(bug);
    const qc = new QcError('schema_too_new', 'newer');
    expect(databaseOpenError('/l/library.sqlite', qc, 15_000)).toBe(qc);
  });
});
