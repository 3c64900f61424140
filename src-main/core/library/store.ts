/**
 * Content-addressed files: originals, previews and thumbnails named by the sha256 of the original.
 * Every file is written to tmp/ and renamed into place, so a crash never leaves a partial file
 * under a final name; the database row is committed only after the files made at import exist
 * (the original always; the thumbnail and preview unless they are made later: verify.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { QcError } from '../../../src-shared/contract/errors';
import { checkDatabaseFile, type Db } from '../db/open';
import { checkWritableFolder, unwritableFolder } from '../db/openErrors';
import { fsCode, makeDir, userFsError } from '../fsSafe';
import { libraryPaths, type LibraryPaths } from '../paths';

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface StoredFiles {
  /** Relative to the data dir. */
  path: string;
  thumbPath: string;
  previewPath: string;
}

const EXT: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', gif: 'gif', tiff: 'tif', avif: 'avif', heif: 'heic' };

export function filesFor(hash: string, format: string): StoredFiles {
  const shard = hash.slice(0, 2);
  return {
    path: path.join('originals', shard, `${hash}.${EXT[format] ?? format}`),
    thumbPath: path.join('thumbs', shard, `${hash}.webp`),
    previewPath: path.join('previews', shard, `${hash}.webp`),
  };
}

/**
 * Make sure the library folder `root` is a folder Quality Curator can write, before any library
 * file is touched: it is made when missing (one level at a time, fsSafe `makeDir`), and a probe
 * file is created in it. A path that cannot be one (a file there or on the way, a file system that
 * refuses new folders), a read-only file system, no permission or a full disk is refused with a
 * `bad_input` naming the folder and why, ending in what to do ("Choose another folder."); so is a
 * library whose own folders ({@link LIBRARY_FOLDERS}) are there as a link or a file
 * ({@link checkLibraryFolders}), and one whose `library.sqlite` openDatabase would refuse unchanged
 * (another program's database: db/open.ts {@link checkDatabaseFile}), before its folders are made.
 */
export function checkLibraryFolder(root: string): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(root, { throwIfNoEntry: false });
  } catch {
    st = undefined; // a file on the way (ENOTDIR), or no permission to look: makeDir says which
  }
  if (st && !st.isDirectory()) throw new QcError('bad_input', `${root} is a file, not a folder: Quality Curator keeps its library in a folder. Choose another folder.`);
  if (!st) {
    try {
      makeDir(root, { what: 'the library folder' });
    } catch (e) {
      throw e instanceof QcError ? new QcError('bad_input', `${e.message}. Choose another folder.`) : e;
    }
  }
  checkWritableFolder(root);
  checkLibraryFolders(root);
  checkDatabaseFile(libraryPaths(root).db);
}

/**
 * The library's own folders, where Quality Curator writes files and removes them (the open sweeps
 * tmp/, owners/ and runs/; an import settles journal/ and originals/, thumbs/, previews/). Each must be
 * a real folder inside the library, or not there yet: through a link, a sweep would remove files
 * wherever it leads.
 */
export const LIBRARY_FOLDERS = ['originals', 'thumbs', 'previews', 'tmp', 'owners', 'journal', 'runs'] as const;

/**
 * Refuse (`bad_input`, naming it and what to do) a library whose own folders ({@link LIBRARY_FOLDERS})
 * include a link (to a folder or anything else) or a file, before anything in them is removed or written.
 */
export function checkLibraryFolders(root: string): void {
  for (const name of LIBRARY_FOLDERS) realLibraryFolder(root, path.join(root, name));
}

/**
 * Whether `dir`, a folder of the library `root`, is there as a real folder (false when it is not there,
 * or cannot be looked at: making it says why). A link there, or a file, is refused with a `bad_input`.
 */
function realLibraryFolder(root: string, dir: string): boolean {
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(dir, { throwIfNoEntry: false });
  } catch {
    return false;
  }
  if (!st) return false;
  if (st.isSymbolicLink()) {
    throw new QcError(
      'bad_input',
      `${root}: ${dir} is a link, not a folder: Quality Curator writes and removes its library's files in that folder, so it must be a real folder inside the library. Replace the link with a real folder holding what it leads to (a link for tmp/ or owners/ can just be deleted: Quality Curator makes those folders again), or choose another folder.`,
    );
  }
  if (!st.isDirectory()) throw new QcError('bad_input', fileInTheWay(root, dir));
  return true;
}

const fileInTheWay = (root: string, dir: string) => `${root}: ${dir} is a file, not a folder: Quality Curator keeps its library's files in that folder. Move the file away, or choose another folder.`;

