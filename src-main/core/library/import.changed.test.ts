/**
 * An input file that changes while it is imported (truncated, appended to, rewritten in place,
 * between the scan and the reads of its rows, or between two reads) was stored half old, half
 * new, and the import ended `done` with the scan's row count, removing the lines it had not read
 * as stale. Now the import fails naming the file (sources.ts openInputFile checks its size and
 * time of change before each read, the importer once more after the last), and no row of the
 * file's earlier import is removed; importing the complete file again finishes it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Db } from '../db/open';
import { DEV_URL_PREFIX, devPhotos, qcRejection } from '../../../test-support/fixtures';
import { DEV_MIRRORS, useTempLibrary } from '../../../test-support/devLibrary';

/** More than one chunk of rows can hold (ROW_CHUNK is 20,000): the change comes between two chunks however fast the machine. */
const ROWS = 24_000;
const PHOTOS = devPhotos().slice(0, 12);
const HEADER = 'obj_with_overall_rating\tobj_url\toverall_rating\tancestry\n';
const WORDS = 'the file changed while it was being read: import it again when it is complete';

/** Ratings lines `from` … `to - 1`, each rated `rating`. */
function lines(from: number, to: number, rating: number): string {
  let text = '';
  for (let i = from; i < to; i++) text += `${1_000_000 + i}\t${DEV_URL_PREFIX}${PHOTOS[i % PHOTOS.length]}\t${rating}\t{}\n`;
  return text;
}

/** Images whose stored rating is not the mean of their rows' (every row counts: one file). */
function ratingsOffRows(db: Db): number {
  const rows = db
    .prepare(`SELECT i.rating AS stored, (SELECT AVG(s.rating) FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE u.image_id = i.id) AS mean FROM images i`)
    .all() as { stored: number | null; mean: number | null }[];
  expect(rows.length).toBe(PHOTOS.length);
  return rows.filter((r) => r.stored === null || r.mean === null || Math.abs(r.stored - r.mean) > 1e-9).length;
}

describe('an input file that changes while it is imported', () => {
  const lib = useTempLibrary();
  const file = () => path.join(lib.dir, 'image_ratings.txt');
  const count = (sql: string, ...params: unknown[]) => lib.core.context.db.prepare(sql).pluck().get(...params) as number;
  let firstId = 0;

  /** Import the file, changing it by `change` once its first chunk of rows is stored: its refusal, and the import as recorded. */
  async function importChangedBy(change: () => void) {
    let changed = false;
    let stored = 0;
    const work = lib.core.call(
      'library.import',
      { source: file(), mirrors: DEV_MIRRORS },
      {
        onProgress: (p) => {
          if (p.phase !== 'rows' || p.done === 0 || changed) return;
          changed = true;
          stored = p.done;
          change();
        },
      },
    );
    const e = await qcRejection(work);
    expect(changed).toBe(true);
    const db = lib.core.context.db;
    const last = db.prepare('SELECT id, status, error FROM imports ORDER BY id DESC LIMIT 1').get() as { id: number; status: string; error: string };
    // The rows stored before the change stay (as a cancelled import's do), and those read before
    // it (up to 1 MB of the file is read at once); the chunk whose read found it was undone.
    const kept = count('SELECT COUNT(*) FROM source_rows WHERE import_id = ?', last.id);
    expect(kept).toBeGreaterThanOrEqual(stored);
    expect(kept).toBeLessThan(ROWS);
    return { e, last };
  }

  /** What must hold after a refused import: nothing of the earlier import's rows removed, ratings as the rows say. */
  function earlierRowsKept(): void {
    expect(count('SELECT COUNT(*) FROM source_rows WHERE origin = ?', file())).toBe(ROWS);
    expect(count('SELECT COUNT(*) FROM source_rows WHERE origin = ? AND import_id = ?', file(), firstId)).toBeGreaterThan(0);
    expect(ratingsOffRows(lib.core.context.db)).toBe(0);
  }

  it('the file as first imported: every row rated 5', async () => {
    fs.writeFileSync(file(), HEADER + lines(0, ROWS, 5));
    const s = await lib.core.call('library.import', { source: file(), mirrors: DEV_MIRRORS });
    expect([s.rows, s.images_new, s.labels.good]).toEqual([ROWS, PHOTOS.length, PHOTOS.length]);
    firstId = s.import_id;
  }, 60_000);

  it('truncated part way: the import fails naming the file, and removes none of the lines it did not read', async () => {
    fs.writeFileSync(file(), HEADER + lines(0, ROWS, 1));
    const { e, last } = await importChangedBy(() => fs.truncateSync(file(), HEADER.length + lines(0, ROWS / 4, 1).length));
    expect([e.code, e.file, e.message]).toEqual(['bad_input', file(), WORDS]);
    expect(last).toEqual({ id: expect.any(Number), status: 'failed', error: expect.stringContaining(WORDS) });
    earlierRowsKept();
  }, 60_000);

  it('appended to part way: the import fails naming the file', async () => {
    fs.writeFileSync(file(), HEADER + lines(0, ROWS, 1));
    const { e, last } = await importChangedBy(() => fs.appendFileSync(file(), lines(ROWS, ROWS + 100, 1)));
    expect([e.code, e.file, e.message]).toEqual(['bad_input', file(), WORDS]);
    expect(last.status).toBe('failed');
    earlierRowsKept();
  }, 60_000);

  it('rewritten in place part way (the same size, another time of change): the import fails naming the file', async () => {
    fs.writeFileSync(file(), HEADER + lines(0, ROWS, 1));
    const { e, last } = await importChangedBy(() => {
      // The last line's rating 1 becomes 2: the same size.
      const size = fs.statSync(file()).size;
      const fd = fs.openSync(file(), 'r+');
      fs.writeSync(fd, '2', size - '1\t{}\n'.length);
      // Its time of change as a later write sets it (a file system's clock may tick coarser than this test runs).
      fs.futimesSync(fd, new Date(), new Date(Date.now() + 5_000));
      fs.closeSync(fd);
      expect(fs.statSync(file()).size).toBe(size);
    });
    expect([e.code, e.file, e.message]).toEqual(['bad_input', file(), WORDS]);
    expect(last.status).toBe('failed');
    earlierRowsKept();
  }, 60_000);

  it('imported again when complete: done, its rows all the file has, the lines it lost removed', async () => {
    fs.writeFileSync(file(), HEADER + lines(0, ROWS / 2, 1));
    const s = await lib.core.call('library.import', { source: file(), mirrors: DEV_MIRRORS });
    expect([s.rows, s.rows_removed, s.cancelled]).toEqual([ROWS / 2, ROWS / 2, false]);
    expect(count('SELECT COUNT(*) FROM source_rows WHERE origin = ?', file())).toBe(ROWS / 2);
    expect(count('SELECT COUNT(*) FROM source_rows WHERE origin = ? AND import_id = ?', file(), s.import_id)).toBe(ROWS / 2);
    expect(ratingsOffRows(lib.core.context.db)).toBe(0);
    expect(s.labels).toEqual({ good: 0, bad: PHOTOS.length, unlabeled: 0 });
  }, 60_000);
});
