import { useLayoutEffect, useReducer, useRef, type MouseEvent } from 'react';
import type { RunSummary, ThresholdInForce } from '../../../src-shared/domain/ml';
import { useApp, useAppStore } from '../../stores/app';
import { IN_FORCE_TITLE, previousDoneRun, RUN_COVERAGE_TITLE, runCoverage, runDeltas, runInForce, THRESHOLD_SOURCE_WORD, type RunDeltas } from '../../stores/training';
import { deltaClass, fmtDate, fmtDelta, fmtNum, fmtPct, fmtSeconds, fmtT, runEngines } from '../../components/format';
import { focusLost, placingFocus } from './focus';
import { countOf } from '../../../src-shared/domain/words';

/** A small parameter short (`1.5e-3`), with every digit it was given: read back it is the run's value (one digit made l2 0.0015 `2e-3`). */
function compact(x: number): string {
  const v = Number(x.toPrecision(12)); // no float noise (3.0000000000000003e-4)
  return v !== 0 && Math.abs(v) < 0.01 ? v.toExponential() : String(v);
}

const FEATURE_SHORT: Record<string, string> = { whole: 'W', crops: 'C', signals: 'S', defects: 'D' };

/** The model in a few characters (`W+C+S · MLP 64`); the whole recipe is in the cell's title. */
function modelShort(r: RunSummary): string {
  return `${r.params.features.map((f) => FEATURE_SHORT[f] ?? f).join('+')} · ${r.params.hidden ? `MLP ${r.params.hidden}` : 'linear'}`;
}

function head(r: RunSummary): string {
  const p = r.params;
  return `${p.hidden ? `MLP ${p.hidden}` : 'linear'} · do ${compact(p.dropout)} · l2 ${compact(p.l2)} · lr ${compact(p.learningRate)} · ${p.epochs} ep · bs ${p.batchSize}${p.classWeighting ? ' · cw' : ''}`;
}

/** `MM-DD HH:MM` (the year is rarely what tells two runs apart). */
function shortDate(iso: string): string {
  const full = fmtDate(iso);
  return /^\d{4}-/.test(full) ? full.slice(5) : full;
}

function tally(t: { good: number; bad: number }): string {
  return `${t.bad}/${t.good}`;
}

/**
 * Parts joined by " · ", each kept on one line: a runs-table cell that wraps (to fit 1280 px) breaks
 * between them, never inside "119/86" or "12-07 17:46".
 */
function Segments({ parts }: { parts: readonly string[] }) {
  return (
    <>
      {parts.map((p, i) => (
        <span key={i}>
          {i > 0 ? ' · ' : ''}
          <span className="nowrap">{p}</span>
        </span>
      ))}
    </>
  );
}

/** The threshold in force of the run Review shows, as the slider has it (what `runInForce` prefers); selected field by field, each a stable value. */
function useScoresInForce(): { runId: number; inForce: ThresholdInForce } | null {
  const runId = useApp((s) => s.scores?.runId ?? null);
  const inForce = useApp((s) => s.scores?.inForce ?? null);
  return runId !== null && inForce ? { runId, inForce } : null;
}

/** A threshold in force with where it comes from (`0.42 curator`), – when none applies. */
export function InForce({ value, testId }: { value: ThresholdInForce | null; testId?: string }) {
  if (!value) return <span data-testid={testId}>–</span>;
  return (
    <span data-testid={testId} data-value={value.threshold} data-source={value.source}>
      {fmtT(value.threshold)} <span className="muted small nowrap">{THRESHOLD_SOURCE_WORD[value.source]}</span>
    </span>
  );
}

/** The snapshot's title: its synthetic copies and the labels noise-robust training left out. */
function snapshotTitle(r: RunSummary): string | undefined {
  const parts: string[] = [];
  const syn = r.snapshot?.synthetic;
  if (syn) parts.push(`plus ${syn.bad} distorted and ${syn.good} benign synthetic copies, training only${syn.good_left_out ? ` (${syn.good_left_out} benign ones left out of the final fit with their pruned originals)` : ''}`);
  // Not "Label issues lists them": Label issues ranks labels in a repeated pass of its own, and its list differs (concepts audit 3).
  if (r.pruned) parts.push(`${countOf(r.pruned, 'label')} left out of the final fit as probably wrong by its first out-of-fold pass (noise-robust training; qc run ${r.run_id} lists them); Label issues ranks labels in a repeated pass of its own, so its list can differ`);
  return parts.length ? parts.join('; ') : undefined;
}

