/**
 * Why a library cannot be opened, in a curator's words: a folder Quality Curator cannot write (a
 * read-only file system, no permission, a full disk, a file in the way) or a database file it
 * cannot use (a folder, another kind of file, damaged, locked by another program). Each becomes
 * `QcError('bad_input', …)` naming the folder or file, its reason, and what to do — one line the
 * CLI prints and the app shows — instead of Node's "ENOENT: no such file or directory, mkdir …"
 * (a recursive mkdir's answer on a read-only file system) or SQLite's bare "unable to open database file".
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { QcError } from '../../../src-shared/contract/errors';

const codeOf = (e: unknown): string | undefined => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** A file-system error's code as the reason a folder cannot be written ("<folder> <reason>: …"). */
const CANNOT_WRITE: Record<string, string> = {
  EROFS: 'is on a read-only file system',
  EACCES: 'cannot be written (no permission)',
  EPERM: 'cannot be written (not permitted)',
  ENOSPC: 'is on a full disk',
  EDQUOT: 'is on a disk whose quota is used up',
};

const NEEDS_TO_WRITE = 'Quality Curator needs to write its library there.';

/**
 * `e` (from writing in the library folder `folder`) as a `bad_input` naming the folder and why it
 * cannot be written, or null when `e` is not about a folder that cannot be written.
 */
export function unwritableFolder(folder: string, e: unknown): QcError | null {
  const code = codeOf(e);
  const why = code && CANNOT_WRITE[code];
  if (!why) return null;
  const next = code === 'ENOSPC' || code === 'EDQUOT' ? 'Free some space there, or choose another folder.' : 'Choose another folder.';
  return new QcError('bad_input', `${folder} ${why}: ${NEEDS_TO_WRITE} ${next}`);
}

/**
 * Whether Quality Curator can create a file in the existing folder `folder`: a probe file is made
 * (new, `wx`) and removed. Throws `bad_input` naming the folder and why when it cannot (a real
 * write, so a read-only mount or a folder root cannot write in, such as /sys, is caught before any
 * library file is touched).
 */
