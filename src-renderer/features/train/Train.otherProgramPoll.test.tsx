// @vitest-environment jsdom
// A run another program trains (`qc train` in a terminal: a real separate process) sends this app no
// event when it ends, least of all when that process dies: while the Train screen says "training in
// another program" it asks for the runs again every 2 s, so Train comes back by itself, and it stops
// asking once that run has ended.
import { render, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { AppProvider } from '../shell/AppProvider';
import { setup, until } from '../../../test-support/renderer/render';
import { startTrainingElsewhere } from '../../../test-support/trainingProcess';
import { OTHER_TRAINING_POLL_MS } from './otherTraining';
import { TrainScreen } from './TrainScreen';

const SLOW = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Train screen while another program trains', () => {
  test('asks for the runs again every 2 s until that run ends, with no event and no reload from outside', async () => {
    expect(OTHER_TRAINING_POLL_MS).toBe(2000);
    // No connect(): no event reaches the store, so only the screen's own asking can notice the end.
    const ctx = setup();
    const other = await startTrainingElsewhere(ctx.lib.core.context.paths.db);
    try {
      const s = within(
        render(
          <AppProvider client={ctx.client} store={ctx.store}>
            <TrainScreen />
          </AppProvider>,
        ).container,
      );
      await until(() => expect(s.getByTestId('train-other-reason').textContent).toMatch(new RegExp(`^Run ${other.runId} is training in another program`)), SLOW);
      const asked = ctx.client.callsOf('ml.runs').length;
      await sleep(OTHER_TRAINING_POLL_MS * 2 + 500);
      expect(ctx.client.callsOf('ml.runs').length).toBeGreaterThanOrEqual(asked + 2);

      // It dies: the next poll lists the run as interrupted, and Train is back.
      await other.kill();
      await until(() => expect(s.getByTestId(`run-row-${other.runId}`).dataset.status).toBe('failed'), OTHER_TRAINING_POLL_MS * 3);
      expect(s.queryByTestId('train-other-reason')).toBeNull();
      expect((s.getByTestId('train-start') as HTMLButtonElement).disabled).toBe(false);
      // And the asking stops.
      const after = ctx.client.callsOf('ml.runs').length;
      await sleep(OTHER_TRAINING_POLL_MS * 1.5);
      expect(ctx.client.callsOf('ml.runs').length).toBe(after);
    } finally {
      await other.kill();
    }
  }, 60_000);
});
