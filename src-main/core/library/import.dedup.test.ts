/**
 * The same ratings imported from two files (a ratings file re-saved under another name, as UTF-16
 * by Excel) count once: the second file's rows that another file's import stored already (same
 * obj_with_overall_rating, URL and rating) are not stored again, and its summary says how many
 * (`qc import`'s words: cli/format.test.ts). Repeated rows within one file are kept. Images whose ratings (or class
 * folders) disagree and are left unlabelled are counted. Real files, a real library.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { devRatings, DEV_IMAGES } from '../../../test-support/fixtures';
import { DEV_MIRRORS, useTempLibrary } from '../../../test-support/devLibrary';
import { writeRatingsFile } from '../../../test-support/image-server';

const HEADER = 'obj_with_overall_rating\tobj_url\toverall_rating\tancestry';
const line = ([id, url, r, a]: [string, string, number, string?]) => `${id}\t${url}\t${r}\t${a ?? '{}'}`;

/** `lines` as Excel's "Unicode Text" writes them: UTF-16LE with its byte order mark, CRLF. */
function writeUtf16(file: string, lines: string[]): void {
  fs.writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf16le')]));
}

describe('the same ratings from two files', () => {
  const lib = useTempLibrary();
  const mirrors = DEV_MIRRORS;
  const db = () => lib.core.context.db;
  const rowsPerUrl = () => db().prepare('SELECT url, COUNT(*) AS n FROM source_rows GROUP BY url ORDER BY url').all() as { url: string; n: number }[];
  const ratings = () => db().prepare('SELECT id, rating, rating_class FROM images ORDER BY id').all();
  const dev = devRatings();

  it('a UTF-16 copy under another name adds no row: each URL keeps one, the ratings and labels stay, and the summary and qc import say so', async () => {
    const dir = path.join(lib.dir, 'copy');
    fs.mkdirSync(dir);
    const a = path.join(dir, 'ratings.txt');
    writeRatingsFile(a, dev.slice(0, 6));
    const first = await lib.core.call('library.import', { source: a, mirrors });
    expect(first.rows_already_imported).toBeUndefined();
    const before = { perUrl: rowsPerUrl(), ratings: ratings() };
    expect(before.perUrl.map((r) => r.n)).toEqual([1, 1, 1, 1, 1, 1]);

    const b = path.join(dir, 'ratings (unicode).txt');
    writeUtf16(b, [HEADER, ...dev.slice(0, 6).map(line)]);
    const s = await lib.core.call('library.import', { source: b, mirrors });
    expect(s.encoding).toBe('utf-16le');
    expect(s.rows).toBe(6);
    expect(s.rows_already_imported).toBe(6);
    expect(s.urls).toBe(0);
    expect(s.rows_removed).toBeUndefined();
    expect(rowsPerUrl()).toEqual(before.perUrl);
    expect(ratings()).toEqual(before.ratings);

    // Imported again, either file: still one row per URL.
    expect((await lib.core.call('library.import', { source: b, mirrors })).rows_already_imported).toBe(6);
    const again = await lib.core.call('library.import', { source: a, mirrors });
    expect(again.rows_already_imported).toBeUndefined();
    expect(again.urls).toBe(6);
    expect(rowsPerUrl()).toEqual(before.perUrl);
  });

  it('what the other file does not hold (another rating, another data object, a new row) is stored; repeats within one file are kept', async () => {
    const dir = path.join(lib.dir, 'partial');
    fs.mkdirSync(dir);
    const rows = dev.slice(10, 14);
    const a = path.join(dir, 'a.txt');
    writeRatingsFile(a, rows);
    await lib.core.call('library.import', { source: a, mirrors });
    const b = path.join(dir, 'b.txt');
    const [r0, r1, r2, r3] = rows as [(typeof rows)[number], (typeof rows)[number], (typeof rows)[number], (typeof rows)[number]];
    const changed: (typeof rows)[number] = [r1[0], r1[1], r1[2] === 5 ? 4 : 5, r1[3]];
    const otherObject: (typeof rows)[number] = [`${r2[0]}9`, r2[1], r2[2], r2[3]];
    const fresh = dev[14]!;
    writeRatingsFile(b, [r0, changed, otherObject, r3, fresh, fresh]);
    const s = await lib.core.call('library.import', { source: b, mirrors });
    expect(s.rows).toBe(6);
    expect(s.rows_already_imported).toBe(2); // r0, r3
    const count = (url: string) => db().prepare('SELECT COUNT(*) FROM source_rows WHERE url = ?').pluck().get(url);
    expect([r0, r1, r2, r3, fresh].map(([, url]) => count(url))).toEqual([1, 2, 2, 1, 2]);
  });

  it('a library that counted a copy twice (before this check) counts it once after the copy is imported again, and no row is said to be removed', async () => {
    const dir = path.join(lib.dir, 'legacy');
    fs.mkdirSync(dir);
    const rows = dev.slice(20, 24);
    const a = path.join(dir, 'a.txt');
    const b = path.join(dir, 'b.txt');
    writeRatingsFile(a, rows);
    writeRatingsFile(b, rows);
    await lib.core.call('library.import', { source: a, mirrors });
    const rated = () => db().prepare(`SELECT COUNT(*) FROM source_rows WHERE url IN (${rows.map(() => '?').join(',')})`).pluck().get(...rows.map(([, u]) => u));
    // What an import of b stored before: a's rows under b's name.
    db().prepare(
      `INSERT INTO source_rows (origin, line, kind, url, eol_id, rating, exemplar, folder_label, ancestry, raw, import_id)
       SELECT ?, line, kind, url, eol_id, rating, exemplar, folder_label, ancestry, raw, import_id FROM source_rows WHERE origin = ?`,
    ).run(b, a);
    db().prepare("INSERT INTO imports (kind, source, encoding, status) VALUES ('ratings', ?, 'utf-8', 'done')").run(b);
    expect(rated()).toBe(8);
    const s = await lib.core.call('library.import', { source: b, mirrors });
    expect(s.rows_already_imported).toBe(4);
    expect(s.rows_removed).toBeUndefined();
    expect(rated()).toBe(4);
  });

  it('counts the images left unlabelled because their ratings say both bad and good', async () => {
    const dir = path.join(lib.dir, 'conflict');
    fs.mkdirSync(dir);
    const f = path.join(dir, 'conflict.txt');
    const [x, y, z] = [dev[30]!, dev[31]!, dev[32]!];
    // x: 1 and 5 (mean 3: unlabelled); y: 1, 1 and 5 (mean 2.3: bad); z: 3 (unlabelled, nobody said bad or good).
    writeRatingsFile(f, [[x[0], x[1], 1], [x[0], x[1], 5], [y[0], y[1], 1], [y[0], y[1], 1], [y[0], y[1], 5], [z[0], z[1], 3]]);
    const s = await lib.core.call('library.import', { source: f, mirrors });
    expect(s.labels).toEqual({ good: 0, bad: 1, unlabeled: 2 });
    expect(s.rated_both_ways).toBe(1);
    // A curator's label settles it: no longer counted.
    const xId = db().prepare('SELECT image_id FROM image_urls WHERE url = ?').pluck().get(x[1]) as number;
    await lib.core.call('labels.set', { imageIds: [xId], label: 'good' });
    expect((await lib.core.call('library.import', { source: f, mirrors })).rated_both_ways).toBeUndefined();
  });

  it('counts a picture put in both a Good and a Bad folder', async () => {
    const dir = path.join(lib.dir, 'sorted');
    for (const sub of ['Good', 'Bad']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
    const photo = path.join(DEV_IMAGES, path.basename(dev[40]![1]));
    fs.copyFileSync(photo, path.join(dir, 'Good', 'same.jpg'));
    fs.copyFileSync(photo, path.join(dir, 'Bad', 'same.jpg'));
    fs.copyFileSync(path.join(DEV_IMAGES, path.basename(dev[41]![1])), path.join(dir, 'Good', 'other.jpg'));
    const s = await lib.core.call('library.import', { source: dir });
    expect(s.rows).toBe(3);
    expect(s.labels).toEqual({ good: 1, bad: 0, unlabeled: 1 });
    expect(s.rated_both_ways).toBe(1);
  });
});