export class ImageStore {
  /** Makes the library's folders; refuses (`bad_input`) a library whose own folders are a link or a file ({@link checkLibraryFolders}). */
  constructor(readonly paths: LibraryPaths) {
    try {
      fs.mkdirSync(paths.root, { recursive: true });
    } catch (e) {
      throw libraryFolderError(paths.root, paths.root, e);
    }
    checkLibraryFolders(paths.root);
    for (const dir of [paths.originals, paths.thumbs, paths.previews, paths.tmp]) {
      try {
        fs.mkdirSync(dir, { recursive: true });
      } catch (e) {
        throw libraryFolderError(paths.root, dir, e);
      }
    }
  }

  /**
   * Remove temporary files left by crashed runs (those whose writer process is gone: {@link ownerEnded}):
   * in tmp/ (putFile's `<pid>[_<start>]-<12 hex>`), and the `<file>.tmp-<pid>[_<start>]-<12 hex>` files
   * (fsSafe AtomicFile) that a run's graphs left in runs/ID/train_graphs/ when they were written there
   * directly (before they went through tmp/). Only regular files under those names, in real folders
   * of the library: anything else there (a file of another name, a folder, a link) is left alone, a
   * file that cannot be removed is left for the next open, and tmp/ or runs/ that is a link (or a
   * file) is refused (`bad_input`) before anything is removed.
   */
  sweepTemp(): number {
    const { root, tmp, owners } = this.paths;
    const runs = path.join(root, 'runs');
    const hasTmp = realLibraryFolder(root, tmp);
    const hasRuns = realLibraryFolder(root, runs);
    let removed = 0;
    const me = thisProcess();
    // A name with this process's pid is this process's own only if it carries this process's start.
    const ended = (owner: ProcessOwner) => ownerEnded(owner, () => owner.start === me.start, owners);
    const sweep = (dir: string, name: RegExp) => {
      for (const e of realDirents(dir)) {
        const m = e.isFile() ? name.exec(e.name) : null;
        if (m && ended({ pid: Number(m[1]), start: m[2] ?? null }) && removeFile(path.join(dir, e.name))) removed++;
      }
    };
    if (hasTmp) sweep(tmp, TEMP_NAME);
    if (hasRuns) for (const run of realDirents(runs)) if (run.isDirectory()) sweep(path.join(runs, run.name, 'train_graphs'), GRAPH_TEMP_NAME);
    return removed;
  }

  /**
   * Store the original, and the thumbnail and preview when they are made already (files.ts makes
   * them later otherwise, under the same names). `ownPreview`: the original is its own preview.
   * With a journal (an import's: {@link ImportJournal}), the files are listed in it before they are
   * stored. Returns the names and the files stored (or found stored) now, which the caller's row
   * must find there ({@link ImageStore.has}).
   */
  async write(
    hash: string,
    format: string,
    original: Buffer,
    derived: { ownPreview: boolean; preview: Buffer | null; thumb: Buffer | null },
    journal?: ImportJournal,
  ): Promise<{ files: StoredFiles; stored: string[] }> {
    const files = filesFor(hash, format);
    if (derived.ownPreview) files.previewPath = files.path;
    const puts: [string, Buffer][] = [[files.path, original]];
    if (derived.preview && !derived.ownPreview) puts.push([files.previewPath, derived.preview]);
    if (derived.thumb) puts.push([files.thumbPath, derived.thumb]);
    const stored = puts.map(([rel]) => rel);
    try {
      journal?.record(stored);
      await Promise.all(puts.map(([rel, bytes]) => this.put(rel, bytes)));
    } catch (e) {
      throw WHOLE_LIBRARY.has(fsCode(e) ?? '') ? new LibraryWriteFailure(e) : e;
    }
    return { files, stored };
  }

  /** Whether every file named is in place (a regular file). */
  has(rels: readonly string[]): boolean {
    return rels.every((rel) => fs.lstatSync(this.abs(rel), { throwIfNoEntry: false })?.isFile() === true);
  }

  /** The journal of the files import `importId` stores ({@link ImportJournal}). */
  journal(importId: number): ImportJournal {
    return new ImportJournal(this.paths.root, importId);
  }

  /** Settle the journal an import left unfinished ({@link settleJournal}). */
  settleJournal(db: Db, importId: number): Generator<void> {
    return settleJournal(db, this.paths.root, importId);
  }

  /** The imports that have a journal here. */
  journalIds(): number[] {
    return journalIds(this.paths.root);
  }

