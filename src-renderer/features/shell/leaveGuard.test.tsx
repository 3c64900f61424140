// @vitest-environment jsdom
// Leaving the page cancels its jobs (the core ends a closed page's session): the browser asks first
// while one runs, and the page loaded next in the tab says what was ended, without taking this tab's
// own training, still listed `running` while the core cancels it, for another window's. Real core.
import { screen } from '@testing-library/react';
import { afterEach, describe, expect, test } from 'vitest';
import { createAppStore } from '../../stores/app';
import { memoryClient } from '../../../test-support/renderer/memoryTransport';
import { tempDir } from '../../../test-support/renderer/files';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { TrainScreen } from '../train/TrainScreen';
import { ENDED_JOBS_KEY, installLeaveGuard, reportEndedJobs, takeEndedJobs } from './leaveGuard';

const SLOW = 20_000;

afterEach(() => window.sessionStorage.removeItem(ENDED_JOBS_KEY));

/** Whether the page objects to being left (the browser then shows its "Leave site?" dialog). */
function leave(): boolean {
  const e = new Event('beforeunload', { cancelable: true });
  window.dispatchEvent(e);
  return e.defaultPrevented;
}

describe('leaving the page while a job runs', () => {
  test('the browser asks first only while a job runs; the desktop app is left to ask itself', async () => {
    const ctx = setup();
    let off = installLeaveGuard(ctx.store, window, { prompt: true });
    try {
      expect(leave()).toBe(false);
      ctx.store.getState().setExportForm({ outDir: tempDir() });
      const release = ctx.client.hold('export.tags');
      const exported = ctx.store.getState().startExport();
      await until(() => expect(ctx.store.getState().jobs).toHaveLength(1));
      expect(leave()).toBe(true);
      // The desktop app: no objection from the page (Electron would cancel the close without a dialog).
      off();
      const offDesktop = installLeaveGuard(ctx.store, window, { prompt: false });
      expect(leave()).toBe(false);
      offDesktop();
      off = installLeaveGuard(ctx.store, window, { prompt: true });
      release();
      await exported;
      expect(ctx.store.getState().jobs).toHaveLength(0);
      expect(leave()).toBe(false);
      // Nothing ran as the page went: nothing is left for the next one.
      window.dispatchEvent(new Event('pagehide'));
      expect(takeEndedJobs(window)).toBeNull();
    } finally {
      off();
    }
  }, 60_000);

  test("after a reload during a training, the page says the training was cancelled, and its Train screen does not call the run another window's", async () => {
    const ctx = setup();
    // The page before the reload: its own client (its session with the core) and store.
    const clientA = memoryClient(ctx.lib.core);
    const storeA = createAppStore(clientA);
    const offA = storeA.getState().connect();
    const offGuard = installLeaveGuard(storeA, window, { prompt: true });
    await storeA.getState().loadRuns();
    storeA.getState().setTrainForm({ features: ['signals'], hidden: 0, epochs: 10_000, augment: 0 });
    const trained = storeA.getState().startTraining();
    await until(() => expect(storeA.getState().runs.some((r) => r.status === 'running')).toBe(true), SLOW);
    const runId = storeA.getState().runs.find((r) => r.status === 'running')!.run_id;
    expect(leave()).toBe(true);
    // The reload goes ahead: the page goes, leaving what it ran for the next one.
    window.dispatchEvent(new Event('pagehide'));
    offGuard();

    // The next page of the tab (setup's store, over a session of its own) starts while the core still
    // lists the run `running`.
    const offB = ctx.store.getState().connect();
    try {
      const ended = takeEndedJobs(window);
      expect(ended).toMatchObject({ runId, jobs: [{ method: 'ml.train', label: 'Training' }] });
      expect(takeEndedJobs(window)).toBeNull(); // told once
      reportEndedJobs(ctx.store, ended);
      const note = ctx.store.getState().toasts.at(-1)!;
      expect(note.kind).toBe('error');
      expect(note.text).toBe(
        `This page was reloaded or left while 1 job ran here (Training (run ${runId})): leaving the page cancels its jobs, so it was cancelled, and run ${runId} is kept as cancelled. Start it again if needed.`,
      );
      renderWith(<TrainScreen />, ctx);
      const reason = await screen.findByTestId('train-other-reason', {}, { timeout: SLOW });
      expect(reason.textContent).toBe(`Run ${runId} was started in this tab before the page was reloaded or left, which cancels it: it is being cancelled; Train is available again when it ends.`);
      expect(reason.textContent).not.toContain('another window');
      // Nothing to cancel again, and no progress of a run that is ending.
      expect(screen.queryByTestId('train-other-cancel')).toBeNull();
      expect(screen.queryByTestId('train-other-progress')).toBeNull();

      // The old page's session ends (qc serve: its socket closed): the core cancels its training.
      offA();
      await clientA.dispose();
      await trained;
      await until(() => expect(ctx.store.getState().runs.find((r) => r.run_id === runId)?.status).toBe('cancelled'), SLOW);
      await until(() => expect(screen.queryByTestId('train-other-reason')).toBeNull());
      expect((screen.getByTestId('train-start') as HTMLButtonElement).disabled).toBe(false);
    } finally {
      offB();
    }
  }, 90_000);
});
