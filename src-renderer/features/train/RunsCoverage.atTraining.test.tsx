// @vitest-environment jsdom
import { screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { setup, until } from '../../../test-support/renderer/render';
import { recommendThresholds } from '../../../test-support/renderer/runThresholds';
import { renderRunsPanels } from '../../../test-support/renderer/runsPanels';
import { fmtPct } from '../../components/format';
import { thresholdNumbers } from '../../stores/reviewThreshold';

describe("the runs table's coverage after relabels (curatorday audit L2)", () => {
  test("is named as stored when the run trained: Review counts today's labels, and after a relabel the two differ", async () => {
    const ctx = setup();
    recommendThresholds(ctx, 0.35);
    await renderRunsPanels(ctx);
    const s = ctx.store.getState;
    const active = s().runs.find((r) => r.run_id === s().activeRunId)!;
    const rec = active.recommended_threshold.bad!;
    expect(rec).toEqual(expect.any(Number));
    const cell = () => screen.getByTestId(`run-coverage-${active.run_id}`).textContent;
    expect(cell()).toBe(fmtPct(thresholdNumbers(s().scores!, rec).coverage));
    // A held-out image labelled good that the recommendation does not flag, relabelled bad by the curator.
    const { db } = ctx.lib.core.context;
    const row = db
      .prepare(
        `SELECT p.image_id AS id FROM predictions p JOIN labels l ON l.image_id = p.image_id AND l.label = 'good'
         LEFT JOIN splits sp ON sp.image_id = p.image_id WHERE p.run_id = ? AND p.heldout = 1 AND p.p_bad < ? AND COALESCE(sp.split, '') != 'test' LIMIT 1`,
      )
      .get(active.run_id, rec) as { id: number } | undefined;
    expect(row).toBeTruthy();
    await ctx.client.call('labels.set', { imageIds: [row!.id], label: 'bad' });
    await s().loadScores();
    await s().loadRuns();
    // Review's coverage there moves; the run's stored figure does not.
    const today = fmtPct(thresholdNumbers(s().scores!, rec).coverage);
    await until(() => expect(cell()).toBe(fmtPct(active.thresholds!.bad.chosen_on!.coverage)));
    expect(today).not.toBe(cell());
    // So the column, its title and the compare rows say which it is.
    const header = screen.getByTestId('runs-coverage-header');
    expect(header.textContent).toBe('coverage at training');
    expect(header.title).toContain('Coverage of bad when the run trained');
    expect(header.title).toContain("Review counts today's labels, so after relabels its coverage there can differ");
    expect(header.title).not.toContain('as Review shows it');
    expect(within(screen.getByTestId('run-compare')).getByTestId('compare-delta-coverage').closest('tr')!.textContent).toContain('coverage of bad (out of fold, at training)');
    expect(screen.getByTestId('compare-row-out-of-fold coverage of bad there, at training')).toBeTruthy();
  }, 60_000);
});
