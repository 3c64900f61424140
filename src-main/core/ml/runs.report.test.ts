/**
 * A run's stored report can be large (a noise-robust run lists every label it left out: thousands
 * of rows). ml.runs and ml.labelIssues read only what they need from it (json_extract), never the
 * whole report; ml.run serves the left-out labels from their table (run_pruned).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunEvaluation } from '../../../src-shared/domain/ml';
import { assessFit } from '../../../src-shared/domain/runQuality';
import { seedLibrary, type SeededLibrary } from '../../../test-support/seedLibrary';
import { chooseThreshold } from './runs';

describe("a run's report with thousands of left-out labels", () => {
  let lib: SeededLibrary;
  const PRUNED = 3000;
  beforeAll(() => {
    lib = seedLibrary({ images: 120, seed: 3, curator: 0.73 });
    const { db } = lib.core.context;
    // A noise-robust run's report and table of left-out labels (as trainService stores them).
    const put = db.prepare('INSERT INTO run_pruned (run_id, image_id, given, p_bad) VALUES (?, ?, ?, ?)');
    const ids = lib.images.map((im) => im.id);
    const pruned = ids.slice(0, 40).map((id, i) => ({ image_id: id, given: (i % 2 ? 'bad' : 'good') as 'good' | 'bad', p_bad: ((i * 37) % 100) / 100 }));
    pruned.forEach((p) => put.run(lib.runId, p.image_id, p.given, p.p_bad));
    const ev = JSON.parse(db.prepare('SELECT evaluation FROM runs WHERE id = ?').pluck().get(lib.runId) as string) as RunEvaluation;
    const noise = {
      ranking: 'normalized_margin',
      adjusted: true,
      filter: 'prune_by_noise_rate',
      thresholds: { good: 0.2, bad: 0.8 },
      estimated_wrong: { good: 1, bad: 2 },
      oof_repeats: 1,
      handling: 'prune',
      // Padded to thousands of rows, as a million-image run's is.
      pruned: Array.from({ length: PRUNED }, (_, i) => pruned[i % pruned.length]!),
      label_weights: null,
    };
    db.prepare('UPDATE runs SET evaluation = ? WHERE id = ?').run(JSON.stringify({ ...ev, noise }), lib.runId);
  });
  afterAll(async () => {
    await lib?.core.close();
  });

  /** The strings JSON.parse was given while `f` ran. */
  const parsed = async <T>(f: () => Promise<T>): Promise<{ r: T; texts: string[] }> => {
    const spy = vi.spyOn(JSON, 'parse');
    try {
      const r = await f();
      return { r, texts: spy.mock.calls.map((c) => String(c[0])) };
    } finally {
      spy.mockRestore();
    }
  };

  it('ml.runs and ml.labelIssues never parse the list of left-out labels', async () => {
    const runs = await parsed(() => lib.core.call('ml.runs', {}));
    expect(runs.texts.filter((t) => t.includes('"pruned"'))).toEqual([]);
    const issues = await parsed(() => lib.core.call('ml.labelIssues', { limit: 0 }));
    expect(issues.texts.filter((t) => t.includes('"pruned"'))).toEqual([]);
    expect(issues.r.ranking).toBe('class-adjusted normalized-margin, prune by noise rate');
  });

  it("ml.runs says what the whole report says: thresholds, fit and the threshold in force", async () => {
    const { db } = lib.core.context;
    const { runs } = await lib.core.call('ml.runs', {});
    expect(runs.length).toBeGreaterThan(1);
    for (const r of runs) {
      const row = db.prepare('SELECT evaluation, curator_threshold FROM runs WHERE id = ?').get(r.run_id) as { evaluation: string; curator_threshold: number | null };
      const ev = JSON.parse(row.evaluation) as RunEvaluation & { thresholds: NonNullable<typeof r.thresholds> };
      expect(r.thresholds).toEqual(ev.thresholds);
      expect(r.fit).toEqual(assessFit(ev.epochs));
      expect(r.recommended_threshold).toEqual({ bad: ev.thresholds.bad.threshold, good: ev.thresholds.good.threshold });
      expect(r.in_force).toEqual(chooseThreshold({ curator: row.curator_threshold, recommended: ev.thresholds.bad.threshold, bestBound: ev.thresholds.bad.best_bound?.threshold ?? null }));
    }
    expect(runs.find((r) => r.run_id === lib.runId)!.in_force).toEqual({ threshold: 0.73, source: 'curator' });
  });

  it('ml.run lists the left-out labels from their table, most suspicious first', async () => {
    const run = await lib.core.call('ml.run', { runId: lib.runId! });
    const rows = lib.core.context.db.prepare('SELECT image_id, given, p_bad FROM run_pruned WHERE run_id = ?').all(lib.runId) as { image_id: number; given: string; p_bad: number }[];
    const sure = (p: { given: string; p_bad: number }) => (p.given === 'bad' ? p.p_bad : 1 - p.p_bad);
    const want = [...rows].sort((a, b) => sure(a) - sure(b) || a.image_id - b.image_id);
    expect(run.evaluation!.noise!.pruned).toEqual(want);
    expect(run.evaluation!.noise!.ranking).toBe('normalized_margin');
  });
});
