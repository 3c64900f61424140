// @vitest-environment jsdom
// Keyboard focus while a run another program trains (`qc train`: a real separate process that records
// the run) appears in the runs list and ends: the screen re-renders the runs, and the control the
// curator was on may be disabled or replaced; focus must stay on it or move to a sensible successor,
// never fall to <body>.
import { render, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { AppProvider } from '../shell/AppProvider';
import { setup, until, type TestContext } from '../../../test-support/renderer/render';
import { startTrainingElsewhere } from '../../../test-support/trainingProcess';
import { focusLost } from './focus';
import { TrainScreen } from './TrainScreen';

const SLOW = 20_000;
const focused = () => (document.activeElement as HTMLElement | null)?.dataset.testid ?? document.activeElement?.tagName;

function renderTrain(ctx: TestContext) {
  return within(
    render(
      <AppProvider client={ctx.client} store={ctx.store}>
        <TrainScreen />
      </AppProvider>,
    ).container,
  );
}

/** What the core pushes when the runs change (another program's run is seen by the next look at the runs). */
function pushRunsChanged(ctx: TestContext) {
  ctx.client.emit('runs.changed', { active_run: ctx.store.getState().activeRunId });
}

describe('focus on the Train screen while another program trains', () => {
  test("focus on Train moves to that run's Cancel when the run appears, and back to Train when it ends", async () => {
    const ctx = setup();
    const off = ctx.store.getState().connect();
    const s = renderTrain(ctx);
    await until(() => expect(ctx.store.getState().runsLoaded).toBe(true), SLOW);
    const train = s.getByTestId('train-start') as HTMLButtonElement;
    expect(train.disabled).toBe(false);
    train.focus();
    const other = await startTrainingElsewhere(ctx.lib.core.context.paths.db);
    try {
      pushRunsChanged(ctx);
      await until(() => expect(s.getByTestId(`run-row-${other.runId}`).dataset.status).toBe('running'), SLOW);
      expect(train.disabled).toBe(true);
      // Not left on the disabled Train (a browser drops that to <body>): on the Cancel of the run Train waits for.
      expect(focusLost()).toBe(false);
      expect(focused()).toBe('train-other-cancel');

      await other.kill();
      pushRunsChanged(ctx);
      await until(() => expect(s.getByTestId(`run-row-${other.runId}`).dataset.status).toBe('failed'), SLOW);
      expect(s.queryByTestId('train-other-reason')).toBeNull();
      expect(focused()).toBe('train-start');
      expect(focusLost()).toBe(false);
    } finally {
      off();
      await other.kill();
    }
  }, 60_000);

  test('focus on "No runs yet" moves into the runs table that replaces it when the run appears', async () => {
    const ctx = setup({ trained: false });
    const off = ctx.store.getState().connect();
    const s = renderTrain(ctx);
    const empty = await s.findByTestId('runs-empty', {}, { timeout: SLOW });
    empty.focus(); // where Archive leaves focus when the last run leaves the table
    expect(focused()).toBe('runs-empty');
    const other = await startTrainingElsewhere(ctx.lib.core.context.paths.db);
    try {
      pushRunsChanged(ctx);
      await until(() => expect(s.getByTestId(`run-row-${other.runId}`).dataset.status).toBe('running'), SLOW);
      expect(empty.isConnected).toBe(false);
      expect(document.activeElement).not.toBe(document.body);
      expect(focusLost()).toBe(false);
      // The first control of the Runs card now: the "Show archived runs" switch.
      expect(focused()).toBe('runs-show-archived');
    } finally {
      off();
      await other.kill();
    }
  }, 60_000);
});
