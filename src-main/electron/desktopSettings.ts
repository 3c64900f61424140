/**
 * The desktop app's own settings (not the library's): which library folder it opens and how its
 * window was placed, in `<userData>/desktop.json`. Plain fs, no electron import: main.ts passes
 * the paths in. A damaged file never stops the app: it is read as far as it is valid, and one
 * that is not a regular file (a FIFO, a link to a device) or is over {@link MAX_SETTINGS_BYTES}
 * is read as no settings, without blocking on it (core/library/sources.ts readLocalFile: a
 * non-blocking open, checked by fstat before a byte is read).
 */
import path from 'node:path';
import { parseWindowState, type WindowState } from './windowState';
import { makeDir, writeFileAtomic } from '../core/fsSafe';
import { readLocalFile } from '../core/library/sources';

export const SETTINGS_FILE = 'desktop.json';
/** A settings file is a few hundred bytes; anything much larger is not ours. */
export const MAX_SETTINGS_BYTES = 1 << 20;

export interface DesktopSettings {
  /** The library folder chosen in File → Change library folder… (absolute). */
  libraryDir?: string;
  window?: WindowState;
}

export async function loadDesktopSettings(file: string): Promise<DesktopSettings> {
  let data: unknown;
  try {
    data = JSON.parse((await readLocalFile(file, MAX_SETTINGS_BYTES)).toString('utf8'));
  } catch {
    return {};
  }
  if (!data || typeof data !== 'object') return {};
  const d = data as Record<string, unknown>;
  const out: DesktopSettings = {};
  if (typeof d.libraryDir === 'string' && path.isAbsolute(d.libraryDir)) out.libraryDir = d.libraryDir;
  const win = parseWindowState(d.window);
  if (win) out.window = win;
  return out;
}

/** Written to a new temporary file and renamed (core/fsSafe.ts), so a crash mid-write leaves the old file. */
export function saveDesktopSettings(file: string, settings: DesktopSettings): void {
  makeDir(path.dirname(file), { what: 'the settings folder' });
  writeFileAtomic(file, `${JSON.stringify(settings, null, 2)}\n`);
}

/** {@link saveDesktopSettings} that says whether the file was written, and why not, instead of throwing. */
export function trySaveDesktopSettings(file: string, settings: DesktopSettings): { ok: true } | { ok: false; error: string } {
  try {
    saveDesktopSettings(file, settings);
    return { ok: true };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

export type LibrarySource = 'QC_DATA_DIR' | '--data' | 'settings' | 'default';

/**
 * Which library the app opens: `--data DIR` / `--data=DIR` on the command line, else QC_DATA_DIR,
 * else the folder chosen in the app, else the platform default — the order `qc` and `qc serve` use
 * (cli/options.ts dataDirOption), so `npm start -- --data DIR` opens DIR with QC_DATA_DIR exported too.
 */
export function resolveLibraryDir(opts: { env: NodeJS.ProcessEnv; argv: readonly string[]; settings: DesktopSettings; fallback: string }): { dir: string; source: LibrarySource } {
  for (let i = 0; i < opts.argv.length; i++) {
    const a = opts.argv[i]!;
    if (a.startsWith('--data=') && a.length > 7) return { dir: path.resolve(a.slice(7)), source: '--data' };
    if (a === '--data' && opts.argv[i + 1]) return { dir: path.resolve(opts.argv[i + 1]!), source: '--data' };
  }
  if (opts.env.QC_DATA_DIR) return { dir: path.resolve(opts.env.QC_DATA_DIR), source: 'QC_DATA_DIR' };
  if (opts.settings.libraryDir) return { dir: opts.settings.libraryDir, source: 'settings' };
  return { dir: opts.fallback, source: 'default' };
}
