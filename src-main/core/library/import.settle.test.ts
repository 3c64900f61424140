/**
 * An import that does not finish (killed, or stopped by an error) leaves every image's rating and
 * label as its stored rows say. A running import derives an image that gains URLs once at the end
 * of the URL page (importer.ts deriveGained); the rows of URLs mapped before the stop must still
 * count: the import is settled (its images derived again) when it is marked failed, in the same
 * transaction.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { openDatabase, type Db } from '../db/open';
import { libraryPaths } from '../paths';
import { devPhotos } from '../../../test-support/fixtures';
import { useTempLibrary } from '../../../test-support/devLibrary';
import { poll, startQc } from '../../../test-support/killChild';
import { writeRatingsFile } from '../../../test-support/image-server';

/** The first photo of the dev set, served under many URLs (`?copy=i`): one picture, many ratings. */
const PHOTO = devPhotos()[0]!;
const COPIES = 200;

/** Each image's stored rating against the mean of the ratings of the rows its URLs have. */
function ratingsVsRows(db: Db): { id: number; stored: number | null; rows: number | null; n: number }[] {
  return db
    .prepare(
      `SELECT i.id, i.rating AS stored, (SELECT AVG(s.rating) FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE u.image_id = i.id) AS rows,
              (SELECT COUNT(*) FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE u.image_id = i.id) AS n
       FROM images i ORDER BY i.id`,
    )
    .all() as { id: number; stored: number | null; rows: number | null; n: number }[];
}

describe('an import that stops before the end of a URL page', () => {
  const lib = useTempLibrary({ serve: { delayMs: 60 }, open: false });

  /** A library where the photo is stored with one rating of 5 (good), and a file rating `COPIES` more URLs of it 1. */
  async function setUp(name: string) {
    const dataDir = path.join(lib.dir, name);
    const first = path.join(lib.dir, `${name}-first.txt`);
    writeRatingsFile(first, [['1', `${lib.server.base}/img/${PHOTO}`, 5]]);
    const core = createCore({ dataDir });
    try {
      const s = await core.call('library.import', { source: first });
      expect(s.images_new).toBe(1);
      expect(s.labels.good).toBe(1);
    } finally {
      await core.close();
    }
    const many = path.join(lib.dir, `${name}-many.txt`);
    writeRatingsFile(many, Array.from({ length: COPIES }, (_, i): [string, string, number] => [String(100 + i), `${lib.server.base}/img/${PHOTO}?copy=${i}`, 1]));
    return { dataDir, many };
  }

  it('killed with SIGKILL: the next open marks it interrupted and derives its images from the rows stored', async () => {
    const { dataDir, many } = await setUp('killed');
    const hitsBefore = lib.server.totalHits();
    const child = startQc(dataDir, ['import', many, '--concurrency', '1', '--json']);
    await poll(() => lib.server.totalHits() - hitsBefore >= 30, 30_000);
    expect(lib.server.totalHits() - hitsBefore, child.stderr()).toBeGreaterThanOrEqual(30);
    expect(await child.kill()).toBe('SIGKILL');

    // As the killed process left it: part of the URLs mapped to the photo, the import running.
    const db = openDatabase(libraryPaths(dataDir).db);
    const mapped = (db.prepare('SELECT COUNT(*) AS n FROM image_urls').get() as { n: number }).n - 1;
    expect(mapped).toBeGreaterThanOrEqual(20);
    expect(mapped).toBeLessThan(COPIES);
    expect((db.prepare("SELECT COUNT(*) AS n FROM imports WHERE status = 'running'").get() as { n: number }).n).toBe(1);
    db.close();

    const core = createCore({ dataDir });
    try {
      const db2 = core.context.db;
      expect(db2.prepare('SELECT status, error FROM imports ORDER BY id DESC LIMIT 1').get()).toEqual({ status: 'failed', error: expect.stringMatching(/^interrupted/) });
      const [photo] = ratingsVsRows(db2);
      // One 5 and `mapped` 1s: the rating every stored row gives, and the label that follows (bad).
      expect(photo!.n).toBe(mapped + 1);
      expect(photo!.stored).toBeCloseTo((5 + mapped) / (mapped + 1), 9);
      expect(core.context.db.prepare('SELECT label, origin FROM labels WHERE image_id = ?').get(photo!.id)).toEqual({ label: 'bad', origin: 'import' });
      // Importing the file again completes it from there.
      const s = await core.call('library.import', { source: many });
      expect(s.images_existing).toBe(1);
      expect(ratingsVsRows(db2)[0]!.n).toBe(COPIES + 1);
    } finally {
      await core.close();
    }
  }, 90_000);

  it('stopped by an error: it is marked failed and every image it touched agrees with its rows', async () => {
    const { dataDir, many } = await setUp('failed');
    const core = createCore({ dataDir });
    try {
      let downloads = 0;
      const err = await core.handlers['library.import']({ source: many, concurrency: 1 }, {
        signal: new AbortController().signal,
        progress: (p) => {
          if (p.phase === 'download' && p.done > 0 && ++downloads > 10) throw new Error('the progress channel broke');
        },
      }).catch((e: unknown) => e);
      expect(String(err)).toMatch(/progress channel broke/);
      const db = core.context.db;
      expect(db.prepare('SELECT status FROM imports ORDER BY id DESC LIMIT 1').get()).toEqual({ status: 'failed' });
      const [photo] = ratingsVsRows(db);
      const mapped = photo!.n - 1;
      expect(mapped).toBeGreaterThanOrEqual(10);
      expect(mapped).toBeLessThan(COPIES);
      expect(photo!.stored).toBeCloseTo(photo!.rows!, 9);
      expect(db.prepare('SELECT label FROM labels WHERE image_id = ?').get(photo!.id)).toEqual({ label: 'bad' });
      // Its count of images (the photo) is stored as its summary, and the list of imports shows it.
      const { id, summary } = db.prepare('SELECT id, summary FROM imports ORDER BY id DESC LIMIT 1').get() as { id: number; summary: string | null };
      expect(JSON.parse(summary ?? 'null')).toEqual({ images: 1 });
      expect((await core.call('library.sources', {})).imports.find((m) => m.id === id)?.images).toBe(1);
    } finally {
      await core.close();
    }
  }, 60_000);
});
