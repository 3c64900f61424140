// @vitest-environment jsdom
// What the Train screen says of each run beyond its recommendation, on the real core: the threshold
// exports actually use with it (the curator's, the recommendation, or the best provable bound when it
// recommends none) and where it comes from, in the runs table, the comparison and the Thresholds
// table; the labels its noise-robust training left out; and the AUC of the ROC curve it draws.
import { screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import type { RunEvaluation, RunMetrics, ThresholdSource } from '../../../src-shared/domain/ml';
import { setup, until } from '../../../test-support/renderer/render';
import { renderRunsPanels } from '../../../test-support/renderer/runsPanels';
import { fmtNum, fmtT } from '../../components/format';

const SLOW = 20_000;
/** The source as `qc runs` prints it (cli/formatMl.ts SOURCE_WORD). */
const WORD: Partial<Record<ThresholdSource, string>> = { curator: 'curator', recommended: 'recommended', 'best-bound': 'best bound' };

const renderTrain = renderRunsPanels;

/** Every finished run's "exports use" cell says the core's threshold in force and its source, in the CLI's words. */
function expectInForceCells(ctx: ReturnType<typeof setup>) {
  const runs = ctx.client.runs.filter((r) => r.status === 'done');
  expect(runs.length).toBeGreaterThanOrEqual(2);
  for (const r of runs) {
    const cell = screen.getByTestId(`run-in-force-${r.run_id}`);
    expect(r.in_force).toBeTruthy();
    expect(Number(cell.dataset.value)).toBe(r.in_force!.threshold);
    expect(cell.dataset.source).toBe(r.in_force!.source);
    expect(cell.textContent).toBe(`${fmtT(r.in_force!.threshold)} ${WORD[r.in_force!.source]}`);
  }
  return runs;
}

describe('the threshold exports use with each run', () => {
  test("a curator's threshold is shown beside the recommendation, with its source, and follows Use for export", async () => {
    // Each run recommends 0.4; the active one has the curator's 0.73 as well.
    const ctx = setup({ curator: 0.73, recommended: 0.4 });
    await renderTrain(ctx);
    const runs = expectInForceCells(ctx);
    expect(runs.filter((r) => !r.active).map((r) => r.in_force)).toContainEqual({ threshold: 0.4, source: 'recommended' });
    const active = runs.find((r) => r.active)!;
    expect(active.in_force).toEqual({ threshold: 0.73, source: 'curator' });
    // The recommendation is its own column, and differs: the curator's is not hidden behind it.
    expect(screen.getByTestId(`run-recommended-${active.run_id}`).textContent).toBe(fmtT(active.recommended_threshold.bad));
    expect(active.recommended_threshold.bad).not.toBe(0.73);
    expect(screen.getByTestId('runs-in-force-header').textContent).toBe('in force');
    // Not "exports use" for every run: exports use only the active run's.
    expect(within(screen.getByTestId('run-compare')).queryByText('exports use')).toBeNull();
    // The comparison says it for both runs.
    const cmp = screen.getByTestId('run-compare');
    for (const [side, id] of [['current', cmp.dataset.current], ['previous', cmp.dataset.previous]] as const) {
      const run = runs.find((r) => r.run_id === Number(id))!;
      expect(within(cmp).getByTestId(`compare-in-force-${side}`).dataset.value).toBe(String(run.in_force!.threshold));
      expect(within(cmp).getByTestId(`compare-in-force-${side}`).dataset.source).toBe(run.in_force!.source);
    }
    // The Thresholds table of the run shown (the active one) has an "exports use" row, in words.
    const row = await screen.findByTestId('threshold-in-force');
    expect(row.dataset.value).toBe('0.73');
    expect(row.dataset.source).toBe('curator');
    expect(row.textContent).toContain('exports use');
    expect(row.textContent).toContain(`the run recommends ${fmtT(active.recommended_threshold.bad)}`);

    // Use for export another threshold: the table shows it at once, as the core now has it.
    await ctx.store.getState().useThresholdForExport(0.61);
    await until(() => expect(screen.getByTestId(`run-in-force-${active.run_id}`).dataset.value).toBe('0.61'), SLOW);
    expect(ctx.client.runs.find((r) => r.run_id === active.run_id)!.in_force).toEqual({ threshold: 0.61, source: 'curator' });
    expect(screen.getByTestId('threshold-in-force').dataset.value).toBe('0.61');
  }, 60_000);

  test('a run that recommends no threshold shows the best provable bound exports fall back to, named so', async () => {
    const ctx = setup({ recommended: null });
    await renderTrain(ctx);
    const runs = expectInForceCells(ctx);
    for (const r of runs) {
      expect(r.recommended_threshold.bad).toBeNull();
      expect(screen.getByTestId(`run-recommended-${r.run_id}`).textContent).toBe('–');
      expect(r.in_force).toEqual({ threshold: r.thresholds!.bad.best_bound!.threshold, source: 'best-bound' });
    }
    const row = await screen.findByTestId('threshold-in-force');
    expect(row.dataset.source).toBe('best-bound');
    expect(row.textContent).toContain('best bound');
  }, 60_000);
});

describe('labels left out by noise-robust training', () => {
  test("each run's count is in its data column, in words in the title; a run that left none out says nothing", async () => {
    const ctx = setup();
    const { db } = ctx.lib.core.context;
    const put = db.prepare('INSERT INTO run_pruned (run_id, image_id, given, p_bad) VALUES (?, ?, ?, ?)');
    ctx.lib.images.slice(0, 23).forEach((im, i) => put.run(ctx.lib.runId, im.id, i % 2 ? 'bad' : 'good', 0.5));
    await renderTrain(ctx);
    const runs = ctx.client.runs;
    const pruned = (id: number) => db.prepare('SELECT COUNT(*) FROM run_pruned WHERE run_id = ?').pluck().get(id) as number;
    for (const r of runs) {
      const cell = screen.getByTestId(`run-snapshot-${r.run_id}`);
      const n = pruned(r.run_id);
      expect(cell.dataset.pruned).toBe(String(n));
      if (n) {
        expect(cell.textContent).toContain(` · ${n} left out`);
        expect(cell.title).toContain(`${n} labels left out of the final fit`);
        // Not "Label issues lists them": its own pass lists others (concepts audit 3).
        expect(cell.title).toContain(`qc run ${r.run_id} lists them); Label issues ranks labels in a repeated pass of its own`);
        expect(cell.title).not.toContain('Label issues lists them');
      } else {
        expect(cell.textContent).not.toContain('left out');
        expect(cell.title).toBe('');
      }
    }
    expect(pruned(ctx.lib.runId!)).toBe(23);
    expect(runs.some((r) => pruned(r.run_id) === 0)).toBe(true);
  }, 60_000);
});

describe('the ROC curve of the run shown', () => {
  test('is labelled with the AUC of the curve drawn: out of fold when the test split lacks a class', async () => {
    const ctx = setup();
    const { db } = ctx.lib.core.context;
    // As training stores a run whose test split has one class only: no test curve and no test AUC.
    const row = db.prepare('SELECT evaluation, metrics FROM runs WHERE id = ?').get(ctx.lib.runId) as { evaluation: string; metrics: string };
    const ev = JSON.parse(row.evaluation) as RunEvaluation;
    const metrics = JSON.parse(row.metrics) as RunMetrics;
    ev.curves.bad.test = ev.curves.bad.test.map((s) => ({ ...s, tp: 0 }));
    metrics.test_auc = null;
    db.prepare('UPDATE runs SET evaluation = ?, metrics = ? WHERE id = ?').run(JSON.stringify(ev), JSON.stringify(metrics), ctx.lib.runId);
    expect(metrics.oof_auc).toEqual(expect.any(Number));
    await renderTrain(ctx);
    const roc = await screen.findByTestId('roc-chart');
    expect(roc.textContent).toContain('out-of-fold');
    expect(roc.textContent).toContain(`AUC ${fmtNum(metrics.oof_auc)}`);
    expect(roc.textContent).not.toContain('AUC –');
  }, 60_000);
});
