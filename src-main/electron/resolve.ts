/**
 * What an `app://` request names, without Electron: `app://renderer/<path>` is a file of the
 * built renderer (only inside its folder, symlinks resolved, no dotfiles), `app://files/<kind>/<id>`
 * an image file (parsed only by the contract's `parseFilePath`, looked up with `imageFileOnDisk`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseFilePath } from '../../src-shared/contract/transport';
import type { Core } from '../core/app';
import { imageFileOnDisk, openImageFileOnDisk } from '../core/library/files';
import { contentTypeOf, rendererCsp, SECURITY_HEADERS } from '../core/web';

export const APP_SCHEME = 'app';
export const RENDERER_ORIGIN = 'app://renderer';
export const RENDERER_URL = `${RENDERER_ORIGIN}/index.html`;

/** The policy of every renderer page: its own files, images from app://files, no network at all. */
export const RENDERER_CSP = rendererCsp({ imgSrc: ['app://files'] });

export type AppResponse =
  /**
   * `handle`: an image file already opened and checked to be the file `imageFileOnDisk` checked
   * (core openImageFileOnDisk), so nothing swapped in after the check is read; the caller streams it (a
   * stream closes it) or closes it (HEAD). Renderer files (ours, not the library's) come by path.
   */
  | { status: 200; file: string; size: number; headers: Record<string, string>; handle?: fs.promises.FileHandle }
  | { status: 400 | 404 | 405; headers: Record<string, string>; body: string };

const BASE_HEADERS = SECURITY_HEADERS;

/**
 * Images are loaded by the page at app://renderer from app://files: another origin (the host
 * differs, and hosts without a registrable domain are not one site either), so "same-origin" or
 * "same-site" would let Chromium block every thumbnail. Only pages of this app's session can ask
 * for app:// URLs at all (navigation is locked to app://renderer: security.ts).
 */
const IMAGE_CORP = { 'Cross-Origin-Resource-Policy': 'cross-origin' };


const fail = (status: 400 | 404 | 405, body: string): AppResponse => ({ status, body, headers: { ...BASE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });

/** Decoded path segments, or null for anything that could climb (`..`, encoded slashes, backslashes, NUL, empty segments). */
function segmentsOf(pathname: string): string[] | null {
  if (pathname.includes('\\') || /%(2f|5c|00)/i.test(pathname)) return null;
  if (pathname === '' || pathname === '/') return [];
  const out: string[] = [];
  for (const part of pathname.slice(1).split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(part);
    } catch {
      return null;
    }
    if (seg === '' || seg === '.' || seg === '..' || /[/\\\0]/.test(seg)) return null;
    out.push(seg);
  }
  return out;
}

async function rendererFile(rendererDir: string, segments: string[]): Promise<AppResponse> {
  const rel = segments.length === 0 ? ['index.html'] : segments;
  if (rel.some((s) => s.startsWith('.'))) return fail(404, 'not found');
  let root: string;
  let real: string;
  try {
    root = await fs.promises.realpath(rendererDir);
    real = await fs.promises.realpath(path.resolve(root, ...rel));
  } catch {
    return rel.length === 1 && rel[0] === 'index.html' ? fail(404, 'the renderer is not built: run npm run build') : fail(404, 'not found');
  }
  const back = path.relative(root, real);
  if (!back || back.startsWith('..') || path.isAbsolute(back)) return fail(404, 'not found');
  const stat = await fs.promises.stat(real).catch(() => null);
  if (!stat?.isFile()) return fail(404, 'not found');
  const type = contentTypeOf(real);
  const headers: Record<string, string> = { ...BASE_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-cache' };
  if (type.startsWith('text/html')) headers['Content-Security-Policy'] = RENDERER_CSP;
  return { status: 200, file: real, size: stat.size, headers };
}

async function imageFile(core: Pick<Core, 'context'>, pathname: string): Promise<AppResponse> {
  const parsed = parseFilePath(`files${pathname}`);
  if (!parsed) return fail(400, 'expected app://files/<thumb|preview|original>/<imageId>');
  const file = await imageFileOnDisk(core.context, parsed.kind, parsed.imageId);
  const opened = file && (await openImageFileOnDisk(file));
  if (!file || !opened) return fail(404, 'no such image file');
  return {
    status: 200,
    file: file.path,
    size: opened.size,
    handle: opened.handle,
    headers: { ...BASE_HEADERS, ...IMAGE_CORP, 'Content-Type': opened.contentType, 'Cache-Control': 'private, max-age=31536000, immutable' },
  };
}

export async function resolveAppRequest(url: string, method: string, opts: { rendererDir: string; core: Pick<Core, 'context'> }): Promise<AppResponse> {
  if (method !== 'GET' && method !== 'HEAD') return fail(405, 'method not allowed');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return fail(400, 'bad URL');
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.username || u.password || u.port) return fail(400, 'bad URL');
  if (u.hostname === 'files') return imageFile(opts.core, u.pathname);
  if (u.hostname !== 'renderer') return fail(404, 'not found');
  const segments = segmentsOf(u.pathname);
  if (!segments) return fail(400, 'bad path');
  return rendererFile(opts.rendererDir, segments);
}
