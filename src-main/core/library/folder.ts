/**
 * Local folders: the seed's Google-Drive layout (`images/1..5/*.jpg` rated by folder,
 * `images/agg/bad|good/*.jpg` labelled by folder), a folder sorted into `Good/` and `Bad/` (labelled
 * like `agg/good|bad`), or a plain folder of unlabelled images.
 *
 * A folder is read as the layout only when it looks like it: at least one of `1`…`5`, `agg`,
 * `good` and `bad` (any case) is a subfolder and it has no other subfolder (hidden ones aside), or
 * it is not so itself and has an `images` subfolder that is. Then every picture in a class folder
 * (`1`…`5`, `agg/bad`, `agg/good`, `bad`, `good`, any case) and its subfolders has that class, and
 * every other picture of the chosen folder (loose beside the classes, in another subfolder of
 * `agg`, beside `images`) is imported unlabelled. Any other folder (numbered batches `1` … `7`, a
 * `Bad/` beside an `Unsorted/`) is a plain folder: every picture in it and its subfolders,
 * unlabelled. No picture is left out in silence.
 *
 * Nothing outside the chosen folder is read: a folder of the layout (`images`, a class folder,
 * `agg`) that is a link is read only when its real path is inside the chosen folder's, links
 * among the files are never followed (readFolderFile opens with O_NOFOLLOW), and a link that leads
 * outside is a recorded problem. Every entry named like an image that is not imported (a link, a
 * folder, a FIFO) is a problem with its reason, never skipped in silence. Names are read as bytes:
 * a file whose name is not UTF-8 is read by its exact name.
 *
 * A subfolder that cannot be listed (no permission, an I/O error) is a problem and its path is in
 * the scan's `unlisted`: what is in it is unknown, not gone, so an import again keeps what earlier
 * imports stored from it. The chosen folder, or the layout's `images`, that cannot be listed
 * refuses the whole import. "Permission denied" (EACCES, EPERM) is said as such, never as missing.
 *
 * A folder chosen around its `images` (export-training's DIR) may hold `curator_labels.tsv`
 * beside it ({@link readCuratorManifest}; read too when the chosen folder is that `images`): which
 * pictures a curator labelled, by sha256. The importer makes those curator labels again where the
 * picture's folder still says the listed label; a manifest that is not one refuses the import.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { QcError } from '../../../src-shared/contract/errors';
import type { Label } from '../../../src-shared/domain/label';
import type { FailureReason } from '../../../src-shared/domain/library';
import { DEFAULT_FETCH_OPTIONS, FetchFailure } from './fetch';
import { describeStat, readOpened } from './sources';
import { IN_LIBRARY, isLibraryFolderTest } from './inLibrary';
import { isOpenDatabaseFile } from '../db/open';

/** File name endings of the formats verify.ts accepts (JPEG's rarer ones too: .jfif, .jpe, .pjpeg, .pjp). */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jpe', '.jfif', '.pjpeg', '.pjp', '.png', '.apng', '.webp', '.gif', '.tif', '.tiff', '.avif', '.heic', '.heif']);

export interface FolderRow {
  /** The file's path as text (its origin): the path itself where it is UTF-8 ({@link pathText}). */
  file: string;
  /** The file's path, byte for byte: what is read. */
  path: Buffer;
  url: string;
  rating: number | null;
  folderLabel: Label | null;
  /** `path` (under the layout's root), `folder` (its class folder), and the file's `size` and `modified` (ISO time) when scanned. */
  raw: Record<string, string>;
}

/** An entry of the folder that is not imported, and why (recorded as a failure of the import). */
export interface FolderProblem {
  file: string;
  url: string;
  reason: FailureReason;
  detail: string;
}

