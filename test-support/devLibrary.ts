/**
 * Libraries for tests: a real library (SQLite and stored files) holding the first dev images, the
 * set-up most import tests share (a temporary folder, a library in it, the dev images served over
 * HTTP), and ratings files of the dev set.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createCore, type Core, type CoreOptions } from '../src-main/core/app';
import { DEV_IMAGES, DEV_URL_PREFIX, devRatings, tempDir } from './fixtures';
import { startImageServer, writeRatingsFile, type ImageServer, type ImageServerOptions } from './image-server';

/** Where an import finds the dev set's pictures without the network. */
export const DEV_MIRRORS = [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }];

/** Writes a ratings file of the first `n` rows of the dev set (all when n is undefined); with `base` (an image server's), their URLs are on it. */
export function writeDevRatings(file: string, n?: number, base?: string): void {
  const rows = devRatings().slice(0, n);
  writeRatingsFile(file, base === undefined ? rows : rows.map(([id, url, r, a]) => [id, url.replace(DEV_URL_PREFIX, `${base}/img/`), r, a]));
}

/** Opens a library in `dir`/data and imports the first `n` rows of the dev set's ratings through the dev mirror. */
export async function devLibrary(dir: string, n: number): Promise<{ core: Core; dataDir: string }> {
  const dataDir = path.join(dir, 'data');
  const core = createCore({ dataDir });
  const file = path.join(dir, 'ratings.txt');
  writeDevRatings(file, n);
  const s = await core.call('library.import', { source: file, mirrors: DEV_MIRRORS });
  if (s.images_new !== n) throw new Error(`devLibrary: ${s.images_new} new images, expected ${n}`);
  return { core, dataDir };
}

export interface TempLibrary {
  /** The temporary folder, removed after the tests. */
  dir: string;
  /** `dir`/data, where the library is. */
  dataDir: string;
  /** The library opened in `dataDir` (unless `core: false`), closed after the tests. */
  core: Core;
  /** The dev images over HTTP (with `serve`), closed after the tests. */
  server: ImageServer;
}

export interface TempLibraryOptions extends Omit<Partial<CoreOptions>, 'dataDir'> {
  /** Serve the dev images over HTTP (test-support/image-server.ts) with these options. */
  serve?: Omit<ImageServerOptions, 'imagesDir'>;
  /** Open no library (the test opens its own, or has another process open it). */
  open?: boolean;
}

/**
 * In a describe block: before its tests, a temporary folder, the dev image server (with `serve`)
 * and a library in `dir`/data; after them, all closed and removed. Its fields are set once the
 * block's tests start; a block's own beforeAll, registered after, can use them.
 */
export function useTempLibrary(options: TempLibraryOptions = {}): TempLibrary {
  const { serve, open = true, ...coreOptions } = options;
  const lib = {} as TempLibrary;
  beforeAll(async () => {
    if (serve) lib.server = await startImageServer({ imagesDir: DEV_IMAGES, ...serve });
    lib.dir = tempDir();
    lib.dataDir = path.join(lib.dir, 'data');
    if (open) lib.core = createCore({ ...coreOptions, dataDir: lib.dataDir });
  });
  afterAll(async () => {
    await lib.core?.close();
    await lib.server?.close();
    if (lib.dir) fs.rmSync(lib.dir, { recursive: true, force: true });
  });
  return lib;
}
