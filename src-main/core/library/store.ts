/**
 * Content-addressed files: originals, previews and thumbnails named by the sha256 of the original.
 * Every file is written to tmp/ and renamed into place, so a crash never leaves a partial file
 * under a final name; the database row is committed only after the files made at import exist
 * (the original always; the thumbnail and preview unless they are made later: verify.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/open';
import type { LibraryPaths } from '../paths';

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

export class ImageStore {
  constructor(readonly paths: LibraryPaths) {
    for (const dir of [paths.root, paths.originals, paths.thumbs, paths.previews, paths.tmp]) fs.mkdirSync(dir, { recursive: true });
  }

  /** Remove temporary files left by crashed runs (those whose writer process is gone: {@link ownerEnded}). */
  sweepTemp(): number {
    let removed = 0;
    const me = thisProcess();
    for (const name of fs.readdirSync(this.paths.tmp)) {
      const owner = tempOwner(name);
      // A name with this process's pid is this process's own only if it carries this process's start.
      if (!ownerEnded(owner, () => owner.start === me.start)) continue;
      fs.rmSync(path.join(this.paths.tmp, name), { force: true, recursive: true });
      removed++;
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

/**
 * Write a file of the library atomically (tmp/, then rename) unless it is already there
 * (content-addressed: same name, same bytes). Names in tmp/ start with the writer's pid and start
 * (`<pid>_<start>-…`, {@link tempOwner}; `<pid>-…` where the start is unknown) for sweepTemp.
 */
export async function putFile(paths: Pick<LibraryPaths, 'root' | 'tmp'>, rel: string, bytes: Buffer): Promise<void> {
  const dest = path.join(paths.root, rel);
  if (fs.existsSync(dest)) return;
  await fs.promises.mkdir(path.dirname(dest), { recursive: true });
  const tmp = path.join(paths.tmp, `${tempPrefix()}-${randomBytes(6).toString('hex')}`);
  await fs.promises.writeFile(tmp, bytes);
  await fs.promises.rename(tmp, dest);
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

let self: { pid: number; start: string | null } | undefined;
/** This process as an owner of library work. */
export function thisProcess(): { pid: number; start: string | null } {
  return (self ??= { pid: process.pid, start: processStart(process.pid) });
}

/**
 * Whether the process that owns some work has ended: the one rule for imports left `running`
 * (importer.ts) and files left in tmp/ (sweepTemp). A pid of this very process is asked of
 * `ownedHere` (does this process hold the work?); another pid's process has ended when no process
 * has that pid, or the one that has it started at another time than the owner recorded. Where the
 * start is unknown (not recorded, or no /proc), a live pid is taken as the owner.
 */
export function ownerEnded(owner: ProcessOwner, ownedHere: () => boolean): boolean {
  const { pid, start } = owner;
  if (pid === null || !Number.isSafeInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return !ownedHere();
  if (!isAlive(pid)) return true;
  if (start === null) return false;
  const now = processStart(pid);
  return now !== null && now !== start;
}

/** The owner named by a file in tmp/ (`<pid>_<start>-…` or `<pid>-…`). */
export function tempOwner(name: string): ProcessOwner {
  const m = /^(\d+)(?:_([0-9a-z.]+))?-/i.exec(name);
  return { pid: m ? Number(m[1]) : null, start: m?.[2] ?? null };
}

function tempPrefix(): string {
  const me = thisProcess();
  return me.start ? `${me.pid}_${me.start}` : String(me.pid);
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
 * The work (imports, training runs) this process holds on a library, by the library's database
 * file: a row left `running` with this process's pid that is not in here is not running (see
 * {@link ownerEnded}). Shared by every core this process opens on that library.
 */
const HELD_BY_FILE = new Map<string, Set<number>>();
const HELD_IN_MEMORY = new WeakMap<Db, Map<string, Set<number>>>();

export function heldHere(db: Db, what: 'imports' | 'runs'): Set<number> {
  if (db.memory) {
    const own = HELD_IN_MEMORY.get(db) ?? new Map<string, Set<number>>();
    HELD_IN_MEMORY.set(db, own);
    const set = own.get(what) ?? new Set<number>();
    own.set(what, set);
    return set;
  }
  let file: string;
  try {
    file = fs.realpathSync(db.name);
  } catch {
    file = path.resolve(db.name);
  }
  const key = `${what}\0${file}`;
  const set = HELD_BY_FILE.get(key) ?? new Set<number>();
  HELD_BY_FILE.set(key, set);
  return set;
}
