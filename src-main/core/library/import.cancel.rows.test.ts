/**
 * Cancel while an import stores its rows (Ctrl-C, the app's Cancel): the rows stop at the end of
 * the chunk the cancel comes in (importer.ts ROW_CHUNK_MS), and the import ends `cancelled` as one
 * cancelled while it downloads does: the rows stored so far stay, their images' ratings and labels
 * follow them, and no row of the earlier import of the file is removed as stale (the file was not
 * read to its end). Importing the file again completes it.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Db } from '../db/open';
import { DEV_URL_PREFIX, devPhotos } from '../../../test-support/fixtures';
import { DEV_MIRRORS, useTempLibrary } from '../../../test-support/devLibrary';
import { writeRatingsFile } from '../../../test-support/image-server';

/** More than one chunk can hold (ROW_CHUNK is 20,000 rows), however fast the machine. */
const ROWS = 24_000;
/** The dev photos the rows name: few, so the pictures take no time and each has many rows. */
const PHOTOS = devPhotos().slice(0, 12);

/** A ratings file of ROWS rows over PHOTOS, each row's rating `rating(i)`. */
function writeFile(file: string, rating: (i: number) => number): void {
  writeRatingsFile(file, Array.from({ length: ROWS }, (_, i): [string, string, number] => [String(1_000_000 + i), `${DEV_URL_PREFIX}${PHOTOS[i % PHOTOS.length]}`, rating(i)]));
}

/** Images whose stored rating is not the mean of the ratings of their rows (every row here counts: one file). */
function ratingsOffRows(db: Db): number {
  const rows = db
    .prepare(
      `SELECT i.rating AS stored, (SELECT AVG(s.rating) FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE u.image_id = i.id) AS mean
       FROM images i`,
    )
    .all() as { stored: number | null; mean: number | null }[];
  expect(rows.length).toBe(PHOTOS.length);
  return rows.filter((r) => r.stored === null || r.mean === null || Math.abs(r.stored - r.mean) > 1e-9).length;
}

describe('cancel while an import stores its rows', () => {
  const lib = useTempLibrary();

  it('stops at the end of the chunk, ends cancelled with the rows read, removes no earlier row, and a later import completes it', async () => {
    const db = lib.core.context.db;
    const file = path.join(lib.dir, 'image_ratings.txt');
    // The file as imported first: every row rated 5.
    writeFile(file, () => 5);
    const first = await lib.core.call('library.import', { source: file, mirrors: DEV_MIRRORS });
    expect([first.rows, first.images_new, first.cancelled]).toEqual([ROWS, PHOTOS.length, false]);

    // Edited: every row rated 1. Cancelled once its first chunk of rows is stored.
    writeFile(file, () => 1);
    const stop = new AbortController();
    let doneAtCancel = -1;
    let cancelledAt = 0;
    const rowsAfterCancel: number[] = [];
    const s = await lib.core.call(
      'library.import',
      { source: file, mirrors: DEV_MIRRORS },
      {
        signal: stop.signal,
        onProgress: (p) => {
          if (p.phase !== 'rows' || p.done === 0) return;
          if (stop.signal.aborted) rowsAfterCancel.push(p.done);
          else {
            doneAtCancel = p.done;
            cancelledAt = performance.now();
            stop.abort();
          }
        },
      },
    );
    const tookMs = performance.now() - cancelledAt;

    // It stopped there: no chunk of rows after the cancel, the summary says the rows it read.
    expect(doneAtCancel).toBeGreaterThan(0);
    expect(doneAtCancel).toBeLessThan(ROWS);
    expect(rowsAfterCancel).toEqual([]);
    expect(s.cancelled).toBe(true);
    expect(s.rows).toBe(doneAtCancel);
    expect(s.rows_removed).toBeUndefined();
    expect(tookMs).toBeLessThan(5_000);
    const count = (sql: string, ...params: unknown[]) => db.prepare(sql).pluck().get(...params) as number;
    expect(db.prepare('SELECT status, error FROM imports WHERE id = ?').get(s.import_id)).toEqual({ status: 'cancelled', error: null });
    expect(count('SELECT COUNT(*) FROM source_rows WHERE import_id = ?', s.import_id)).toBe(doneAtCancel);
    // The earlier import's rows of the lines not read stay (none removed as stale): the file's rows are all there, old or new.
    expect(count('SELECT COUNT(*) FROM source_rows WHERE origin = ?', file)).toBe(ROWS);
    expect(count('SELECT COUNT(*) FROM source_rows WHERE import_id = ?', first.import_id)).toBe(ROWS - doneAtCancel);
    // The images follow the rows stored: the new 1s count beside the old 5s.
    expect(count('SELECT COUNT(*) FROM source_rows WHERE rating = 1')).toBe(doneAtCancel);
    expect(ratingsOffRows(db)).toBe(0);

    // Imported again, uncancelled: complete, every row the new one, every image rated 1 and bad.
    const again = await lib.core.call('library.import', { source: file, mirrors: DEV_MIRRORS });
    expect([again.rows, again.cancelled, again.images_existing]).toEqual([ROWS, false, PHOTOS.length]);
    expect(count('SELECT COUNT(*) FROM source_rows WHERE origin = ? AND import_id = ?', file, again.import_id)).toBe(ROWS);
    expect(ratingsOffRows(db)).toBe(0);
    expect(count('SELECT COUNT(*) FROM images WHERE rating = 1')).toBe(PHOTOS.length);
    expect(again.labels).toEqual({ good: 0, bad: PHOTOS.length, unlabeled: 0 });
  }, 60_000);
});
