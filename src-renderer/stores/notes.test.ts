import { describe, expect, test } from 'vitest';
import type { ImportSummary } from '../../src-shared/domain/library';
import { importSummary } from '../../test-support/importSummary';
import { sharedTestAucWords, type RunSummary } from '../../src-shared/domain/ml';
import { importNote } from './library';
import { trainedNote } from './training';

const summary = (over: Partial<ImportSummary>): ImportSummary => importSummary({ rows: 567, urls: 567, ...over });

describe('import toasts', () => {
  test('an import where every image failed is an error, not a green toast', () => {
    const n = importNote(summary({ failed: 567, failures_by_reason: { bad_url: 567 } }), 'Import');
    expect(n.kind).toBe('error');
    expect(n.text).toContain('none of 567 images could be stored');
    expect(n.text).toContain('567 bad_url');
    // One URL, failed: said in the singular.
    expect(importNote(summary({ rows: 1, urls: 1, failed: 1, failures_by_reason: { http_404: 1 } }), 'Import').text).toMatch(/^Import: its 1 image could not be stored \(1 http_404\)/);
  });

  test('a re-import that skipped earlier failures says to use Retry failed', () => {
    const n = importNote(summary({ failed: 567, failed_before: 567, failures_by_reason: { bad_url: 567 } }), 'Import');
    expect(n.text).toContain('Retry failed');
    const some = importNote(summary({ images_new: 10, failed: 5, failed_before: 5, failures_by_reason: { http_404: 5 } }), 'Import');
    expect(some.kind).toBe('info');
    expect(some.text).toContain('5 of them failed in an earlier import');
  });

  test('a folder import that left files out says so, and is not green', () => {
    const n = importNote(summary({ kind: 'folder', images_new: 8, skipped_files: { count: 3, by_extension: { '.bmp': 2, '.txt': 1 } } }), 'Import');
    expect(n.kind).toBe('info');
    expect(n.text).toContain("3 files not imported: their names do not end like an image's (2 .bmp, 1 .txt)");
  });

  test('an import that stored nothing is never green: rows that could not be read are named', () => {
    const n = importNote(summary({ rows: 1, urls: 0, row_problems: 1, failures_by_reason: { bad_rating: 1 }, row_problems_by_reason: { bad_rating: 1 } }), 'Import');
    expect(n.kind).toBe('error');
    expect(n.text).toContain('nothing was stored');
    expect(n.text).toContain('1 row could not be read (1 bad_rating)');
    expect(n.text).not.toContain('Next: train');
  });

  test('an empty folder or file says nothing was there, not success', () => {
    const folder = importNote(summary({ kind: 'folder', source: '/data/empty', rows: 0, urls: 0 }), 'Import');
    expect(folder.kind).not.toBe('success');
    expect(folder.text).toContain('no images found in /data/empty');
    const file = importNote(summary({ rows: 0, urls: 0 }), 'Import');
    expect(file.kind).not.toBe('success');
    expect(file.text).toContain('nothing was stored');
  });

  test('row problems beside stored images make the toast neutral and are named', () => {
    const n = importNote(summary({ images_new: 10, row_problems: 2, failures_by_reason: { bad_rating: 1, bad_row: 1 }, row_problems_by_reason: { bad_rating: 1, bad_row: 1 } }), 'Import');
    expect(n.kind).toBe('info');
    expect(n.text).toContain('2 rows could not be read');
    expect(n.text).toContain('bad_rating');
  });

  test('a copy of a file imported before says its rows were not counted twice, not that the file names no images', () => {
    const n = importNote(summary({ rows: 567, urls: 0, rows_already_imported: 567 }), 'Import');
    expect(n.kind).toBe('info');
    expect(n.text).toBe('Import: nothing new. 567 rows already in the library from an earlier import: not counted twice.');
    const some = importNote(summary({ images_new: 10, rows_already_imported: 3 }), 'Import');
    expect(some.kind).toBe('info');
    expect(some.text).toContain('3 rows already in the library from an earlier import: not counted twice.');
  });

  test('images left unlabelled because their ratings disagree are named, and the toast is not green', () => {
    const n = importNote(summary({ images_new: 10, labels: { good: 4, bad: 4, unlabeled: 2 }, rated_both_ways: 1 }), 'Import');
    expect(n.kind).toBe('info');
    expect(n.text).toContain('1 image rated both bad and good: left unlabelled.');
  });

  test('a clean import is green and points to Train', () => {
    const n = importNote(summary({ images_new: 567 }), 'Import');
    expect(n.kind).toBe('success');
    expect(n.text).toContain('Train');
  });
});

