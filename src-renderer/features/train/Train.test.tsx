// @vitest-environment jsdom
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { TRAIN_DEFAULTS } from '../../stores/trainDefaults';
import { parseEpochMessage, runDeltas } from '../../stores/training';
import { renderWith, setup, until } from '../../test/render';
import { TrainScreen } from './TrainScreen';

describe('Train screen', () => {
  test('the form submits the defaults, shows live epochs, then the new run next to the previous', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    ctx.store.getState().setTrainForm({ epochs: 5 });
    ctx.store.getState().resetTrainForm();
    const { client, store } = renderWith(<TrainScreen />, ctx);
    await until(() => expect(screen.getByTestId('runs-table')).toBeTruthy());
    expect((screen.getByTestId('train-hidden') as HTMLInputElement).value).toBe('64');
    expect((screen.getByTestId('train-feature-crops') as HTMLInputElement).checked).toBe(true);
    let sawLive = false;
    const unsub = store.subscribe((s) => {
      if ((s.training?.epochs.length ?? 0) > 0) sawLive = true;
    });
    await user.click(screen.getByTestId('train-start'));
    expect(client.callsOf('ml.train')).toEqual([{ ...TRAIN_DEFAULTS }]);
    await until(() => expect(screen.getByTestId('run-row-3')).toBeTruthy());
    unsub();
    expect(sawLive).toBe(true);
    expect(screen.getByTestId('run-row-3').dataset.status).toBe('done');
    const compare = screen.getByTestId('run-compare');
    expect(compare.dataset.current).toBe('3');
    expect(compare.dataset.previous).toBe('2');
    expect(within(compare).getByTestId('compare-delta-accuracy').textContent).toBe('+1.0 pp');
    expect(within(compare).getByTestId('compare-delta-coverage').textContent).toBe('+3.0 pp');
    expect(within(compare).getByTestId('compare-delta-auc').textContent).toBe('+0.005');
    await until(() => expect(screen.getByTestId('loss-chart').dataset.points).toBe('20'));
  });

  test('the runs table compares attempts and shows the change against the run before', async () => {
    renderWith(<TrainScreen />);
    await until(() => expect(screen.getByTestId('run-row-2')).toBeTruthy());
    const row2 = screen.getByTestId('run-row-2');
    expect(row2.dataset.active).toBe('true');
    expect(within(row2).getByTestId('run-acc-2').textContent).toBe('90.0%');
    expect(within(row2).getByTestId('run-delta-acc-2').textContent).toBe('acc +4.0 pp');
    expect(within(row2).getByTestId('run-delta-auc-2').textContent).toBe('AUC +0.030');
    expect(within(row2).getByTestId('run-delta-coverage-2').textContent).toBe('cov +7.0 pp');
    // The first run has nothing to compare with.
    expect(within(screen.getByTestId('run-row-1')).queryByTestId('run-delta-acc-1')).toBeNull();
  });

  test('make active switches the active run and reloads the scores', async () => {
    const user = userEvent.setup();
    const { client, store } = renderWith(<TrainScreen />);
    await until(() => expect(screen.getByTestId('run-activate-1')).toBeTruthy());
    await user.click(screen.getByTestId('run-activate-1'));
    expect(client.callsOf('ml.setActive')).toEqual([{ runId: 1 }]);
    await until(() => expect(screen.getByTestId('run-row-1').dataset.active).toBe('true'));
    await until(() => expect(store.getState().scores?.runId).toBe(1));
  });

  test('epoch messages and deltas', () => {
    expect(parseEpochMessage({ job: 'train', phase: 'epochs', done: 3, total: 20, message: 'loss 0.4123 · val 0.4500' })).toEqual({ epoch: 3, trainLoss: 0.4123, valLoss: 0.45 });
    expect(parseEpochMessage({ job: 'train', phase: 'epochs', done: 1, total: 20, message: 'loss 0.7' })).toEqual({ epoch: 1, trainLoss: 0.7 });
    expect(parseEpochMessage({ job: 'train', phase: 'folds', done: 1, total: 5 })).toBeNull();
    const { client } = setup();
    const [a, b] = client.runs;
    expect(runDeltas(b!, a!).accuracy).toBeCloseTo(0.04);
  });
});
