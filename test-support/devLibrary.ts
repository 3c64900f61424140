/** A real library (SQLite and stored files) holding the first dev images, for tests that need pictures to embed. */
import path from 'node:path';
import { createCore, type Core } from '../src-main/core/app';
import { DEV_IMAGES, DEV_URL_PREFIX, devRatings } from './fixtures';
import { writeRatingsFile } from './image-server';

/** Opens a library in `dir`/data and imports the first `n` rows of the dev set's ratings through the dev mirror. */
export async function devLibrary(dir: string, n: number): Promise<{ core: Core; dataDir: string }> {
  const dataDir = path.join(dir, 'data');
  const core = createCore({ dataDir });
  const file = path.join(dir, 'ratings.txt');
  writeRatingsFile(file, devRatings().slice(0, n));
  const s = await core.call('library.import', { source: file, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
  if (s.images_new !== n) throw new Error(`devLibrary: ${s.images_new} new images, expected ${n}`);
  return { core, dataDir };
}
