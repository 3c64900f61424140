// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderRunsPanels } from '../../../test-support/renderer/runsPanels';
import { setup } from '../../../test-support/renderer/render';

describe('Train screen: a run that proves no threshold', () => {
  test("the threshold exports use says its provable error and coverage, as qc run's note does ('the best provable is ≤ X% at …, coverage Y%')", async () => {
    const ctx = setup();
    await renderRunsPanels(ctx);
    const run = ctx.store.getState().runs.find((r) => r.active)!;
    const t = run.thresholds!.bad;
    // The seeded run proves nothing at 5%: exports fall back on the best bound.
    expect(t.threshold).toBeNull();
    const best = t.best_bound!;
    expect(best).toBeTruthy();
    const row = await screen.findByTestId('threshold-in-force');
    expect(row.dataset.source).toBe('best-bound');
    expect(Number(row.dataset.value)).toBe(best.threshold);
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    // The figures qc run prints in the run's note (evaluate.ts), from the same numbers.
    expect(t.note).toContain(`≤ ${pct(best.error_upper)}`);
    expect(t.note).toContain(`coverage ${pct(best.coverage)}`);
    const text = row.textContent!;
    expect(text).toContain(`at most ${pct(best.error_upper)} with 95% confidence`);
    expect(text).toContain(`coverage ${pct(best.coverage)}`);
    expect(text).toContain(`${best.flagged} flagged out of fold`);
  });
});
