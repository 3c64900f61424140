import { useApp, useAppStore } from '../stores/app';
import { ProgressBar } from './ProgressBar';

/** Running calls at the bottom of the window, each with its progress and a cancel button. */
export function JobBar() {
  const jobs = useApp((s) => s.jobs);
  const store = useAppStore();
  if (!jobs.length) return <div className="jobbar jobbar--empty" data-testid="jobbar" data-count={0} />;
  return (
    <div className="jobbar" data-testid="jobbar" data-count={jobs.length}>
      {jobs.map((job) => (
        <div className="jobbar__job" key={job.id} data-testid={`job-${job.id}`} data-method={job.method}>
          <span className="jobbar__label">{job.label}</span>
          <ProgressBar progress={job.progress} />
          <button type="button" className="btn btn--small" disabled={job.cancelling} onClick={() => store.getState().cancelJob(job.id)} data-testid={`job-cancel-${job.id}`}>
            {job.cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        </div>
      ))}
    </div>
  );
}