  abs(rel: string): string {
    return path.join(this.paths.root, rel);
  }

  private put(rel: string, bytes: Buffer): Promise<void> {
    return putFile(this.paths, rel, bytes);
  }
}

/**
 * A picture the library could not store ({@link ImageStore.write}) because no picture could be:
 * its disk full, its folders unwritable ({@link WHOLE_LIBRARY}; a link planted in one of its
 * folders fails only the pictures stored there, as their own failures). The library's problem, not the picture's: an import stops
 * at it (importer.ts) instead of recording every URL after it as failed for the same cause. Keeps
 * the error's code and words (a user-fixable cause is `bad_input` naming the file, fsSafe.ts
 * userFsError), and says what to do.
 */
/** File-system errors that stop every write to the library, not one picture's: its disk full, its folders not writable. */
const WHOLE_LIBRARY = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM']);

export class LibraryWriteFailure extends QcError {
  constructor(readonly failure: unknown) {
    const qc = failure instanceof QcError ? failure : null;
    const words = qc?.message ?? (failure instanceof Error ? failure.message : String(failure));
    super(qc?.code ?? 'internal', `${words} (the import stopped: what it stored so far is kept; make room or fix the library folder, then import again for the rest)`, {
      ...(qc?.file !== undefined && { file: qc.file }),
    });
  }
}

/** A failed mkdir of `dir` (a folder of the library `root`) as a `bad_input` naming the folder and why; other errors unchanged. */
function libraryFolderError(root: string, dir: string, e: unknown): unknown {
  const unwritable = unwritableFolder(root, e);
  if (unwritable) return unwritable;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  const there = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (code === 'EEXIST' || code === 'ENOTDIR') {
    return new QcError('bad_input', `${root}: ${there && !there.isDirectory() ? `${dir} is a file, not a folder` : `a file is in the way of ${dir}`}: Quality Curator keeps its library's files in that folder. Move the file away, or choose another folder.`);
  }
  // A recursive mkdir answers ENOENT where the file system refuses a new folder (read-only, procfs).
  if (code === 'ENOENT') return new QcError('bad_input', `${root}: the file system does not allow a new folder ${dir}: ${NEEDS_WRITE}`);
  return e;
}

const NEEDS_WRITE = 'Quality Curator needs to write its library there. Choose another folder.';

/** The names in a folder; none when it is not there, not a folder, or a link. */
function readdirOrNone(dir: string): string[] {
  return realDirents(dir).map((e) => e.name);
}

/** The entries of a real folder (their types as they are, links not followed); none when it is not there, not a folder, or a link. */
function realDirents(dir: string): fs.Dirent[] {
  try {
    if (!fs.lstatSync(dir, { throwIfNoEntry: false })?.isDirectory()) return [];
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Remove one file (never a folder: no recursion); false when it could not be (gone already, no permission). */
function removeFile(file: string): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch {
    return false;
  }
}

/** A temporary file in tmp/ as putFile names it: `<pid>[_<start>]-<12 hex>` ({@link tempOwner}). */
const TEMP_NAME = /^(\d+)(?:_([0-9a-z.]+))?-[0-9a-f]{12}$/;
/** A temporary file of fsSafe AtomicFile beside its target: `<file>.tmp-<pid>[_<start>]-<12 hex>`. */
const GRAPH_TEMP_NAME = /\.tmp-(\d+)(?:_([0-9a-z.]+))?-[0-9a-f]{12}$/;

/**
 * Write a file of the library atomically (tmp/, then rename) unless it is already there
 * (content-addressed: same name, same bytes), or over it with `replace`. Names in tmp/ start with the writer's pid and start
 * (`<pid>_<start>-…`, {@link tempOwner}; `<pid>-…` where the start is unknown) for sweepTemp.
 *
 * Never through a link planted inside the library (a shared or unpacked library folder whose
 * `thumbs/c5` or `originals/7b` leads elsewhere): its folders, tmp/ included, are made one level at a
 * time by fsSafe.ts `makeDir` with the library as the base, which refuses a link anywhere below the
 * library folder (`bad_input` naming it); the temporary file is created new (`wx`), and a link
 * where the file itself should be is replaced, never written through. The same rule as reads
 * (files.ts: a file whose real path leaves its folder is never served).
 */
export async function putFile(paths: Pick<LibraryPaths, 'root' | 'tmp'>, rel: string, bytes: Buffer, opts: { replace?: boolean } = {}): Promise<void> {
  const dest = path.join(paths.root, rel);
  makeDir(path.dirname(dest), { base: paths.root, what: 'a library folder' });
  const there = await fs.promises.lstat(dest).catch(() => null);
  if (!opts.replace && there?.isFile()) return;
  makeDir(paths.tmp, { base: paths.root, what: "the library's tmp folder" });
  const tmp = path.join(paths.tmp, `${tempPrefix()}-${randomBytes(6).toString('hex')}`);
  try {
    await fs.promises.writeFile(tmp, bytes, { flag: 'wx' });
    await fs.promises.rename(tmp, dest);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw userFsError(e, dest, 'cannot store it');
  }
}

/**
 * Who owns a piece of library work (an import row, a file in tmp/): a process, by its pid and,
 * where the system tells (Linux: /proc), when it started. A pid alone does not name a process:
 * pids are reused, and in a container every run is pid 1.
 */
export interface ProcessOwner {
  pid: number | null;
  /** {@link processStart} of the owner when it recorded the work; null where unknown. */
  start: string | null;
}

/**
 * When a live process started: `<start time>.<boot id>` on Linux (field 22 of /proc/<pid>/stat, in
 * clock ticks since boot, and the boot it counts from), null where /proc does not tell. Two
 * processes with the same pid have different starts.
 */
export function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the command name (field 2, in parentheses, may hold spaces and ')') start at field 3.
    const ticks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[22 - 3];
    if (!ticks || !/^\d+$/.test(ticks)) return null;
    return bootId ? `${ticks}.${bootId}` : ticks;
  } catch {
    return null;
  }
}

