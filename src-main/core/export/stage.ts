/**
 * An export is published whole or not at all. Every file of one export is written into a hidden
 * stage folder inside the output folder (`.qc-export-<pid>_<start>-<random>`, made by the export
 * rule: a plain mkdir of a new random name, so a link planted there is refused, never followed),
 * then moved into place by rename (same file system; a rename replaces a link at the target itself,
 * never the file it points to) in an order the export chooses, its "complete" file last (the final
 * tags, the model card). Before the first file moves, the old complete file of the same export is
 * removed, so a process killed while publishing leaves an export that is visibly incomplete, never
 * one that looks whole. Files an older export of the same name wrote and this one does not (later
 * chunks, another run's graphs) are removed before the complete file goes in. An export that says
 * which files are its own (`owns`: a tag file's first line, a model card's format, a model's ONNX
 * producer, a graph's marker: ours.ts) never replaces or removes any other:
 * a file of the curator's at one of its names is refused before anything moves, and one where an
 * older export's file would be is left alone.
 *
 * Temporaries left by a process that died (stage folders and AtomicFile `<file>.tmp-<owner>-<hex>`)
 * are swept from the output folder before an export writes, by the owners rule of
 * library/store.ts (`ownerEnded`); a live process's temporaries, this one's included, are left alone,
 * and so, for an hour since last touched, are those of processes this library does not know (another
 * library's, container's or machine's writing into the same folder).
 * A cancelled or failed export removes its stage: what was in the folder before is untouched.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { QcError } from '../../../src-shared/contract/errors';
import { isOpenTemp, makeDir, tempOwnerKey, userFsError } from '../fsSafe';
import { onThisMachine, ownerEnded, ownerLockState, tempOwner, type ProcessOwner } from '../library/store';

export const STAGE_PREFIX = '.qc-export-';

/** Stage folders this process holds (absolute paths). */
const heldStages = new Set<string>();

const OWNER = '(\\d+(?:_[0-9a-z.]+)?)';
const STAGE_NAME = new RegExp(`^${STAGE_PREFIX.replace(/\./g, '\\.')}${OWNER}-[0-9a-f]{12}$`, 'i');
const TEMP_NAME = new RegExp(`\\.tmp-${OWNER}-[0-9a-f]{12}$`, 'i');

/** The owner named by a stage folder's or an AtomicFile temporary's name; null for any other name. */
export function exportTempOwner(name: string): ProcessOwner | null {
  const m = STAGE_NAME.exec(name) ?? TEMP_NAME.exec(name);
  return m ? tempOwner(`${m[1]}-`) : null;
}

/** Whether `name` is a stage folder's name (of any process). */
export function isStageName(name: string): boolean {
  return STAGE_NAME.test(name);
}

/**
 * How long a temporary of a writer that neither ran on this machine and pid namespace nor holds a
 * lock in this library's owners/ must have been left untouched before it is swept. An output folder
 * may be shared by processes of other containers or machines (a classify sharded over a cluster
 * writes into one folder): their pids mean nothing here, so "no such process" is no proof that the
 * writer has ended.
 */
export const FOREIGN_TEMP_QUIET_MS = 60 * 60 * 1000;

/** Whether `abs` (a file, or a stage folder and what is directly in it) has been left untouched for `ms`. */
function quietFor(abs: string, ms: number): boolean {
  const since = Date.now() - ms;
  const st = fs.lstatSync(abs, { throwIfNoEntry: false });
  if (!st) return true;
  if (st.mtimeMs > since) return false;
  if (!st.isDirectory()) return true;
  for (const name of fs.readdirSync(abs)) {
    const inner = fs.lstatSync(path.join(abs, name), { throwIfNoEntry: false });
    if (inner && inner.mtimeMs > since) return false;
  }
  return true;
}

