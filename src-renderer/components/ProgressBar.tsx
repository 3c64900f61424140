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
  /** The bar's accessible name (the job bar: the job's label); default `<job> progress`. */
  label?: string;
  /** Shown before the first progress message. */
  idleText?: string;
}

/** What a screen reader says for the bar's value: `embed 153 of 567, about 6 s left, 2 failed`. */
export function progressText(progress: JobProgress | null, left: number | null, idleText = 'starting…'): string {
  if (!progress) return idleText;
  const parts = [progress.total > 0 ? `${progress.phase} ${fmtInt(progress.done)} of ${fmtInt(progress.total)}` : progress.phase];
  if (left !== null) parts.push(`about ${fmtSeconds(left)} left`);
  if (progress.failed) parts.push(`${fmtInt(progress.failed)} failed`);
  return parts.join(', ');
}

/**
 * A progress bar with the phase and done/total; indeterminate until a total is known. For assistive
 * technology it is a `progressbar` (min 0, max total, now done, and `progressText` as its value);
 * phase changes are announced by the job bar's live region, not here (not every tick).
 */
export function ProgressBar({ progress, testId, label, idleText = 'starting…' }: Props) {
  const known = progress !== null && progress.total > 0;
  const ratio = known ? Math.min(1, progress.done / progress.total) : 0;
  const started = usePhaseStart(progress);
  const left = known ? estimateLeft(started, Date.now(), progress.done, progress.total) : null;
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label ?? `${progress?.job ?? 'job'} progress`}
      aria-valuemin={0}
      aria-valuemax={known ? progress.total : undefined}
      aria-valuenow={known ? Math.min(progress.done, progress.total) : undefined}
      aria-valuetext={progressText(progress, left, idleText)}
      data-testid={testId}
      data-done={progress?.done ?? 0}
      data-total={progress?.total ?? 0}
    >
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
            {progress.warning && (
              <span className="progress__warning warn" role="alert" data-testid={testId ? `${testId}-warning` : undefined}>
                {progress.warning}
              </span>
            )}
          </>
        ) : (
          <span className="muted">{idleText}</span>
        )}
      </div>
    </div>
  );
}
