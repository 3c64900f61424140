import { useApp, useAppStore } from '../stores/app';
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

/** Running calls at the bottom of the window, each with its progress and a cancel button. */
export function JobBar() {
  const jobs = useApp((s) => s.jobs);
  const store = useAppStore();
  // The live region first in both cases, so it is the same element whether jobs run or not.
  if (!jobs.length)
    return (
      <>
        <JobAnnouncer jobs={jobs} />
        <div className="jobbar jobbar--empty" data-testid="jobbar" data-count={0} />
      </>
    );
  return (
    <>
      <JobAnnouncer jobs={jobs} />
      <div className="jobbar" data-testid="jobbar" data-count={jobs.length}>
        {jobs.map((job) => (
          <div className="jobbar__job" key={job.id} data-testid={`job-${job.id}`} data-method={job.method}>
            <span className="jobbar__label">{job.label}</span>
            <ProgressBar progress={job.progress} label={job.label} />
            <button type="button" className="btn btn--small" disabled={job.cancelling} onClick={() => store.getState().cancelJob(job.id)} data-testid={`job-cancel-${job.id}`}>
              {job.cancelling ? 'Cancelling…' : 'Cancel'}
            </button>
          </div>
        ))}
      </div>
    </>
  );
}
