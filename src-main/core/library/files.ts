/**
 * Where an image's files are on disk, for the transports that serve them by URL (`qc serve`'s
 * `/files/<kind>/<id>`, Electron's `app://files/<kind>/<id>`). Paths in the `images` table are
 * relative to the data dir; a path that would resolve outside it is refused (never served).
 * A thumbnail or preview that the import left for later (verify.ts's DerivedFiles) is made from the
 * stored original the first time it is asked for (imageFileOnDisk).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FileKind } from '../../../src-shared/contract/transport';
import type { CoreContext } from '../context';
import { putFile } from './store';
import { makePreview, makeThumb } from './verify';

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

interface ImageFilesRow {
  path: string;
  thumb_path: string;
  preview_path: string;
  format: string;
}

/** The thumbnail (WebP), preview (WebP, or the original when it is its own preview) or original of an image; null when unknown. */
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
  return abs ? { path: abs, contentType } : null;
}

export interface ImageFileOnDisk extends ImageFile {
  size: number;
}

/** Thumbnails and previews being made, by absolute path: concurrent requests for one share the work. */
const making = new Map<string, Promise<boolean>>();

/**
 * The file to serve for an image, with its size; a thumbnail or preview that does not exist yet is
 * made from the original (inside the data dir, like every path here) and stored, atomically, under
 * its content-addressed name. Null when the image, its original or the file cannot be had.
 */
export async function imageFileOnDisk(core: Pick<CoreContext, 'db' | 'paths'>, kind: FileKind, imageId: number): Promise<ImageFileOnDisk | null> {
  const file = resolveImageFile(core, kind, imageId);
  if (!file) return null;
  let stat = await fs.promises.stat(file.path).catch(() => null);
  if (!stat && kind !== 'original') {
    const original = resolveImageFile(core, 'original', imageId);
    if (!original || original.path === file.path) return null;
    let job = making.get(file.path);
    if (!job) {
      job = makeDerived(core.paths, kind, original.path, file.path).finally(() => making.delete(file.path));
      making.set(file.path, job);
    }
    if (!(await job)) return null;
    stat = await fs.promises.stat(file.path).catch(() => null);
  }
  return stat?.isFile() ? { ...file, size: stat.size } : null;
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