export interface FolderScan {
  /** The chosen folder as text (absolute): every picture under it that is not hidden is read or recorded. */
  chosen: string;
  root: string;
  /** The real path of the chosen folder: nothing outside it is read ({@link readFolderFile}). */
  base: Buffer;
  layout: 'rated' | 'flat';
  rows: FolderRow[];
  /** Files skipped because their extension is not an image's: how many, by extension (lower case; '' for none). */
  skippedByExtension: Record<string, number>;
  /** Hidden entries (names starting with '.') left out: files (links included) and folders, whose contents are not read. */
  hidden: { files: number; folders: number };
  /** Entries named like images (and folders to read) that are not imported. */
  problems: FolderProblem[];
  /**
   * Folders under the chosen one that exist but could not be listed (no permission, an I/O error):
   * what is in them is unknown, not gone, so the rows earlier imports stored under them are kept.
   */
  unlisted: string[];
  /** The curator labels `curator_labels.tsv` beside the layout's `images` gives, by sha256; absent when there is none. */
  curator?: Map<string, Label>;
}

/** export-training's list of the pictures in `images/agg/` a curator labelled (export/training.ts), beside `images`. */
export const CURATOR_MANIFEST = 'curator_labels.tsv';
export const CURATOR_MANIFEST_HEADER = 'sha256\tlabel\tfile';
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/**
 * The curator labels of {@link CURATOR_MANIFEST} in `folder`, by the picture's sha256 (any case; a
 * line repeating one with the same label counts once), or null when there is none. An empty one, or
 * one of its header only, lists none; a byte order mark before the header is dropped. One that is a
 * link, not a regular file, over 64 MB, has a line that is not `sha256 TAB good|bad TAB file`, or
 * gives one sha256 both labels (which did the curator decide?) refuses the import (bad_input naming
 * its file and line): its labels would be made curator labels. The `file` column is not read: the
 * folder a picture sits in now decides whether the line still holds (importer.ts).
 */
export function readCuratorManifest(folder: Buffer): Map<string, Label> | null {
  const p = join(folder, CURATOR_MANIFEST);
  const file = pathText(p);
  const st = lstatOf(p);
  if (!st) return null;
  if (!st.isFile()) throw new QcError('bad_input', `${st.isSymbolicLink() ? NOT_FOLLOWED : `${describeStat(st)}, not a regular file`}: it would list the pictures a curator labelled; nothing was imported`, { file });
  if (st.size > MAX_MANIFEST_BYTES) throw new QcError('bad_input', `${st.size} bytes, over the ${MAX_MANIFEST_BYTES / 1024 / 1024} MB a list of curator labels may have; nothing was imported`, { file });
  let text: string;
  try {
    // Opened without following a link planted since the lstat above.
    const fd = fs.openSync(p, OPEN_FLAGS);
    try {
      text = utf8.decode(fs.readFileSync(fd));
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    throw new QcError('bad_input', `cannot read the list of curator labels (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); nothing was imported`, { file });
  }
  // Saved by an editor that marks UTF-8 (as tag files may be): the mark is no part of the header.
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const labels = new Map<string, Label>();
  // Emptied (a curator who took every line out, the header too): it lists no picture.
  if (!text.trim()) return labels;
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  // The error carries the file and line, which every front door shows before the message (describeError).
  if (lines[0] !== CURATOR_MANIFEST_HEADER) throw new QcError('bad_input', `not a list of curator labels (its header must be ${CURATOR_MANIFEST_HEADER.replace(/\t/g, ', ')}); nothing was imported`, { file, line: 1 });
  const lineOf = new Map<string, number>();
  lines.slice(1).forEach((text, i) => {
    if (!text) return;
    const line = i + 2;
    const [given, label] = text.split('\t');
    if (!/^[0-9a-f]{64}$/i.test(given ?? '') || (label !== 'good' && label !== 'bad')) {
      throw new QcError('bad_input', 'not a sha256 and a label good or bad; nothing was imported', { file, line });
    }
    const sha = given!.toLowerCase();
    const before = labels.get(sha);
    if (before !== undefined && before !== label) {
      throw new QcError('bad_input', `sha256 ${sha} is listed ${label} here and ${before} at line ${lineOf.get(sha)}: a picture has one curator label; nothing was imported`, { file, line });
    }
    if (before === undefined) lineOf.set(sha, line);
    labels.set(sha, label);
  });
  return labels;
}

export const LEADS_OUTSIDE = 'a link that leads outside the chosen folder';
const NOT_FOLLOWED = 'a link, not a regular file (a folder import does not follow links to files)';

const SEP = Buffer.from(path.sep);
const RATING_DIRS = ['1', '2', '3', '4', '5'];
/** Folders that label what is in them, in `agg` and at the top of the layout (a folder sorted into `Good/` and `Bad/`). */
const LABEL_DIRS = ['bad', 'good'] as const;

function join(dir: Buffer, name: Buffer | string): Buffer {
  return Buffer.concat([dir, dir[dir.length - 1] === SEP[0] ? Buffer.alloc(0) : SEP, Buffer.from(name)]);
}

function statOf(p: Buffer): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

function lstatOf(p: Buffer): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
}