const bootId = (() => {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim().replace(/[^0-9a-f]/gi, '');
  } catch {
    return '';
  }
})();

/**
 * This process's pid namespace (the inode of /proc/self/ns/pid), null where the system does not
 * tell. Pids mean something only inside one namespace: two containers on one host sharing a
 * library each have their own pid 1.
 */
const pidNamespace = (() => {
  try {
    return /\[(\d+)\]/.exec(fs.readlinkSync('/proc/self/ns/pid'))?.[1] ?? null;
  } catch {
    return null;
  }
})();

let self: { pid: number; start: string | null } | undefined;
/**
 * This process as an owner of library work: its pid and start, with its pid namespace where known
 * (`<start time>.<boot id>.<namespace>`), so that work recorded in another namespace is not judged
 * by a pid of this one.
 */
export function thisProcess(): { pid: number; start: string | null } {
  if (!self) {
    const start = processStart(process.pid);
    self = { pid: process.pid, start: start && pidNamespace && bootId ? `${start}.${pidNamespace}` : start };
  }
  return self;
}

/** The start as processStart gives it (`<ticks>.<boot>`) and the namespace, from a recorded start. */
function splitStart(start: string): { start: string; namespace: string | null } {
  const parts = start.split('.');
  return parts.length >= 3 ? { start: parts.slice(0, 2).join('.'), namespace: parts[2]! } : { start, namespace: null };
}

/**
 * Whether `owner` ran on this machine and in this pid namespace (its recorded start names the same
 * boot and namespace as this process's), so that whether its pid lives here says whether it lives.
 * False where the start was not recorded: a pid alone may be another machine's.
 */
export function onThisMachine(owner: ProcessOwner): boolean {
  const me = thisProcess().start;
  if (owner.start === null || me === null) return false;
  const [, boot, ns] = owner.start.split('.');
  const [, myBoot, myNs] = me.split('.');
  return boot !== undefined && ns !== undefined && boot === myBoot && ns === myNs;
}

/**
 * Whether the process that owns some work has ended: the one rule for imports and training runs
 * left `running` (importer.ts, runs.ts) and files left in tmp/ (sweepTemp).
 * 1. Work of this very process (same pid, same namespace) is asked of `ownedHere` (does this
 *    process hold the work?).
 * 2. Where the owner holds its lock in the library's `owners/` folder ({@link holdOwnerLock}), the
 *    lock answers: the system releases it when the process ends, however it ends. This is what
 *    works across pid namespaces (containers on one host sharing a library).
 * 3. Otherwise an owner recorded in another pid namespace has ended (it holds no lock: it released
 *    it when it closed the library, or never could take one), and another pid's process has ended
 *    when no process has that pid, or the one that has it started at another time than the owner
 *    recorded. Where the start is unknown (not recorded, or no /proc), a live pid is taken as the owner.
 */
