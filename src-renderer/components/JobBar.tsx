import { useEffect, useLayoutEffect, useRef } from 'react';
import { focusLost, focusScreenHeading } from '../features/train/focus';
import { useApp, useAppStore, type AppStore } from '../stores/app';
import type { Job } from '../stores/jobs';
import { ProgressBar } from './ProgressBar';

/**
 * Each running job's phase, in a polite live region that stays in the page (a region added with its
 * text is often not read): a screen reader hears `Import: download` when the phase changes, not every
 * tick, since only the phase is written here (the bars carry done/total as their values).
 */
function JobAnnouncer({ jobs }: { jobs: Job[] }) {
  return (
    <div className="sr-only" aria-live="polite" data-testid="jobbar-live">
      {jobs.map((job) => (
        <span key={job.id}>{`${job.label}: ${job.cancelling ? 'cancelling' : (job.progress?.phase ?? 'starting')}. `}</span>
      ))}
    </div>
  );
}

/** How long focus waits, after a job ended, for the control that started it to be enabled again (its slice clears its busy state just after). */
const ORIGIN_WAIT_MS = 1000;

/**
 * A job's Cancel goes with its job (and is disabled while it cancels): focus would fall to <body>.
 * When a job whose Cancel had focus (or was pressed) ends, focus moves to the control that had focus
 * when the job appeared (the one that started it) once it is enabled again, else to the screen's
 * heading; never if the curator has moved focus elsewhere meanwhile.
 */
function useFocusAfterJob(jobs: Job[], store: AppStore) {
  /** The element focused when each job appeared (null: none, focus was on <body>). */
  const origins = useRef(new Map<number, Element | null>());
  /** Jobs whose Cancel has focus or was pressed, with that button. */
  const watched = useRef(new Map<number, HTMLElement>());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useLayoutEffect(() => {
    const running = new Set(jobs.map((j) => j.id));
    for (const j of jobs) {
      if (origins.current.has(j.id)) continue;
      const a = document.activeElement;
      origins.current.set(j.id, a && a !== document.body ? a : null);
    }
    for (const [id, from] of watched.current) {
      if (running.has(id)) continue;
      watched.current.delete(id);
      refocus(from, origins.current.get(id) ?? null);
    }
    for (const id of origins.current.keys()) if (!running.has(id)) origins.current.delete(id);
  }, [jobs]);
  useEffect(() => () => clearTimeout(timer.current), []);

  function refocus(from: HTMLElement, origin: Element | null) {
    clearTimeout(timer.current);
    const deadline = Date.now() + ORIGIN_WAIT_MS;
    const attempt = () => {
      if (!focusLost(from)) return; // the curator has moved on meanwhile
      if (origin instanceof HTMLElement && origin.isConnected) {
        if ((origin as Partial<HTMLButtonElement>).disabled !== true) {
          origin.focus();
          if (document.activeElement === origin) return;
        } else if (Date.now() < deadline) {
          timer.current = setTimeout(attempt, 20);
          return;
        }
      }
      focusScreenHeading();
    };
    attempt();
  }

  return {
    watch: (id: number, button: HTMLElement) => watched.current.set(id, button),
    /** Tabbing away from a running job's Cancel; not the blur of its press (disabled) or its removal. */
    unwatch: (id: number) => {
      const job = store.getState().jobs.find((j) => j.id === id);
      if (job && !job.cancelling) watched.current.delete(id);
    },
  };
}

/** Running calls at the bottom of the window, each with its progress and a cancel button. */
export function JobBar() {
  const jobs = useApp((s) => s.jobs);
  const store = useAppStore();
  const focus = useFocusAfterJob(jobs, store);
  // The live region first, so it is the same element whether jobs run or not; both in a labelled
  // landmark ("Jobs"), so that a screen reader's list of landmarks reaches the running jobs and their
  // Cancel buttons (they sat outside every landmark, below <main>).
  return (
    <section className="jobs" aria-label="Jobs">
      <JobAnnouncer jobs={jobs} />
      {jobs.length === 0 ? (
        <div className="jobbar jobbar--empty" data-testid="jobbar" data-count={0} />
      ) : (
        <div className="jobbar" data-testid="jobbar" data-count={jobs.length}>
          {jobs.map((job) => (
            <div className="jobbar__job" key={job.id} data-testid={`job-${job.id}`} data-method={job.method}>
              <span className="jobbar__label">{job.label}</span>
              <ProgressBar progress={job.progress} label={job.label} />
              <button
                type="button"
                className="btn btn--small"
                disabled={job.cancelling}
                onFocus={(e) => focus.watch(job.id, e.currentTarget)}
                onBlur={() => focus.unwatch(job.id)}
                onClick={(e) => {
                  focus.watch(job.id, e.currentTarget);
                  store.getState().cancelJob(job.id);
                }}
                data-testid={`job-cancel-${job.id}`}
              >
                {job.cancelling ? 'Cancelling…' : 'Cancel'}
              </button>
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
