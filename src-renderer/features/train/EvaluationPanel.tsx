/**
 * The evaluation panel (FiftyOne's habit): the active run's confusion matrix at the browsed
 * threshold, over its out-of-fold images (the Review slider's set) beside every labelled image it
 * scores (what a cell opens in the gallery), each named; ROC and precision–recall curves of a run
 * with the threshold marked (the browsed one for the active run; for another run its own, and a
 * line naming the two runs the panel then shows); and any two runs side by side, with a warning
 * when their test splits differ.
 */
import { useEffect, useMemo, useState } from 'react';
import type { RunDetail, RunSummary } from '../../../src-shared/domain/ml';
import { formatPercent, leastFlaggedToProve } from '../../../src-shared/domain/threshold';
import { CurveChart } from '../../components/SvgCharts';
import { fmtInt, fmtNum, fmtPct, fmtT } from '../../components/format';
import { useApp, useAppStore, useClient } from '../../stores/app';
import { IN_FORCE_TITLE, RUN_COVERAGE_TITLE, runCoverage, runInForce, THRESHOLD_SOURCE_WORD } from '../../stores/training';
import { DEFAULT_FILTERS } from '../../stores/review';
import { badCurve, pointAt, prPoints, rocPoints, splitWarning } from './evaluation';

type Outcome = 'tp' | 'fp' | 'fn' | 'tn';

const CELL_TEXT: Record<Outcome, string> = {
  tp: 'labelled bad, flagged (right)',
  fp: 'labelled good, flagged (wrong)',
  fn: 'labelled bad, not flagged (missed)',
  tn: 'labelled good, not flagged (right)',
};

/**
 * Counts of the four outcomes over every labelled image the run scores (its training images and
 * test split included), as the gallery's outcome filter finds them: what a cell opens.
 */
