/**
 * Writing where a user points an export: folders made one level at a time, files written whole and
 * never through a link.
 *
 * - `makeDir` creates each missing folder of a path with a plain (non-recursive) mkdir. Node 20's
 *   recursive mkdir loops for ever on file systems that answer ENOENT to a new folder (procfs).
 * - `AtomicFile` / `writeFileAtomic` write to a new temporary file with a random name in the same
 *   folder, opened with `wx` (O_CREAT|O_EXCL: an existing path, a planted link included, is
 *   refused), fsync it, then rename it over the target: rename replaces a link at the target
 *   itself, never the file it points to.
 *
 * A file-system error the user can fix (no permission, a file in the way, read-only, disk full…)
 * becomes `QcError('bad_input', '<path>: <reason>')`; anything else is thrown as it is.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { QcError } from '../../src-shared/contract/errors';
import { thisProcess } from './library/store';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a file is in the way on its path',
  EACCES: 'no permission',
  EPERM: 'not permitted',
  EROFS: 'the file system is read-only',
  EISDIR: 'a folder is in the way',
  EEXIST: 'something is in the way',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many links on its path',
};

const codeOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | null)?.code;

/** Why a file-system call failed, in words, when the user can fix its cause (a wrong path, no permission…); else undefined. */
export function fsReason(e: unknown): string | undefined {
  return REASONS[codeOf(e) ?? ''];
}

/**
 * `e` as a `bad_input` error about `file` when the user can fix its cause, else `e` unchanged. The
 * file system's error stays on the new one's `cause` (not sent anywhere: a QcError's shape is its
 * code and words), for a caller that acts on its code ({@link fsCode}).
 */
export function userFsError(e: unknown, file: string, doing: string, reason?: string): unknown {
  const why = reason ?? fsReason(e);
  return why ? Object.defineProperty(new QcError('bad_input', `${file}: ${doing}: ${why}`), 'cause', { value: e }) : e;
}

/** The file system's error code of `e`, or of the error it was made from (userFsError's cause). */
export function fsCode(e: unknown): string | undefined {
  // A QcError's own `code` is ours (bad_input…), not the file system's.
  return e instanceof QcError ? codeOf(e.cause) : codeOf(e);
}

/** Each folder from the file system's root down to `abs`. */
function ancestry(abs: string): string[] {
  const chain: string[] = [];
  for (let p = abs; ; p = path.dirname(p)) {
    chain.unshift(p);
    if (path.dirname(p) === p) return chain;
  }
}

/**
 * Make the folder `dir` and the missing folders above it, one level at a time (never a recursive
 * mkdir), and return its absolute path; `what` names it in errors (default "the output folder"). Folders below `opts.base` (when given) must not be links:
 * an export follows only the links in the path the user named, not one planted inside it.
 * Throws `bad_input` naming `dir` when a file is in the way, a folder cannot be created there
 * (no permission, read-only, a file system that refuses new folders such as /proc) or a link is
 * where a folder of the export should be.
 */
export function makeDir(dir: string, opts: { base?: string; what?: string } = {}): string {
  const abs = path.resolve(dir);
  const base = opts.base === undefined ? null : path.resolve(opts.base);
  const what = opts.what ?? 'the output folder';
  const doing = `cannot create ${what}`;
  const fail = (e: unknown, p: string) => {
    const why = REASONS[codeOf(e) ?? ''];
    return userFsError(e, abs, doing, why && `${why} (at ${p})`);
  };
  for (const p of ancestry(abs)) {
    const rel = base === null ? '' : path.relative(base, p);
    const below = rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
    let st: fs.Stats | undefined;
    try {
      st = (below ? fs.lstatSync : fs.statSync)(p, { throwIfNoEntry: false });
    } catch (e) {
      throw fail(e, p);
    }
    if (st?.isSymbolicLink()) throw new QcError('bad_input', `${abs}: ${doing}: ${p} is a link, not a folder`);
    if (st?.isDirectory()) continue;
    if (st) {
      if (p === abs) throw new QcError('bad_input', `${abs}: ${what} must be a folder, but a file is there (choose a folder; the files are written inside it)`);
      throw new QcError('bad_input', `${abs}: ${doing}: ${p} is a file, not a folder`);
    }
    try {
      fs.mkdirSync(p);
    } catch (e) {
      const code = codeOf(e);
      if (code === 'EEXIST') {
        const now = fs.lstatSync(p, { throwIfNoEntry: false });
        if (now?.isDirectory()) continue; // made meanwhile by someone else
        throw new QcError('bad_input', `${abs}: ${doing}: ${now?.isSymbolicLink() ? `${p} is a link to nothing` : `${p} is in the way`}`);
      }
      // The parent is a folder (checked above), yet the file system says ENOENT: it refuses new folders (procfs, sysfs).
      if (code === 'ENOENT') throw new QcError('bad_input', `${abs}: ${doing}: the file system does not allow a new folder at ${p}`);
      if (code === 'EACCES' || code === 'EPERM') throw Object.defineProperty(new QcError('bad_input', `${abs}: ${doing}: no permission to create ${p}`), 'cause', { value: e });
      throw fail(e, p);
    }
  }
  return abs;
}