/**
 * Sweep `dir` (not below it) of the export temporaries whose process has ended. Returns what it
 * removed and the temporaries of live processes it left. `owners`: the library's owners/ folder,
 * where the caller knows it: a lock there answers for a process of this library (in any pid
 * namespace); a temporary of a process it does not know is swept only once it has been left
 * untouched for {@link FOREIGN_TEMP_QUIET_MS}.
 */
export function sweepExportTemps(dir: string, owners?: string | null): { removed: string[]; live: string[] } {
  const removed: string[] = [];
  const live: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return { removed, live };
    throw userFsError(e, dir, 'cannot read the output folder');
  }
  for (const name of names) {
    const owner = exportTempOwner(name);
    if (!owner) continue;
    const abs = path.join(dir, name);
    // Proof that the writer ended: its lock in this library's owners/, or its pid gone (or reused)
    // on this very machine and pid namespace. Anything else waits until left untouched for an hour.
    const provable = onThisMachine(owner) || (Boolean(owners) && ownerLockState(owners!, owner) !== 'none');
    if (!ownerEnded(owner, () => heldStages.has(abs) || isOpenTemp(abs), owners ?? null) || (!provable && !quietFor(abs, FOREIGN_TEMP_QUIET_MS))) {
      live.push(abs);
      continue;
    }
    // rm never follows a link: a link under a temporary's name is removed itself, and so are links inside a stage.
    fs.rmSync(abs, { recursive: true, force: true });
    removed.push(abs);
  }
  return { removed, live };
}

/**
 * Which files already in the output folder an export may replace or remove: `test` says whether the
 * file at an absolute path is one an export wrote (a tag file: its first line is a tag header; a
 * model card: its format; export/ours.ts); `what` names such a file in the refusal of one that is
 * not (given the file's path where an export writes files of several kinds).
 */
export interface OwnedFiles {
  test: (abs: string) => boolean;
  what: string | ((abs: string) => string);
}

/**
 * Refuse (QcError bad_input, naming the file) when any of `rels` (relative to `outDir`) is taken by
 * a file that `owns` does not recognise: an export never replaces or removes a curator's file that
 * merely has the name of one of its files. A name with nothing there, or a folder (refused by
 * publish in its own words), passes, and so does one below a file (refused when its folder is made).
 */
export function refuseNotOwned(outDir: string, rels: readonly string[], owns: OwnedFiles): void {
  for (const rel of rels) {
    const abs = path.join(outDir, rel);
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(abs, { throwIfNoEntry: false });
    } catch {
      continue; // a file where a folder above it goes (ENOTDIR): refused when the folder is made, in its own words
    }
    if (!st || st.isDirectory() || owns.test(abs)) continue;
    throw new QcError(
      'bad_input',
      `${abs}: already there and not ${typeof owns.what === 'string' ? owns.what : owns.what(abs)}: this export would replace it, so nothing was written; move or rename that file, or choose another output folder`,
    );
  }
}

/** One export being written: files go into `dir` (the stage), then `publish` moves them into `outDir`. */
export class ExportStage {
  private done = false;

  private constructor(
    /** The output folder the user named (absolute). */
    readonly outDir: string,
    /** The stage folder inside it. */
    readonly dir: string,
  ) {}

  /**
   * Make the output folder (makeDir), sweep it of dead processes' temporaries, and make a new
   * stage folder in it. `what` names the output folder in errors.
   */
  static open(outDir: string, opts: { owners?: string | null; what?: string } = {}): ExportStage {
    const out = makeDir(outDir, opts.what === undefined ? {} : { what: opts.what });
    sweepExportTemps(out, opts.owners);
    const dir = path.join(out, `${STAGE_PREFIX}${tempOwnerKey()}-${randomBytes(6).toString('hex')}`);
    try {
      fs.mkdirSync(dir, { mode: 0o700 }); // a new name: EEXIST for anything planted there, a link included
    } catch (e) {
      throw userFsError(e, out, 'cannot write in the output folder');
    }
    heldStages.add(dir);
    return new ExportStage(out, dir);
  }

