// @vitest-environment jsdom
// The Train screen on the real core: a seeded library with two runs, and real training on its cached signals.
import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { fmtDelta, fmtPct } from '../../components/format';
import { TRAIN_DEFAULTS } from '../../stores/trainDefaults';
import { parseEpochMessage, runDeltas } from '../../stores/training';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { TrainScreen } from './TrainScreen';

describe('Train screen', () => {
  test('the form submits its values, shows live epochs, then the new run next to the previous', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    ctx.store.getState().setTrainForm({ epochs: 5 });
    ctx.store.getState().resetTrainForm();
    const { client, store } = renderWith(<TrainScreen />, ctx);
    await until(() => expect(screen.getByTestId('runs-table')).toBeTruthy());
    expect((screen.getByTestId('train-hidden') as HTMLInputElement).value).toBe(String(TRAIN_DEFAULTS.hidden));
    expect((screen.getByTestId('train-feature-crops') as HTMLInputElement).checked).toBe(true);
    // The seeded library has cached signals only (no pixels for the backbone): train on those.
    await user.click(screen.getByTestId('train-feature-whole'));
    await user.click(screen.getByTestId('train-feature-crops'));
    await user.click(screen.getByTestId('train-feature-defects'));
    fireEvent.change(screen.getByTestId('train-hidden'), { target: { value: '0' } });
    fireEvent.change(screen.getByTestId('train-epochs'), { target: { value: '6' } });
    let sawLive = false;
    const unsub = store.subscribe((s) => {
      if ((s.training?.epochs.length ?? 0) > 0) sawLive = true;
    });
    await user.click(screen.getByTestId('train-start'));
    expect(client.callsOf('ml.train')).toEqual([{ ...TRAIN_DEFAULTS, features: ['signals'], hidden: 0, epochs: 6 }]);
    await until(() => expect(screen.getByTestId('run-row-3')).toBeTruthy(), 30_000);
    unsub();
    expect(sawLive).toBe(true);
    expect(screen.getByTestId('run-row-3').dataset.status).toBe('done');
    const [, previous, current] = client.runs;
    const compare = screen.getByTestId('run-compare');
    expect(compare.dataset.current).toBe('3');
    expect(compare.dataset.previous).toBe('2');
    const d = runDeltas(current!, previous!);
    expect(Number(within(compare).getByTestId('compare-delta-accuracy').dataset.value)).toBeCloseTo(d.accuracy!, 9);
    expect(Number(within(compare).getByTestId('compare-delta-auc').dataset.value)).toBeCloseTo(d.auc!, 9);
    await until(() => expect(screen.getByTestId('loss-chart').dataset.points).toBe('6'));
    // Where the run's numbers came from, in words: cached signals (nothing embedded), and the head's trainer.
    const engines = screen.getByTestId('run-backend').textContent ?? '';
    expect(engines).toContain('features from the cache (nothing embedded)');
    expect(current!.backend).toBeTruthy();
    expect(engines).toContain(`head trained with ${current!.backend}`);
    expect(engines).not.toContain('provider none');
  }, 60_000);

  test('the runs table compares attempts and shows the change against the run before', async () => {
    const { client } = renderWith(<TrainScreen />);
    await until(() => expect(screen.getByTestId('run-row-2')).toBeTruthy());
    const [run1, run2] = client.runs;
    const row2 = screen.getByTestId('run-row-2');
    expect(row2.dataset.active).toBe('true');
    expect(within(row2).getByTestId('run-acc-2').textContent).toBe(fmtPct(run2!.metrics!.test_accuracy));
    const d = runDeltas(run2!, run1!);
    // The seeded second run is the sharper one: the table shows a real, positive change.
    expect(d.accuracy!).toBeGreaterThan(0);
    expect(within(row2).getByTestId('run-delta-acc-2').textContent).toBe(`acc ${fmtDelta(d.accuracy, { pct: true })}`);
    expect(within(row2).getByTestId('run-delta-auc-2').textContent).toBe(`AUC ${fmtDelta(d.auc)}`);
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
    expect(client.runs.find((r) => r.active)?.run_id).toBe(1);
  });

  test('epoch messages and deltas', () => {
    expect(parseEpochMessage({ job: 'train', phase: 'epochs', done: 3, total: 20, message: 'loss 0.4123 · val 0.4500' })).toEqual({ epoch: 3, trainLoss: 0.4123, valLoss: 0.45 });
    expect(parseEpochMessage({ job: 'train', phase: 'epochs', done: 1, total: 20, message: 'loss 0.7' })).toEqual({ epoch: 1, trainLoss: 0.7 });
    expect(parseEpochMessage({ job: 'train', phase: 'folds', done: 1, total: 5 })).toBeNull();
    const { client } = setup();
    const [a, b] = client.runs;
    expect(runDeltas(b!, a!).accuracy).toBeCloseTo(b!.metrics!.test_accuracy - a!.metrics!.test_accuracy, 12);
  });
});
