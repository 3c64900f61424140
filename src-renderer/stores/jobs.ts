/** Running calls with their progress and a cancel button (the job bar). */
import type { JobProgress } from '../../src-shared/contract/events';
import type { ArgsOf, Method, ResultOf } from '../../src-shared/contract/handlers';
import type { Slice } from './types';

export interface Job {
  id: number;
  method: Method;
  label: string;
  progress: JobProgress | null;
  started: number;
  cancelling: boolean;
}

export interface JobOptions {
  label: string;
  /** Every progress message, unthrottled (the job bar itself is updated at most every 100 ms). */
  onProgress?: (p: JobProgress) => void;
}

export interface JobsSlice {
  jobs: Job[];
  /** Start a long call as a job: it shows in the job bar and can be cancelled. */
  startJob<M extends Method>(method: M, args: ArgsOf<M>, opts: JobOptions): { id: number; promise: Promise<ResultOf<M>> };
  cancelJob(id: number): void;
}

const PROGRESS_FLUSH_MS = 100;

export const jobsSlice: Slice<JobsSlice> = (set, _get, client) => {
  let seq = 0;
  const controllers = new Map<number, AbortController>();
  const latest = new Map<number, JobProgress>();
  let flushTimer: ReturnType<typeof setTimeout> | null = null;

  const flush = () => {
    flushTimer = null;
    if (!latest.size) return;
    const updates = new Map(latest);
    latest.clear();
    set((s) => ({ jobs: s.jobs.map((j) => (updates.has(j.id) ? { ...j, progress: updates.get(j.id)! } : j)) }));
  };

  return {
    jobs: [],
    startJob(method, args, opts) {
      const id = ++seq;
      const controller = new AbortController();
      controllers.set(id, controller);
      set((s) => ({ jobs: [...s.jobs, { id, method, label: opts.label, progress: null, started: Date.now(), cancelling: false }] }));
      const promise = client
        .call(method, args, {
          signal: controller.signal,
          onProgress: (p) => {
            opts.onProgress?.(p);
            latest.set(id, p);
            if (!flushTimer) flushTimer = setTimeout(flush, PROGRESS_FLUSH_MS);
          },
        })
        .finally(() => {
          controllers.delete(id);
          latest.delete(id);
          set((s) => ({ jobs: s.jobs.filter((j) => j.id !== id) }));
        });
      return { id, promise };
    },
    cancelJob(id) {
      const c = controllers.get(id);
      if (!c || c.signal.aborted) return;
      set((s) => ({ jobs: s.jobs.map((j) => (j.id === id ? { ...j, cancelling: true } : j)) }));
      c.abort(); // the call still settles with the core's answer
    },
  };
};