function realOf(p: Buffer): Buffer | null {
  try {
    return fs.realpathSync(p, { encoding: 'buffer' });
  } catch {
    return null;
  }
}

/** What is said of a path the system refuses as too long (ENAMETOOLONG: a name over 255 bytes, or a path over PATH_MAX). */
function tooLong(p: Buffer): string {
  return `the path is longer than the system allows (${p.length} bytes; ENAMETOOLONG): move the pictures to a shallower folder`;
}

const isDir = (p: Buffer) => statOf(p)?.isDirectory() === true;

/** Whether the real path `p` is `base` or inside it. */
function within(base: Buffer, p: Buffer): boolean {
  if (p.equals(base)) return true;
  const prefix = base[base.length - 1] === SEP[0] ? base : Buffer.concat([base, SEP]);
  return p.length > prefix.length && p.subarray(0, prefix.length).equals(prefix);
}

/** The entries of a folder, or none when it cannot be listed (scanFolder's listing says why). */
function entriesOf(dir: Buffer): fs.Dirent<Buffer>[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true, encoding: 'buffer' });
  } catch {
    return [];
  }
}

/** The name a folder of the layout goes by at the top (`1`…`5`, `agg`, `bad`, `good` in any case), or null. */
function layoutName(text: string): string | null {
  const lower = text.toLowerCase();
  return RATING_DIRS.includes(lower) || lower === 'agg' || (LABEL_DIRS as readonly string[]).includes(lower) ? lower : null;
}

/**
 * Whether a folder looks like the rated layout: at least one of `1`…`5`, `agg`, `bad` and `good`
 * (any case) is a folder in it, and it has no other subfolder (hidden ones aside). Loose files
 * beside them are allowed (imported unlabelled). Numbered batches `1` … `7` are not the layout:
 * `6` and `7` are other subfolders.
 */
function looksRated(dir: Buffer): boolean {
  let layout = 0;
  for (const e of entriesOf(dir)) {
    const text = pathText(e.name);
    if (text.startsWith('.')) continue;
    if (layoutName(text) !== null && isDir(join(dir, e.name))) layout++;
    else if (e.isDirectory()) return false;
  }
  return layout > 0;
}

/** Whether an error code says the system refused access (EACCES, EPERM): said as "permission denied". */
export function permissionDenied(code: string | undefined): boolean {
  return code === 'EACCES' || code === 'EPERM';
}

/** Why a folder could not be listed, in words. */
function cannotList(code: string | undefined, e: unknown): string {
  return permissionDenied(code) ? `permission denied (${code}): this process may not list this folder` : `cannot list this folder (${code ?? (e as Error).message})`;
}

