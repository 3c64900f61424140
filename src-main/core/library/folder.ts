/**
 * Local folders: the seed's Google-Drive layout (`images/1..5/*.jpg` rated by folder,
 * `images/agg/bad|good/*.jpg` labelled by folder) or a flat folder of unlabelled images.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { QcError } from '../../../src-shared/contract/errors';
import type { Label } from '../../../src-shared/domain/label';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.heic', '.heif']);

export interface FolderRow {
  file: string;
  url: string;
  rating: number | null;
  folderLabel: Label | null;
  raw: Record<string, string>;
}

export interface FolderScan {
  root: string;
  layout: 'rated' | 'flat';
  rows: FolderRow[];
  /** Files skipped because their extension is not an image's. */
  skipped: number;
}

const isDir = (p: string) => fs.existsSync(p) && fs.statSync(p).isDirectory();
const RATING_DIRS = ['1', '2', '3', '4', '5'];

function hasRatedLayout(dir: string): boolean {
  return RATING_DIRS.some((d) => isDir(path.join(dir, d))) || isDir(path.join(dir, 'agg'));
}

export function scanFolder(dir: string): FolderScan {
  const abs = path.resolve(dir);
  if (!isDir(abs)) throw new QcError('bad_input', 'not a folder', { file: abs });
  const root = !hasRatedLayout(abs) && hasRatedLayout(path.join(abs, 'images')) ? path.join(abs, 'images') : abs;
  const rows: FolderRow[] = [];
  let skipped = 0;
  const add = (file: string, rating: number | null, folderLabel: Label | null) => {
    if (!IMAGE_EXTENSIONS.has(path.extname(file).toLowerCase())) {
      skipped++;
      return;
    }
    const rel = path.relative(root, file);
    const raw: Record<string, string> = { path: rel };
    if (rating !== null) raw.folder = String(rating);
    if (folderLabel) raw.folder = `agg/${folderLabel}`;
    rows.push({ file, url: pathToFileURL(file).href, rating, folderLabel, raw });
  };
  if (hasRatedLayout(root)) {
    for (const d of RATING_DIRS) for (const f of listFiles(path.join(root, d), false)) add(f, Number(d), null);
    for (const l of ['bad', 'good'] as const) for (const f of listFiles(path.join(root, 'agg', l), false)) add(f, null, l);
    return { root, layout: 'rated', rows, skipped };
  }
  for (const f of listFiles(root, true)) add(f, null, null);
  return { root, layout: 'flat', rows, skipped };
}

function listFiles(dir: string, recursive: boolean): string[] {
  if (!isDir(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isFile()) out.push(p);
    else if (recursive && e.isDirectory()) out.push(...listFiles(p, true));
  }
  return out;
}
