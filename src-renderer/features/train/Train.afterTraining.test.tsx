// @vitest-environment jsdom
// What the Train screen shows once a training ends, on the real core (real training on the seeded
// library's cached signals): a cancelled run leaves the comparison and the curves as they were; a
// finished retrain is compared with the run that was active before it (the one the activation
// decision weighed it against); and Train waits until the runs it compares with have loaded.
import { fireEvent, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { holdAnswer } from '../../../test-support/renderer/gate';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { TrainScreen } from './TrainScreen';

const SLOW = 20_000;

/** From the defaults, a linear head on the cached signals only (the seeded library has no pixels), for `epochs`. */
async function signalsOnly(user: ReturnType<typeof userEvent.setup>, epochs: number) {
  await user.click(screen.getByTestId('train-defaults'));
  await user.click(screen.getByTestId('train-feature-whole'));
  await user.click(screen.getByTestId('train-feature-crops'));
  await user.click(screen.getByTestId('train-feature-defects'));
  fireEvent.change(screen.getByTestId('train-hidden'), { target: { value: '0' } });
  fireEvent.change(screen.getByTestId('train-epochs'), { target: { value: String(epochs) } });
}

describe('after a training', () => {
  test('a cancelled run changes neither the comparison nor the curves shown: it has no metrics or curves', async () => {
    const user = userEvent.setup();
    const { store, client } = renderWith(<TrainScreen />);
    await until(() => expect(screen.getByTestId('run-row-2')).toBeTruthy(), SLOW);
    const compareBefore = { ...screen.getByTestId('run-compare').dataset };
    const chartBefore = store.getState().chartRunId;
    expect(chartBefore).not.toBeNull();
    await until(() => expect(screen.getByTestId('loss-chart').dataset.points).not.toBe('0'), SLOW);
    const curvesBefore = screen.getByTestId('loss-chart').dataset.points;

    await signalsOnly(user, 5000);
    await user.click(screen.getByTestId('train-start'));
    await until(() => expect(store.getState().training).not.toBeNull(), SLOW);
    await user.click(screen.getByTestId('train-cancel'));
    await until(() => expect(store.getState().training).toBeNull(), 80_000);
    await until(() => expect(screen.getByTestId('run-row-3').dataset.status).toBe('cancelled'), SLOW);
    expect(client.runs.find((r) => r.run_id === 3)?.status).toBe('cancelled');

    expect(store.getState().chartRunId).toBe(chartBefore);
    expect(store.getState().comparison).toBeNull();
    const compare = screen.getByTestId('run-compare');
    expect({ current: compare.dataset.current, previous: compare.dataset.previous }).toEqual({ current: compareBefore.current, previous: compareBefore.previous });
    expect(compare.textContent).not.toContain('Run 3');
    expect(screen.getByText(`(run ${chartBefore})`)).toBeTruthy();
    expect(screen.getByTestId('loss-chart').dataset.points).toBe(curvesBefore);
    expect(store.getState().toasts.map((t) => t.text)).toContain(`Training cancelled: run 3 is kept as cancelled; run ${store.getState().activeRunId} stays active.`);
  }, 120_000);

  test('a retrain is compared with the run that was active before it, not the newest earlier run', async () => {
    const user = userEvent.setup();
    const ctx = setup({ runs: 3 });
    // The curator keeps run 1 active: the newest earlier run (3) is not the one the new run must beat.
    await ctx.lib.core.call('ml.setActive', { runId: 1 });
    const { store } = renderWith(<TrainScreen />, ctx);
    await until(() => expect(screen.getByTestId('run-row-1').dataset.active).toBe('true'), SLOW);
    await signalsOnly(user, 3);
    await user.click(screen.getByTestId('train-start'));
    await until(() => expect(store.getState().training).not.toBeNull(), SLOW);
    await until(() => expect(store.getState().training).toBeNull(), 80_000);
    await until(() => expect(screen.getByTestId('run-row-4').dataset.status).toBe('done'), SLOW);
    const compare = screen.getByTestId('run-compare');
    expect({ current: compare.dataset.current, previous: compare.dataset.previous }).toEqual({ current: '4', previous: '1' });
    // The note names the run it was weighed against, and says only once which run stays active.
    const note = store.getState().toasts.find((t) => /^Run 4 trained/.test(t.text))!.text;
    expect(note).toMatch(/run 1/);
    expect((note.match(/stays active/g) ?? []).length).toBeLessThanOrEqual(1);
  }, 120_000);

  test('Train waits for the runs: the run a new one is compared with, and the active one, come from them', async () => {
    const ctx = setup();
    const held = holdAnswer(ctx.client, 'ml.runs');
    const { store } = renderWith(<TrainScreen />, ctx);
    await held.seen;
    const train = screen.getByTestId('train-start') as HTMLButtonElement;
    expect(train.disabled).toBe(true);
    expect(train.title).toBe('Loading the runs…');
    // Nor is an empty runs table shown as if there were none.
    expect(screen.queryByTestId('runs-table')).toBeNull();
    expect(screen.queryByTestId('runs-empty')).toBeNull();
    held.release();
    await until(() => expect(store.getState().runsLoaded).toBe(true), SLOW);
    await until(() => expect((screen.getByTestId('train-start') as HTMLButtonElement).disabled).toBe(false), SLOW);
    expect(screen.getByTestId('runs-table')).toBeTruthy();
    expect(screen.getByTestId('train-start').title).toBe('');
  }, 60_000);
});