/** Errors of a system short of a resource, not of the folder: EMFILE (this process's open files), ENFILE (the system's), ENOMEM, EAGAIN, EINTR. */
const SYSTEM_SHORTAGE = new Set(['EMFILE', 'ENFILE', 'ENOMEM', 'EAGAIN', 'EINTR']);

function shortage(folder: Buffer, code: string, e: unknown): QcError {
  return new QcError('internal', `cannot list this folder now (${code}: ${(e as Error).message}); the system is short of a resource (open files, memory): nothing was imported, try again`, { file: pathText(folder) });
}

/**
 * The pictures of the folder `dir` (see above). `library`: the library's folder, which is left out
 * with its reason where it lies inside `dir` (its thumbnails are not new pictures).
 */
/**
 * The order a folder's entries are read in (and so the order of new images' ids): a collation fixed
 * to English, not the process's locale (LANG), so two machines import one folder alike.
 */
const NAME_ORDER = new Intl.Collator('en');

export function scanFolder(dir: string, opts: { library?: string } = {}): FolderScan {
  const abs = path.resolve(dir);
  const isLibrary = opts.library ? isLibraryFolderTest(opts.library) : () => false;
  const chosen = Buffer.from(abs);
  if (!isDir(chosen)) throw new QcError('bad_input', 'not a folder', { file: abs });
  const base = realOf(chosen) ?? chosen;
  const rows: FolderRow[] = [];
  const problems: FolderProblem[] = [];
  const skippedByExtension: Record<string, number> = {};
  const hidden = { files: 0, folders: 0 };
  const skip = (text: string) => {
    const ext = path.extname(text).toLowerCase().slice(0, 16);
    skippedByExtension[ext] = (skippedByExtension[ext] ?? 0) + 1;
  };
  const unlisted: string[] = [];
  const problem = (p: Buffer, reason: FailureReason, detail: string) => problems.push({ file: pathText(p), url: fileUrlOf(p), reason, detail });
  /** The chosen folder (or the layout's `images` in it) that cannot be listed: the whole import is refused, since nothing in it can be told apart from gone. */
  const refuse = (folder: Buffer, code: string | undefined, e: unknown): never => {
    if (code && SYSTEM_SHORTAGE.has(code)) throw shortage(folder, code, e);
    throw new QcError('bad_input', `${cannotList(code, e)}: nothing was imported, and nothing earlier imports stored from it was changed`, { file: pathText(folder) });
  };
  /** A folder of the layout that may be read: a folder whose real path is inside the chosen folder (one that leads out is a problem when `record`). */
  const readable = (p: Buffer, record: boolean): boolean => {
    if (!isDir(p)) return false;
    const real = realOf(p);
    if (real && within(base, real)) return true;
    if (record) problem(p, 'local_refused', LEADS_OUTSIDE);
    return false;
  };
  // The layout is read from the chosen folder, or from its `images` subfolder (any case) when the
  // chosen folder is not the layout itself and that subfolder is.
  let root: Buffer = chosen;
  let wrapper: string | null = null;
  const rated = looksRated(chosen);
  if (!rated) {
    for (const e of entriesOf(chosen)) {
      const p = join(chosen, e.name);
      if (pathText(e.name).toLowerCase() !== 'images' || !isDir(p) || !readable(p, false)) continue;
      // The layout's `images` that cannot be listed: refused, not read as a plain folder (which would
      // leave its pictures' ratings as if they were gone).
      try {
        fs.readdirSync(p);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') refuse(p, code, err);
      }
      if (looksRated(p)) {
        root = p;
        wrapper = pathText(e.name);
        break;
      }
    }
  }
  const rootText = pathText(root);
  // Read first: a manifest that is not one refuses the import before anything is listed. It lies
  // beside the layout's `images`: in the chosen folder (export-training's DIR), or beside the chosen
  // folder when that is the export's `images` itself (the one file read outside the chosen folder:
  // a curator who picks `images` means the same export).
  const manifestAt = wrapper !== null ? chosen : rated && path.basename(abs).toLowerCase() === 'images' ? Buffer.from(path.dirname(abs)) : null;
  const curator = manifestAt ? readCuratorManifest(manifestAt) : null;

  /** What a folder named `name` (at this level of the layout) holds: a rating, a label, or the layout below it. */
  type Level = Map<string, (p: Buffer) => void>;
  const aggLevel: Level = new Map(LABEL_DIRS.map((l) => [l, (p: Buffer) => list(p, null, l, undefined, `agg/${l}`)]));
  const ratedLevel: Level = new Map([
    ...RATING_DIRS.map((d): [string, (p: Buffer) => void] => [d, (p) => list(p, Number(d), null, undefined, d)]),
    ['agg', (p: Buffer) => list(p, null, null, aggLevel)],
    // A folder sorted into Good/ and Bad/: labelled as agg/good and agg/bad are.
    ...LABEL_DIRS.map((l): [string, (p: Buffer) => void] => [l, (p) => list(p, null, l, undefined, l)]),
  ]);

  /**
   * Every picture in `folder` and its subfolders (read as they are: a link to a folder is not
   * followed), rated or labelled as given, by the class folder `classFolder` (its row's
   * `raw.folder`: `3`, `agg/good`, `good`); a subfolder named at this `level` of the layout (any
   * case) is read as the layout says.
   */
  const list = (folder: Buffer, rating: number | null, folderLabel: Label | null, level?: Level, classFolder?: string): void => {
    if (isLibrary(folder)) {
      problem(folder, 'local_refused', IN_LIBRARY);
      return;
    }
    let entries: fs.Dirent<Buffer>[];
    try {
      entries = fs.readdirSync(folder, { withFileTypes: true, encoding: 'buffer' });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Out of a resource of the system (file handles, memory): not this folder's fault, and its
      // files must not be left out as if it were: the import stops before anything is written.
      if (code && SYSTEM_SHORTAGE.has(code)) throw shortage(folder, code, e);
      // Gone since its parent was listed: its pictures are gone too.
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        problem(folder, 'missing_file', `cannot list this folder (${code}): it is gone`);
        return;
      }
      if (folder.equals(chosen) || folder.equals(root)) refuse(folder, code, e);
      // Unknown, not gone: the rows earlier imports stored under it are kept (importer.ts).
      unlisted.push(pathText(folder));
      if (code === 'ENAMETOOLONG') problem(folder, 'bad_url', tooLong(folder));
      else problem(folder, permissionDenied(code) ? 'local_refused' : 'internal', `${cannotList(code, e)}; the pictures earlier imports read from it are kept as they were`);
      return;
    }
    const named = entries.map((e) => ({ e, text: pathText(e.name) })).sort((a, b) => NAME_ORDER.compare(a.text, b.text) || Buffer.compare(a.e.name, b.e.name));
    for (const { e, text } of named) {
      if (text.startsWith('.')) {
        // Hidden: not read (a .git, a .DS_Store, a ._x.jpg of macOS), but counted, never left out in silence.
        if (e.isDirectory()) hidden.folders++;
        else hidden.files++;
        continue;
      }
      const p = join(folder, e.name);
      const act = level?.get(text === wrapper ? text : text.toLowerCase());
      if (act && isDir(p)) {
        if (readable(p, true)) act(p);
        continue;
      }
      const image = IMAGE_EXTENSIONS.has(path.extname(text).toLowerCase());
      if (e.isFile()) {
        if (!image) {
          // The manifest read above is imported (its labels), not a file left out.
          if (!(curator && manifestAt === chosen && folder.equals(chosen) && text === CURATOR_MANIFEST)) skip(text);
          continue;
        }
        const file = pathText(p);
        const raw: Record<string, string> = { path: path.relative(rootText, file) };
        if (classFolder !== undefined) raw.folder = classFolder;
        // Its size and time of change: a file replaced under the same name is read again (importer.ts).
        const st = lstatOf(p);
        if (st?.isFile()) {
          raw.size = String(st.size);
          raw.modified = st.mtime.toISOString();
        }
        rows.push({ file, path: p, url: fileUrlOf(p), rating, folderLabel, raw });
      } else if (e.isDirectory()) {
        if (image) problem(p, 'not_file', 'a folder named like an image, not a regular file (the files in it are read on their own)');
        list(p, rating, folderLabel, undefined, classFolder);
      } else if (e.isSymbolicLink()) {
        const real = realOf(p);
        const toDir = statOf(p)?.isDirectory() === true;
        const outside = real !== null && !within(base, real);
        if (image) problem(p, outside ? 'local_refused' : 'not_file', outside ? LEADS_OUTSIDE : real ? NOT_FOLLOWED : `${NOT_FOLLOWED}; it leads nowhere`);
        // A link to a folder is not followed; one that leads outside is said, since its pictures are not read.
        else if (outside && toDir) problem(p, 'local_refused', LEADS_OUTSIDE);
        else if (!toDir) skip(text);
      } else if (image) {
        problem(p, 'not_file', `${describeStat(e)}, not a regular file`);
      }
    }
  };

  if (wrapper !== null) list(chosen, null, null, new Map([[wrapper, (p) => list(p, null, null, ratedLevel)]]));
  else list(chosen, null, null, rated ? ratedLevel : undefined);
  return { chosen: abs, root: rootText, base, layout: rated || wrapper !== null ? 'rated' : 'flat', rows, skippedByExtension, hidden, problems, unlisted, ...(curator && { curator }) };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A path as text: the path itself where it is UTF-8, else with `\xNN` for each byte that is not part of a UTF-8 character. */
