// @vitest-environment jsdom
import { screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderRunsPanels } from '../../../test-support/renderer/runsPanels';
import { setup, until } from '../../../test-support/renderer/render';

describe('the thresholds of a run that is not the active one', () => {
  test("say what exports would use once it is active (as qc run does), not what they use, and an archived run's say to restore it first", async () => {
    const ctx = setup();
    await renderRunsPanels(ctx);
    const s = ctx.store.getState;
    const other = s().runs.find((r) => r.status === 'done' && !r.active)!.run_id;
    s().showRun(other);
    const row = await until(() => {
      const choices = screen.getByTestId('threshold-choices');
      expect(choices.textContent).toContain(`Thresholds of run ${other}`);
      return within(choices).getByTestId('threshold-in-force');
    });
    // qc run words it 'once active, exports would use' for a run that is not active: exports use the active run.
    expect(within(row).getByRole('rowheader').textContent).toBe('once active, exports would use');
    expect(screen.getByTestId('threshold-choices').textContent).toContain('Make this run active to use one of its thresholds.');
    // Archived, it is offered no "Make active" (the core refuses it): the note says to restore it first.
    await s().setShowArchived(true);
    await s().archiveRun(other, true);
    await until(() => expect(s().runs.find((r) => r.run_id === other)?.archived).toBe(true));
    await until(() => expect(screen.getByTestId('threshold-choices').textContent).toContain(`Restore run ${other}, then make it active, to use one of its thresholds.`));
    expect(screen.queryByTestId(`run-activate-${other}`)).toBeNull();
    // The active run's own row still says what exports use.
    s().showRun(s().activeRunId!);
    await until(() => expect(screen.getByTestId('threshold-choices').textContent).toContain(`Thresholds of run ${s().activeRunId}`));
    expect(within(within(screen.getByTestId('threshold-choices')).getByTestId('threshold-in-force')).getByRole('rowheader').textContent).toBe('exports use');
  });
});
