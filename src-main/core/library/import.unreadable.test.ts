/**
 * Re-importing an edited file whose lines are still there but no longer read (a spreadsheet added a
 * cell, a rating was mangled) loses nothing stored: the rows an earlier import stored from those
 * lines are kept, with their ratings and labels, until the line reads again (its row is then
 * replaced) or is removed. A line removed, or one that now names another URL, still drops its old
 * row. Real files, a real library.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { devRatings } from '../../../test-support/fixtures';
import { DEV_MIRRORS, useTempLibrary } from '../../../test-support/devLibrary';

const HEADER = 'obj_with_overall_rating\tobj_url\toverall_rating\tancestry';

describe('re-importing a file with unreadable lines', () => {
  const lib = useTempLibrary();
  const db = () => lib.core.context.db;
  const imageOf = (url: string) => db().prepare('SELECT image_id FROM image_urls WHERE url = ?').pluck().get(url) as number;
  const stateOf = (url: string) =>
    db().prepare('SELECT i.rating, l.label, l.origin FROM images i LEFT JOIN labels l ON l.image_id = i.id WHERE i.id = ?').get(imageOf(url)) as { rating: number | null; label: string | null; origin: string | null };
  const rowsOf = (url: string) => db().prepare('SELECT COUNT(*) FROM source_rows WHERE url = ?').pluck().get(url) as number;

  it('keeps the rows of lines that no longer read; drops those of lines gone or naming another URL; replaces them once the lines read again', async () => {
    // One bad and one good rating of each pair, so every image has an import label to lose.
    const dev = devRatings();
    const bad = dev.filter((r) => r[2] <= 2);
    const good = dev.filter((r) => r[2] >= 4);
    const rows = [bad[0]!, good[0]!, bad[1]!, good[1]!];
    const other = good[2]!;
    const file = path.join(lib.dir, 'ratings.txt');
    const write = (lines: string[]) => fs.writeFileSync(file, `${[HEADER, ...lines].join('\n')}\n`);
    const asLine = ([id, url, r, a]: (typeof rows)[number]) => `${id}\t${url}\t${r}\t${a ?? '{}'}`;
    write(rows.map(asLine));
    await lib.core.call('library.import', { source: file, mirrors: DEV_MIRRORS });
    const before = rows.map((r) => stateOf(r[1]));
    expect(before.map((s) => s.label)).toEqual(['bad', 'good', 'bad', 'good']);

    // Line 2: a cell added; line 3: its rating mangled; line 4: now another URL (with a bad rating); line 5: gone.
    write([`${asLine(rows[0]!)}\textra`, asLine(rows[1]!).replace(`\t${rows[1]![2]}\t`, '\t4,5,6\t'), `${other[0]}\t${other[1]}\t9\t{}`]);
    const s = await lib.core.call('library.import', { source: file, mirrors: DEV_MIRRORS });
    expect(s.row_problems).toBe(3);
    expect(s.row_problems_by_reason).toEqual({ bad_row: 1, bad_rating: 2 });
    expect(s.rows_kept_unreadable).toBe(2);
    expect(s.rows_removed).toBe(2);
    // Lines 2 and 3 keep what they stored; the images of lines 4 and 5 lose their rows, ratings and import labels.
    expect(rows.map((r) => stateOf(r[1]))).toEqual([before[0], before[1], expect.objectContaining({ rating: null, label: null }), expect.objectContaining({ rating: null, label: null })]);
    expect(rows.map((r) => rowsOf(r[1]))).toEqual([1, 1, 0, 0]);
    // The unreadable lines are failures, named by file and line.
    const failures = db().prepare("SELECT line, reason FROM failures WHERE file = ? AND stage = 'row' ORDER BY line").all(file);
    expect(failures).toEqual([
      { line: 2, reason: 'bad_row' },
      { line: 3, reason: 'bad_rating' },
      { line: 4, reason: 'bad_rating' },
    ]);

    // Imported again unchanged: still kept (and said), nothing more removed.
    const again = await lib.core.call('library.import', { source: file, mirrors: DEV_MIRRORS });
    expect([again.rows_kept_unreadable, again.rows_removed]).toEqual([2, undefined]);
    expect(rows.slice(0, 2).map((r) => stateOf(r[1]))).toEqual(before.slice(0, 2));

    // Fixed, with line 2's rating changed: its row is replaced by what the line says now, and the failures go.
    const flipped = rows[0]![2] <= 2 ? 5 : 1;
    write([asLine([rows[0]![0], rows[0]![1], flipped, rows[0]![3]]), asLine(rows[1]!)]);
    const fixed = await lib.core.call('library.import', { source: file, mirrors: DEV_MIRRORS });
    expect([fixed.row_problems, fixed.rows_kept_unreadable, fixed.rows_removed]).toEqual([0, undefined, undefined]);
    expect(stateOf(rows[0]![1])).toMatchObject({ rating: flipped, label: 'good' });
    expect(stateOf(rows[1]![1])).toEqual(before[1]);
    expect(rows.slice(0, 2).map((r) => rowsOf(r[1]))).toEqual([1, 1]);
    expect(db().prepare("SELECT COUNT(*) FROM failures WHERE file = ? AND stage = 'row'").pluck().get(file)).toBe(0);
  }, 120_000);
});
