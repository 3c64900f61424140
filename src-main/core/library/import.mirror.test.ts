/**
 * Mirrors as the Library screen sends them: a folder typed with a trailing slash works, a missing
 * folder is refused before anything is imported, and a re-import says how many URLs were skipped
 * because they had failed before.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { QcError } from '../../../src-shared/contract/errors';
import { createCore } from '../app';
import { DEV_IMAGES, DEV_URL_PREFIX, devRatings } from '../../../test-support/fixtures';
import { useTempLibrary } from '../../../test-support/devLibrary';

const ROWS = devRatings().slice(0, 6);
/** Nothing listens on port 9 of 127.0.0.1: fetching from it fails at once (connection refused). */
const DEAD = 'http://127.0.0.1:9/qc/';

function writeRatings(file: string): void {
  const lines = ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', ...ROWS.map(([id, url, r, a]) => `${id}\t${url.replace(DEV_URL_PREFIX, DEAD)}\t${r}\t${a}`)];
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

describe('import mirrors from the UI', () => {
  const lib = useTempLibrary();
  let ratings: string;

  beforeAll(() => {
    ratings = path.join(lib.dir, 'image_ratings.txt');
    writeRatings(ratings);
  });

  it('refuses a missing mirror folder before the import starts, naming the folder', async () => {
    const missing = path.join(lib.dir, 'no-such-folder');
    const err = await lib.core.call('library.import', { source: ratings, mirrors: [{ prefix: DEV_URL_PREFIX, dir: missing }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QcError);
    expect((err as QcError).message).toContain('mirror folder does not exist');
    expect((err as QcError).message).toContain(missing);
    const status = await lib.core.call('library.status', {});
    expect(status.imports).toBe(0);
    expect(status.failed).toBe(0);
  });

  it('records failures without the mirror, then a re-import with it says they failed before and skips them', async () => {
    const first = await lib.core.call('library.import', { source: ratings, timeoutMs: 2000, retries: 0 });
    expect(first.failed).toBe(ROWS.length);
    expect(first.failed_before).toBe(0);
    const again = await lib.core.call('library.import', { source: ratings, mirrors: [{ prefix: DEAD, dir: DEV_IMAGES + '/' }] });
    expect(again.failed).toBe(ROWS.length);
    expect(again.failed_before).toBe(ROWS.length);
    expect(again.images_new).toBe(0);
  }, 60_000);

  it('a mirror folder with a trailing slash reads every image (retry failed)', async () => {
    const s = await lib.core.call('library.retryFailed', { mirrors: [{ prefix: DEAD, dir: DEV_IMAGES + path.sep }] });
    expect(s.failed).toBe(0);
    expect(s.images_new).toBe(ROWS.length);
    expect(s.network_requests).toBe(0);
    expect(s.failures_by_reason.bad_url ?? 0).toBe(0);
  });

  it('a first import with a trailing-slash mirror stores every image', async () => {
    const other = createCore({ dataDir: path.join(lib.dir, 'data2') });
    try {
      const s = await other.call('library.import', { source: ratings, mirrors: [{ prefix: DEAD, dir: `${DEV_IMAGES}/` }] });
      expect(s.failed).toBe(0);
      expect(s.images_new).toBe(ROWS.length);
    } finally {
      other.close();
    }
  });
});
