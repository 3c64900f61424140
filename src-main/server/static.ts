/**
 * The built renderer (`out/renderer`), served without a token so the page can load, read its
 * token from `location.hash` and say how to get a link when there is none. Files are looked up
 * only inside the renderer folder (after resolving symlinks); dotfiles are never served.
 */
import fs from 'node:fs';
import path from 'node:path';
import { contentTypeOf } from '../core/web';



export interface StaticFile {
  path: string;
  size: number;
  contentType: string;
  /** Vite's `assets/` are content-hashed: cache them for good; everything else is revalidated. */
  cacheControl: string;
  isHtml: boolean;
}

/**
 * The file for the decoded path segments (`[]` is `/`, the index page), or null when there is
 * none inside `rendererDir`.
 */
export async function findStaticFile(rendererDir: string, segments: readonly string[]): Promise<StaticFile | null> {
  const rel = segments.length === 0 ? ['index.html'] : segments;
  if (rel.some((s) => s.startsWith('.') || s.includes('/') || s.includes('\\') || s.includes('\0'))) return null;
  let root: string;
  try {
    root = await fs.promises.realpath(rendererDir);
  } catch {
    return null;
  }
  const candidate = path.resolve(root, ...rel);
  let real: string;
  try {
    real = await fs.promises.realpath(candidate);
  } catch {
    return null;
  }
  const back = path.relative(root, real);
  if (!back || back.startsWith('..') || path.isAbsolute(back)) return null;
  const stat = await fs.promises.stat(real).catch(() => null);
  if (!stat?.isFile()) return null;
  const contentType = contentTypeOf(real);
  const immutable = rel[0] === 'assets' && rel.length > 1;
  return {
    path: real,
    size: stat.size,
    contentType,
    cacheControl: immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    isHtml: contentType.startsWith('text/html'),
  };
}

/** What `/` shows when the renderer has not been built. */
export function notBuiltPage(rendererDir: string): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Quality Curator</title></head>
<body>
<h1>Quality Curator</h1>
<p>The app's user interface is not built: no <code>index.html</code> in <code>${esc(rendererDir)}</code>.</p>
<p>Build it with <code>npm run build</code>, then run <code>qc serve</code> again and open the link it prints.</p>
</body>
</html>
`;
}