export function ownerEnded(owner: ProcessOwner, ownedHere: () => boolean, owners?: string | null): boolean {
  const { pid, start } = owner;
  if (pid === null || !Number.isSafeInteger(pid) || pid <= 0) return true;
  const recorded = start === null ? null : splitStart(start);
  const foreign = recorded?.namespace != null && pidNamespace !== null && recorded.namespace !== pidNamespace;
  if (pid === process.pid && !foreign) return !ownedHere();
  if (owners) {
    const lock = ownerLockState(owners, owner);
    if (lock !== 'none') return lock === 'free';
  }
  if (foreign) return true;
  if (!isAlive(pid)) return true;
  if (recorded === null) return false;
  const now = processStart(pid);
  return now !== null && now !== recorded.start;
}

/** The owner named by a file in tmp/ (`<pid>_<start>-…` or `<pid>-…`). */
export function tempOwner(name: string): ProcessOwner {
  const m = /^(\d+)(?:_([0-9a-z.]+))?-/i.exec(name);
  return { pid: m ? Number(m[1]) : null, start: m?.[2] ?? null };
}

function ownerKey(owner: { pid: number | null; start: string | null }): string {
  return owner.start ? `${owner.pid}_${owner.start}` : String(owner.pid);
}

function tempPrefix(): string {
  return ownerKey(thisProcess());
}

// --- owner locks ---------------------------------------------------------------------------------
//
// A process that works on a library holds an exclusive SQLite lock on its own file
// `owners/<pid>_<start>.lock` while the library is open (createCore). Other processes tell whether
// it lives by trying that lock (ownerLockState): the kernel drops a process's locks when it ends,
// SIGKILL and power cut included, and it does so whatever pid namespace the process is in. SQLite's
// locking is used, not a hand-made one, because it is the lock the library's database already relies
// on (POSIX advisory locks, with SQLite's care for the "closing any descriptor drops the process's
// locks" rule), and better-sqlite3 is already here. Not on Windows (no pid namespaces; a locked file
// cannot be renamed into place there).

const OWNER_LOCKS = new Map<string, { db: Database.Database; file: string; users: number }>();
const LOCK_SUFFIX = '.lock';

/** A lock file in owners/: `<pid>_<start>.lock` ({@link ownerKey}; a lock is taken only where the start is known). */
const LOCK_NAME = /^\d+_[0-9a-z.]+\.lock$/;
/** A lock file being made, under a name no one judges until it is renamed into place: `.<pid>_<start>-<12 hex>`. */
const LOCK_TEMP_NAME = /^\.\d+_[0-9a-z.]+-[0-9a-f]{12}$/;

/**
 * Hold this process's owner lock on the library whose `owners/` folder is given, until the
 * returned release is called (counted: every core this process opens on the library shares one
 * lock). Best effort: where the lock cannot be taken, owners are judged by pid and start alone.
 * An `owners/` that is a link or a file is refused (`bad_input`): no lock file is written where it leads.
 */
export function holdOwnerLock(folder: string): () => void {
  const me = thisProcess();
  if (process.platform === 'win32' || me.start === null) return () => {};
  const root = path.dirname(path.resolve(folder));
  realLibraryFolder(root, folder);
  let owners: string;
  try {
    makeDir(folder, { base: root, what: "the library's owners folder" });
    owners = fs.realpathSync(folder); // one lock however the library is named (a link, a relative path)
  } catch {
    return () => {};
  }
  const held = OWNER_LOCKS.get(owners);
  if (held) {
    held.users++;
    return releaseOnce(owners);
  }
  const file = path.join(owners, `${ownerKey(me)}${LOCK_SUFFIX}`);
  // Made and locked under a name no one else judges, then renamed into place: a lock file is never
  // seen unlocked while its owner lives.
  const temp = path.join(owners, `.${ownerKey(me)}-${randomBytes(6).toString('hex')}`);
  let db: Database.Database | null = null;
  try {
    db = new Database(temp, { timeout: 0 });
    db.pragma('journal_mode = MEMORY'); // no journal file beside the lock
    db.exec('BEGIN EXCLUSIVE');
    fs.renameSync(temp, file);
  } catch {
    db?.close();
    fs.rmSync(temp, { force: true });
    return () => {};
  }
  OWNER_LOCKS.set(owners, { db, file, users: 1 });
  return releaseOnce(owners);
}

function releaseOnce(owners: string): () => void {
  let done = false;
  return () => {
    const held = OWNER_LOCKS.get(owners);
    if (done || !held) return;
    done = true;
    if (--held.users > 0) return;
    OWNER_LOCKS.delete(owners);
    // The file goes first: while it is there, it is locked.
    fs.rmSync(held.file, { force: true });
    held.db.close();
  };
}

