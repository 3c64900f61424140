/**
 * A run listed `running` that this window did not start. Either another window of the app trains it
 * (the core reports `trainer.here`): its progress comes as `job.progress` events (the core sends them
 * to every window) and `ml.cancelTraining` cancels it from here. Or another program on the library
 * trains it (`qc train` in a terminal, by its pid): its progress does not reach this app, but
 * `ml.cancelTraining` asks it to stop through the library, as `qc cancel` does (the answer waits for
 * it to end, up to the core's CANCEL_WAIT_MS), and the runs are asked again every 2 s until it ends.
 * One training at a time either way: while it runs, this window's Train stays disabled and says why.
 */
import { useEffect, useState } from 'react';
import type { JobProgress } from '../../../src-shared/contract/events';
import type { RunSummary } from '../../../src-shared/domain/ml';
import { useApp, useAppStore, useClient, type AppStore } from '../../stores/app';

/** How often the runs are asked again while another program trains. */
export const OTHER_TRAINING_POLL_MS = 2000;

/** Per store (one per window): the runs this window's own training created (seen `running` while it trained). */
const ownRuns = new WeakMap<AppStore, Set<number>>();

export interface OtherTraining {
  run: RunSummary;
  /** Trained by another program on the library, with its pid where recorded (null: another window of this app). */
  elsewhere: { pid: number | null } | null;
  /** Its latest progress (null until the first event reaches this window). */
  progress: JobProgress | null;
  cancelling: boolean;
  cancel(): void;
}

/** The running run this window did not start (another window's or another program's), or null (none, or this window's own). */
export function useOtherTraining(): OtherTraining | null {
  const store = useAppStore();
  const client = useClient();
  const training = useApp((s) => s.training);
  const runs = useApp((s) => s.runs);
  let own = ownRuns.get(store);
  if (!own) ownRuns.set(store, (own = new Set()));
  // While this window trains, the run listed `running` is its own (the core trains one at a time and
  // this window's Train was disabled while another ran); it stays its own after it ends.
  if (training) for (const r of runs) if (r.status === 'running') own.add(r.run_id);
  const run = training ? undefined : runs.find((r) => r.status === 'running' && !own.has(r.run_id));
  const runId = run?.run_id ?? null;
  const [progress, setProgress] = useState<{ runId: number; p: JobProgress } | null>(null);
  const [cancelling, setCancelling] = useState<number | null>(null);
  useEffect(() => {
    if (runId === null) return;
    // A training's progress: its own phases, and the features it computes first (the embed job).
    return client.on('job.progress', (p) => {
      if (p.job === 'train' || p.job === 'embed') setProgress({ runId, p });
    });
  }, [client, runId]);
  // A run from a core that does not say (none before the field) is taken as the app's, as before.
  const elsewhereTrainer = run?.trainer && !run.trainer.here ? run.trainer : null;
  const polling = elsewhereTrainer !== null;
  useEffect(() => {
    if (!polling) return;
    // Another program trains: its end (done, failed, or a process that died, found when the runs are
    // listed) sends this app no event, so the runs are asked again every OTHER_TRAINING_POLL_MS while it shows.
    const timer = setInterval(() => void store.getState().loadRuns(), OTHER_TRAINING_POLL_MS);
    return () => clearInterval(timer);
  }, [store, polling, runId]);
  if (!run) return null;
  const elsewhere = elsewhereTrainer ? { pid: elsewhereTrainer.pid } : null;
  return {
    run,
    elsewhere,
    progress: progress?.runId === run.run_id ? progress.p : null,
    cancelling: cancelling === run.run_id,
    cancel() {
      if (cancelling === run.run_id) return;
      setCancelling(run.run_id);
      client
        .call('ml.cancelTraining', { runId: run.run_id })
        .then((r) => {
          // Another program's run: the answer comes once it has ended (its status), or says it still
          // runs when that program did not stop in time (it may not look for a cancel, or be stuck).
          if (r.status === undefined) return;
          void store.getState().loadRuns();
          if (r.status === 'running') {
            setCancelling(null);
            store.getState().toast('error', `Run ${run.run_id} is still training: its program${r.pid != null ? ` (pid ${r.pid})` : ''} has not stopped yet. Cancel asks again.`);
          } else if (r.status === 'cancelled') store.getState().toast('info', `Run ${run.run_id} cancelled (it was training in another program${r.pid != null ? `, pid ${r.pid}` : ''}).`);
          else store.getState().toast('info', `Run ${run.run_id} ${r.status === 'done' ? 'finished' : 'failed'} before it could be cancelled.`);
        })
        .catch((e: unknown) => {
          setCancelling(null);
          store.getState().reportError(e, 'Cancel');
          void store.getState().loadRuns(); // it may have ended meanwhile
        });
    },
  };
}
