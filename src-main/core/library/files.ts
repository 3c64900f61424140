/**
 * Where an image's files are on disk, for the transports that serve them by URL (`qc serve`'s
 * `/files/<kind>/<id>`, Electron's `app://files/<kind>/<id>`). Paths in the `images` table are
 * relative to the data dir; a path that would resolve outside it is refused (never served).
 */
import path from 'node:path';
import type { FileKind } from '../../../src-shared/contract/transport';
import type { CoreContext } from '../context';

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
