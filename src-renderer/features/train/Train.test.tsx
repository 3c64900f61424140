// @vitest-environment jsdom
// The Train screen on the real core: a seeded library with two runs, and real training on its cached signals.
import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { fmtDelta, fmtPct } from '../../components/format';
import { trainOptions } from '../../../src-shared/contract/schemas';
import { TRAIN_DEFAULTS } from '../../stores/trainDefaults';
import { parseEpochMessage, runDeltas } from '../../stores/training';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { TrainScreen } from './TrainScreen';

/** The core answers within seconds, but the test machine may be loaded (the runs, which the table and Train wait for, come first). */
const SLOW = 20_000;

describe('Train screen', () => {
  test('the form submits its values, shows live epochs, then the new run next to the previous', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    ctx.store.getState().setTrainForm({ epochs: 5 });
    ctx.store.getState().resetTrainForm();
    const { client, store } = renderWith(<TrainScreen />, ctx);
    await until(() => expect(screen.getByTestId('runs-table')).toBeTruthy(), SLOW);
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
    await until(() => expect(screen.getByTestId('run-row-3')).toBeTruthy(), 80_000);
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
  }, 120_000);

  test('the runs table compares attempts and shows the change against the run before', async () => {
    const { client } = renderWith(<TrainScreen />);
    await until(() => expect(screen.getByTestId('run-row-2')).toBeTruthy(), SLOW);
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
    await until(() => expect(screen.getByTestId('run-activate-1')).toBeTruthy(), SLOW);
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

describe('Train form limits', () => {
  test('every real-valued field takes any value the core schema accepts, integers step by 1, and the core judges the rest', async () => {
    const user = userEvent.setup();
    const { client, store } = renderWith(<TrainScreen />);
    await until(() => expect(screen.getByTestId('runs-table')).toBeTruthy(), SLOW);
    // From the defaults (the form starts from the active run's settings: Train.prefill.test.tsx).
    await user.click(screen.getByTestId('train-defaults'));
    const input = (id: string) => screen.getByTestId(id) as HTMLInputElement;
    // Values the browser refused with step 0.05 / 0.001 / 0.0001 / 0.01 (and dropout's max 0.95).
    const real: [string, keyof typeof trainOptions, number[]][] = [
      ['train-dropout', 'dropout', [0.33, 0.97, 0]],
      ['train-l2', 'l2', [0.0001, 37.25, 100]],
      ['train-lr', 'learningRate', [0.00003, 0.0123, 10]],
      ['train-target-error', 'targetError', [0.025, 0.0001, 0.999]],
    ];
    for (const [id, key, values] of real) {
      for (const v of values) {
        expect(trainOptions[key].safeParse(v).success).toBe(true);
        fireEvent.change(input(id), { target: { value: String(v) } });
        expect({ id, v, valid: input(id).validity.valid }).toEqual({ id, v, valid: true });
      }
      expect(input(id).getAttribute('step')).toBe('any');
    }
    // Integer fields keep step 1: a fraction is refused in place.
    for (const id of ['train-hidden', 'train-epochs', 'train-batch', 'train-seed', 'train-augment']) {
      expect(input(id).getAttribute('step')).toBe('1');
      const before = input(id).value;
      fireEvent.change(input(id), { target: { value: '2.5' } });
      expect(input(id).validity.stepMismatch).toBe(true);
      fireEvent.change(input(id), { target: { value: before } });
    }
    // Such values reach the core and it trains on them (signals only: the seeded library has no pixels).
    await user.click(screen.getByTestId('train-feature-whole'));
    await user.click(screen.getByTestId('train-feature-crops'));
    await user.click(screen.getByTestId('train-feature-defects'));
    fireEvent.change(input('train-hidden'), { target: { value: '0' } });
    fireEvent.change(input('train-epochs'), { target: { value: '3' } });
    fireEvent.change(input('train-dropout'), { target: { value: '0.33' } });
    fireEvent.change(input('train-l2'), { target: { value: '0.0001' } });
    fireEvent.change(input('train-lr'), { target: { value: '0.00003' } });
    fireEvent.change(input('train-target-error'), { target: { value: '0.025' } });
    await user.click(screen.getByTestId('train-start'));
    expect(client.callsOf('ml.train')).toEqual([{ ...TRAIN_DEFAULTS, features: ['signals'], hidden: 0, epochs: 3, dropout: 0.33, l2: 0.0001, learningRate: 0.00003, targetError: 0.025 }]);
    await until(() => expect(store.getState().training).toBeNull(), 80_000);
    await until(() => expect(screen.getByTestId('run-row-3').dataset.status).toBe('done'));
    // An open bound the browser cannot express (learning rate > 0): the core's bad_input is the judge.
    fireEvent.change(input('train-lr'), { target: { value: '0' } });
    expect(input('train-lr').validity.valid).toBe(true);
    await user.click(screen.getByTestId('train-start'));
    expect(client.callsOf('ml.train')).toHaveLength(2);
    await until(() => expect(store.getState().toasts.some((t) => t.kind === 'error' && /learning rate must be more than 0/.test(t.text))).toBe(true));
    expect(client.runs).toHaveLength(3);
  }, 120_000);
});

describe('runs table actions', () => {
  test('an archived run is not offered "Make active" (the core refuses it) until it is restored', async () => {
    const user = userEvent.setup();
    const { store } = renderWith(<TrainScreen />);
    await until(() => expect(screen.getByTestId('run-activate-1')).toBeTruthy(), SLOW);
    await user.click(screen.getByTestId('run-archive-1'));
    await until(() => expect(screen.queryByTestId('run-row-1')).toBeNull(), SLOW);
    await user.click(screen.getByTestId('runs-show-archived'));
    await until(() => expect(screen.getByTestId('run-row-1')).toBeTruthy(), SLOW);
    expect(within(screen.getByTestId('run-row-1')).getByText('archived')).toBeTruthy();
    expect(screen.queryByTestId('run-activate-1')).toBeNull();
    expect(screen.getByTestId('run-archive-1').textContent).toBe('Restore');
    await user.click(screen.getByTestId('run-archive-1'));
    await until(() => expect(screen.getByTestId('run-activate-1')).toBeTruthy(), SLOW);
    await user.click(screen.getByTestId('run-activate-1'));
    await until(() => expect(screen.getByTestId('run-row-1').dataset.active).toBe('true'), SLOW);
    expect(store.getState().toasts.filter((t) => t.kind === 'error')).toEqual([]);
  });
});

describe('runs table keyboard', () => {
  test('the run whose curves and thresholds are shown is picked with the keyboard (Tab, then Enter or Space)', async () => {
    const user = userEvent.setup();
    const { store } = renderWith(<TrainScreen />);
    await until(() => expect(screen.getByTestId('threshold-choices').querySelector('h4')?.textContent).toContain('Thresholds of run 2'), SLOW);
    expect(store.getState().chartRunId).toBe(2);
    const tabTo = async (testId: string) => {
      for (let i = 0; i < 80 && (document.activeElement as HTMLElement | null)?.dataset.testid !== testId; i++) await user.tab();
      expect((document.activeElement as HTMLElement).dataset.testid).toBe(testId);
    };
    await tabTo('run-show-2');
    expect(screen.getByTestId('run-show-2').getAttribute('aria-pressed')).toBe('true');
    await tabTo('run-show-1');
    expect(screen.getByTestId('run-show-1').getAttribute('aria-pressed')).toBe('false');
    await user.keyboard('{Enter}');
    expect(store.getState().chartRunId).toBe(1);
    await until(() => expect(screen.getByTestId('threshold-choices').querySelector('h4')?.textContent).toContain('Thresholds of run 1'), SLOW);
    expect(screen.getByText('(run 1)')).toBeTruthy();
    expect(screen.getByTestId('run-show-1').getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByTestId('run-show-2').getAttribute('aria-pressed')).toBe('false');
    expect(screen.getByRole('button', { name: "Show run 1's curves and thresholds", pressed: true })).toBe(screen.getByTestId('run-show-1'));
    // Back to run 2 with Space (Shift+Tab: the newer run's row comes first).
    await user.tab({ shift: true });
    for (let i = 0; i < 20 && (document.activeElement as HTMLElement | null)?.dataset.testid !== 'run-show-2'; i++) await user.tab({ shift: true });
    expect((document.activeElement as HTMLElement).dataset.testid).toBe('run-show-2');
    await user.keyboard(' ');
    expect(store.getState().chartRunId).toBe(2);
    await until(() => expect(screen.getByTestId('threshold-choices').querySelector('h4')?.textContent).toContain('Thresholds of run 2'), SLOW);
  });
});

describe('keyboard focus after an action', () => {
  const focused = () => (document.activeElement as HTMLElement | null)?.dataset.testid ?? document.activeElement?.tagName;

  test('Archive, Restore and Make active leave focus on a run\'s own control, never on <body>', async () => {
    const user = userEvent.setup();
    const { store } = renderWith(<TrainScreen />, setup({ runs: 3 }));
    await until(() => expect(screen.getByTestId('run-archive-2')).toBeTruthy(), SLOW);
    // Archive run 2 from the keyboard: its row leaves the table; focus goes to the row that took its place.
    screen.getByTestId('run-archive-2').focus();
    await user.keyboard('{Enter}');
    await until(() => expect(screen.queryByTestId('run-row-2')).toBeNull(), SLOW);
    await until(() => expect(focused()).toBe('run-show-1'), SLOW);
    // Restore it: the row stays, and focus lands on its run control (not on the button, now "Archive" again).
    await user.click(screen.getByTestId('runs-show-archived'));
    await until(() => expect(screen.getByTestId('run-archive-2').textContent).toBe('Restore'), SLOW);
    screen.getByTestId('run-archive-2').focus();
    await user.keyboard('{Enter}');
    await until(() => expect(screen.getByTestId('run-archive-2').textContent).toBe('Archive'), SLOW);
    await until(() => expect(focused()).toBe('run-show-2'), SLOW);
    // Make active: the button becomes the "active" chip (and Archive goes); focus stays on that run's row control.
    screen.getByTestId('run-activate-1').focus();
    await user.keyboard('{Enter}');
    await until(() => expect(screen.getByTestId('run-row-1').dataset.active).toBe('true'), SLOW);
    await until(() => expect(store.getState().scores?.runId).toBe(1), SLOW);
    await until(() => expect(focused()).toBe('run-show-1'), SLOW);
    expect(document.activeElement).not.toBe(document.body);
  });

  test('Train moves focus to Cancel while the run trains, Cancel keeps it while cancelling, and Train gets it back at the end', async () => {
    const user = userEvent.setup();
    const { store } = renderWith(<TrainScreen />);
    await until(() => expect(screen.getByTestId('runs-table')).toBeTruthy(), SLOW);
    // The form starts from the active run's settings: from the defaults, the seeded library's cached signals only.
    await user.click(screen.getByTestId('train-defaults'));
    expect((screen.getByTestId('train-feature-crops') as HTMLInputElement).checked).toBe(true);
    await user.click(screen.getByTestId('train-feature-whole'));
    await user.click(screen.getByTestId('train-feature-crops'));
    await user.click(screen.getByTestId('train-feature-defects'));
    fireEvent.change(screen.getByTestId('train-hidden'), { target: { value: '0' } });
    fireEvent.change(screen.getByTestId('train-epochs'), { target: { value: '5000' } });
    screen.getByTestId('train-start').focus();
    await user.keyboard('{Enter}');
    await until(() => expect(store.getState().training).not.toBeNull(), SLOW);
    expect(focused()).toBe('train-cancel');
    // Cancelling: the button says so and refuses a second press, but keeps the focus (a disabled one
    // would drop it). The cancel can settle within milliseconds, so every state the button shows is kept.
    const seen: string[] = [];
    const watch = new MutationObserver(() => {
      const b = screen.queryByTestId('train-cancel');
      if (b) seen.push(`${b.textContent} aria-disabled=${b.getAttribute('aria-disabled')} focused=${document.activeElement === b}`);
    });
    watch.observe(screen.getByTestId('train-form'), { subtree: true, childList: true, characterData: true, attributes: true });
    await user.keyboard('{Enter}');
    await until(() => expect(store.getState().training).toBeNull(), 80_000);
    watch.disconnect();
    expect(seen).toContain('Cancelling… aria-disabled=true focused=true');
    await until(() => expect(focused()).toBe('train-start'), SLOW);
    expect((screen.getByTestId('train-start') as HTMLButtonElement).disabled).toBe(false);
    await until(() => expect(screen.getByTestId('run-row-3').dataset.status).toBe('cancelled'), SLOW);
  }, 120_000);
});
