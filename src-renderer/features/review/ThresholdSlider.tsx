/**
 * The bad-class threshold. Every move updates the numbers beside it (the run's ThresholdSketch,
 * built once per run); the grid refetches when the slider is released (or after a short pause).
 * Moving it only browses: "Use for export" makes it the threshold exports use (explicit, undoable,
 * shown on Export).
 *
 * The slider's positions are the sketch's grid, even steps of log-odds (thresholdSketch.ts): a
 * trained head's bad images and recommended threshold crowd within 0.001 of p = 1, which a slider
 * even in p squeezed into its last step. Thresholds print with formatThreshold (fmtT), as the CLI prints them: 0.999984 or 0.9686275, never 1.000.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, type FocusEvent } from 'react';
import { useApp, useAppStore } from '../../stores/app';
import { THRESHOLD_SOURCE_WORD } from '../../stores/training';
import { thresholdNumbers, type ScoresState, type ThresholdNumbers } from '../../stores/review';
import { fmtCount, fmtInt, fmtPct, fmtT } from '../../components/format';
import { formatPercent, leastFlaggedToProve } from '../../../src-shared/domain/threshold';
import type { ThresholdSketch } from '../../../src-shared/domain/thresholdSketch';
import { noun } from '../../../src-shared/domain/words';
import { LabelHistogramChart } from '../../components/SvgCharts';
import { setPrefs, usePrefs } from './prefs';
import { ExportTally } from './ExportTally';

const THUMB_PX = 14;

/**
 * The slider's numbers in words: what flagged, coverage and error mean at this threshold, and the
 * recommended threshold (or, when none is proven, the best provable one and what proving one needs).
 * Flagged counts what the model flags among the images the run scored, which is not what an export
 * tags bad: there a curator's label decides its own image (tags.ts `finalTag`), and images not
 * scored yet (`libraryImages` − scored, when the library's count is known) are scored first.
 */
export function thresholdGuide(
  n: ThresholdNumbers,
  scores: Pick<ScoresState, 'recommended' | 'bestBound' | 'estimate' | 'targetError'>,
  libraryImages: number | null = null,
): string {
  const parts: string[] = [];
  // The run's target error as it was stated (formatPercent, as the Train form shows it): 0.1%, never rounded to "0%".
  const target = formatPercent(scores.targetError);
  const unscored = libraryImages === null ? 0 : Math.max(0, libraryImages - n.scored);
  parts.push(
    `The model flags ${fmtInt(n.flagged)} of the ${fmtInt(n.scored)} scored images: they have p(bad) ≥ ${fmtT(n.threshold)} and would be tagged bad by the model. ` +
      `On export a curator's label decides its own image instead (a curator's bad is tagged bad, flagged or not; any other curator label is not)` +
      (unscored > 0 ? `, and the ${fmtCount(unscored, 'image')} not scored yet ${noun(unscored, 'is', 'are')} scored first.` : '.'),
  );
  if (n.heldoutSize > 0) {
    if (n.coverage !== null) parts.push(`On held-out images (not used to train), this catches ${fmtPct(n.coverage, 0)} of those labelled bad (coverage)`);
    if (n.error !== null && n.heldoutFlagged > 0) {
      parts[parts.length - 1] += `, and ${fmtPct(n.error, 0)} of what it flags is labelled good (error; at most ${fmtPct(n.errorUpper, 0)} with 95% confidence).`;
    } else parts[parts.length - 1] += '; it flags no held-out image, so its error is unknown.';
  }
  if (scores.recommended !== null) parts.push(`Recommended: ${fmtT(scores.recommended)}, the lowest threshold whose error is proven ≤ ${target}.`);
  else {
    parts.push(
      `No threshold is proven to keep the error ≤ ${target} yet: that needs at least ${leastFlaggedToProve(scores.targetError)} flagged held-out images without a mistake (${fmtInt(n.heldoutSize)} held-out images now); label more images and retrain.` +
        (scores.bestBound !== null ? ` The best provable now is ${fmtT(scores.bestBound)}.` : ''),
    );
  }
  const e = scores.estimate;
  if (e) {
    parts.push(
      `Point estimate: ${fmtT(e.threshold)}, the lowest threshold whose observed error is ≤ ${target} (${fmtPct(e.error, 1)} out of fold, 95% interval ${fmtPct(e.error_interval[0], 1)}–${fmtPct(e.error_interval[1], 1)}): it catches more, but nothing proves its error.`,
    );
  }
  return parts.join(' ');
}

/** How far along the slider threshold t stands, 0..1 (the track and the histogram under it share it). */
function along(sketch: ThresholdSketch, t: number): number {
  return sketch.position(t) / sketch.bins;
}

/** CSS left of threshold t on the range track (the thumb's centre travels inside the thumb's width). */
function trackLeft(sketch: ThresholdSketch, t: number): string {
  const f = along(sketch, t);
  return `calc(${(f * 100).toFixed(3)}% + ${(THUMB_PX / 2 - f * THUMB_PX).toFixed(2)}px)`;
}

/** Bins of the histogram under the slider: every HISTOGRAM_STEP-th step of its grid. */
const HISTOGRAM_STEP = 40;

