// @vitest-environment jsdom
// A run another program trains on the library (a real `qc train` in its own process, as in a
// terminal) can be cancelled from the Train screen, as `qc cancel` would: ml.cancelTraining asks that
// process through the library, it stops, the run is kept as cancelled, and Train is back.
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { startQc } from '../../../test-support/killChild';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { TrainScreen } from './TrainScreen';

const SLOW = 30_000;

describe('Train screen while another program trains', () => {
  test('offers a Cancel that stops that program’s run', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    const trainer = startQc(ctx.lib.dataDir, ['train', '--features', 'signals', '--hidden', '0', '--epochs', '10000', '--augment', '0', '--json']);
    const pid = trainer.process.pid!;
    try {
      await until(() => expect(ctx.client.runs.find((r) => r.status === 'running'), trainer.stderr()).toBeTruthy(), 60_000);
      const runId = ctx.client.runs.find((r) => r.status === 'running')!.run_id;
      const { store } = renderWith(<TrainScreen />, ctx);
      await until(() => expect(screen.getByTestId('train-other-reason').textContent).toMatch(new RegExp(`^Run ${runId} is training in another program on this library \\(such as qc train; pid ${pid}\\)`)), SLOW);
      expect((screen.getByTestId('train-start') as HTMLButtonElement).disabled).toBe(true);
      // Its progress does not reach this app; its Cancel does.
      expect(screen.queryByTestId('train-other-progress')).toBeNull();
      const cancel = screen.getByTestId('train-other-cancel');
      expect(cancel.textContent).toBe(`Cancel run ${runId}`);
      await user.click(cancel);
      await until(() => expect(screen.getByTestId(`run-row-${runId}`).dataset.status).toBe('cancelled'), SLOW);
      expect(ctx.client.runs.find((r) => r.run_id === runId)?.status).toBe('cancelled');
      // That program ends as a cancelled qc train does (130, as after Ctrl-C).
      expect((await trainer.exited).code).toBe(130);
      await until(() => expect(store.getState().toasts.map((t) => t.text)).toContain(`Run ${runId} cancelled (it was training in another program, pid ${pid}).`), SLOW);
      expect(store.getState().toasts.filter((t) => t.kind === 'error')).toEqual([]);
      expect(screen.queryByTestId('train-other-reason')).toBeNull();
      expect((screen.getByTestId('train-start') as HTMLButtonElement).disabled).toBe(false);
    } finally {
      await trainer.kill();
    }
  }, 120_000);
});
