/**
 * The request target as the client sent it, checked before any routing: origin-form only
 * (`/path?query`), no backslashes, no encoded slashes or NULs, no `.` or `..` segments (raw or
 * percent-encoded), no empty segments. Anything else is refused with 400, so neither the file
 * routes nor the static files ever see a path that could climb out of their folder.
 */
export interface Target {
  /** The raw path, starting with `/` (still percent-encoded). */
  path: string;
  /** The decoded segments of `path`. */
  segments: string[];
  query: URLSearchParams;
}

const MAX_TARGET = 8 * 1024;

export function parseTarget(raw: string | undefined): Target | null {
  if (!raw || raw.length > MAX_TARGET || raw[0] !== '/') return null;
  const hash = raw.indexOf('#');
  const noHash = hash >= 0 ? raw.slice(0, hash) : raw;
  const q = noHash.indexOf('?');
  const path = q >= 0 ? noHash.slice(0, q) : noHash;
  const query = new URLSearchParams(q >= 0 ? noHash.slice(q + 1) : '');
  if (path.includes('\\') || path.includes('\0') || /%(2f|5c|00)/i.test(path)) return null;
  const parts = path === '/' ? [] : path.slice(1).split('/');
  const segments: string[] = [];
  for (const part of parts) {
    let seg: string;
    try {
      seg = decodeURIComponent(part);
    } catch {
      return null;
    }
    if (seg === '' || seg === '.' || seg === '..' || seg.includes('/') || seg.includes('\\') || seg.includes('\0')) return null;
    segments.push(seg);
  }
  return { path, segments, query };
}
