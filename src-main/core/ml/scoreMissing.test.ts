/**
 * Export scores what the run has not scored yet, and only that (ClassifyService.scoreMissing finds
 * it in SQL; at a million images it no longer builds sets of every image and prediction).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/fixtures';
import { seedLibrary, type SeededLibrary } from '../../../test-support/seedLibrary';

let lib: SeededLibrary | null = null;
afterEach(async () => {
  await lib?.core.close();
  lib = null;
});

describe('export scores only the images the run lacks', () => {
  it('re-scores removed predictions with the run, leaves the others, and scores nothing when all are there', async () => {
    lib = seedLibrary({ images: 120, runs: 1 });
    const { db } = lib.core.context;
    const runId = (await lib.core.call('ml.runs', {})).active!;
    const scores = () => new Map((db.prepare('SELECT image_id, p_bad FROM predictions WHERE run_id = ?').raw().all(runId) as [number, number][]).map(([id, p]) => [id, p]));
    const before = scores();
    expect(before.size).toBe(120);
    const gone = [...before.keys()].slice(10, 15);
    db.prepare(`DELETE FROM predictions WHERE run_id = ? AND image_id IN (${gone.join(',')})`).run(runId);
    expect(scores().size).toBe(115);
    // A prediction the export must not redo: changed by hand, it stays changed.
    const kept = [...before.keys()][0]!;
    db.prepare('UPDATE predictions SET p_bad = 0.123 WHERE run_id = ? AND image_id = ?').run(runId, kept);

    const first = await lib.core.call('export.tags', { outDir: tempDir() });
    expect(first.rows).toBe(120);
    const after = scores();
    expect(after.size).toBe(120);
    for (const id of gone) {
      expect(after.get(id)).toBeGreaterThanOrEqual(0);
      expect(after.get(id)).toBeLessThanOrEqual(1);
    }
    // Every other prediction is as it was (the hand-changed one too: it was not redone).
    for (const [id, p] of before) if (!gone.includes(id) && id !== kept) expect(after.get(id)).toBe(p);
    expect(after.get(kept)).toBe(0.123);

    // Everything scored: the second export writes no prediction.
    const changes = db.prepare('SELECT total_changes() AS n').pluck();
    const n0 = changes.get() as number;
    await lib.core.call('export.tags', { outDir: tempDir() });
    expect(changes.get()).toBe(n0);
  });
});
