// The import toast says what the import result says: rows an edited file's re-import removed (labels
// may have changed: never green), and failed URLs apart from the input's own problems (a folder's
// entries not imported, a file's rows not read), as the Library screen's Failures card tells them.
import { describe, expect, test } from 'vitest';
import { splitFailureReasons, type ImportSummary } from '../../src-shared/domain/library';
import { importSummary } from '../../test-support/importSummary';
import { importNote } from './library';

const summary = (over: Partial<ImportSummary>): ImportSummary => importSummary({ rows: 10, urls: 10, ...over });

describe('rows an edited file no longer has', () => {
  test('are named, in the words of the import result, and the toast is not green', () => {
    const n = importNote(summary({ images_existing: 8, rows: 8, urls: 8, rows_removed: 2 }), 'Import');
    expect(n.kind).toBe('info');
    expect(n.text).toContain('2 rows of an earlier import of this file that it no longer has removed: the labels of their images were derived again without them.');
    const one = importNote(summary({ images_existing: 8, rows_removed: 1 }), 'Import');
    expect(one.text).toContain('1 row of an earlier import');
  });

  test('are named also when nothing was stored or the import was cancelled', () => {
    const empty = importNote(summary({ rows: 0, urls: 0, rows_removed: 4 }), 'Import');
    expect(empty.text).toContain('4 rows of an earlier import');
    const cancelled = importNote(summary({ images_new: 1, cancelled: true, rows_removed: 3 }), 'Import');
    expect(cancelled.text).toContain('3 rows of an earlier import');
  });

  test('rows kept because their lines cannot be read now are named, with the way out, and never green', () => {
    const n = importNote(summary({ images_existing: 8, row_problems: 2, row_problems_by_reason: { bad_row: 2 }, rows_kept_unreadable: 2 }), 'Import');
    expect(n.kind).toBe('info');
    expect(n.text).toContain('2 rows of an earlier import kept: their lines are in the file but cannot be read now (fix or remove them and import again).');
    expect(importNote(summary({ images_existing: 8, row_problems: 1, row_problems_by_reason: { bad_rating: 1 }, rows_kept_unreadable: 1 }), 'Import').text).toContain('1 row of an earlier import kept: its line is');
  });

  test('an import that removed none stays green', () => {
    expect(importNote(summary({ images_new: 5 }), 'Import').kind).toBe('success');
  });
});

describe('failed URLs and the input’s own problems', () => {
  test('a folder’s entries not imported are not listed among the failed files’ reasons', () => {
    const s = summary({ kind: 'folder', source: '/pics', images_new: 5, failed: 2, row_problems: 3, failures_by_reason: { truncated: 2, not_file: 2, local_refused: 1 }, row_problems_by_reason: { not_file: 2, local_refused: 1 } });
    const n = importNote(s, 'Import');
    expect(n.text).toContain('2 failed (2 truncated).');
    expect(n.text).toContain('3 entries of the folder could not be read (2 not_file, 1 local_refused): see the failures below.');
    expect(n.text).not.toMatch(/failed \([^)]*not_file/);
  });

  test('a folder whose only problems are its entries says no URL failed', () => {
    const n = importNote(summary({ kind: 'folder', source: '/pics', images_new: 5, row_problems: 1, failures_by_reason: { not_file: 1 }, row_problems_by_reason: { not_file: 1 } }), 'Import');
    expect(n.kind).toBe('info');
    expect(n.text).toBe('Import: 5 new, 0 already stored. 1 entry of the folder could not be read (1 not_file): see the failures below.');
  });

  test('a file’s rows with an unusable URL are rows, apart from URLs that failed to download', () => {
    const n = importNote(summary({ images_new: 5, failed: 3, row_problems: 2, failures_by_reason: { http_404: 3, bad_url: 1, bad_rating: 1 }, row_problems_by_reason: { bad_url: 1, bad_rating: 1 } }), 'Import');
    expect(n.text).toContain('3 failed (3 http_404).');
    expect(n.text).toContain('2 rows could not be read (1 bad_rating, 1 bad_url)');
  });

  test('a reason both kinds have is named on each side with its own count', () => {
    // Files refused as they lead out of the folder, and the folder's own links that lead out.
    const s = summary({ kind: 'folder', source: '/pics', images_new: 5, failed: 4, row_problems: 2, failures_by_reason: { not_image: 1, local_refused: 5 }, row_problems_by_reason: { local_refused: 2 } });
    expect(splitFailureReasons(s)).toEqual({ urls: [['local_refused', 3], ['not_image', 1]], input: [['local_refused', 2]] });
    const n = importNote(s, 'Import');
    expect(n.text).toContain('4 failed (3 local_refused, 1 not_image).');
    expect(n.text).toContain('2 entries of the folder could not be read (2 local_refused): see the failures below.');
  });

  test('every count of every reason lands on exactly one side', () => {
    const cases: (Parameters<typeof splitFailureReasons>[0] & { failed: number; row_problems: number })[] = [
      { failed: 567, row_problems: 0, failures_by_reason: { bad_url: 567 }, row_problems_by_reason: {} },
      { failed: 0, row_problems: 3, failures_by_reason: { bad_url: 1, bad_row: 2 }, row_problems_by_reason: { bad_url: 1, bad_row: 2 } },
      { failed: 2, row_problems: 3, failures_by_reason: { truncated: 2, not_file: 2, local_refused: 1 }, row_problems_by_reason: { not_file: 1, local_refused: 1, truncated: 1 } },
      { failed: 4, row_problems: 2, failures_by_reason: { not_image: 1, local_refused: 5 }, row_problems_by_reason: { local_refused: 2 } },
    ];
    for (const c of cases) {
      const split = splitFailureReasons(c);
      const sum = (l: [string, number][]) => l.reduce((k, [, m]) => k + m, 0);
      expect(sum(split.urls)).toBe(c.failed);
      expect(sum(split.input)).toBe(c.row_problems);
    }
  });
});

describe('rows kept without their ancestry', () => {
  test('are said apart from the rows that could not be read, and the toast is not green', () => {
    const n = importNote(
      summary({ images_new: 3, row_problems: 1, rows_kept_with_problems: 2, failures_by_reason: { bad_url: 1, bad_ancestry: 2 }, row_problems_by_reason: { bad_url: 1, bad_ancestry: 2 } }),
      'Import',
    );
    expect(n.kind).toBe('info');
    expect(n.text).toContain(' 1 row could not be read (1 bad_url): see the failures below.');
    expect(n.text).toContain(' 2 rows kept without their ancestry: see the failures below.');
    const only = importNote(summary({ images_new: 3, rows_kept_with_problems: 1, failures_by_reason: { bad_ancestry: 1 }, row_problems_by_reason: { bad_ancestry: 1 } }), 'Import');
    expect(only.kind).toBe('info');
    expect(only.text).not.toContain('could not be read');
    expect(only.text).toContain(' 1 row kept without its ancestry');
  });
});
