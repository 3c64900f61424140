import { useRef } from 'react';
import type { JobProgress } from '../../src-shared/contract/events';
import { fmtInt, fmtSeconds } from './format';

/**
 * Seconds left in a phase at its rate so far, or null until there is enough to go on (2 s and 3%
 * of the work done in this phase).
 */
export function estimateLeft(startedMs: number, nowMs: number, done: number, total: number): number | null {
  const elapsed = (nowMs - startedMs) / 1000;
  if (total <= 0 || done <= 0 || done >= total || elapsed < 2 || done / total < 0.03) return null;
  return (elapsed / done) * (total - done);
}

/** When the current phase started (a new phase or a restart resets it). */
function usePhaseStart(progress: JobProgress | null): number {
  const ref = useRef<{ key: string; at: number; done: number }>({ key: '', at: Date.now(), done: 0 });
  const key = progress ? `${progress.job}/${progress.phase}/${progress.total}` : '';
  if (ref.current.key !== key || (progress && progress.done < ref.current.done)) ref.current = { key, at: Date.now(), done: progress?.done ?? 0 };
  else if (progress) ref.current.done = progress.done;
  return ref.current.at;
}

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
  const started = usePhaseStart(progress);
  const left = known ? estimateLeft(started, Date.now(), progress.done, progress.total) : null;
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
            {left !== null && (
              <span className="muted" data-testid={testId ? `${testId}-eta` : undefined}>
                about {fmtSeconds(left)} left
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
