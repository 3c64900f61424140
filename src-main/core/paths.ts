/** Where a library lives on disk. The CLI, `qc serve` and the Electron app all use the same default. */
import os from 'node:os';
import path from 'node:path';

export const APP_DIR_NAME = 'quality-curator';

/**
 * A base folder from the environment, or undefined when it is unset, empty or relative: the XDG
 * base-directory spec says to ignore a relative value, and an empty one (`XDG_DATA_HOME= npm start`)
 * would otherwise put the library in whatever folder the command was started from.
 */
function absoluteBase(value: string | undefined, platform: NodeJS.Platform): string | undefined {
  return value && (platform === 'win32' ? path.win32 : path.posix).isAbsolute(value) ? value : undefined;
}

/** The platform's app-data folder for Quality Curator (overridden by `--data` or QC_DATA_DIR). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.QC_DATA_DIR) return path.resolve(env.QC_DATA_DIR);
  const home = os.homedir();
  if (platform === 'win32') return path.join(absoluteBase(env.APPDATA, platform) ?? path.join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_DIR_NAME);
  return path.join(absoluteBase(env.XDG_DATA_HOME, platform) ?? path.join(home, '.local', 'share'), APP_DIR_NAME);
}

export interface LibraryPaths {
  root: string;
  db: string;
  originals: string;
  thumbs: string;
  previews: string;
  tmp: string;
  /** One lock file per process working on the library (store.ts holdOwnerLock). */
  owners: string;
}

export function libraryPaths(root: string): LibraryPaths {
  const abs = path.resolve(root);
  return {
    root: abs,
    db: path.join(abs, 'library.sqlite'),
    originals: path.join(abs, 'originals'),
    thumbs: path.join(abs, 'thumbs'),
    previews: path.join(abs, 'previews'),
    tmp: path.join(abs, 'tmp'),
    owners: path.join(abs, 'owners'),
  };
}
