// @vitest-environment jsdom
// A run another program trains on the library (as `qc train` in a terminal: a real separate process
// that records the run): the Train screen says so, by its pid, with a Cancel (ml.cancelTraining asks
// that program through the library: Train.otherProgramCancel.test.tsx) and no progress (none reaches
// this app), and Train waits for it; once that process has ended, Train is back.
import { render, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { AppProvider } from '../shell/AppProvider';
import { setup, until } from '../../../test-support/renderer/render';
import { startTrainingElsewhere } from '../../../test-support/trainingProcess';
import { TrainScreen } from './TrainScreen';

const SLOW = 20_000;

describe('Train screen while another program trains', () => {
  test('says which program, offers a Cancel but no progress, and Train waits for it', async () => {
    const ctx = setup();
    const other = await startTrainingElsewhere(ctx.lib.core.context.paths.db);
    const off = ctx.store.getState().connect();
    try {
      const s = within(
        render(
          <AppProvider client={ctx.client} store={ctx.store}>
            <TrainScreen />
          </AppProvider>,
        ).container,
      );
      await until(() => expect(s.getByTestId(`run-row-${other.runId}`).dataset.status).toBe('running'), SLOW);
      await until(
        () => expect(s.getByTestId('train-other-reason').textContent).toBe(`Run ${other.runId} is training in another program on this library (such as qc train; pid ${other.pid}); Train is available again when it ends.`),
        SLOW,
      );
      const train = s.getByTestId('train-start') as HTMLButtonElement;
      expect(train.disabled).toBe(true);
      expect(train.getAttribute('aria-describedby')).toBe('train-other-reason');
      expect(s.getByTestId('train-other-cancel').textContent).toBe(`Cancel run ${other.runId}`);
      expect(s.queryByTestId('train-other-progress')).toBeNull();

      // It ends (killed): the next look at the runs marks it interrupted, and Train is back.
      await other.kill();
      await ctx.store.getState().loadRuns();
      await until(() => expect(s.getByTestId(`run-row-${other.runId}`).dataset.status).toBe('failed'), SLOW);
      expect(s.queryByTestId('train-other-reason')).toBeNull();
      expect((s.getByTestId('train-start') as HTMLButtonElement).disabled).toBe(false);
      expect(ctx.store.getState().toasts.filter((t) => t.kind === 'error')).toEqual([]);
    } finally {
      off();
      await other.kill();
    }
  }, 60_000);
});
