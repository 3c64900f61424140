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
import type { Db } from '../db/open';
import { checkWritableFolder, unwritableFolder } from '../db/openErrors';
import { makeDir, userFsError } from '../fsSafe';
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
 * `bad_input` naming the folder and why, ending in what to do ("Choose another folder.").
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
}

export class ImageStore {
  constructor(readonly paths: LibraryPaths) {
    for (const dir of [paths.root, paths.originals, paths.thumbs, paths.previews, paths.tmp]) {
      try {
        fs.mkdirSync(dir, { recursive: true });
      } catch (e) {
        throw libraryFolderError(paths.root, dir, e);
      }
    }
  }

  /**
   * Remove temporary files left by crashed runs (those whose writer process is gone: {@link ownerEnded}):
   * in tmp/, and the `<file>.tmp-<pid>[_<start>]-<random>` files that a run's graphs left in
   * runs/ID/train_graphs/ when they were written there directly (before they went through tmp/).
   */
  sweepTemp(): number {
    let removed = 0;
    const me = thisProcess();
    // A name with this process's pid is this process's own only if it carries this process's start.
    const ended = (owner: ProcessOwner) => ownerEnded(owner, () => owner.start === me.start, this.paths.owners);
    for (const name of fs.readdirSync(this.paths.tmp)) {
      if (!ended(tempOwner(name))) continue;
      fs.rmSync(path.join(this.paths.tmp, name), { force: true, recursive: true });
      removed++;
    }
    const runs = path.join(this.paths.root, 'runs');
    for (const run of readdirOrNone(runs)) {
      const dir = path.join(runs, run, 'train_graphs');
      for (const name of readdirOrNone(dir)) {
        const m = /\.tmp-(\d+)(?:_([0-9a-z.]+))?-[0-9a-f]+$/i.exec(name);
        if (!m || !ended({ pid: Number(m[1]), start: m[2] ?? null })) continue;
        fs.rmSync(path.join(dir, name), { force: true });
        removed++;
      }
    }
    return removed;
  }

  /**
   * Store the original, and the thumbnail and preview when they are made already (files.ts makes
   * them later otherwise, under the same names). `ownPreview`: the original is its own preview.
   */
  async write(hash: string, format: string, original: Buffer, derived: { ownPreview: boolean; preview: Buffer | null; thumb: Buffer | null }): Promise<StoredFiles> {
    const files = filesFor(hash, format);
    if (derived.ownPreview) files.previewPath = files.path;
    await Promise.all([
      this.put(files.path, original),
      derived.preview && !derived.ownPreview ? this.put(files.previewPath, derived.preview) : null,
      derived.thumb ? this.put(files.thumbPath, derived.thumb) : null,
    ]);
    return files;
  }

  abs(rel: string): string {
    return path.join(this.paths.root, rel);
  }

  private put(rel: string, bytes: Buffer): Promise<void> {
    return putFile(this.paths, rel, bytes);
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

/** The names in a folder; none when it is not there (or not a folder). */
function readdirOrNone(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

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

/**
 * Hold this process's owner lock on the library whose `owners/` folder is given, until the
 * returned release is called (counted: every core this process opens on the library shares one
 * lock). Best effort: where the lock cannot be taken, owners are judged by pid and start alone.
 */
export function holdOwnerLock(folder: string): () => void {
  const me = thisProcess();
  if (process.platform === 'win32' || me.start === null) return () => {};
  let owners: string;
  try {
    fs.mkdirSync(folder, { recursive: true });
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
 * while making them, after a minute). Returns how many were removed.
 */
export function sweepOwnerLocks(owners: string): number {
  let names: string[];
  try {
    names = fs.readdirSync(owners);
  } catch {
    return 0;
  }
  let mine: string | undefined;
  try {
    mine = OWNER_LOCKS.get(fs.realpathSync(owners))?.file;
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const file = path.join(owners, name);
    if (mine && name === path.basename(mine)) continue;
    if (name.startsWith('.')) {
      const age = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age < 60_000 || lockFileState(file) === 'held') continue;
    } else if (!name.endsWith(LOCK_SUFFIX) || lockFileState(file) !== 'free') continue;
    fs.rmSync(file, { force: true });
    removed++;
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