/**
 * p(bad) of the held-out labelled images by label (each scored by a model that did not train on
 * it: the images behind coverage and error), with the threshold, on the slider's log-odds scale:
 * its bins are steps of the slider's grid (the run's sketch), so the threshold line stands where
 * the thumb does and the images within 0.001 of p = 1 spread over many bars instead of one.
 */
function HeldoutHistogram({ threshold, sketch }: { threshold: number; sketch: ThresholdSketch }) {
  const h = useMemo(() => (sketch.heldoutSize ? sketch.heldoutHistogram(HISTOGRAM_STEP) : null), [sketch]);
  if (!h) return null;
  return (
    <div className="threshold__histo" title="p(bad) of held-out labelled images (each scored by a model that did not train on it), on the slider's scale: red labelled bad, green labelled good">
      <LabelHistogramChart
        edges={h.edges}
        bad={h.bad}
        good={h.good}
        threshold={threshold}
        testId="threshold-histogram"
        at={(t) => along(sketch, t)}
        ticks={[0.5, 0.99, 0.9999]}
      />
    </div>
  );
}

export function ThresholdSlider() {
  const store = useAppStore();
  const scores = useApp((s) => s.scores);
  const status = useApp((s) => s.scoresStatus);
  const draft = useApp((s) => s.draftThreshold);
  const committed = useApp((s) => s.threshold);
  const exportUndo = useApp((s) => s.exportThresholdUndos.at(-1));
  const numbers = useMemo(() => (scores ? thresholdNumbers(scores, draft) : null), [scores, draft]);
  const libraryImages = useApp((s) => s.status?.images ?? null);
  const demoOffer = useApp((s) => s.status?.demo?.offer ?? null);
  const inputRef = useRef<HTMLInputElement>(null);
  const { thresholdDetails } = usePrefs();
  // The export buttons go away with their own action ("Use … for export" once the thresholds match,
  // Undo after the last undo, "use the run's"): the focus they had goes to the slider, not the page.
  const actionFocus = useRef<HTMLElement | null>(null);
  useLayoutEffect(() => {
    const el = actionFocus.current;
    if (!el || el.isConnected) return;
    actionFocus.current = null;
    const now = document.activeElement;
    if (now === null || now === document.body) inputRef.current?.focus();
  });
  const keepFocus = {
    onFocus: (e: FocusEvent<HTMLElement>) => {
      actionFocus.current = e.currentTarget;
    },
    onBlur: (e: FocusEvent<HTMLElement>) => {
      if (e.relatedTarget) actionFocus.current = null;
    },
  };

  // Native listeners as well as React's onChange: `change` fires when a range input is released
  // (React's onChange is really `input`), and a value set by script (e.g. Playwright's fill)
  // reaches native listeners even when React's value tracker swallows it.
  useEffect(() => {
    const el = inputRef.current;
    if (!el) return;
    const onInput = () => {
      const sc = store.getState().scores;
      if (sc) store.getState().moveThreshold(sc.sketch.threshold(Number(el.value)));
    };
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
    const loading = status === 'loading' || status === 'idle';
    // The demo's load stopped before its first run (cancelled, or the app quit while it trained):
    // Library's "Finish loading the demo" trains it, with the features it ships, not a Train from scratch.
    const demoOpen = !loading && demoOffer ? demoOffer : null;
    return (
      <div className="threshold threshold--off" data-testid="threshold" data-demo={demoOpen ?? ''}>
        <span className="muted">
          {loading
            ? 'Loading scores…'
            : demoOpen === 'finish'
              ? 'No trained model yet: the demo\'s first run was not trained. "Finish loading the demo" on the Library screen trains it, with the features the demo ships.'
              : demoOpen === 'load'
                ? 'No trained model yet: the library is empty. "Load the demo library" on the Library screen imports the bundled demo and trains a first run.'
                : 'No trained model yet: train one to get p(bad) and the threshold slider.'}
        </span>
        {demoOpen && (
          <button type="button" className="btn btn--ghost btn--small" onClick={() => store.getState().setScreen('library')} data-testid="threshold-go-demo">
            Go to Library
          </button>
        )}
      </div>
    );
  }

  const commit = () => void store.getState().commitThreshold();
  /** Move the slider to t and browse there (nothing is saved). */
  const browse = (t: number) => {
    store.getState().moveThreshold(t);
    commit();
  };
  const rec = scores.recommended;
  const est = scores.estimate;
  const errorUpper = numbers?.errorUpper ?? null;
  const inForce = scores.inForce;
  const sketch = scores.sketch;
  // The same threshold as far as anyone can see (fmtT prints them alike only when they flag the same images).
  const sameAsExport = fmtT(draft) === fmtT(inForce.threshold);

  return (
    <div className="threshold" data-testid="threshold">
      <div className="threshold__head">
        <label htmlFor="threshold-input" className="threshold__title">
          Bad if p(bad) ≥
        </label>
        <span className="threshold__value" data-testid="threshold-value" data-value={draft}>
          {fmtT(draft)}
        </span>
        {draft !== committed && <span className="muted threshold__pending">(updating…)</span>}
        {rec !== null && (
          <button
            type="button"
            className="btn btn--ghost btn--small"
            onClick={() => browse(rec)}
            data-testid="threshold-use-recommended"
            title={`Browse at the run's recommended threshold: proven, its error's one-sided 95% upper bound ≤ ${formatPercent(scores.targetError)} out of fold; the threshold exports use does not change`}
          >
            recommended {fmtT(rec)}
          </button>
        )}
        {est !== null && (
          <button
            type="button"
            className="btn btn--ghost btn--small"
            onClick={() => browse(est.threshold)}
            data-testid="threshold-use-estimate"
            data-value={est.threshold}
            title={`Browse at the run's point-estimate threshold: observed error ≤ ${formatPercent(scores.targetError)} out of fold, with its two-sided 95% interval; not proven`}
          >
            estimate {fmtT(est.threshold)} · error {fmtPct(est.error, 1)} ({fmtPct(est.error_interval[0], 1)}–{fmtPct(est.error_interval[1], 1)}, two-sided 95%)
          </button>
        )}
        <button
          type="button"
          className="btn btn--ghost btn--small threshold__details"
          onClick={() => setPrefs({ thresholdDetails: !thresholdDetails })}
          aria-expanded={thresholdDetails}
          data-testid="threshold-details-toggle"
          title={thresholdDetails ? 'Hide the histogram and the guide: more room for the gallery' : 'Show the held-out histogram and what the numbers mean'}
        >
          {thresholdDetails ? 'hide details' : 'details'}
        </button>
      </div>
      <div className="threshold__track">
        <input
          id="threshold-input"
          ref={inputRef}
          type="range"
          min={0}
          max={sketch.bins}
          step={1}
          value={Math.round(sketch.position(draft))}
          onChange={(e) => store.getState().moveThreshold(sketch.threshold(Number(e.target.value)))}
          onPointerUp={commit}
          onKeyUp={commit}
          data-testid="threshold-slider"
          aria-label="Bad threshold"
          aria-valuetext={`p(bad) ≥ ${fmtT(draft)}, ${numbers ? fmtInt(numbers.flagged) : 0} flagged`}
        />
        {rec !== null && <div className="threshold__marker" style={{ left: trackLeft(sketch, rec) }} title={`recommended ${fmtT(rec)}`} data-testid="threshold-recommended" data-value={rec} />}
        {est !== null && (
          <div
            className="threshold__marker threshold__marker--estimate"
            style={{ left: trackLeft(sketch, est.threshold) }}
            title={`point estimate ${fmtT(est.threshold)}`}
            data-testid="threshold-estimate-marker"
            data-value={est.threshold}
          />
        )}
        <div
          className="threshold__marker threshold__marker--export"
          style={{ left: trackLeft(sketch, inForce.threshold) }}
          title={`exports use ${fmtT(inForce.threshold)} (${THRESHOLD_SOURCE_WORD[inForce.source]})`}
          data-testid="threshold-export-marker"
          data-value={inForce.threshold}
        />
      </div>
      <div className="threshold__export" data-testid="threshold-export" data-value={inForce.threshold} data-source={inForce.source}>
        <span>
          Exports use p(bad) ≥ <b>{fmtT(inForce.threshold)}</b> <span className="muted">({THRESHOLD_SOURCE_WORD[inForce.source]})</span>
        </span>
        <ExportTally runId={scores.runId} threshold={inForce.threshold} sketch={sketch} />
        {!sameAsExport && (
          <button type="button" className="btn btn--small btn--primary" onClick={() => void store.getState().useThresholdForExport(draft)} data-testid="threshold-use-for-export" {...keepFocus}>
            Use {fmtT(draft)} for export
          </button>
        )}
        {exportUndo !== undefined && (
          <button
            type="button"
            className="btn btn--ghost btn--small"
            onClick={() => void store.getState().undoExportThreshold()}
            title={`Back to ${exportUndo.before === null ? "the run's own threshold" : fmtT(exportUndo.before)}`}
            data-testid="threshold-export-undo"
            {...keepFocus}
          >
            Undo
          </button>
        )}
        {scores.curator !== null && (
          <button type="button" className="btn btn--ghost btn--small" onClick={() => void store.getState().useThresholdForExport(null)} data-testid="threshold-export-reset" title="Let exports follow the run's recommended threshold" {...keepFocus}>
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
            error <b>{fmtPct(numbers.error)}</b> <span className="muted">≤ {fmtPct(errorUpper)} (one-sided 95%)</span>
          </span>
          <span className="muted" title="held-out images with labels behind coverage and error">
            held-out {fmtInt(numbers.heldoutFlagged)}/{fmtInt(numbers.heldoutSize)} · run {scores.runId}
          </span>
          {scores.curator !== null && <span className="muted">curator {fmtT(scores.curator)}</span>}
        </div>
      )}
      {thresholdDetails && <HeldoutHistogram threshold={draft} sketch={sketch} />}
      {thresholdDetails && numbers && <p className="threshold__guide muted small" data-testid="threshold-guide">{thresholdGuide(numbers, scores, libraryImages)}</p>}
    </div>
  );
}
