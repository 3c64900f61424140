/**
 * Importing a folder again reads it as it is now, as a file's import does: a picture moved to
 * another class folder gets that class (not the mean of both, nor no label), one deleted stops
 * counting, and one replaced under the same name is read again. Real folders, real moves, a real library.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEV_IMAGES, devRatings } from '../../../test-support/fixtures';
import { useTempLibrary } from '../../../test-support/devLibrary';

const PHOTOS = devRatings()
  .slice(0, 10)
  .map(([, url]) => path.join(DEV_IMAGES, path.basename(url)));

describe('a folder imported again', () => {
  const lib = useTempLibrary();

  const db = () => lib.core.context.db;
  /** The image a file of the folder was stored as: its label, rating and how many rows name it. */
  const imageOf = (file: string) => {
    const id = db().prepare('SELECT image_id FROM image_urls WHERE url = ?').pluck().get(pathToFileURL(file).href) as number;
    const img = db().prepare('SELECT i.rating_class, l.label FROM images i LEFT JOIN labels l ON l.image_id = i.id WHERE i.id = ?').get(id) as { rating_class: number | null; label: string | null };
    const rows = db().prepare('SELECT COUNT(*) FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE u.image_id = ?').pluck().get(id) as number;
    const urls = db().prepare('SELECT url FROM image_urls WHERE image_id = ?').pluck().all(id) as string[];
    return { ...img, rows, urls };
  };
  const put = (file: string, photo: string) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.copyFileSync(photo, file);
  };

  it('gives a picture moved between class folders its new class, and forgets one deleted', async () => {
    const f1 = path.join(lib.dir, 'f1');
    put(path.join(f1, 'agg', 'good', 'a.jpg'), PHOTOS[0]!);
    put(path.join(f1, 'agg', 'good', 'b.jpg'), PHOTOS[1]!);
    put(path.join(f1, 'agg', 'bad', 'c.jpg'), PHOTOS[2]!);
    put(path.join(f1, '1', 'd.jpg'), PHOTOS[3]!);
    put(path.join(f1, '4', 'e.jpg'), PHOTOS[4]!);
    const first = await lib.core.call('library.import', { source: f1 });
    expect(first.labels).toEqual({ good: 3, bad: 2, unlabeled: 0 });
    expect(imageOf(path.join(f1, 'agg', 'good', 'b.jpg')).label).toBe('good');

    // The curator re-sorts: b good → bad, d 1 → 5, and deletes e.
    fs.renameSync(path.join(f1, 'agg', 'good', 'b.jpg'), path.join(f1, 'agg', 'bad', 'b.jpg'));
    fs.mkdirSync(path.join(f1, '5'));
    fs.renameSync(path.join(f1, '1', 'd.jpg'), path.join(f1, '5', 'd.jpg'));
    const eUrl = pathToFileURL(path.join(f1, '4', 'e.jpg')).href;
    const eImage = db().prepare('SELECT image_id FROM image_urls WHERE url = ?').pluck().get(eUrl) as number;
    fs.rmSync(path.join(f1, '4', 'e.jpg'));

    const again = await lib.core.call('library.import', { source: f1 });
    expect(again.rows).toBe(4);
    expect(again.rows_removed).toBe(3);
    expect(again.images_new).toBe(0);
    expect(imageOf(path.join(f1, 'agg', 'bad', 'b.jpg'))).toMatchObject({ label: 'bad', rows: 1, urls: [pathToFileURL(path.join(f1, 'agg', 'bad', 'b.jpg')).href] });
    expect(imageOf(path.join(f1, '5', 'd.jpg'))).toMatchObject({ rating_class: 5, label: 'good', rows: 1 });
    // The deleted picture stays in the library, with nothing behind a label any more.
    expect(db().prepare('SELECT url FROM image_urls WHERE url = ?').get(eUrl)).toBeUndefined();
    expect(db().prepare('SELECT rating_class FROM images WHERE id = ?').pluck().get(eImage)).toBeNull();
    expect(db().prepare('SELECT label FROM labels WHERE image_id = ?').pluck().get(eImage) ?? null).toBeNull();
    expect(db().prepare("SELECT COUNT(*) FROM source_rows WHERE origin LIKE ? || '%'").pluck().get(f1 + path.sep)).toBe(4);

    // A third time, nothing changed: nothing removed, nothing read.
    const third = await lib.core.call('library.import', { source: f1 });
    expect(third.rows_removed).toBeUndefined();
    expect(third.images_existing).toBe(4);

    // The file comes back: it is read again and counts again.
    put(path.join(f1, '4', 'e.jpg'), PHOTOS[4]!);
    const back = await lib.core.call('library.import', { source: f1 });
    expect(back.rows).toBe(5);
    expect(imageOf(path.join(f1, '4', 'e.jpg'))).toMatchObject({ rating_class: 4, label: 'good', rows: 1 });
  });

  it('reads again a picture replaced under the same name, and maps its URL to the new picture', async () => {
    const f3 = path.join(lib.dir, 'f3');
    const c = path.join(f3, 'agg', 'bad', 'c.jpg');
    const keep = path.join(f3, 'agg', 'bad', 'keep.jpg');
    put(c, PHOTOS[7]!);
    put(keep, PHOTOS[0]!);
    await lib.core.call('library.import', { source: f3 });
    const url = pathToFileURL(c).href;
    const mapped = () => db().prepare('SELECT i.id, i.sha256, u.import_id FROM image_urls u JOIN images i ON i.id = u.image_id WHERE u.url = ?').get(url) as { id: number; sha256: string; import_id: number };
    const old = mapped();

    // Nothing changed: nothing is read again.
    const same = await lib.core.call('library.import', { source: f3 });
    expect(same.images_new).toBe(0);
    expect(mapped()).toEqual(old);

    // A new photo saved under the old name (a camera's IMG_0001.jpg).
    put(c, PHOTOS[8]!);
    const s = await lib.core.call('library.import', { source: f3 });
    expect(s.images_new).toBe(1);
    expect(s.failed).toBe(0);
    const now = mapped();
    expect(now.sha256).toBe(createHash('sha256').update(fs.readFileSync(PHOTOS[8]!)).digest('hex'));
    expect(now.import_id).toBe(s.import_id);
    expect(imageOf(c)).toMatchObject({ label: 'bad', rows: 1 });
    // The old picture lost the row: it is labelled by nothing (keep.jpg is another picture).
    expect(db().prepare('SELECT COUNT(*) FROM image_urls WHERE image_id = ?').pluck().get(old.id)).toBe(0);
    expect(db().prepare('SELECT label FROM labels WHERE image_id = ?').pluck().get(old.id) ?? null).toBeNull();

    // A row stored without the file's size and time (an older library): told by its image's size.
    db().prepare("UPDATE source_rows SET raw = json_remove(raw, '$.size', '$.modified') WHERE origin LIKE ? || '%'").run(f3 + path.sep);
    const unchanged = await lib.core.call('library.import', { source: f3 });
    expect(unchanged.images_new).toBe(0);
    expect(mapped().import_id).toBe(s.import_id);
    db().prepare("UPDATE source_rows SET raw = json_remove(raw, '$.size', '$.modified') WHERE origin LIKE ? || '%'").run(f3 + path.sep);
    put(c, PHOTOS[9]!);
    const replacedOld = await lib.core.call('library.import', { source: f3 });
    expect(replacedOld.images_new).toBe(1);
    expect(mapped().sha256).toBe(createHash('sha256').update(fs.readFileSync(PHOTOS[9]!)).digest('hex'));
  });

  it('leaves alone the rows of files under a hidden subfolder, which its scan does not read', async () => {
    const f2 = path.join(lib.dir, 'f2');
    put(path.join(f2, 'a.jpg'), PHOTOS[5]!);
    put(path.join(f2, '.later', 'h.jpg'), PHOTOS[6]!);
    await lib.core.call('library.import', { source: path.join(f2, '.later') });
    const s = await lib.core.call('library.import', { source: f2 });
    expect(s.rows).toBe(1);
    expect(s.rows_removed).toBeUndefined();
    expect(imageOf(path.join(f2, '.later', 'h.jpg')).rows).toBe(1);
  });
});