describe('training toasts', () => {
  const run = (over: Partial<RunSummary>): RunSummary => ({ run_id: 3, status: 'done', active: false, created_at: '', backbone: 'b', provider: 'cpu', backend: 'js', seconds: 2, params: {} as RunSummary['params'], snapshot: null, metrics: null, recommended_threshold: { bad: null, good: null }, thresholds: null, error: null, ...over });

  test('cancelling never says "trained"', () => {
    const n = trainedNote(run({ status: 'cancelled' }), 2, 2);
    expect(n.text).not.toContain('trained');
    expect(n.text).toContain('cancelled');
    expect(n.text).toContain('run 2 stays active');
  });

  test('says whether the new run took over', () => {
    expect(trainedNote(run({}), 3, 2).text).toContain('now the active run, was run 2');
    expect(trainedNote(run({ activation: 'held-out AUC 0.9 vs 0.8' }), 2, 2).text).toContain('run 2 stays active (held-out AUC 0.9 vs 0.8)');
    expect(trainedNote(run({}), 2, 2).text).toContain('run 2 stays active');
    expect(trainedNote(run({ status: 'failed', error: 'boom' }), 2, 2)).toMatchObject({ kind: 'error' });
  });

  test('a run ranking no better than chance: not made active, and says whether another run stays or none is active', () => {
    const none = trainedNote(run({ activation: 'its out-of-fold AUC 0.310 is no better than chance (0.5): its flags would be guesses; no run is active' }), null, null);
    expect(none.kind).toBe('error');
    expect(none.text).toContain('not made active: its out-of-fold AUC 0.310 is no better than chance');
    expect(none.text.match(/no run is active/g)).toHaveLength(1);
    expect(none.text).not.toContain('stays active');
    const kept = trainedNote(run({ activation: 'its out-of-fold AUC 0.310 is no better than chance (0.5): its flags would be guesses; run 2 stays active' }), 2, 2).text;
    expect(kept.match(/stays active/g)).toHaveLength(1);
    expect(kept).toContain('run 2 stays active (its out-of-fold AUC 0.310');
  });

  test('names the test split’s accuracy and AUC as qc run does, never as held-out (the out-of-fold images’ word)', () => {
    const text = trainedNote(run({ metrics: { test_accuracy: 0.9123, test_auc: 0.95 } as RunSummary['metrics'] }), 3, 2).text;
    expect(text).toContain('its test split: accuracy 91.2%, AUC 0.950');
    expect(text).not.toContain('held-out accuracy');
  });

  test("says once that the active run stays, though the core's reason ends by saying it too", () => {
    // The reason as core/ml/runs.ts activateIfBetter words a run that did not win.
    const reason = 'on the 40 test images both runs scored, AUC 0.812 for run 3 vs 0.845 for run 2: run 2 stays active';
    const text = trainedNote(run({ activation: reason }), 2, 2).text;
    expect(text.match(/stays active/g)).toHaveLength(1);
    expect(text).toContain('run 2 stays active (on the 40 test images both runs scored, AUC 0.812 for run 3 vs 0.845 for run 2)');
    // A reason that does not end so is kept whole.
    const other = 'no shared held-out test images with both labels to compare run 3 with run 2';
    expect(trainedNote(run({ activation: other }), 2, 2).text).toContain(`run 2 stays active (${other})`);
  });

  test("a tie reads as a tie, and the run's own test AUC is named apart from the AUCs on the test images both runs scored (curatorday audit L7)", () => {
    const snapshot = { test: { bad: 30, good: 35 } } as RunSummary['snapshot'];
    // The reason as core/ml/runs.ts activateIfBetter words a tie.
    const activation = `${sharedTestAucWords(3, 2, 0.995, 0.995, 60)}: run 2 stays active`;
    const text = trainedNote(run({ snapshot, activation, metrics: { test_accuracy: 0.935, test_auc: 0.983 } as RunSummary['metrics'] }), 2, 2).text;
    expect(text).toBe('Run 3 trained · its test split (65 images): accuracy 93.5%, AUC 0.983 · run 2 stays active (a tie on the 60 test images both runs scored, AUC 0.995 each); "Make active" uses the new one.');
    expect(text).not.toMatch(/held-out AUC| vs /);
  });
});
