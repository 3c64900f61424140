import type { JobProgress } from '../../src-shared/contract/events';
import { fmtInt } from './format';

interface Props {
  progress: JobProgress | null;
  testId?: string;
  /** Shown before the first progress message. */
  idleText?: string;
}

/** A progress bar with the phase and done/total; indeterminate until a total is known. */
export function ProgressBar({ progress, testId, idleText = 'starting…' }: Props) {
  const known = progress !== null && progress.total > 0;
  const ratio = known ? Math.min(1, progress.done / progress.total) : 0;
  return (
    <div className="progress" data-testid={testId} data-done={progress?.done ?? 0} data-total={progress?.total ?? 0}>
      <div className={`progress__track${known ? '' : ' progress__track--indeterminate'}`}>
        <div className="progress__fill" style={{ width: known ? `${(ratio * 100).toFixed(1)}%` : undefined }} />
      </div>
      <div className="progress__text">
        {progress ? (
          <>
            <span className="progress__phase">{progress.phase}</span>
            {known && (
              <span>
                {fmtInt(progress.done)} / {fmtInt(progress.total)}
              </span>
            )}
            {progress.failed ? <span className="progress__failed">{fmtInt(progress.failed)} failed</span> : null}
            {progress.message && <span className="progress__message">{progress.message}</span>}
          </>
        ) : (
          <span className="muted">{idleText}</span>
        )}
      </div>
    </div>
  );
}
