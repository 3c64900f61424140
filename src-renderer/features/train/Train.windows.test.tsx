// @vitest-environment jsdom
// Two windows on one real core (two renderer clients over the in-memory transport, each with its own
// store and Train screen): a training started in window A is seen in window B, whose Train waits with
// the reason and whose Cancel stops A's training; both then list the run as cancelled.
import { fireEvent, render, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { AppProvider } from '../shell/AppProvider';
import { createAppStore } from '../../stores/app';
import { memoryClient } from '../../../test-support/renderer/memoryTransport';
import { setup, until } from '../../../test-support/renderer/render';
import { TrainScreen } from './TrainScreen';

const SLOW = 20_000;

describe('Train screen in two windows', () => {
  test("window B sees A's training, waits with the reason, and its Cancel stops it for both", async () => {
    const user = userEvent.setup();
    const ctx = setup();
    const clientB = memoryClient(ctx.lib.core);
    const storeB = createAppStore(clientB);
    const offA = ctx.store.getState().connect();
    const offB = storeB.getState().connect();
    try {
      const a = within(
        render(
          <AppProvider client={ctx.client} store={ctx.store}>
            <TrainScreen />
          </AppProvider>,
        ).container,
      );
      const b = within(
        render(
          <AppProvider client={clientB} store={storeB}>
            <TrainScreen />
          </AppProvider>,
        ).container,
      );
      await until(() => expect(a.getByTestId('run-row-2')).toBeTruthy(), SLOW);
      await until(() => expect(b.getByTestId('run-row-2')).toBeTruthy(), SLOW);
      expect((b.getByTestId('train-start') as HTMLButtonElement).disabled).toBe(false);
      expect(b.queryByTestId('train-other-reason')).toBeNull();

      // A trains (on the seeded library's cached signals, long enough to be cancelled): from the
      // defaults, not the active run's settings the form starts from.
      await user.click(a.getByTestId('train-defaults'));
      expect((a.getByTestId('train-feature-crops') as HTMLInputElement).checked).toBe(true);
      await user.click(a.getByTestId('train-feature-whole'));
      await user.click(a.getByTestId('train-feature-crops'));
      await user.click(a.getByTestId('train-feature-defects'));
      fireEvent.change(a.getByTestId('train-hidden'), { target: { value: '0' } });
      fireEvent.change(a.getByTestId('train-epochs'), { target: { value: '10000' } });
      await user.click(a.getByTestId('train-start'));

      // B: Train disabled, with the reason; A's progress shown; a Cancel for run 3.
      await until(() => expect(b.getByTestId('train-other-reason').textContent).toBe('Run 3 is training (started in another window); Train is available again when it ends.'), SLOW);
      const trainB = b.getByTestId('train-start') as HTMLButtonElement;
      expect(trainB.disabled).toBe(true);
      expect(trainB.getAttribute('aria-describedby')).toBe('train-other-reason');
      await until(() => expect(Number(b.getByTestId('train-other-progress').querySelector('[role="progressbar"]')!.getAttribute('data-total'))).toBeGreaterThan(0), SLOW);
      expect(b.getByTestId('train-other-cancel').textContent).toBe('Cancel run 3');
      // A trains it as its own: no "another window" there, its own Cancel.
      expect(a.queryByTestId('train-other-reason')).toBeNull();
      expect(a.getByTestId('train-cancel')).toBeTruthy();
      expect(ctx.store.getState().training).not.toBeNull();

      // Cancel from B stops A's training; both windows list run 3 as cancelled, and Train is back in both.
      await user.click(b.getByTestId('train-other-cancel'));
      await until(() => expect(ctx.store.getState().training).toBeNull(), 60_000);
      await until(() => expect(a.getByTestId('run-row-3').dataset.status).toBe('cancelled'), SLOW);
      await until(() => expect(b.getByTestId('run-row-3').dataset.status).toBe('cancelled'), SLOW);
      expect(ctx.client.runs.find((r) => r.run_id === 3)?.status).toBe('cancelled');
      expect(ctx.client.runs.find((r) => r.run_id === 3)?.params.features).toEqual(['signals']);
      await until(() => expect(b.queryByTestId('train-other-reason')).toBeNull(), SLOW);
      expect((b.getByTestId('train-start') as HTMLButtonElement).disabled).toBe(false);
      expect((a.getByTestId('train-start') as HTMLButtonElement).disabled).toBe(false);
      expect(ctx.store.getState().toasts.some((t) => /Training cancelled: run 3 is kept as cancelled/.test(t.text))).toBe(true);
      expect(storeB.getState().toasts.filter((t) => t.kind === 'error')).toEqual([]);
    } finally {
      offA();
      offB();
      await clientB.dispose();
    }
  }, 120_000);
});