export function pathText(p: Buffer): string {
  try {
    return utf8.decode(p);
  } catch {
    // byte by byte below
  }
  let out = '';
  for (let i = 0; i < p.length; ) {
    const b = p[i]!;
    const n = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n > 0) {
      try {
        out += utf8.decode(p.subarray(i, i + n));
        i += n;
        continue;
      } catch {
        // not a character: escaped below
      }
    }
    out += `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`;
    i++;
  }
  return out;
}

const URL_PLAIN = /[A-Za-z0-9/._~-]/;

/** The file: URL of a path: pathToFileURL's where the path is UTF-8, else every byte but plain ones %-escaped ({@link pathOfFileUrl} reverses it). */
export function fileUrlOf(p: Buffer): string {
  let text: string | null = null;
  try {
    text = utf8.decode(p);
  } catch {
    text = process.platform === 'win32' ? p.toString() : null;
  }
  if (text !== null) return pathToFileURL(text).href;
  let out = 'file://';
  for (const b of p) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && URL_PLAIN.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The exact path a local file: URL names (%-escapes decoded to bytes, UTF-8 or not), or null. */
export function pathOfFileUrl(url: string): Buffer | null {
  try {
    return Buffer.from(fileURLToPath(url));
  } catch {
    // not UTF-8 once decoded (fileURLToPath refuses it), or not a local file URL at all
  }
  if (process.platform === 'win32') return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'file:' || (u.hostname !== '' && u.hostname !== 'localhost')) return null;
  if (/%2f|%00/i.test(u.pathname)) return null;
  const bytes: number[] = [];
  const s = u.pathname;
  for (let i = 0; i < s.length; i++) {
    const esc = s[i] === '%' ? /^[0-9a-f]{2}/i.exec(s.slice(i + 1, i + 3)) : null;
    if (esc) {
      bytes.push(parseInt(esc[0], 16));
      i += 2;
    } else bytes.push(...Buffer.from(s[i]!));
  }
  return Buffer.from(bytes);
}

