// @vitest-environment jsdom
// The retrain comparison without a retrain in this page (after a reload, or another window's): the
// newest run next to the run that was active when it finished, as the core recorded it, not simply
// the finished run before it by id (the audit's "vs run 1 just after training, vs run 5 after a reload").
import { screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderRunsPanels } from '../../../test-support/renderer/runsPanels';
import { setup } from '../../../test-support/renderer/render';

describe('Run N vs run M after a reload', () => {
  test('shows the newest run against the run that was active when it finished', async () => {
    const ctx = setup({ runs: 3 });
    const [r1, r2, r3] = ctx.client.runs.filter((r) => r.status === 'done').map((r) => r.run_id) as [number, number, number];
    // Run 1 was in force when run 3 finished: recorded as the core's activation records it
    // (runs.ts activateIfBetter; activation.test.ts checks that it does).
    ctx.lib.core.context.db.prepare("UPDATE runs SET evaluation = json_set(COALESCE(evaluation, '{}'), '$.compared_with', ?) WHERE id = ?").run(r1, r3);
    expect(ctx.client.runs.find((r) => r.run_id === r3)!.compared_with).toBe(r1);
    // A run that finished before it was recorded carries none.
    expect(ctx.client.runs.find((r) => r.run_id === r2)!.compared_with).toBeUndefined();
    await renderRunsPanels(ctx);
    const card = await screen.findByTestId('run-compare');
    expect([Number(card.dataset.current), Number(card.dataset.previous)]).toEqual([r3, r1]);
    expect(card.textContent).toContain(`Run ${r3} vs run ${r1}`);
  });
});
