/**
 * Where an image's files are on disk, for the transports that serve them by URL (`qc serve`'s
 * `/files/<kind>/<id>`, Electron's `app://files/<kind>/<id>`). Paths in the `images` table are
 * relative to the data dir; a path that would resolve outside it is refused (never served), and so
 * is one whose real path (links resolved) is not inside the real folder of its kind (originals/,
 * thumbs/, previews/): the database is not trusted to keep files in their place.
 * A thumbnail or preview that the import left for later (verify.ts's DerivedFiles) is made from the
 * stored original the first time it is asked for (imageFileOnDisk).
 * What is served is the file that was checked: imageFileOnDisk answers the real path it checked (a
 * link swapped afterwards changes nothing), and openImageFileOnDisk opens that path and keeps the open file
 * only when it is the very file checked (same device and inode), so no swap between check and open,
 * of the file or of a folder above it, can make a file outside the library be read.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FileKind } from '../../../src-shared/contract/transport';
import type { CoreContext } from '../context';
import { putFile } from './store';
import { makePreview, makeThumb, sniffFormat } from './verify';

export interface ImageFile {
  /** Absolute path inside the data dir. */
  path: string;
  contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
  avif: 'image/avif',
  heif: 'image/heif',
};

/** The content type of an original in `format` (as stored in `images.format`). */
export function contentTypeOf(format: string): string {
  return CONTENT_TYPES[format] ?? 'application/octet-stream';
}

/** `rel` resolved against `root`, or null when it is absolute or escapes `root`. */
export function insideDir(root: string, rel: string): string | null {
  if (!rel || rel.includes('\0') || path.isAbsolute(rel) || path.win32.isAbsolute(rel)) return null;
  const base = path.resolve(root);
  const abs = path.resolve(base, rel);
  const back = path.relative(base, abs);
  if (!back || back === '..' || back.startsWith(`..${path.sep}`) || path.isAbsolute(back)) return null;
  return abs;
}

/**
 * The real path of `file` (every link resolved) when it exists and lies inside the real path of one
 * of `dirs`; null when it is missing or escapes them (`originals/../library.sqlite`, a link out).
 */
export function realPathInside(file: string, dirs: readonly string[]): string | null {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    return null;
  }
  for (const dir of dirs) {
    const realDir = realDirOf(dir);
    if (realDir && insideDir(realDir, path.relative(realDir, real))) return real;
  }
  return null;
}

/** The library's folders' real paths, resolved once each (they are asked for on every file served). */
const realDirs = new Map<string, string>();

function realDirOf(dir: string): string | null {
  let real = realDirs.get(dir);
  if (real === undefined) {
    try {
      real = fs.realpathSync(dir);
    } catch {
      return null; // not made yet: asked again next time
    }
    realDirs.set(dir, real);
  }
  return real;
}

/** The library folders a file of `kind` may be in: a preview can be the original itself. */
export function kindDirs(paths: Pick<CoreContext['paths'], 'originals' | 'thumbs' | 'previews'>, kind: FileKind): string[] {
  if (kind === 'thumb') return [paths.thumbs];
  if (kind === 'preview') return [paths.previews, paths.originals];
  return kind === 'original' ? [paths.originals] : [];
}

interface ImageFilesRow {
  path: string;
  thumb_path: string;
  preview_path: string;
  format: string;
}

/**
 * The thumbnail (WebP), preview (WebP, or the original when it is its own preview) or original of an
 * image; null when unknown or when its stored path is not (as written) inside the folder of its kind.
 */
export function resolveImageFile(core: Pick<CoreContext, 'db' | 'paths'>, kind: FileKind, imageId: number): ImageFile | null {
  if (!Number.isSafeInteger(imageId) || imageId < 1) return null;
  const row = core.db.prepare('SELECT path, thumb_path, preview_path, format FROM images WHERE id = ?').get(imageId) as ImageFilesRow | undefined;
  if (!row) return null;
  let rel: string;
  let contentType: string;
  if (kind === 'thumb') {
    rel = row.thumb_path;
    contentType = 'image/webp';
  } else if (kind === 'preview') {
    rel = row.preview_path;
    contentType = row.preview_path === row.path ? contentTypeOf(row.format) : 'image/webp';
  } else if (kind === 'original') {
    rel = row.path;
    contentType = contentTypeOf(row.format);
  } else {
    return null;
  }
  const abs = insideDir(core.paths.root, rel);
  if (!abs || !kindDirs(core.paths, kind).some((d) => insideDir(d, path.relative(d, abs)))) return null;
  return { path: abs, contentType };
}

