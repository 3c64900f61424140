/**
 * Odd rows through a real import (parse.ts, sources.ts): a row over the 1 MB line limit, a URL
 * with credentials and a column named `__proto__` are each handled as a row, never as the file:
 * the bad ones become recorded failures with their file:line, and the rest are imported.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEV_IMAGES, devRatings } from '../../../test-support/fixtures';
import { useTempLibrary } from '../../../test-support/devLibrary';

const PREFIX = 'https://mirror.example/qc/';
const photo = (i: number) => path.basename(devRatings()[i]![1]);
const HEADER = 'obj_with_overall_rating\tobj_url\toverall_rating\tancestry';

describe('an import with odd rows', () => {
  const lib = useTempLibrary();
  let mirror: string;
  const mirrors = () => [{ prefix: PREFIX, dir: mirror }];

  beforeAll(() => {
    mirror = path.join(lib.dir, 'mirror');
    fs.mkdirSync(mirror);
    for (let i = 0; i < 4; i++) fs.copyFileSync(path.join(DEV_IMAGES, photo(i)), path.join(mirror, photo(i)));
  });

  it('records a 2 MB middle row as one bad_row failure with its line, and imports the rows around it', async () => {
    const list = path.join(lib.dir, 'long_ratings.txt');
    const rows = [HEADER, `1\t${PREFIX}${photo(0)}\t1\t{}`, `2\t${PREFIX}${photo(1)}\t1\t${'x'.repeat(2 * 1024 * 1024)}`, `3\t${PREFIX}${photo(2)}\t5\t{}`];
    fs.writeFileSync(list, rows.join('\n') + '\n');
    const s = await lib.core.call('library.import', { source: list, mirrors: mirrors() });
    expect(s).toMatchObject({ rows: 3, images_new: 2, failures_by_reason: { bad_row: 1 } });
    const { failures } = await lib.core.call('library.failures', {});
    expect(failures.map((f) => [f.file, f.line, f.reason, f.detail])).toEqual([[list, 3, 'bad_row', 'line is 2.0 MB long (limit 1 MB)']]);
    const status = lib.core.context.db.prepare('SELECT status, error FROM imports WHERE id = ?').get(s.import_id);
    expect(status).toEqual({ status: 'done', error: null });
  });

  it('records a URL with a user name and password as bad_url, not as a network failure to retry', async () => {
    const list = path.join(lib.dir, 'credentials.txt');
    fs.writeFileSync(list, [HEADER, `4\t${PREFIX}${photo(3)}\t2\t{}`, '5\thttp://user:pw@127.0.0.1:9/x.jpg\t2\t{}'].join('\n') + '\n');
    const s = await lib.core.call('library.import', { source: list, mirrors: mirrors(), retries: 0, timeoutMs: 2000 });
    expect(s).toMatchObject({ rows: 2, images_new: 1, failures_by_reason: { bad_url: 1 } });
    const failure = (await lib.core.call('library.failures', {})).failures.find((f) => f.file === list);
    expect(failure).toMatchObject({ line: 3, reason: 'bad_url', detail: 'URLs with a user name or password are not accepted' });
  });

  it('keeps a column named __proto__ in the stored row', async () => {
    const list = path.join(lib.dir, 'proto_bundle.txt');
    fs.writeFileSync(list, `eolMediaURL\t__proto__\tnote\n${PREFIX}${photo(0)}\t{"a":1}\tkept\n`);
    await lib.core.call('library.import', { source: list, mirrors: mirrors() });
    const stored = lib.core.context.db.prepare('SELECT raw FROM source_rows WHERE origin = ?').get(list) as { raw: string };
    expect(stored.raw).toBe(JSON.stringify({ eolMediaURL: `${PREFIX}${photo(0)}`, ['__proto__']: '{"a":1}', note: 'kept' }));
    expect(Object.keys(JSON.parse(stored.raw) as object)).toEqual(['eolMediaURL', '__proto__', 'note']);
  });
  it('reads an edited file again as it is now: rows it no longer has stop counting, and labels follow', async () => {
    const list = path.join(lib.dir, 'edited_ratings.txt');
    const other = path.join(lib.dir, 'other_ratings.txt');
    // Photos no other test here names.
    for (let i = 4; i < 8; i++) fs.copyFileSync(path.join(DEV_IMAGES, photo(i)), path.join(mirror, photo(i)));
    const urls = [4, 5, 6, 7].map((i) => `${PREFIX}${photo(i)}`) as [string, string, string, string];
    const refused = 'file:///nowhere/edited.jpg'; // a failure of its own (a file: URL without --allow-local)
    fs.writeFileSync(list, [HEADER, `10\t${urls[0]}\t1\t{}`, `11\t${urls[1]}\t5\t{}`, `12\t${urls[2]}\t1\t{}`, `13\t${urls[3]}\t1\t{}`, `14\t${refused}\t1\t{}`].join('\n') + '\n');
    fs.writeFileSync(other, [HEADER, `12\t${urls[2]}\t5\t{}`].join('\n') + '\n');
    const first = await lib.core.call('library.import', { source: list, mirrors: mirrors() });
    expect(first.rows_removed).toBeUndefined();
    expect(first.failures_by_reason).toEqual({ local_refused: 1 });
    const failedUrls = async () => (await lib.core.call('library.failures', {})).failures.map((f) => f.url);
    expect(await failedUrls()).toContain(refused);
    await lib.core.call('library.import', { source: other, mirrors: mirrors() });
    const byUrl = async () => {
      const out = new Map<string, { id: number; label: string | null; rating: number | null; lines: string[] }>();
      for (const item of (await lib.core.call('review.page', { offset: 0, limit: 100 })).items) {
        const d = await lib.core.call('images.get', { imageId: item.image_id });
        for (const src of d.sources) out.set(src.url, { id: d.image_id, label: d.label, rating: d.rating, lines: d.sources.map((x) => `${path.basename(x.origin)}:${x.line}`).sort() });
      }
      return out;
    };
    // A curator's label is never touched by imports.
    await lib.core.call('labels.set', { imageIds: [(await byUrl()).get(urls[3])!.id], label: 'good' });
    const before = await byUrl();
    expect(before.get(urls[1])).toMatchObject({ label: 'good', rating: 5 });
    expect(before.get(urls[2])).toMatchObject({ rating: 3, lines: ['edited_ratings.txt:4', 'other_ratings.txt:2'] });

    // The curator edits the file: photo 1's row goes, photo 2's row goes (the last lines move up).
    fs.writeFileSync(list, [HEADER, `10\t${urls[0]}\t2\t{}`, `13\t${urls[3]}\t1\t{}`].join('\n') + '\n');
    const again = await lib.core.call('library.import', { source: list, mirrors: mirrors() });
    expect(again).toMatchObject({ rows: 2, rows_removed: 3 });
    // The failure of a URL that no row names any more is gone with its row.
    expect(await failedUrls()).not.toContain(refused);
    const now = [...(await byUrl()).values()];
    const after = new Map(urls.map((u) => [u, now.find((x) => x.id === before.get(u)!.id) ?? null]));
    const photo5 = await lib.core.call('images.get', { imageId: before.get(urls[1])!.id });
    expect(photo5.sources).toEqual([]);
    after.set(urls[1], { id: photo5.image_id, label: photo5.label, rating: photo5.rating, lines: [] });
    expect(after.get(urls[0])).toMatchObject({ rating: 2, lines: ['edited_ratings.txt:2'] });
    // No row names photo 1 any more: it keeps its image but loses the label its rating gave.
    expect(after.get(urls[1])).toMatchObject({ label: null, rating: null, lines: [] });
    // Photo 2 is now rated only by the other file (5: good).
    expect(after.get(urls[2])).toMatchObject({ label: 'good', rating: 5, lines: ['other_ratings.txt:2'] });
    expect(after.get(urls[3])).toMatchObject({ label: 'good', rating: 1, lines: ['edited_ratings.txt:3'] });
  });

  it('a file cut down to its header: its rows and its lines\' failures all go', async () => {
    const list = path.join(lib.dir, 'truncated_ratings.txt');
    fs.writeFileSync(list, [HEADER, `30\t${PREFIX}${photo(0)}\t1\t{}`, `31\t${PREFIX}${photo(1)}\t5\t{}`, `32\t${PREFIX}${photo(2)}\t5\t{}`, `33\t${PREFIX}${photo(3)}\tabc\t{}`].join('\n') + '\n');
    const first = await lib.core.call('library.import', { source: list, mirrors: mirrors() });
    expect(first.row_problems).toBe(1);
    const ofFile = async () => (await lib.core.call('library.failures', {})).failures.filter((f) => f.file === list).map((f) => [f.line, f.reason]);
    expect(await ofFile()).toEqual([[5, 'bad_rating']]);
    const badRatings = async () => (await lib.core.call('library.status', {})).failures_by_reason.bad_rating ?? 0;
    const badBefore = await badRatings();
    // A truncated download, or every row deleted: only the header is left.
    fs.writeFileSync(list, `${HEADER}\n`);
    const again = await lib.core.call('library.import', { source: list, mirrors: mirrors() });
    expect(again).toMatchObject({ rows: 0, rows_removed: 3, row_problems: 0 });
    expect(await ofFile()).toEqual([]);
    expect(await badRatings()).toBe(badBefore - 1);
  });

  it('one picture named by 3,000 URLs (three pages of URLs): its rating and label count every row', async () => {
    fs.copyFileSync(path.join(DEV_IMAGES, photo(8)), path.join(mirror, photo(8)));
    const list = path.join(lib.dir, 'many_urls.txt');
    // The first page's rows say 5, the two after it 1: only all three together give 2.33 (bad).
    const rows = Array.from({ length: 3000 }, (_, i) => `${20_000 + i}\t${PREFIX}${photo(8)}?copy=${i}\t${i < 1000 ? 5 : 1}\t{}`);
    fs.writeFileSync(list, [HEADER, ...rows].join('\n') + '\n');
    const s = await lib.core.call('library.import', { source: list, mirrors: mirrors() });
    expect(s).toMatchObject({ rows: 3000, urls: 3000, images_new: 1, failed: 0, labels: { bad: 1, good: 0, unlabeled: 0 } });
    const details = await Promise.all((await lib.core.call('review.page', { offset: 0, limit: 100 })).items.map((i) => lib.core.call('images.get', { imageId: i.image_id })));
    const d = details.find((x) => x.sources.some((src) => src.url.startsWith(`${PREFIX}${photo(8)}?copy=`)))!;
    expect(d.label).toBe('bad');
    expect(d.rating).toBeCloseTo(7000 / 3000, 6);
  });
});
