/**
 * The bad-class threshold. Every move updates the numbers beside it (ThresholdIndex.at, built once
 * per run); the grid refetches when the slider is released (or after a short pause). Moving it only
 * browses: "Use for export" makes it the threshold exports use (explicit, undoable, shown on Export).
 */
import { useEffect, useMemo, useRef } from 'react';
import { useApp, useAppStore } from '../../stores/app';
import { thresholdNumbers, type ScoresState, type ThresholdNumbers } from '../../stores/review';
import { fmtInt, fmtNum, fmtPct } from '../../components/format';
import { LabelHistogramChart } from '../../components/SvgCharts';
import { labelHistogram } from '../train/evaluation';

const THUMB_PX = 14;

/**
 * The slider's numbers in words: what flagged, coverage and error mean at this threshold, and the
 * recommended threshold (or, when none is proven, the best provable one and what proving one needs).
 */
export function thresholdGuide(n: ThresholdNumbers, scores: Pick<ScoresState, 'recommended' | 'bestBound'>): string {
  const parts: string[] = [];
  parts.push(`${fmtInt(n.flagged)} of ${fmtInt(n.scored)} images have p(bad) ≥ ${n.threshold.toFixed(3)} and would be tagged bad.`);
  if (n.heldoutSize > 0) {
    if (n.coverage !== null) parts.push(`On held-out images (not used to train), this catches ${fmtPct(n.coverage, 0)} of those labelled bad (coverage)`);
    if (n.error !== null && n.heldoutFlagged > 0) {
      parts[parts.length - 1] += `, and ${fmtPct(n.error, 0)} of what it flags is labelled good (error; at most ${fmtPct(n.errorUpper, 0)} with 95% confidence).`;
    } else parts[parts.length - 1] += '; it flags no held-out image, so its error is unknown.';
  }
  if (scores.recommended !== null) parts.push(`Recommended: ${scores.recommended.toFixed(3)}, the lowest threshold whose error is proven ≤ 5%.`);
  else {
    parts.push(
      `No threshold is proven to keep the error ≤ 5% yet: that needs at least 59 flagged held-out images without a mistake (${fmtInt(n.heldoutSize)} held-out images now); label more images and retrain.` +
        (scores.bestBound !== null ? ` The best provable now is ${scores.bestBound.toFixed(3)}.` : ''),
    );
  }
  return parts.join(' ');
}

/** CSS left of a value on the range track (the thumb's centre travels inside the thumb's width). */
function trackLeft(t: number): string {
  return `calc(${(t * 100).toFixed(3)}% + ${(THUMB_PX / 2 - t * THUMB_PX).toFixed(2)}px)`;
}

/** p(bad) of the labelled images by label (out-of-fold, so no image is scored by a model that saw it), with the threshold. */
function HeldoutHistogram({ threshold }: { threshold: number }) {
  const store = useAppStore();
  const runId = useApp((s) => s.activeRunId);
  const detail = useApp((s) => (s.activeRunId !== null ? s.runDetails[s.activeRunId] : undefined));
  useEffect(() => {
    if (runId !== null && !store.getState().runDetails[runId]) void store.getState().loadRunDetail(runId);
  }, [runId, store]);
  const curve = detail?.evaluation?.curves.bad.oof;
  const h = useMemo(() => (curve?.length ? labelHistogram(curve, 25) : null), [curve]);
  if (!h) return null;
  return (
    <div className="threshold__histo" title="p(bad) of labelled images, each scored by a model that did not train on it: red labelled bad, green labelled good">
      <LabelHistogramChart edges={h.edges} bad={h.bad} good={h.good} threshold={threshold} testId="threshold-histogram" />
    </div>
  );
}