/** `held`: the owner's process lives; `free`: it has ended; `none`: it has no lock file to ask. */
export function ownerLockState(owners: string, owner: ProcessOwner): 'held' | 'free' | 'none' {
  if (owner.pid === null || owner.start === null) return 'none';
  return lockFileState(path.join(owners, `${ownerKey(owner)}${LOCK_SUFFIX}`));
}

function lockFileState(file: string): 'held' | 'free' | 'none' {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: 0 });
  } catch {
    return 'none';
  }
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return 'free';
  } catch (e) {
    return (e as { code?: string }).code === 'SQLITE_BUSY' ? 'held' : 'none';
  } finally {
    db.close();
  }
}

/**
 * Remove the lock files of processes that have ended (and the half-made ones of processes that died
 * while making them, after a minute). Returns how many were removed. Only regular files named as
 * holdOwnerLock names them: anything else in owners/ is left alone, and an `owners/` that is a link
 * (or a file) is refused (`bad_input`) before anything is removed.
 */
export function sweepOwnerLocks(owners: string): number {
  if (!realLibraryFolder(path.dirname(path.resolve(owners)), owners)) return 0;
  let mine: string | undefined;
  try {
    mine = OWNER_LOCKS.get(fs.realpathSync(owners))?.file;
  } catch {
    return 0;
  }
  let removed = 0;
  for (const e of realDirents(owners)) {
    const { name } = e;
    const file = path.join(owners, name);
    if (!e.isFile() || (mine && name === path.basename(mine))) continue;
    if (LOCK_TEMP_NAME.test(name)) {
      const age = Date.now() - (fs.lstatSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age < 60_000 || lockFileState(file) === 'held') continue;
    } else if (!LOCK_NAME.test(name) || lockFileState(file) !== 'free') continue;
    if (removeFile(file)) removed++;
  }
  return removed;
}

