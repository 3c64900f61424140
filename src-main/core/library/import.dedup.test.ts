/**
 * The same ratings imported from two files (a ratings file re-saved under another name, as UTF-16
 * by Excel) count once: every file's rows are stored, and a row another file holds before (same
 * obj_with_overall_rating, URL and rating) does not count (labels/countedRows.ts); the summary says
 * how many (`qc import`'s words: cli/format.test.ts). Editing the first file later never loses the
 * copy's ratings. Repeated rows within one file count. Images whose ratings (or class folders)
 * disagree and are left unlabelled are counted. Real files, a real library.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { devRatings, DEV_IMAGES } from '../../../test-support/fixtures';
import { DEV_MIRRORS, useTempLibrary } from '../../../test-support/devLibrary';
import { writeRatingsFile } from '../../../test-support/image-server';
import { imageLabelConfidence, IssueStore, labelConfidences } from '../ml/issues';
import { countedRatingSql, ratingCountsSql } from '../labels/countedRows';

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
  const labelsNow = () => db().prepare('SELECT image_id, label, origin FROM labels ORDER BY image_id').all();
  const imageOf = (url: string) => db().prepare('SELECT image_id FROM image_urls WHERE url = ?').pluck().get(url) as number;
  /** The rating rows that count for a URL's image, as the Issues list reads them. */
  const ratingRows = (url: string) => new IssueStore(db()).ratingsOf([imageOf(url)]).get(imageOf(url)) ?? [];
  const ratingOf = (url: string) => db().prepare('SELECT i.rating FROM images i JOIN image_urls u ON u.image_id = i.id WHERE u.url = ?').pluck().get(url) as number | null;
  const dev = devRatings();

  it('a UTF-16 copy under another name is stored but counted once: the ratings, labels and confidences stay, and the summary says so', async () => {
    const dir = path.join(lib.dir, 'copy');
    fs.mkdirSync(dir);
    const a = path.join(dir, 'ratings.txt');
    writeRatingsFile(a, dev.slice(0, 6));
    const first = await lib.core.call('library.import', { source: a, mirrors });
    expect(first.rows_already_imported).toBeUndefined();
    const before = { perUrl: rowsPerUrl(), ratings: ratings(), labels: labelsNow() };
    expect(before.perUrl.map((r) => r.n)).toEqual([1, 1, 1, 1, 1, 1]);
    const ids = dev.slice(0, 6).map(([, url]) => imageOf(url));
    const confidences = () => ids.map((id) => labelConfidences(db(), lib.core.context.labels.rule(), [id]).get(id) ?? null);
    const confidenceBefore = confidences();

    const b = path.join(dir, 'ratings (unicode).txt');
    writeUtf16(b, [HEADER, ...dev.slice(0, 6).map(line)]);
    const s = await lib.core.call('library.import', { source: b, mirrors });
    expect(s.encoding).toBe('utf-16le');
    expect(s.rows).toBe(6);
    expect(s.rows_already_imported).toBe(6);
    expect(s.urls).toBe(6);
    expect(s.rows_removed).toBeUndefined();
    expect(rowsPerUrl().map((r) => r.n)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(ratings()).toEqual(before.ratings);
    expect(labelsNow()).toEqual(before.labels);
    expect(confidences()).toEqual(confidenceBefore);
    // The preview's confidence (one image) reads the rows the same way.
    expect(ids.map((id) => imageLabelConfidence(db(), lib.core.context.labels.rule(), id))).toEqual(confidenceBefore);

    // Imported again, either file: the first file's rows still count, the copy's do not.
    expect((await lib.core.call('library.import', { source: b, mirrors })).rows_already_imported).toBe(6);
    const again = await lib.core.call('library.import', { source: a, mirrors });
    expect(again.rows_already_imported).toBeUndefined();
    expect(again.urls).toBe(6);
    expect(rowsPerUrl().map((r) => r.n)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(ratings()).toEqual(before.ratings);
    expect(labelsNow()).toEqual(before.labels);
  });

  it("the first file edited and imported again: the copy's rating now counts beside its new one; with the first file's line gone, the copy's alone", async () => {
    const dir = path.join(lib.dir, 'edited');
    fs.mkdirSync(dir);
    const [r0, r1] = dev.slice(50, 52) as [(typeof dev)[number], (typeof dev)[number]];
    const a = path.join(dir, 'a.txt');
    const b = path.join(dir, 'b.txt');
    writeRatingsFile(a, [r0, r1]);
    writeRatingsFile(b, [r0, r1]);
    await lib.core.call('library.import', { source: a, mirrors });
    expect((await lib.core.call('library.import', { source: b, mirrors })).rows_already_imported).toBe(2);
    expect(ratingOf(r0[1])).toBeCloseTo(r0[2], 6);

    const edited = r0[2] === 5 ? 1 : 5;
    writeRatingsFile(a, [[r0[0], r0[1], edited, r0[3]], r1]);
    const s = await lib.core.call('library.import', { source: a, mirrors });
    expect(s.rows_already_imported).toBeUndefined();
    expect(ratingOf(r0[1])).toBeCloseTo((r0[2] + edited) / 2, 6);
    expect(ratingOf(r1[1])).toBeCloseTo(r1[2], 6);
    expect(ratingRows(r0[1])).toHaveLength(2);

    // The first file loses both lines: the copy's rows, kept all along, count alone.
    writeRatingsFile(a, [dev[52]!]);
    const s2 = await lib.core.call('library.import', { source: a, mirrors });
    expect(s2.rows_removed).toBe(1); // its second line now names another URL, its third is gone
    expect(ratingOf(r0[1])).toBeCloseTo(r0[2], 6);
    expect(ratingOf(r1[1])).toBeCloseTo(r1[2], 6);
    expect((await lib.core.call('library.import', { source: b, mirrors })).rows_already_imported).toBeUndefined();
  });

  it('what the other file does not hold (another rating, another data object, a new row) counts; repeats within one file count', async () => {
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
    expect([r0, r1, r2, r3, fresh].map(([, url]) => count(url))).toEqual([2, 2, 2, 2, 2]);
    // r0, r3: their one rating; r1: the mean of both; r2: both rows (another data object); fresh: both of its repeats.
    expect(ratingOf(r0[1])).toBeCloseTo(r0[2], 6);
    expect(ratingOf(r1[1])).toBeCloseTo((r1[2] + changed[2]) / 2, 6);
    expect(ratingOf(r3[1])).toBeCloseTo(r3[2], 6);
    expect([r0, r1, r2, r3, fresh].map(([, url]) => ratingRows(url).length)).toEqual([1, 2, 2, 1, 2]);
  });

  it('a library that stored a copy before this check counts it once, and importing the copy again removes nothing', async () => {
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
    expect(rated()).toBe(8);
    for (const [, url, r] of rows) expect(ratingOf(url)).toBeCloseTo(r, 6);
  });

  it("looks each rating row's duplicate up by its whole identity (url, eol_id, rating: migration 024), never by a scan or a walk of the URL's rows", () => {
    const plan = (sql: string, ...args: unknown[]) => (db().prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail);
    const perImage = plan(`SELECT ${countedRatingSql('s')} FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE u.image_id = ?`, 1);
    const all = plan(`SELECT s.rating FROM source_rows s WHERE ${ratingCountsSql('s')}`);
    for (const p of [perImage, all]) {
      expect(p).toContainEqual(expect.stringMatching(/^SEARCH dup USING INDEX source_rows_rating_identity \(url=\? AND eol_id=\? AND rating=\?/));
      expect(p.filter((d) => /SCAN dup/.test(d))).toEqual([]);
    }
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

  it('the summary reads the evidence of the unlabelled images in one statement per page, and none for a folder with no class folder', async () => {
    const statement = Object.getPrototypeOf(db().prepare('SELECT 1')) as { all: (...a: unknown[]) => unknown; iterate: (...a: unknown[]) => unknown; get: (...a: unknown[]) => unknown };
    const spies = (['all', 'iterate', 'get'] as const).map((m) => vi.spyOn(statement, m));
    const evidenceReads = () => spies.flatMap((s) => s.mock.contexts as { source: string }[]).filter((c) => /s\.folder_label\b/.test(c.source) && /image_urls/.test(c.source)).length;
    try {
      const plain = path.join(lib.dir, 'plain');
      fs.mkdirSync(plain);
      for (const [, url] of dev.slice(60, 66)) fs.copyFileSync(path.join(DEV_IMAGES, path.basename(url)), path.join(plain, path.basename(url)));
      const s = await lib.core.call('library.import', { source: plain });
      expect(s.labels.unlabeled).toBe(6);
      // labels.ts reads each new image's rows once to derive it; the summary reads none.
      expect(evidenceReads()).toBe(6);
      const f = path.join(lib.dir, 'plain.txt');
      writeRatingsFile(f, dev.slice(70, 76).map(([id, url]): [string, string, number] => [id, url, 3]));
      const r = await lib.core.call('library.import', { source: f, mirrors });
      expect(r.labels.unlabeled).toBe(6);
      // … and here too, then the summary one statement for all six.
      expect(evidenceReads()).toBe(6 + 6 + 1);
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
  });
});