/**
 * This process as the owner of a temporary name (`<pid>_<start>`, or `<pid>` where the start is
 * unknown): the form library/store.ts `tempOwner` reads, so a sweep can tell a dead writer's
 * leftovers from a live one's (`ownerEnded`) even where pids are reused (containers).
 */
export function tempOwnerKey(): string {
  const me = thisProcess();
  return me.start ? `${me.pid}_${me.start}` : String(me.pid);
}

/** The temporary files of AtomicFiles this process has open (absolute paths): a sweep leaves them alone. */
const openTemps = new Set<string>();

/** Whether `file` (absolute) is the temporary file of an AtomicFile this process still has open. */
export function isOpenTemp(file: string): boolean {
  return openTemps.has(file);
}

/**
 * A file written under a new temporary name next to its target, then renamed into place
 * (`commit`) or removed (`discard`). The temporary name is random and opened with `wx`, so a file
 * or link planted there is never written through; `commit` replaces a link at the target itself.
 */
export class AtomicFile {
  /** The temporary file: `<file>.tmp-<pid>_<start>-<random>` (export/stage.ts sweeps those of dead processes). */
  readonly tmp: string;
  private fd: number | null;

  constructor(readonly file: string) {
    this.tmp = `${path.resolve(file)}.tmp-${tempOwnerKey()}-${randomBytes(6).toString('hex')}`;
    try {
      this.fd = fs.openSync(this.tmp, 'wx');
    } catch (e) {
      throw userFsError(e, file, 'cannot write it');
    }
    openTemps.add(this.tmp);
  }

  write(data: string | Uint8Array): void {
    if (this.fd === null) throw new Error(`${this.file}: written after commit or discard`);
    try {
      fs.writeFileSync(this.fd, data);
    } catch (e) {
      this.discard();
      throw userFsError(e, this.file, 'cannot write it');
    }
  }

  /** Flush the data to disk, close, and rename over the target. On failure nothing is left behind. */
  commit(): void {
    this.publish((tmp) => {
      fs.renameSync(tmp, this.file);
      return this.file;
    });
  }

  /**
   * Like commit, but never over a file already at the target: the data is published there only if
   * nothing is (link(2), which is atomic and fails if the name exists, even as a link), else at
   * `otherwise` (renamed over whatever is there). Returns the path it was published at.
   */
  commitUnlessTaken(otherwise: string): string {
    return this.publish((tmp) => {
      try {
        fs.linkSync(tmp, this.file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        fs.renameSync(tmp, otherwise);
        return otherwise;
      }
      fs.rmSync(tmp, { force: true });
      return this.file;
    });
  }

  /** Flush the data to disk, close, and move the temporary file into place with `place`; on failure nothing is left behind. */
  private publish(place: (tmp: string) => string): string {
    try {
      const fd = this.fd;
      if (fd === null) throw new Error(`${this.file}: committed after commit or discard`);
      fs.fsyncSync(fd);
      this.fd = null;
      fs.closeSync(fd);
      const at = place(this.tmp);
      openTemps.delete(this.tmp);
      return at;
    } catch (e) {
      this.discard();
      throw userFsError(e, this.file, 'cannot write it');
    }
  }

  /** Close and remove the temporary file (the target is left as it was). Safe to call more than once. */
  discard(): void {
    if (this.fd !== null) {
      const fd = this.fd;
      this.fd = null;
      try {
        fs.closeSync(fd);
      } catch {
        // already unusable: removing the file is what matters
      }
    }
    fs.rmSync(this.tmp, { force: true });
    openTemps.delete(this.tmp);
  }
}

/** Write `data` to `file` atomically, never through a link (see {@link AtomicFile}). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const f = new AtomicFile(file);
  f.write(data);
  f.commit();
}