/** The `owners/` folder of the library whose database this is; null for a database in memory. */
export function ownersOf(db: Db): string | null {
  return db.memory ? null : libraryPaths(path.dirname(db.name)).owners;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The work (imports, training runs, a rule change's relabelling, a whole-library embedding) this process holds on a library,
 * by the library's database file: work recorded `running` with this process's pid that is not in
 * here is not running (see {@link ownerEnded}). Shared by every core this process opens on that
 * library.
 */
interface HeldWork {
  imports: number;
  runs: number;
  /** RelabelState versions (labels.ts). */
  relabels: string;
  /** EmbeddingState tokens (embedService.ts). */
  embeds: string;
}
const HELD_BY_FILE = new Map<string, Set<unknown>>();
const HELD_IN_MEMORY = new WeakMap<Db, Map<string, Set<unknown>>>();

export function heldHere<W extends keyof HeldWork>(db: Db, what: W): Set<HeldWork[W]> {
  if (db.memory) {
    const own = HELD_IN_MEMORY.get(db) ?? new Map<string, Set<unknown>>();
    HELD_IN_MEMORY.set(db, own);
    const set = own.get(what) ?? new Set<unknown>();
    own.set(what, set);
    return set as Set<HeldWork[W]>;
  }
  let file: string;
  try {
    file = fs.realpathSync(db.name);
  } catch {
    file = path.resolve(db.name);
  }
  const key = `${what}\0${file}`;
  const set = HELD_BY_FILE.get(key) ?? new Set<unknown>();
  HELD_BY_FILE.set(key, set);
  return set as Set<HeldWork[W]>;
}

// --- files an import stored before their rows ----------------------------------------------------
//
// An import stores a picture's files (original, thumbnail, preview) before it commits the picture's
// row, so a row never names a missing file; a process killed in between leaves files that no row
// names. So each import first lists the files it is about to store (or finds stored) in its journal,
// `journal/import-<id>`, one path a line, written to the system at once (a SIGKILL does not lose it).
// At the end of every page of URLs the import removes the page's files that no row names (a picture
// that failed after its original was stored) and empties its journal. An import whose process ended
// is settled the same way from its journal when it is marked interrupted (importer.ts
// markInterrupted, at the next open), and the journal is removed: the work is bounded by what that
// import could have stored, never a scan of the library (`qc doctor` scans: findUnnamedFiles).
//
// A file is removed only inside a write transaction that finds no row naming it, and the importer
// commits a row only inside a write transaction that finds the row's stored files in place (it stores
// them again otherwise): no interleaving of two processes leaves a row whose file was removed.

const JOURNAL_DIR = 'journal';
const JOURNAL_NAME = /^import-(\d+)$/;
const CONTENT_KINDS = ['originals', 'thumbs', 'previews'] as const;
/** Files removed per write transaction when an import's files are settled. */
const REMOVE_CHUNK = 500;
/** A journal holds one page of URLs' files (a few hundred kB); one larger than this is not read. */
const MAX_JOURNAL_BYTES = 64 * 1024 * 1024;

const slashed = (rel: string) => rel.split(path.sep).join('/');

/**
 * The sha256 that names a file of the content-addressed folders (`originals|thumbs|previews/<first two
 * hex digits>/<sha256>.<ext>`, relative to the library); null for any other path, which is never removed.
 */
export function contentHashOf(rel: string): string | null {
  const m = /^(?:originals|thumbs|previews)\/([0-9a-f]{2})\/([0-9a-f]{64})\.[0-9a-z]{1,8}$/.exec(slashed(rel));
  return m && m[2]!.startsWith(m[1]!) ? m[2]! : null;
}

/** Whether an image row names a file: the row of the sha256 in its name (content-addressed: no other row can). */
function rowNames(db: Db): (rel: string) => boolean {
  const row = db.prepare<[string], { path: string; thumb_path: string; preview_path: string }>('SELECT path, thumb_path, preview_path FROM images WHERE sha256 = ?');
  return (rel) => {
    const hash = contentHashOf(rel);
    if (hash === null) return true;
    const r = row.get(hash);
    const name = slashed(rel);
    return r !== undefined && [r.path, r.thumb_path, r.preview_path].some((p) => slashed(p) === name);
  };
}

/** Whether `rel` is a regular file in real folders of the library (never reached through a link planted in it). */
function fileInPlace(root: string, rel: string): boolean {
  const parts = slashed(rel).split('/');
  for (let i = 1; i < parts.length; i++) {
    const st = fs.lstatSync(path.join(root, ...parts.slice(0, i)), { throwIfNoEntry: false });
    if (!st?.isDirectory()) return false;
  }
  return fs.lstatSync(path.join(root, ...parts), { throwIfNoEntry: false })?.isFile() === true;
}

/**
 * Remove those of `rels` (files of the content-addressed folders, relative to the library `root`)
 * that no image row names, in write transactions of REMOVE_CHUNK with a yield between them
 * (db/paced.ts drives it). Each is looked up first without the write lock, then again inside the
 * transaction that removes it: a row committed meanwhile keeps its file. `removed.n` counts them.
 */
export function* removeUnnamedFiles(db: Db, root: string, rels: Iterable<string>, removed = { n: 0 }): Generator<void> {
  const named = rowNames(db);
  const candidates = [...new Set(rels)].filter((rel) => contentHashOf(rel) !== null && !named(rel) && fileInPlace(root, rel));
  for (let i = 0; i < candidates.length; i += REMOVE_CHUNK) {
    if (i > 0) yield;
    db.transaction(() => {
      for (const rel of candidates.slice(i, i + REMOVE_CHUNK)) {
        if (named(rel) || !fileInPlace(root, rel)) continue;
        try {
          fs.rmSync(path.join(root, rel));
          removed.n++;
        } catch {
          // Left in place (qc doctor counts it).
        }
      }
    }).immediate();
  }
}

function journalFile(root: string, importId: number): string {
  return path.join(root, JOURNAL_DIR, `import-${importId}`);
}

/**
 * The files one import stores (see above), as the import itself keeps it: {@link record} before
 * storing, {@link settle} at the end of each page of URLs, {@link finish} when the import ends.
 */
export class ImportJournal {
  private fd: number | null = null;
  /** The files recorded since the journal was last emptied. */
  private names: string[] = [];
  readonly file: string;

  constructor(
    private readonly root: string,
    readonly importId: number,
  ) {
    this.file = journalFile(root, importId);
  }

  /** List files about to be stored (before they are). The journal file is made on the first. */
  record(rels: readonly string[]): void {
    if (this.fd === null) {
      makeDir(path.dirname(this.file), { base: this.root, what: "the library's journal folder" });
      const flags = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | (fs.constants.O_NOFOLLOW ?? 0);
      this.fd = fs.openSync(this.file, flags, 0o644);
    }
    fs.writeSync(this.fd, rels.map((r) => `${r}\n`).join(''));
    this.names.push(...rels);
  }

  /** Remove the files recorded that no row names (their pictures stopped after them), then empty the journal. Call when none is in flight. */
  *settle(db: Db): Generator<void> {
    if (!this.names.length) return;
    yield* removeUnnamedFiles(db, this.root, this.names);
    this.names = [];
    if (this.fd !== null) fs.ftruncateSync(this.fd, 0);
  }

  /** Settle, then remove the journal (before the import's row leaves `running`). */
  *finish(db: Db): Generator<void> {
    yield* this.settle(db);
    this.close();
    fs.rmSync(this.file, { force: true });
  }

  /** Close the journal file (it stays for the next open to settle unless finished). */
  close(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** The files listed in import `importId`'s journal; none when it has none. */
function journalNames(root: string, importId: number): string[] {
  const file = journalFile(root, importId);
  if (!fileInPlace(root, path.relative(root, file))) return [];
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!st?.isFile() || st.size > MAX_JOURNAL_BYTES) return [];
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Settle the journal that import `importId` left when its process ended (or it stopped without
 * finishing it): remove the files it lists that no row names, then the journal.
 */
export function* settleJournal(db: Db, root: string, importId: number): Generator<void> {
  const names = journalNames(root, importId);
  if (names.length) yield* removeUnnamedFiles(db, root, names);
  // Only a regular file in the library's real journal/ folder (never through a link planted there).
  if (fileInPlace(root, path.relative(root, journalFile(root, importId)))) removeFile(journalFile(root, importId));
}

/** The imports that have a journal in the library. */
export function journalIds(root: string): number[] {
  return readdirOrNone(path.join(root, JOURNAL_DIR)).flatMap((name) => {
    const m = JOURNAL_NAME.exec(name);
    return m ? [Number(m[1])] : [];
  });
}

export interface UnnamedFiles {
  /** Files under originals/, thumbs/ and previews/ that no image row names. */
  count: number;
  bytes: number;
  /** A few of them, relative to the library. */
  examples: string[];
  /** How many of them an import whose process ended listed: the next open of the library removes them. */
  settling: number;
}

/**
 * Every file under originals/, thumbs/ and previews/ that no image row names (`qc doctor`), a shard
 * at a time with the rows of the shard's sha256 range. Files listed in the journal of an import
 * whose process lives are not counted: their rows may be on the way.
 */
export function findUnnamedFiles(db: Db, root: string): UnnamedFiles {
  const owners = libraryPaths(root).owners;
  const held = heldHere(db, 'imports');
  const live = new Set<string>();
  const dead = new Set<string>();
  const running = db.prepare("SELECT id, pid, pid_start FROM imports WHERE status = 'running'").all() as { id: number; pid: number | null; pid_start: string | null }[];
  const runningIds = new Set(running.map((r) => r.id));
  for (const r of running) {
    const ended = ownerEnded({ pid: r.pid, start: r.pid_start }, () => held.has(r.id), owners);
    for (const name of journalNames(root, r.id)) (ended ? dead : live).add(slashed(name));
  }
  for (const id of journalIds(root)) if (!runningIds.has(id)) for (const name of journalNames(root, id)) dead.add(slashed(name));
  const found: UnnamedFiles = { count: 0, bytes: 0, examples: [], settling: 0 };
  const note = (rel: string) => {
    if (live.has(rel)) return;
    found.count++;
    found.bytes += fs.lstatSync(path.join(root, rel), { throwIfNoEntry: false })?.size ?? 0;
    if (found.examples.length < 3) found.examples.push(rel);
    if (dead.has(rel)) found.settling++;
  };
  const shards = new Set<string>();
  for (const kind of CONTENT_KINDS) {
    for (const e of realDirents(path.join(root, kind))) {
      if (e.isDirectory() && /^[0-9a-f]{2}$/.test(e.name)) shards.add(e.name);
      else note(`${kind}/${e.name}`);
    }
  }
  const inRange = db.prepare<[string, string], { path: string; thumb_path: string; preview_path: string }>('SELECT path, thumb_path, preview_path FROM images WHERE sha256 >= ? AND sha256 < ?');
  for (const shard of [...shards].sort()) {
    const named = new Set<string>();
    for (const r of inRange.iterate(shard, `${shard}g`)) for (const p of [r.path, r.thumb_path, r.preview_path]) named.add(slashed(p));
    for (const kind of CONTENT_KINDS) {
      for (const e of realDirents(path.join(root, kind, shard))) {
        const rel = `${kind}/${shard}/${e.name}`;
        if (!named.has(rel)) note(rel);
      }
    }
  }
  return found;
}