export function ThresholdSlider() {
  const store = useAppStore();
  const scores = useApp((s) => s.scores);
  const status = useApp((s) => s.scoresStatus);
  const draft = useApp((s) => s.draftThreshold);
  const committed = useApp((s) => s.threshold);
  const exportUndo = useApp((s) => s.exportThresholdUndo);
  const numbers = useMemo(() => (scores ? thresholdNumbers(scores, draft) : null), [scores, draft]);
  const inputRef = useRef<HTMLInputElement>(null);

  // Native listeners as well as React's onChange: `change` fires when a range input is released
  // (React's onChange is really `input`), and a value set by script (e.g. Playwright's fill)
  // reaches native listeners even when React's value tracker swallows it.
  useEffect(() => {
    const el = inputRef.current;
    if (!el) return;
    const onInput = () => store.getState().moveThreshold(Number(el.value));
    const onCommit = () => {
      onInput();
      void store.getState().commitThreshold();
    };
    el.addEventListener('input', onInput);
    el.addEventListener('change', onCommit);
    return () => {
      el.removeEventListener('input', onInput);
      el.removeEventListener('change', onCommit);
    };
  }, [store, scores]);

  if (!scores) {
    return (
      <div className="threshold threshold--off" data-testid="threshold">
        <span className="muted">{status === 'loading' || status === 'idle' ? 'Loading scores…' : 'No trained model yet: train one to get p(bad) and the threshold slider.'}</span>
      </div>
    );
  }

  const commit = () => void store.getState().commitThreshold();
  const rec = scores.recommended;
  const errorUpper = numbers?.errorUpper ?? null;
  const inForce = scores.inForce;
  const sameAsExport = Math.abs(draft - inForce.threshold) < 5e-4;

  return (
    <div className="threshold" data-testid="threshold">
      <div className="threshold__head">
        <label htmlFor="threshold-input" className="threshold__title">
          Bad if p(bad) ≥
        </label>
        <span className="threshold__value" data-testid="threshold-value" data-value={draft}>
          {draft.toFixed(3)}
        </span>
        {draft !== committed && <span className="muted threshold__pending">(updating…)</span>}
        {rec !== null && (
          <button
            type="button"
            className="btn btn--ghost btn--small"
            onClick={() => {
              store.getState().moveThreshold(rec);
              commit();
            }}
            data-testid="threshold-use-recommended"
            title="Use the run's recommended threshold"
          >
            recommended {rec.toFixed(3)}
          </button>
        )}
      </div>
      <div className="threshold__track">
        <input
          id="threshold-input"
          ref={inputRef}
          type="range"
          min={0}
          max={1}
          step={0.001}
          value={draft}
          onChange={(e) => store.getState().moveThreshold(Number(e.target.value))}
          onPointerUp={commit}
          onKeyUp={commit}
          data-testid="threshold-slider"
          aria-label="Bad threshold"
          aria-valuetext={`${draft.toFixed(3)}, ${numbers ? fmtInt(numbers.flagged) : 0} flagged`}
        />
        {rec !== null && <div className="threshold__marker" style={{ left: trackLeft(rec) }} title={`recommended ${rec.toFixed(3)}`} data-testid="threshold-recommended" data-value={rec} />}
        <div
          className="threshold__marker threshold__marker--export"
          style={{ left: trackLeft(inForce.threshold) }}
          title={`exports use ${inForce.threshold.toFixed(3)} (${inForce.source})`}
          data-testid="threshold-export-marker"
          data-value={inForce.threshold}
        />
      </div>
      <div className="threshold__export" data-testid="threshold-export" data-value={inForce.threshold} data-source={inForce.source}>
        <span>
          Exports use p(bad) ≥ <b>{inForce.threshold.toFixed(3)}</b> <span className="muted">({inForce.source})</span>
        </span>
        {!sameAsExport && (
          <button type="button" className="btn btn--small btn--primary" onClick={() => void store.getState().useThresholdForExport(draft)} data-testid="threshold-use-for-export">
            Use {draft.toFixed(3)} for export
          </button>
        )}
        {exportUndo !== undefined && (
          <button type="button" className="btn btn--ghost btn--small" onClick={() => void store.getState().undoExportThreshold()} data-testid="threshold-export-undo">
            Undo
          </button>
        )}
        {scores.curator !== null && (
          <button type="button" className="btn btn--ghost btn--small" onClick={() => void store.getState().useThresholdForExport(null)} data-testid="threshold-export-reset" title="Let exports follow the run's recommended threshold">
            use the run&apos;s
          </button>
        )}
      </div>
      {numbers && (
        <div className="threshold__numbers">
          <span data-testid="threshold-flagged" data-value={numbers.flagged} title="images with p(bad) ≥ threshold among all scored images">
            <b>{fmtInt(numbers.flagged)}</b> flagged <span className="muted">of {fmtInt(numbers.scored)}</span>
          </span>
          <span data-testid="threshold-coverage" data-value={numbers.coverage ?? ''} title="share of held-out bad images caught">
            coverage <b>{fmtPct(numbers.coverage)}</b>
          </span>
          <span data-testid="threshold-error" data-value={numbers.error ?? ''} data-upper={errorUpper ?? ''} title="share of flagged held-out images labelled good, with its one-sided 95% upper bound">
            error <b>{fmtPct(numbers.error)}</b> <span className="muted">≤ {fmtPct(errorUpper)} (95%)</span>
          </span>
          <span className="muted" title="held-out images with labels behind coverage and error">
            held-out {fmtInt(numbers.heldoutFlagged)}/{fmtInt(numbers.heldoutSize)} · run {scores.runId}
          </span>
          {scores.curator !== null && <span className="muted">curator {fmtNum(scores.curator)}</span>}
        </div>
      )}
      <HeldoutHistogram threshold={draft} />
      {numbers && <p className="threshold__guide muted small" data-testid="threshold-guide">{thresholdGuide(numbers, scores)}</p>}
    </div>
  );
}