export function checkWritableFolder(folder: string): void {
  const probe = path.join(folder, `.qc-write-check-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    fs.closeSync(fs.openSync(probe, 'wx'));
  } catch (e) {
    throw unwritableFolder(folder, e) ?? new QcError('bad_input', `${folder} cannot be written (${(e as Error).message}): ${NEEDS_TO_WRITE} Choose another folder.`);
  }
  fs.rmSync(probe, { force: true });
}

/**
 * An error from opening the library database `file` (better-sqlite3's open, its first pragmas and
 * migrations) as a `bad_input` naming the file or its folder and the reason; any other error
 * (a QcError, a migration's own bug) is returned unchanged. `waitedMs`: how long the open waited
 * for another program's lock. `free`: the bytes free on a folder's disk (statfs; a test's stand-in).
 */
export function databaseOpenError(file: string, e: unknown, waitedMs: number, free: (folder: string) => number | null = freeBytes): unknown {
  const code = codeOf(e);
  const folder = path.dirname(file);
  const bad = (message: string) => new QcError('bad_input', message);
  // better-sqlite3 checks the folder itself before SQLite sees the file.
  if (e instanceof TypeError && /directory does not exist/.test(e.message)) return bad(`${file}: cannot open the library database: its folder ${folder} is not there. Choose another folder.`);
  if (e instanceof QcError || !code?.startsWith('SQLITE_')) return e;
  if (code === 'SQLITE_NOTADB') {
    return bad(`${file} is not a Quality Curator library database (it is another kind of file, or damaged): move it out of ${folder}, or choose another folder.`);
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return bad(`${file}: the library database is damaged (${(e as Error).message}): put back a copy from a backup, or choose another folder.`);
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return bad(`${file} is locked by another program (waited ${Number((waitedMs / 1000).toFixed(1))} s for it): close the other program that has this library open, then try again.`);
  }
  // A full disk: SQLITE_FULL, or an I/O error (SQLITE_IOERR_SHMSIZE: no room for the -shm file) on
  // a disk with (almost) no space left. The probe file of whyCannotOpen is empty, so it would pass there.
  const left = code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR') ? free(folder) : null;
  if (code === 'SQLITE_FULL' || (code.startsWith('SQLITE_IOERR') && isNearlyFull(left))) {
    return new QcError('disk_full', `${folder} is on a full disk (${shownBytes(left)} free): Quality Curator needs a little space there to open the library; the library itself was not changed. Free some space on that disk, then try again.`);
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    return bad(whyCannotOpen(file, e as Error));
  }
  return e;
}

/** Ask the file system why SQLite could not open or write `file`, in words. */
function whyCannotOpen(file: string, e: Error): string {
  const folder = path.dirname(file);
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(file, { throwIfNoEntry: false });
  } catch (err) {
    return `${file}: cannot open the library database (${(err as Error).message}). Choose another folder.`;
  }
  if (st?.isDirectory()) return `${file} is a folder, not a database file: Quality Curator keeps its library database under that name. Move that folder out of ${folder}, or choose another folder.`;
  if (st && !st.isFile()) return `${file} is not a file: Quality Curator keeps its library database under that name. Move it out of ${folder}, or choose another folder.`;
  // The file (or, when it is not there, the folder) as SQLite must write it: it needs the folder for its -wal and -shm files.
  try {
    // Asked of the system, not by opening the file: closing a descriptor of it would drop every
    // lock this process's SQLite holds on it (db/warm.ts).
    if (st) fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK);
    checkWritableFolder(folder);
  } catch (err) {
    const unwritable = err instanceof QcError ? err : unwritableFolder(file, err);
    if (unwritable) return unwritable.message;
  }
  return `${file}: cannot open the library database (${e.message}). Choose another folder.`;
}

/** What cannot be written, and why ("<file> cannot be written (no permission)"), asked of the file system; null when it all can. */
export function whyDatabaseUnwritable(file: string): string | null {
  // The file, then the -wal and -shm SQLite writes beside it (when they are there), then the folder
  // it makes them in. Asked with access(2), never by opening the file: closing a descriptor of it
  // would drop the locks this process's SQLite holds on it (db/warm.ts).
  for (const f of [file, `${file}-wal`, `${file}-shm`, path.dirname(file)]) {
    try {
      fs.accessSync(f, fs.constants.W_OK);
    } catch (e) {
      const code = codeOf(e);
      if (code === 'ENOENT') continue;
      const why = code && CANNOT_WRITE[code];
      if (why) return `${f} ${why}`;
    }
  }
  return null;
}

const MAKE_WRITABLE = 'make it writable (check its owner, permissions and immutable flag)';

/**
 * A library database that opens but cannot be written (a read-only file, -wal or -shm; root's
 * immutable flag): refused at open as `read_only` naming the file and the way out, rather than
 * letting every later change fail with SQLite's bare "attempt to write a readonly database".
 */
export function readOnlyAtOpen(file: string): QcError | null {
  const why = whyDatabaseUnwritable(file);
  if (!why) return null;
  return new QcError('read_only', `${why}: Quality Curator saves every change in the library database, so it cannot open this library. To use it, ${MAKE_WRITABLE}, or copy the library folder to a place you can write and open the copy.`);
}

/**
 * SQLite's error from a change to the open library database `file` as a QcError naming what
 * cannot be written and what to do (SQLITE_READONLY: `read_only`; SQLITE_FULL, or an I/O error
 * with the disk (nearly) full: `disk_full`); any other error is returned
 * unchanged (the same object, so callers that look at SQLite's code still can). `free`: as for
 * databaseOpenError.
 */
export function databaseWriteError(file: string, e: unknown, free: (folder: string) => number | null = freeBytes): unknown {
  if (e instanceof QcError) return e;
  const code = codeOf(e);
  if (!code?.startsWith('SQLITE_')) return e;
  let err: QcError | null = null;
  if (code.startsWith('SQLITE_READONLY')) {
    const why = whyDatabaseUnwritable(file) ?? `${file} cannot be written (${(e as Error).message})`;
    err = new QcError('read_only', `${why}: this change was not saved, and the library is as it was. Make it writable (check its owner, permissions and immutable flag), then try again.`);
  }
  if (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR')) {
    const left = free(path.dirname(file));
    if (code === 'SQLITE_FULL' || isNearlyFull(left)) err = diskFullWrite(file, left);
  }
  if (!err) return e;
  Object.defineProperty(err, 'cause', { value: e, enumerable: false, configurable: true });
  return err;
}

/** Below this many bytes free, a disk counts as full: SQLite needs room for a page, the -wal's growth and a 32 KiB -shm. */
export const NEARLY_FULL_BYTES = 1024 * 1024;

/** Bytes free to this process on the file system holding `folder` (statfs), or null when it cannot be asked. */
export function freeBytes(folder: string): number | null {
  try {
    const s = fs.statfsSync(folder);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

const isNearlyFull = (free: number | null): boolean => free !== null && free < NEARLY_FULL_BYTES;

/** "0 bytes", "36 kB", "1.5 MB", "an unknown amount". */
export function shownBytes(n: number | null): string {
  if (n === null) return 'an unknown amount';
  if (n < 1000) return `${n} bytes`;
  if (n < 1e6) return `${Math.floor(n / 1000)} kB`;
  if (n < 1e9) return `${Number((n / 1e6).toFixed(1))} MB`;
  return `${Number((n / 1e9).toFixed(1))} GB`;
}

/**
 * SQLite found no room for a change to `file`. With the library's disk (nearly) full, that is
 * what it says; with space there, SQLite's temporary files (the system's temporary folder) or a
 * size limit ran out, and it names both places.
 */
function diskFullWrite(file: string, free: number | null): QcError {
  const folder = path.dirname(file);
  const after = 'this change was not saved, and the library is as it was.';
  if (free === null || isNearlyFull(free)) return new QcError('disk_full', `${folder} is on a full disk (${shownBytes(free)} free): ${after} Free some space on that disk, then try again.`);
  return new QcError('disk_full', `${file}: the database or disk is full (${folder} has ${shownBytes(free)} free; SQLite's temporary files go to ${os.tmpdir()}): ${after} Free some space, then try again.`);
}