function useGalleryConfusion(threshold: number, runId: number | null): Record<Outcome, number> | null {
  const client = useClient();
  const labelsVersion = useApp((s) => s.status?.labels);
  const [counts, setCounts] = useState<Record<Outcome, number> | null>(null);
  useEffect(() => {
    if (runId === null) return;
    let live = true;
    const outcomes: Outcome[] = ['tp', 'fp', 'fn', 'tn'];
    void Promise.all(outcomes.map((o) => client.call('review.page', { runId, outcome: o, predicted: 'all', threshold, offset: 0, limit: 1 }).then((r) => [o, r.total] as const)))
      .then((pairs) => {
        if (live) setCounts(Object.fromEntries(pairs) as Record<Outcome, number>);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [client, threshold, runId, labelsVersion]);
  return counts;
}

/**
 * The four outcomes over the run's out-of-fold images (runs.ts `outOfFoldSql`: held out, not the
 * test split), read from the Review slider's own sketch of the run: the images, and so the numbers,
 * behind the slider's coverage, error and 95% bound at the same threshold.
 */
function useOutOfFoldConfusion(threshold: number, runId: number | null): { counts: Record<Outcome, number>; exact: boolean } | null {
  const scores = useApp((s) => s.scores);
  if (runId === null || scores?.runId !== runId) return null;
  const { sketch } = scores;
  const at = sketch.at(threshold);
  const tp = at.tp ?? 0;
  const fp = at.fp ?? 0;
  const good = sketch.heldoutSize - sketch.positiveCount;
  return { counts: { tp, fp, fn: sketch.positiveCount - tp, tn: good - fp }, exact: sketch.exact(threshold) };
}

/**
 * The run the curves and thresholds show (`chartRunId`) and the threshold their markers sit at:
 * for the active run the one browsed on Review (the confusion's); for another run its own, the one
 * in force for it (what exports would use once it is active), else its recommendation, since the
 * browsed threshold is on the active run's scale, another scale. Null threshold: no marker.
 */
export function curvesThreshold(
  run: RunSummary | undefined,
  activeRunId: number | null,
  browsed: number,
): { threshold: number | null; own: boolean; source: keyof typeof THRESHOLD_SOURCE_WORD | null } {
  if (!run || run.run_id === activeRunId) return { threshold: browsed, own: false, source: null };
  const inForce = runInForce(run, null);
  if (inForce) return { threshold: inForce.threshold, own: true, source: inForce.source };
  const rec = run.recommended_threshold.bad;
  return { threshold: rec, own: true, source: rec !== null ? 'recommended' : null };
}

function ConfusionMatrix({ otherRun }: { otherRun: number | null }) {
  const store = useAppStore();
  const threshold = useApp((s) => s.threshold);
  const runId = useApp((s) => s.activeRunId);
  const gallery = useGalleryConfusion(threshold, runId);
  const oof = useOutOfFoldConfusion(threshold, runId);
  if (runId === null) return null;
  const open = (outcome: Outcome) => {
    const s = store.getState();
    // Exactly the images the cell's gallery count counts: no taxon, label, origin or import filter
    // left from before (the curator's sort stays).
    const { sort, order } = s.views.review.filters;
    s.setFilters('review', { ...DEFAULT_FILTERS.review, source: '', sort, order, outcome, predicted: 'all' });
    s.setScreen('review');
  };
  const approx = oof && !oof.exact ? '≈' : '';
  const cell = (o: Outcome) => (
    <td>
      <strong data-testid={`confusion-oof-${o}`} data-value={oof?.counts[o] ?? ''} title={`${CELL_TEXT[o]}: out-of-fold images, as the Review slider counts them`}>
        {oof ? `${approx}${fmtInt(oof.counts[o])}` : '…'}
      </strong>{' '}
      <button
        type="button"
        className={`btn btn--small btn--ghost${o === 'fp' || o === 'fn' ? ' btn--bad' : ''}`}
        onClick={() => open(o)}
        data-testid={`confusion-${o}`}
        data-value={gallery?.[o] ?? ''}
        aria-label={`${CELL_TEXT[o]}, all scored: ${gallery ? fmtInt(gallery[o]) : '…'}; open them in Review`}
        title={`Open the ${CELL_TEXT[o]} images in the gallery: every labelled image the run scores, training and test images included`}
      >
        all scored: {gallery ? fmtInt(gallery[o]) : '…'}
      </button>
    </td>
  );
  const sum = (c: Record<Outcome, number>) => c.tp + c.fp + c.fn + c.tn;
  return (
    <div data-testid="confusion" data-threshold={threshold} data-run={runId}>
      <h4 data-testid="confusion-title">
        Confusion, run {runId}
        {otherRun !== null && ' (the active run)'} at p(bad) ≥ {fmtT(threshold)}
        {otherRun !== null && ", Review's threshold"}
      </h4>
      <table className="confusion">
        <thead>
          <tr>
            <th>
              <span className="sr-only">label</span>
            </th>
            <th>flagged bad</th>
            <th>not flagged</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th>labelled bad</th>
            {cell('tp')}
            {cell('fn')}
          </tr>
          <tr>
            <th>labelled good</th>
            {cell('fp')}
            {cell('tn')}
          </tr>
        </tbody>
      </table>
      <p className="muted small" data-testid="confusion-sets">
        Bold: the {oof ? fmtInt(sum(oof.counts)) : '…'} out-of-fold images (labelled, scored by a model that did not train on them, not the test split), the images the Review slider&apos;s
        coverage and error count{approx && ' (at the slider step nearest above this threshold, as the slider shows it)'}. All scored: the {gallery ? fmtInt(sum(gallery)) : '…'} labelled
        images the run scores, its training and test images included; click one to see those images in the gallery. The threshold is the one on Review.
      </p>
    </div>
  );
}

function Curves({ detail, threshold, own }: { detail: RunDetail; threshold: number | null; own: string | null }) {
  const test = badCurve(detail, 'test');
  const which = rocPoints(test).length ? 'test' : 'oof';
  const curve = badCurve(detail, which);
  const roc = rocPoints(curve);
  const pr = prPoints(curve);
  const rocAt = threshold !== null ? pointAt(roc, threshold) : null;
  const prAt = threshold !== null ? pointAt(pr, threshold) : null;
  const at = `p ≥ ${fmtT(threshold)}${own ? ` (${own})` : ''}`;
  const where = which === 'test' ? 'test split' : 'out-of-fold';
  // The AUC of the curve drawn: the out-of-fold one when the test split lacks a class.
  const auc = which === 'test' ? detail.metrics?.test_auc : detail.metrics?.oof_auc;
  return (
    <>
      <CurveChart
        title={`ROC, run ${detail.run_id} (${where})`}
        series={[{ label: `AUC ${fmtNum(auc)}`, color: '#6aa7ff', points: roc }]}
        xLabel="false-positive rate"
        yLabel="true-positive rate"
        marker={rocAt && { x: rocAt.x, y: rocAt.y, label: at }}
        testId="roc-chart"
        diagonal
      />
      <CurveChart
        title={`Precision–recall (${where})`}
        series={[{ label: 'bad', color: '#e5534b', points: pr }]}
        xLabel="recall (coverage of bad)"
        yLabel="precision"
        marker={prAt && { x: prAt.x, y: prAt.y, label: `${at}: precision ${fmtPct(prAt.y)}, recall ${fmtPct(prAt.x)}` }}
        testId="pr-chart"
      />
    </>
  );
}

/** Where the threshold exports use comes from, in words (its source as `qc runs` names it, then why). */
function inForceWhy(source: keyof typeof THRESHOLD_SOURCE_WORD, threshold: number, run: RunSummary): string {
  const word = THRESHOLD_SOURCE_WORD[source];
  switch (source) {
    case 'curator':
      return `${word}: the threshold chosen for export (Use for export, qc threshold)${run.recommended_threshold.bad !== null ? `; the run recommends ${fmtT(run.recommended_threshold.bad)}` : '; the run recommends none'}`;
    case 'recommended':
      return `${word}: the proven threshold above`;
    case 'best-bound': {
      // Its figures, as qc run's note gives them ('the best provable is ≤ X% at …, coverage Y%').
      const best = run.thresholds?.bad.best_bound;
      const figures = best && best.threshold === threshold ? `: ${fmtInt(best.flagged)} flagged out of fold, at most ${fmtPct(best.error_upper)} with 95% confidence; coverage ${fmtPct(best.coverage)}` : '';
      return `${word}: the run proves no threshold, so exports use the one with the lowest provable error${figures}`;
    }
    default:
      return word;
  }
}

/**
 * The two ways to pick a threshold, side by side: proven (its error bound at 95% confidence stays
 * under the target) and the point estimate (the observed error is under the target, with its error
 * bar). Either can be browsed on Review or made the threshold exports use.
 */
function ThresholdChoices({ run }: { run: RunSummary }) {
  const store = useAppStore();
  const scoresRunId = useApp((s) => s.scores?.runId ?? null);
  const scoresInForce = useApp((s) => s.scores?.inForce ?? null);
  const t = run.thresholds?.bad;
  if (!t) return null;
  const inForce = runInForce(run, scoresRunId !== null && scoresInForce ? { runId: scoresRunId, inForce: scoresInForce } : null);
  const target = formatPercent(t.target_error);
  const proven = t.threshold !== null && t.chosen_on ? t.chosen_on : null;
  const est = t.estimate ?? null;
  const use = (value: number) => void store.getState().useThresholdForExport(value);
  const browse = (value: number) => {
    store.getState().moveThreshold(value);
    void store.getState().commitThreshold();
    store.getState().setScreen('review');
  };
  const row = (kind: string, testId: string, value: number | null, what: string) => (
    <tr data-testid={testId} data-value={value ?? ''}>
      <th scope="row">{kind}</th>
      <td className="num">{fmtT(value)}</td>
      <td className="small">{what}</td>
      <td>
        {value !== null && run.active && (
          <>
            <button type="button" className="btn btn--small btn--ghost" onClick={() => browse(value)} aria-label={`Browse the ${kind} threshold ${fmtT(value)} on Review`}>
              Browse
            </button>{' '}
            <button type="button" className="btn btn--small" onClick={() => use(value)} data-testid={`${testId}-use`} aria-label={`Use for export: the ${kind} threshold ${fmtT(value)}`}>
              Use for export
            </button>
          </>
        )}
      </td>
    </tr>
  );
  return (
    <div data-testid="threshold-choices">
      <h4>Thresholds of run {run.run_id} (target error {target})</h4>
      <table className="table table--compact">
        <tbody>
          {row(
            'proven',
            'threshold-proven',
            proven?.threshold ?? null,
            proven
              ? `${fmtInt(proven.flagged)} flagged out of fold, error ${fmtPct(proven.error)}, at most ${fmtPct(proven.error_upper)} with 95% confidence; coverage ${fmtPct(proven.coverage)}`
              : `none proves ≤ ${target} yet: that needs ≥ ${leastFlaggedToProve(t.target_error)} flagged held-out images without a mistake`,
          )}
          {row(
            'point estimate',
            'threshold-estimate',
            est?.threshold ?? null,
            est
              ? `observed error ${fmtPct(est.error)} (95% interval ${fmtPct(est.errorInterval[0])}–${fmtPct(est.errorInterval[1])}) on ${fmtInt(est.flagged)} flagged; coverage ${fmtPct(est.coverage)}`
              : t.estimate === undefined
                ? 'not computed for this run'
                : `no threshold has an observed error ≤ ${target}`,
          )}
          {inForce && (
            <tr data-testid="threshold-in-force" data-value={inForce.threshold} data-source={inForce.source}>
              {/* Exports use the active run: for another one, what they would use once it is (qc run's words). */}
              <th scope="row" title={IN_FORCE_TITLE}>
                {run.active ? 'exports use' : 'once active, exports would use'}
              </th>
              <td className="num">{fmtT(inForce.threshold)}</td>
              <td className="small">{inForceWhy(inForce.source, inForce.threshold, run)}</td>
              <td />
            </tr>
          )}
        </tbody>
      </table>
      {!run.active && (
        <p className="muted small" data-testid="threshold-choices-inactive">
          {/* An archived run is offered no Make active (the core refuses it): restore it first. */}
          {run.archived ? `Restore run ${run.run_id}, then make it active, to use one of its thresholds.` : 'Make this run active to use one of its thresholds.'}
        </p>
      )}
    </div>
  );
}

function CompareRuns({ runs }: { runs: RunSummary[] }) {
  const store = useAppStore();
  const details = useApp((s) => s.runDetails);
  const done = runs.filter((r) => r.status === 'done');
  const active = useApp((s) => s.activeRunId);
  const [a, setA] = useState<number | null>(null);
  const [b, setB] = useState<number | null>(null);
  // A run picked here that has left the list (archived while archived runs are hidden) gives way to
  // the defaults: the comparison and its pickers stay, instead of the card going with no way back.
  const listed = (id: number | null) => (id !== null && done.some((r) => r.run_id === id) ? id : null);
  // Never a run against itself: the second picker never takes the first's run, so a fallback (the
  // first run picked was archived) moves it to another run instead of comparing a run with itself.
  const left = listed(a) ?? listed(active) ?? done.at(-2)?.run_id ?? null;
  const picked = listed(b);
  const right = (picked !== left ? picked : null) ?? done.filter((r) => r.run_id !== left).at(-1)?.run_id ?? null;
  useEffect(() => {
    for (const id of [left, right]) if (id !== null && !store.getState().runDetails[id]) void store.getState().loadRunDetail(id);
  }, [left, right, store]);
  if (done.length < 2 || left === null || right === null) return <p className="muted small">Train a second run to compare two side by side.</p>;
  const ra = done.find((r) => r.run_id === left);
  const rb = done.find((r) => r.run_id === right);
  if (!ra || !rb) return null;
  const warning = splitWarning(ra, rb);
  const rows: [string, (r: RunSummary) => string][] = [
    ['test AUC', (r) => fmtNum(r.metrics?.test_auc)],
    ['out-of-fold AUC', (r) => fmtNum(r.metrics?.oof_auc)],
    ['test accuracy', (r) => fmtPct(r.metrics?.test_accuracy)],
    ['recommended p(bad) threshold', (r) => fmtT(r.recommended_threshold.bad)],
    ['out-of-fold coverage of bad there, at training', (r) => fmtPct(runCoverage(r))],
    ['test images (bad/good)', (r) => (r.snapshot ? `${r.snapshot.test.bad}/${r.snapshot.test.good}` : '–')],
    ['model', (r) => `${r.params.features.join('+')} · ${r.params.hidden ? `MLP ${r.params.hidden}` : 'linear'}`],
  ];
  // Each picker offers every finished run but the one the other picker shows.
  const select = (value: number, other: number, set: (v: number) => void, testId: string, name: string) => (
    <select className="select" value={value} onChange={(e) => set(Number(e.target.value))} data-testid={testId} aria-label={name}>
      {done.filter((r) => r.run_id !== other).map((r) => (
        <option key={r.run_id} value={r.run_id}>
          run {r.run_id}
          {r.run_id === active ? ' (active)' : ''}
        </option>
      ))}
    </select>
  );
  // Each run's ROC as its own curves show it: on its test split, else (a class missing there) out of fold.
  const roc = (d: RunDetail | undefined) => {
    if (!d) return null;
    const test = rocPoints(badCurve(d, 'test'));
    return test.length ? { points: test, oof: false } : { points: rocPoints(badCurve(d, 'oof')), oof: true };
  };
  const rocA = roc(details[left]);
  const rocB = roc(details[right]);
  return (
    <div className="compare" data-testid="run-compare-any" data-left={left} data-right={right}>
      <h4>
        Compare {select(left, right, setA, 'compare-left', 'First run to compare')} with {select(right, left, setB, 'compare-right', 'Second run to compare')}
      </h4>
      {warning && (
        <p className="warning small" data-testid="compare-warning">
          ⚠ {warning}
        </p>
      )}
      <div className="eval">
        <table className="table table--compact">
          <thead>
            <tr>
              <th>
                <span className="sr-only">metric</span>
              </th>
              <th className="num">run {left}</th>
              <th className="num">run {right}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([name, f]) => (
              <tr key={name} data-testid={`compare-row-${name}`}>
                <td title={name === 'out-of-fold coverage of bad there, at training' ? RUN_COVERAGE_TITLE : undefined}>{name}</td>
                <td className="num">{f(ra)}</td>
                <td className="num">{f(rb)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {rocA && rocB && (
          <CurveChart
            title={rocA.oof || rocB.oof ? "ROC on each run's test split, or out of fold where its test split lacks a class" : "ROC on each run's test split"}
            series={[
              { label: `run ${left}${rocA.oof ? ' (out of fold)' : ''}`, color: '#6aa7ff', points: rocA.points },
              { label: `run ${right}${rocB.oof ? ' (out of fold)' : ''}`, color: '#f0b429', points: rocB.points, dash: '5 3' },
            ]}
            xLabel="false-positive rate"
            yLabel="true-positive rate"
            testId="compare-roc"
            diagonal
          />
        )}
      </div>
    </div>
  );
}

export function EvaluationPanel() {
  const store = useAppStore();
  const runs = useApp((s) => s.runs);
  const chartRunId = useApp((s) => s.chartRunId);
  const detail = useApp((s) => (s.chartRunId !== null ? s.runDetails[s.chartRunId] : undefined));
  const threshold = useApp((s) => s.threshold);
  const activeRunId = useApp((s) => s.activeRunId);
  useEffect(() => {
    if (chartRunId !== null && !store.getState().runDetails[chartRunId]) void store.getState().loadRunDetail(chartRunId);
  }, [chartRunId, store]);
  const hasDone = useMemo(() => runs.some((r) => r.status === 'done'), [runs]);
  if (!hasDone) return null;
  const shown = detail ? (runs.find((r) => r.run_id === detail.run_id) ?? detail) : undefined;
  // The curves show a run other than the active one (a retrain that did not become active): the
  // confusion stays the active run's at Review's threshold (its cells open Review, which shows the
  // active run); the curves' marker goes to that run's own threshold, and both halves are named.
  const other = shown && activeRunId !== null && shown.run_id !== activeRunId ? shown : null;
  const marker = curvesThreshold(shown, activeRunId, threshold);
  const ownWord = marker.own ? `run ${shown!.run_id}'s own${marker.source ? `, ${THRESHOLD_SOURCE_WORD[marker.source]}` : ''}` : null;
  return (
    <div className="card" data-testid="evaluation-panel">
      <h3>Evaluation</h3>
      {other && (
        <p className="muted small" data-testid="evaluation-two-runs" data-confusion-run={activeRunId ?? ''} data-curves-run={other.run_id}>
          Two runs here: the confusion is run {activeRunId}&apos;s, the active run, at the threshold browsed on Review; the curves and thresholds are run {other.run_id}&apos;s, which is not
          active,{' '}
          {marker.threshold !== null
            ? `marked at its own threshold ${fmtT(marker.threshold)} (${marker.source ? THRESHOLD_SOURCE_WORD[marker.source] : 'its own'}, the one exports would use once it is active): another run's scores are on another scale.`
            : 'with no threshold of its own to mark.'}
        </p>
      )}
      <div className="eval">
        <ConfusionMatrix otherRun={other?.run_id ?? null} />
        {detail?.evaluation && <Curves detail={detail} threshold={marker.threshold} own={ownWord} />}
      </div>
      {shown && <ThresholdChoices run={shown} />}
      <CompareRuns runs={runs} />
    </div>
  );
}