  /** Where the file `rel` (relative to the output folder) is written in the stage. */
  path(rel: string): string {
    return path.join(this.dir, rel);
  }

  /** Make a folder `rel` inside the stage. */
  mkdir(rel: string): string {
    return makeDir(this.path(rel), { base: this.dir, what: 'a folder of the export' });
  }

  /**
   * Move the staged files into the output folder: `remove` first (the old complete file, so a kill
   * from here on leaves a visibly incomplete export), then `files` in order (each one rename; a
   * staged folder moves whole when nothing is at its place), then `stale` removed, then `last`.
   * Paths are relative to the output folder. Folders above a file are made by the export rule
   * (no link below the output folder followed). The stage is removed at the end. With `owns`, a
   * file at a name of `remove`, `files` or `last` that it does not recognise is refused before
   * anything moves ({@link refuseNotOwned}), and one in `stale` is left where it is.
   */
  publish(plan: { files: string[]; last?: string; remove?: string[]; stale?: string[]; owns?: OwnedFiles }): void {
    if (this.done) throw new Error(`${this.dir}: published after publish or discard`);
    const target = (rel: string) => path.join(this.outDir, rel);
    const rm = (rel: string) => {
      try {
        fs.rmSync(target(rel), { force: true });
      } catch (e) {
        throw userFsError(e, target(rel), 'cannot remove the older export');
      }
    };
    // Nothing moves when a folder is in the way of a file (it would fail part way).
    for (const rel of [...(plan.remove ?? []), ...plan.files, ...(plan.last === undefined ? [] : [plan.last])]) {
      const st = fs.lstatSync(target(rel), { throwIfNoEntry: false });
      if (st?.isDirectory() && !fs.lstatSync(this.path(rel), { throwIfNoEntry: false })?.isDirectory()) {
        throw new QcError('bad_input', `${target(rel)}: cannot write it: a folder is in the way`);
      }
    }
    if (plan.owns) refuseNotOwned(this.outDir, [...(plan.remove ?? []), ...plan.files, ...(plan.last === undefined ? [] : [plan.last])], plan.owns);
    for (const rel of plan.remove ?? []) rm(rel);
    const move = (rel: string) => {
      const to = target(rel);
      if (path.dirname(rel) !== '.') makeDir(path.dirname(to), { base: this.outDir, what: 'a folder of the export' });
      try {
        fs.renameSync(this.path(rel), to);
      } catch (e) {
        throw userFsError(e, to, 'cannot move it into place');
      }
    };
    for (const rel of plan.files) move(rel);
    for (const rel of plan.stale ?? []) if (!plan.owns || plan.owns.test(target(rel))) rm(rel);
    if (plan.last !== undefined) move(plan.last);
    this.discard();
  }

  /**
   * `e` with the paths inside the stage that it names told as their places in the output folder
   * (`…/out/.qc-export-…/model.onnx: cannot write it: the disk is full` is told as
   * `…/out/model.onnx: …`): the stage is hidden, and gone by the time the error is read. Any other
   * error comes back as it is.
   */
  told(e: unknown): unknown {
    if (!(e instanceof QcError) || !(e.message.includes(this.dir) || e.file?.includes(this.dir))) return e;
    const swap = (s: string) => s.split(this.dir).join(this.outDir);
    const told = new QcError(e.code, swap(e.message), {
      ...(e.file !== undefined && { file: swap(e.file) }),
      ...(e.line !== undefined && { line: e.line }),
      ...(e.detail !== undefined && { detail: e.detail }),
    });
    if (e.stack) told.stack = e.stack;
    return told;
  }

  /** Remove the stage and everything in it (the output folder's other files are untouched). Safe to call more than once. */
  discard(): void {
    if (this.done) return;
    this.done = true;
    fs.rmSync(this.dir, { recursive: true, force: true });
    heldStages.delete(this.dir);
  }
}