/** Linux's PATH_MAX (4096 bytes with its NUL): a longer path is refused by every call that takes one. */
const PATH_MAX = 4096;

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOFOLLOW ?? 0);

/**
 * Read a file of a folder import by its exact path, under the rules of sources.ts readLocalFile (a
 * regular file, opened without blocking, refused by its size over `maxBytes`), and never through a
 * link: the file itself is opened with O_NOFOLLOW and, given the real path of the chosen folder
 * (`base`), its folder must still lie inside it when read (a class folder swapped for a link after
 * the scan is refused), and the file opened must be the one the path names (same device and inode)
 * and, on Linux, lie inside it (/proc/self/fd): a folder swapped for a link between the check and
 * the open is refused too.
 */
export async function readFolderFile(file: Buffer, base: Buffer | null, maxBytes = DEFAULT_FETCH_OPTIONS.maxBytes): Promise<Buffer> {
  const name = pathText(file);
  if (base) {
    const cut = file.lastIndexOf(SEP[0]!);
    let folder: Buffer | null = null;
    try {
      folder = fs.realpathSync(cut > 0 ? file.subarray(0, cut) : SEP, { encoding: 'buffer' });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (permissionDenied(code)) throw new FetchFailure('local_refused', `permission denied (${code}): this process may not read ${name}`, false);
    }
    if (!folder && file.length >= PATH_MAX) throw new FetchFailure('bad_url', `${tooLong(file)}: ${name}`, false);
    if (!folder) throw new FetchFailure('missing_file', `no such file: ${name}`, false);
    if (!within(base, folder)) throw new FetchFailure('local_refused', `${LEADS_OUTSIDE}: ${name}`, false);
  }
  if (!fs.constants.O_NOFOLLOW) {
    let link = false;
    try {
      link = fs.lstatSync(file).isSymbolicLink();
    } catch {
      // the open below says what is wrong
    }
    if (link) throw new FetchFailure('not_file', `${name} is ${NOT_FOLLOWED}`, false);
  }
  // Not even opened: closing it would drop this process's SQLite locks on it (db/open.ts).
  if (isOpenDatabaseFile(file)) throw new FetchFailure('local_refused', `${name} is the database of the open library (or its journal): never read as a picture`, false);
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, OPEN_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') throw new FetchFailure('not_file', `${name} is ${NOT_FOLLOWED}`, false);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FetchFailure('missing_file', `no such file: ${name}`, false);
    if (code === 'EISDIR') throw new FetchFailure('not_file', `${name} is a folder, not a regular file`, false);
    if (code === 'ENAMETOOLONG') throw new FetchFailure('bad_url', `${tooLong(file)}: ${name}`, false);
    if (permissionDenied(code)) throw new FetchFailure('local_refused', `permission denied (${code}): this process may not read ${name}`, false);
    throw new FetchFailure('internal', `cannot read ${name} (${code ?? (e as Error).message})`, false);
  }
  // O_NOFOLLOW covers only the file's own name: a folder on its path swapped for a link between the
  // check above and the open leads elsewhere. What was opened must be what the path names now, and
  // (where the system tells: Linux's /proc) lie inside the chosen folder.
  if (base) {
    let outside = false;
    try {
      const [opened, named] = [await fh.stat(), lstatOf(file)];
      outside = !named || named.dev !== opened.dev || named.ino !== opened.ino;
      if (!outside && process.platform === 'linux') {
        let at: Buffer | null = null;
        try {
          at = fs.readlinkSync(`/proc/self/fd/${fh.fd}`, { encoding: 'buffer' });
        } catch {
          // no /proc: the check above stands alone
        }
        if (at && !within(base, at)) outside = true;
      }
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw e;
    }
    if (outside) {
      await fh.close().catch(() => undefined);
      throw new FetchFailure('local_refused', `${LEADS_OUTSIDE} (a folder on its path changed while it was opened): ${name}`, false);
    }
  }
  return readOpened(fh, name, maxBytes);
}
