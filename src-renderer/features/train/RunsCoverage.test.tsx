// @vitest-environment jsdom
import { screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { setup, until } from '../../../test-support/renderer/render';
import { recommendThresholds } from '../../../test-support/renderer/runThresholds';
import { renderRunsPanels } from '../../../test-support/renderer/runsPanels';
import { fmtPct } from '../../components/format';
import { thresholdNumbers } from '../../stores/reviewThreshold';

type Ctx = ReturnType<typeof setup>;

/** The runs table, the comparisons and the Thresholds panel, over the seeded library's two runs. */
async function renderTrain(options: Parameters<typeof setup>[0] = {}, prepare: (ctx: Ctx) => void = () => undefined) {
  const ctx = setup(options);
  prepare(ctx);
  return renderRunsPanels(ctx);
}

const compareCells = (name: string) => [...within(screen.getByTestId(`compare-row-${name}`)).getAllByRole('cell')].slice(1).map((c) => c.textContent);

describe('the coverage a run is shown with', () => {
  test('is the out-of-fold coverage at its recommended threshold, as the Thresholds panel (and Review) show it, wherever it appears', async () => {
    const { store } = await renderTrain({}, (ctx) => recommendThresholds(ctx, 0.35));
    const runs = store.getState().runs.filter((r) => r.status === 'done');
    expect(runs.length).toBe(2);
    for (const r of runs) {
      const bad = r.thresholds!.bad;
      expect(bad.threshold).not.toBeNull();
      const oof = bad.chosen_on!.coverage;
      expect(screen.getByTestId(`run-coverage-${r.run_id}`).textContent).toBe(fmtPct(oof));
    }
    // At least one run's test-split coverage there reads otherwise (what the old column showed).
    expect(runs.some((r) => fmtPct(r.thresholds!.bad.on_test!.coverage) !== fmtPct(r.thresholds!.bad.chosen_on!.coverage))).toBe(true);
    // Review's slider, at the active run's recommended threshold, counts that coverage on the same images.
    const scores = store.getState().scores!;
    const active = runs.find((r) => r.active)!;
    expect(scores.runId).toBe(active.run_id);
    expect(scores.sketch.exact(active.recommended_threshold.bad!)).toBe(true);
    expect(fmtPct(thresholdNumbers(scores, active.recommended_threshold.bad!).coverage)).toBe(screen.getByTestId(`run-coverage-${active.run_id}`).textContent);
    // The Thresholds panel of the run shown says the same coverage at the same (proven) threshold.
    const shown = store.getState().runs.find((r) => r.run_id === store.getState().chartRunId)!;
    const proven = await screen.findByTestId('threshold-proven');
    expect(proven.dataset.value).toBe(String(shown.recommended_threshold.bad));
    expect(proven.textContent).toContain(`coverage ${screen.getByTestId(`run-coverage-${shown.run_id}`).textContent}`);
    // Both comparisons too.
    const [left, right] = ['left', 'right'].map((side) => Number(screen.getByTestId('run-compare-any').dataset[side]));
    const cov = (id: number) => screen.getByTestId(`run-coverage-${id}`).textContent;
    expect(compareCells('out-of-fold coverage of bad there, at training')).toEqual([cov(left!), cov(right!)]);
    const cmp = screen.getByTestId('run-compare');
    const delta = Number(screen.getByTestId('compare-delta-coverage').dataset.value);
    const [cur, prev] = [Number(cmp.dataset.current), Number(cmp.dataset.previous)].map((id) => runs.find((r) => r.run_id === id)!.thresholds!.bad.chosen_on!.coverage);
    expect(delta).toBeCloseTo(cur! - prev!, 12);
    // Each header says which coverage it is.
    expect(screen.getByTestId('runs-coverage-header').title).toMatch(/out-of-fold .*recommended threshold/);
  });

  test('is "–" beside a run that recommends no threshold, not the test split\'s or the best bound\'s', async () => {
    const { store } = await renderTrain({ recommended: null });
    const runs = store.getState().runs.filter((r) => r.status === 'done');
    for (const r of runs) {
      expect(r.recommended_threshold.bad).toBeNull();
      // Coverages exist elsewhere in its evaluation (what the old column fell back to).
      expect(r.thresholds!.bad.on_test?.coverage ?? r.thresholds!.bad.best_bound?.on_test.coverage).toEqual(expect.any(Number));
      expect(screen.getByTestId(`run-coverage-${r.run_id}`).textContent).toBe('–');
    }
    await until(() => expect(compareCells('out-of-fold coverage of bad there, at training')).toEqual(['–', '–']));
    expect(screen.getByTestId('compare-delta-coverage').dataset.value).toBe('');
  });
});