function Deltas({ d, id }: { d: RunDeltas | null; id: number }) {
  if (!d) return <span className="muted">–</span>;
  return (
    <span className="deltas">
      <span className={deltaClass(d.accuracy)} data-testid={`run-delta-acc-${id}`} title="Δ test accuracy">
        acc {fmtDelta(d.accuracy, { pct: true })}
      </span>
      <span className={deltaClass(d.auc)} data-testid={`run-delta-auc-${id}`} title="Δ test AUC">
        AUC {fmtDelta(d.auc)}
      </span>
      <span className={deltaClass(d.coverage)} data-testid={`run-delta-coverage-${id}`} title="Δ out-of-fold coverage of bad at the recommended threshold, each when its run trained">
        cov {fmtDelta(d.coverage, { pct: true })}
      </span>
    </span>
  );
}

/** Every training attempt side by side, newest first, with the change against the run before. */
export function RunsTable() {
  const store = useAppStore();
  const runs = useApp((s) => s.runs);
  const chartRunId = useApp((s) => s.chartRunId);
  const loaded = useApp((s) => s.runsLoaded);
  const showArchived = useApp((s) => s.showArchived);
  const scoresInForce = useScoresInForce();
  const rows = [...runs].reverse();
  // After Archive, Restore or Make active the button that acted goes or changes: focus moves to the
  // run's own control (its id), else, when its row left the table, the row that took its place.
  const showButtons = useRef(new Map<number, HTMLButtonElement>());
  const archivedToggle = useRef<HTMLInputElement>(null);
  const empty = useRef<HTMLParagraphElement>(null);
  const pendingFocus = useRef<{ runId: number; order: number[]; from: Element } | null>(null);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useLayoutEffect(() => {
    const want = pendingFocus.current;
    if (!want) return;
    pendingFocus.current = null;
    if (!focusLost(want.from)) return; // the curator has moved on meanwhile
    const at = want.order.indexOf(want.runId);
    const candidates = [want.runId, ...want.order.slice(at + 1), ...want.order.slice(0, at).reverse()];
    const target = candidates.map((id) => showButtons.current.get(id)).find((b) => b?.isConnected) ?? archivedToggle.current ?? empty.current;
    target?.focus();
  });
  // The runs whose Archive, Restore or Make active is under way: a second press acts no more (it sent
  // the call again, and a second toast), and the button says it is busy (aria-disabled keeps focus).
  const busy = useRef(new Set<number>());
  const act = (e: MouseEvent<HTMLButtonElement>, runId: number, action: () => Promise<void>) => {
    e.stopPropagation();
    if (busy.current.has(runId)) return;
    busy.current.add(runId);
    rerender();
    const from = e.currentTarget;
    const order = rows.map((r) => r.run_id);
    void placingFocus(from, action)
      .finally(() => busy.current.delete(runId))
      .then(() => {
        pendingFocus.current = { runId, order, from };
        rerender();
      });
  };
  // Until the runs have loaded, no table (an empty one would read as no runs; Train waits for them too).
  if (!loaded)
    return (
      <p className="muted" data-testid="runs-loading">
        Loading the runs…
      </p>
    );
  if (!runs.length)
    return (
      <p className="muted" data-testid="runs-empty" tabIndex={-1} ref={empty}>
        No runs yet. Train one above.
      </p>
    );
  return (
    <div className="table-wrap">
      <label className="small muted runs-archived-toggle">
        <input type="checkbox" ref={archivedToggle} checked={showArchived} onChange={(e) => void store.getState().setShowArchived(e.target.checked)} data-testid="runs-show-archived" /> Show archived runs
      </label>
      <table className="table table--runs" data-testid="runs-table">
        <thead>
          <tr>
            <th>run</th>
            <th>status</th>
            <th title="features (W whole, C crops, S signals, D defects) and head; hover for the full recipe">model</th>
            <th className="num">test acc</th>
            <th className="num">AUC</th>
            <th className="num" title="The p(bad) threshold the run recommends: the lowest whose error provably stays under the target (– when none does)">
              recommended
            </th>
            <th className="num" title={IN_FORCE_TITLE} data-testid="runs-in-force-header">
              in force
            </th>
            <th className="num" title={RUN_COVERAGE_TITLE} data-testid="runs-coverage-header">
              coverage <br />
              at training
            </th>
            <th title="bad/good images in train · validation · test, and the labels noise-robust training left out">snapshot (bad/good)</th>
            <th title="training time and when; hover for the backend">time</th>
            <th>Δ vs previous run</th>
            <th>
              <span className="sr-only">actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const prev = r.status === 'done' ? previousDoneRun(runs, r.run_id) : null;
            const d = prev ? runDeltas(r, prev) : null;
            const failedWhy = r.status === 'failed' && r.error ? r.error : null;
            return (
              <tr
                key={r.run_id}
                className={`${r.active ? 'row--active' : ''}${chartRunId === r.run_id ? ' row--shown' : ''}`}
                data-testid={`run-row-${r.run_id}`}
                data-status={r.status}
                data-active={r.active ? 'true' : 'false'}
                onClick={() => store.getState().showRun(r.run_id)}
                title="Show this run's curves"
              >
                <td className="runs__id">
                  {/* The keyboard's way to pick the run whose curves and thresholds are shown (the row takes a click). */}
                  <button
                    type="button"
                    className="btn btn--small btn--ghost"
                    aria-pressed={chartRunId === r.run_id}
                    aria-label={`Show run ${r.run_id}'s curves and thresholds`}
                    onClick={(e) => {
                      e.stopPropagation();
                      store.getState().showRun(r.run_id);
                    }}
                    data-testid={`run-show-${r.run_id}`}
                    ref={(el) => {
                      if (el) showButtons.current.set(r.run_id, el);
                      else showButtons.current.delete(r.run_id);
                    }}
                    title="Show this run's curves and thresholds"
                  >
                    <b>{r.run_id}</b>
                  </button>{' '}
                  {r.active ? (
                    <span className="chip chip--good">active</span>
                  ) : (
                    // An archived run cannot be the active one (the core refuses it): restore it first.
                    r.status === 'done' &&
                    !r.archived && (
                      <button
                        type="button"
                        className="btn btn--small"
                        onClick={(e) => act(e, r.run_id, () => store.getState().makeActive(r.run_id))}
                        data-testid={`run-activate-${r.run_id}`}
                        aria-disabled={busy.current.has(r.run_id) || undefined}
                        aria-label={`Make active: run ${r.run_id}`}
                        title="Use this run for the gallery, the slider and exports"
                      >
                        Make active
                      </button>
                    )
                  )}
                </td>
                <td className="runs__wrap">
                  {/* A failed run's error in the row (qc run prints it): a tooltip alone reaches neither the keyboard nor a screen reader. */}
                  <span className={`status status--${r.status}`} title={r.error ?? undefined} aria-describedby={failedWhy ? `run-error-${r.run_id}` : undefined}>
                    {r.status}
                  </span>
                  {r.status === 'done' && r.fit && r.fit.verdict !== 'unknown' && (
                    <span className={`chip chip--fit chip--${r.fit.verdict.replace(' ', '-')}`} title={r.fit.reason} data-testid={`run-fit-${r.run_id}`} data-verdict={r.fit.verdict}>
                      {r.fit.verdict}
                    </span>
                  )}
                  {r.archived && <span className="chip">archived</span>}
                  {failedWhy && (
                    <div className="small muted" id={`run-error-${r.run_id}`} data-testid={`run-error-${r.run_id}`}>
                      {failedWhy}
                    </div>
                  )}
                </td>
                <td className="small runs__wrap" title={`${r.params.features.join(' + ')} · ${head(r)}`}>
                  <Segments parts={modelShort(r).split(' · ')} />
                </td>
                <td className="num" data-testid={`run-acc-${r.run_id}`}>
                  {fmtPct(r.metrics?.test_accuracy)}
                </td>
                <td className="num">{fmtNum(r.metrics?.test_auc)}</td>
                <td className="num" data-testid={`run-recommended-${r.run_id}`}>
                  {fmtT(r.recommended_threshold.bad)}
                </td>
                <td className="num runs__wrap">
                  <InForce value={runInForce(r, scoresInForce)} testId={`run-in-force-${r.run_id}`} />
                </td>
                <td className="num" data-testid={`run-coverage-${r.run_id}`}>
                  {fmtPct(runCoverage(r))}
                </td>
                <td className="small runs__wrap" title={snapshotTitle(r)} data-testid={`run-snapshot-${r.run_id}`} data-pruned={r.pruned ?? ''}>
                  {r.snapshot ? <Segments parts={[tally(r.snapshot.train), tally(r.snapshot.validation), tally(r.snapshot.test)]} /> : '–'}
                  {r.snapshot?.synthetic ? (
                    <>
                      {' '}
                      <span className="nowrap">{`(+${r.snapshot.synthetic.bad}/${r.snapshot.synthetic.good} synthetic)`}</span>
                    </>
                  ) : (
                    ''
                  )}
                  {r.pruned ? (
                    <>
                      {' · '}
                      <span className="nowrap">{`${r.pruned} left out`}</span>
                    </>
                  ) : (
                    ''
                  )}
                </td>
                <td className="small runs__wrap" title={`${fmtDate(r.created_at)} · ${runEngines(r)}`}>
                  <Segments parts={[fmtSeconds(r.seconds), shortDate(r.created_at)]} />
                </td>
                <td>
                  <Deltas d={d} id={r.run_id} />
                </td>
                <td>
                  {r.status !== 'running' && !r.active && (
                    <button
                      type="button"
                      className="btn btn--small btn--ghost"
                      onClick={(e) => act(e, r.run_id, () => store.getState().archiveRun(r.run_id, !r.archived))}
                      data-testid={`run-archive-${r.run_id}`}
                      aria-disabled={busy.current.has(r.run_id) || undefined}
                      aria-label={`${r.archived ? 'Restore' : 'Archive'} run ${r.run_id}`}
                      title={r.archived ? 'Show it in the runs table again (an archived run cannot be made active: restore it first)' : 'Hide it from the runs table (never deleted)'}
                    >
                      {r.archived ? 'Restore' : 'Archive'}
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** A retrain next to the run before it: the metrics and their change. */
export function RunCompare() {
  const runs = useApp((s) => s.runs);
  const comparison = useApp((s) => s.comparison);
  const scoresInForce = useScoresInForce();
  const done = runs.filter((r) => r.status === 'done');
  // Without a retrain in this page (a reload, another window's): the newest run next to the run that
  // was active when it finished, as the core recorded it (else the finished run before it).
  const newest = done[done.length - 1];
  const recorded = newest?.compared_with != null ? done.find((r) => r.run_id === newest.compared_with && r.run_id !== newest.run_id) : undefined;
  const pair = comparison ?? (newest && (recorded ?? done[done.length - 2]) ? { current: newest.run_id, previous: (recorded ?? done[done.length - 2])!.run_id } : null);
  if (!pair) return null;
  const cur = runs.find((r) => r.run_id === pair.current);
  const prev = runs.find((r) => r.run_id === pair.previous);
  if (!cur || !prev) return null;
  const d = runDeltas(cur, prev);
  const rows: [string, string, string, number | null, string, string][] = [
    ['test accuracy', fmtPct(prev.metrics?.test_accuracy), fmtPct(cur.metrics?.test_accuracy), d.accuracy, fmtDelta(d.accuracy, { pct: true }), 'accuracy'],
    ['test AUC', fmtNum(prev.metrics?.test_auc), fmtNum(cur.metrics?.test_auc), d.auc, fmtDelta(d.auc), 'auc'],
    ['coverage of bad (out of fold, at training)', fmtPct(runCoverage(prev)), fmtPct(runCoverage(cur)), d.coverage, fmtDelta(d.coverage, { pct: true }), 'coverage'],
  ];
  return (
    <div className="compare" data-testid="run-compare" data-current={cur.run_id} data-previous={prev.run_id}>
      <h3>
        Run {cur.run_id} vs run {prev.run_id}
      </h3>
      <table className="table table--compact">
        <thead>
          <tr>
            <th>
              <span className="sr-only">metric</span>
            </th>
            <th className="num">run {prev.run_id}</th>
            <th className="num">run {cur.run_id}</th>
            <th className="num">Δ</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([name, a, b, delta, text, key]) => (
            <tr key={name}>
              <td title={key === 'coverage' ? RUN_COVERAGE_TITLE : undefined}>{name}</td>
              <td className="num">{a}</td>
              <td className="num">{b}</td>
              <td className={`num ${deltaClass(delta)}`} data-testid={`compare-delta-${key}`} data-value={delta ?? ''}>
                {text}
              </td>
            </tr>
          ))}
          <tr>
            <td>recommended bad threshold</td>
            <td className="num">{fmtT(prev.recommended_threshold.bad)}</td>
            <td className="num">{fmtT(cur.recommended_threshold.bad)}</td>
            <td />
          </tr>
          <tr>
            <td title={IN_FORCE_TITLE}>in force (exports use the active run's)</td>
            <td className="num">
              <InForce value={runInForce(prev, scoresInForce)} testId="compare-in-force-previous" />
            </td>
            <td className="num">
              <InForce value={runInForce(cur, scoresInForce)} testId="compare-in-force-current" />
            </td>
            <td />
          </tr>
        </tbody>
      </table>
    </div>
  );
}