export interface ImageFileOnDisk extends ImageFile {
  /** The real path that was checked (every link resolved), never the path as written in the database. */
  path: string;
  size: number;
  /** The checked file's device and inode: `openImageFileOnDisk` keeps an open file only when they match. */
  dev: bigint;
  ino: bigint;
}

/** Thumbnails and previews being made, by absolute path: concurrent requests for one share the work. */
const making = new Map<string, Promise<boolean>>();

/**
 * The file to serve for an image, with its size; a thumbnail or preview that does not exist yet is
 * made from the original (inside the data dir, like every path here) and stored, atomically, under
 * its content-addressed name. Null when the image, its original or the file cannot be had, or when
 * its real path (links resolved) escapes the folder of its kind (originals/, thumbs/, previews/).
 * Its `path` is that real path, so a caller that opens it does not follow a link again; a caller
 * that can take an open file should pass it to `openImageFileOnDisk`, which leaves no window at all.
 */
export async function imageFileOnDisk(core: Pick<CoreContext, 'db' | 'paths'>, kind: FileKind, imageId: number): Promise<ImageFileOnDisk | null> {
  const file = resolveImageFile(core, kind, imageId);
  if (!file) return null;
  const dirs = kindDirs(core.paths, kind);
  let real = realPathInside(file.path, dirs);
  if (!real && kind !== 'original' && !(await fs.promises.lstat(file.path).catch(() => null))) {
    const original = resolveImageFile(core, 'original', imageId);
    if (!original || original.path === file.path) return null;
    const realOriginal = realPathInside(original.path, kindDirs(core.paths, 'original'));
    if (!realOriginal) return null;
    let job = making.get(file.path);
    if (!job) {
      job = makeDerived(core.paths, kind, realOriginal, file.path).finally(() => making.delete(file.path));
      making.set(file.path, job);
    }
    if (!(await job)) return null;
    real = realPathInside(file.path, dirs);
  }
  if (!real) return null;
  const stat = await fs.promises.stat(real, { bigint: true }).catch(() => null);
  return stat?.isFile() ? { path: real, contentType: file.contentType, size: Number(stat.size), dev: stat.dev, ino: stat.ino } : null;
}

export interface OpenImageFile {
  /** Open for reading; the caller closes it (a read stream made from it closes it when done). */
  handle: fs.promises.FileHandle;
  /** The open file's size. */
  size: number;
  contentType: string;
}

/** The first bytes of a file read to tell an image from anything else ({@link sniffFormat} needs 12). */
const SNIFF_BYTES = 16;

/**
 * Opens the file `imageFileOnDisk` checked, not following a link at its last step, and keeps it only
 * when the open file is the one checked (same device and inode): a link or folder swapped in between
 * the check and the open makes it null, never a file outside the library. It is kept only when it
 * starts as an image the library accepts (verify.ts sniffFormat): a hard link planted in the
 * library's folders (its real path is inside, and so are its device and inode) to a file elsewhere
 * on the disk is served only when that file is a picture anyway, never a key, a config or a text.
 * (Refusing every file with more than one link would refuse whole libraries a backup tool
 * snapshots with hard links: `cp -al`, rsnapshot.)
 */
export async function openImageFileOnDisk(file: ImageFileOnDisk): Promise<OpenImageFile | null> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file.path, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch {
    return null;
  }
  try {
    const stat = await handle.stat({ bigint: true });
    if (stat.isFile() && stat.dev === file.dev && stat.ino === file.ino) {
      const head = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0);
      if (sniffFormat(head.subarray(0, bytesRead))) return { handle, size: Number(stat.size), contentType: file.contentType };
    }
  } catch {
    // fall through: nothing to serve
  }
  await handle.close().catch(() => {});
  return null;
}

async function makeDerived(paths: Pick<CoreContext['paths'], 'root' | 'tmp'>, kind: 'thumb' | 'preview', originalPath: string, dest: string): Promise<boolean> {
  try {
    const bytes = await fs.promises.readFile(originalPath);
    await putFile(paths, path.relative(paths.root, dest), kind === 'thumb' ? await makeThumb(bytes) : await makePreview(bytes));
    return true;
  } catch {
    return false; // the original is gone or no longer decodes: nothing to serve
  }
}
