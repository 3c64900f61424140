/** Human-readable output of the ML commands. */
import { issueWhy } from '../../src-shared/domain/labelIssue';
import type { ClassifySummary, EmbedSummary, ExportSummary, LabelIssue, RunDetail, RunSummary, ThresholdSource } from '../../src-shared/domain/ml';
import { formatProbability, formatThreshold } from '../../src-shared/domain/threshold';

const pct = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? '—' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null | undefined, digits = 3) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(digits));
/** A threshold as the app and every qc command write it (formatThreshold: 0.999984, 0.512345, 0.9686275; not 1.000 or 0.512): typed back into `--threshold` or `qc threshold` it flags the same images. */
const thr = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? '—' : formatThreshold(x));

/** Where the threshold in force comes from, in the few words `qc runs` has room for. */
const SOURCE_WORD: Record<ThresholdSource, string> = { argument: 'given', curator: 'curator', recommended: 'recommended', 'best-bound': 'best bound', default: 'default' };

/**
 * The line of `qc run` that says what `qc export` and `qc classify` apply to the run (runs.ts
 * `thresholdInForce`) and why; none for a run that is not finished (nothing applies it). Exports
 * use the active run: for another run the line says what they would use once it is active.
 */
function inForceLine(r: RunSummary): string | null {
  const f = r.in_force;
  if (!f) return null;
  const recommended = r.recommended_threshold.bad;
  const why =
    f.source === 'curator'
      ? `curator's; ${recommended === null ? 'the run recommends none' : `recommended ${thr(recommended)}`}`
      : f.source === 'recommended'
        ? 'recommended'
        : f.source === 'best-bound'
          ? 'the best bound: no threshold proves the target error'
          : f.source === 'default'
            ? 'the default: the run recommends none'
            : SOURCE_WORD[f.source];
  return `  ${r.active ? 'exports use' : 'once active, exports would use'} p(bad) ≥ ${thr(f.threshold)} (${why})`;
}

/**
 * `qc demo`'s text after the import's line: the run, or why there is none. A load cancelled part
 * way is finished by `qc demo` again (the Library screen offers the same); `qc train` would train
 * on the part loaded and leave the demo unfinished.
 */
export function formatDemo(r: { import: { cancelled: boolean }; run: RunSummary | null }, importLine: string): string {
  const again = 'cancelled: run qc demo again to finish loading the demo';
  if (r.import.cancelled) return [importLine, again].join('\n');
  if (!r.run) return [importLine, 'not trained (qc train)'].join('\n');
  return [importLine, formatRun(r.run), ...(r.run.status === 'cancelled' ? [again] : [])].join('\n');
}

export function formatEmbed(s: EmbedSummary): string {
  return `Embedded ${s.embedded} of ${s.images} images (${s.cached} already cached, ${s.failed} failed) in ${s.seconds.toFixed(1)} s, ${s.images_per_second} images/s; backbone ${s.backbone} on ${s.provider_note ?? s.provider}; features ${s.features.join(', ')}`;
}

export function formatRun(r: RunSummary | RunDetail): string {
  const p = r.params;
  const lines = [
    `Run ${r.run_id} (${r.status}${r.active ? ', active' : ''}${r.archived ? ', archived' : ''}) ${r.created_at}: ${p.features.join('+')}, ${p.hidden ? `MLP ${p.hidden}` : 'linear'}, ${p.epochs} epochs; ${r.backend ?? '?'} backend, backbone on ${r.provider ?? '?'}, ${num(r.seconds, 1)} s`,
  ];
  if (r.error) lines.push(`  error: ${r.error}`);
  // Right after training: whether this run is now the one classify and export use, and why.
  if (r.activation) {
    const pick = r.archived ? `qc archive ${r.run_id} --restore, then qc use ${r.run_id}` : `qc use ${r.run_id}`;
    lines.push(r.active ? `  became the active run: ${r.activation}` : `  not made active: ${r.activation} (${pick} makes it active)`);
  }
  if (r.snapshot) {
    const s = r.snapshot;
    lines.push(`  data: train ${s.train.good} good / ${s.train.bad} bad, validation ${s.validation.good}/${s.validation.bad}, test ${s.test.good}/${s.test.bad}; ${s.groups} families (a photo's versions stay on one side); labels ${s.hash.slice(0, 12)}`);
    lines.push(
      s.synthetic
        ? `  synthetic (training only): ${s.synthetic.bad} distorted copies as bad + ${s.synthetic.good} benign edits as good (--augment ${s.synthetic.per_image})${s.synthetic.good_left_out ? `; ${s.synthetic.good_left_out} of the edits left the final fit with their pruned originals` : ''}`
        : '  synthetic: none (--augment 0)',
    );
  }
  if (r.metrics) {
    const m = r.metrics;
    lines.push(`  test: accuracy ${pct(m.test_accuracy)}, ROC AUC ${num(m.test_auc)}, log loss ${num(m.test_log_loss)}; out-of-fold AUC ${num(m.oof_auc)}`);
    lines.push(`        bad: precision ${pct(m.per_class.bad.precision)} recall ${pct(m.per_class.bad.recall)} F1 ${num(m.per_class.bad.f1)}; good: precision ${pct(m.per_class.good.precision)} recall ${pct(m.per_class.good.recall)} F1 ${num(m.per_class.good.f1)}`);
  }
  const noise = 'evaluation' in r ? r.evaluation?.noise : undefined;
  if (noise) {
    lines.push(
      `  label issues: ${noise.estimated_wrong.good} good and ${noise.estimated_wrong.bad} bad labels estimated wrong (confident learning on ${noise.oof_repeats}× repeated out-of-fold predictions; ranked by ${noise.adjusted ? 'class-adjusted ' : ''}${noise.ranking.replace('_', '-')})`,
    );
    if (noise.label_weights) lines.push(`  label weights from ratings: mean ${num(noise.label_weights.mean, 2)}, ${noise.label_weights.below_half} below 0.5`);
    if (noise.handling === 'prune') {
      lines.push(`  noise-robust: ${noise.pruned.length} probably-wrong labels left out of the final fit${noise.pruned.length ? ':' : ''}`);
      for (const p of noise.pruned.slice(0, 50)) lines.push(`    image ${p.image_id}: labelled ${p.given}, out-of-fold p(bad) ${formatProbability(p.p_bad)}`);
      if (noise.pruned.length > 50) lines.push(`    … ${noise.pruned.length - 50} more (--json lists all)`);
    } else lines.push('  noise-robust training off: every label was used');
  }
  if (r.thresholds) {
    for (const cls of ['bad', 'good'] as const) {
      const t = r.thresholds[cls];
      if (t.threshold === null) lines.push(`  ${cls}: ${t.note}`);
      else
        lines.push(
          `  ${cls}: recommended threshold ${thr(t.threshold)} → out-of-fold coverage ${pct(t.chosen_on?.coverage)}, error ${pct(t.chosen_on?.error)} (≤ ${pct(t.chosen_on?.errorUpper)} at 95%); on test coverage ${pct(t.on_test?.coverage)}, error ${pct(t.on_test?.error)}`,
        );
      const e = t.estimate;
      if (e)
        lines.push(
          `  ${cls}: estimated precision ≥ ${pct(1 - t.target_error)} at ${thr(e.threshold)} → out-of-fold coverage ${pct(e.coverage)}, error ${pct(e.error)} (95% interval ${pct(e.errorInterval[0])}–${pct(e.errorInterval[1])}); on test coverage ${pct(e.on_test.coverage)}, error ${pct(e.on_test.error)}`,
        );
    }
  }
  const inForce = inForceLine(r);
  if (inForce) lines.push(inForce);
  return lines.join('\n');
}

/** `qc cancel`'s answer: what was cancelled, what became of it, or that nothing was training. */
export function formatCancel(r: { run_id: number | null; pid?: number | null; status?: RunSummary['status'] }): string {
  if (r.run_id === null) return 'Nothing is training on this library.';
  const where = r.pid === undefined ? '' : ` (training in process ${r.pid ?? '?'})`;
  switch (r.status) {
    case undefined:
    case 'cancelled':
      return `Cancelled run ${r.run_id}${where}.`;
    case 'running':
      return `Asked run ${r.run_id}${where} to stop; it has not stopped yet (it stops at its next check; qc runs shows when it has).`;
    default:
      return `Run ${r.run_id}${where} ended before it could be cancelled: it is ${r.status}.`;
  }
}

export function formatRuns(r: { active: number | null; runs: RunSummary[] }): string {
  if (!r.runs.length) return 'No runs yet: qc train';
  // bad thr: the run's recommendation; exports use: the threshold in force (runs.ts thresholdInForce) and where it comes from.
  const header = 'run  status     features               head      AUC    acc    bad thr    exports use           bad cover  seconds  labels';
  const rows = r.runs.map((x) =>
    [
      `${x.run_id}${x.active ? '*' : ''}${x.archived ? 'a' : ''}`.padEnd(5),
      x.status.padEnd(10),
      x.params.features.join('+').padEnd(22),
      (x.params.hidden ? `mlp${x.params.hidden}` : 'linear').padEnd(9),
      num(x.metrics?.test_auc).padEnd(6),
      pct(x.metrics?.test_accuracy).padEnd(6),
      thr(x.recommended_threshold.bad).padEnd(10),
      (x.in_force ? `${thr(x.in_force.threshold)} ${SOURCE_WORD[x.in_force.source]}` : '—').padEnd(21),
      pct(x.thresholds?.bad.on_test?.coverage).padEnd(10),
      num(x.seconds, 1).padEnd(8),
      x.snapshot ? x.snapshot.hash.slice(0, 8) : '',
    ].join(' '),
  );
  // Archived runs (qc runs --all) are marked: qc use refuses them until restored.
  const legend = r.runs.some((x) => x.archived) ? '(* = active, a = archived: qc archive ID --restore brings it back)' : '(* = active)';
  return [header, ...rows, legend].join('\n');
}

export function formatIssues(r: { run_id: number; total: number; reviewed?: number; beyond?: number; ranking?: string | null; issues: LabelIssue[] }): string {
  const reviewed = r.reviewed ? ` (${r.reviewed} more confirmed or dismissed: --all)` : '';
  const open = r.total + (r.beyond ?? 0);
  if (!r.issues.length && !open) return `Run ${r.run_id}: no open label issues${reviewed}.`;
  // Open issues but none listed (--limit 0, how a script asks for the count only): the counts alone.
  if (!r.issues.length)
    return `Run ${r.run_id}: ${r.total} images whose label is probably wrong${r.beyond ? `, and ${r.beyond} open beyond the estimate of wrong labels` : ''}${reviewed}; none listed (--limit 0).`;
  // The issues beyond the estimate are listed under their own heading: their lines don't repeat it.
  const line = (i: LabelIssue) => `  ${String(i.rank).padStart(4)}. image ${i.image_id}: ${issueWhy(i, { beyondShown: true })}  ${i.url ?? ''}`;
  const within = r.issues.filter((i) => !i.beyond_estimate);
  const past = r.issues.filter((i) => i.beyond_estimate);
  return [
    `Run ${r.run_id}: ${r.total} images whose label is probably wrong, most suspicious first${r.ranking ? ` (ranked by ${r.ranking})` : ''}${reviewed}:`,
    ...within.map(line),
    ...(past.length
      ? [`  beyond the estimate of wrong labels (${r.beyond ?? past.length} open): the held-out prediction still disagrees with these labels, less surely`, ...past.map(line)]
      : []),
    'Fix with: qc label <image-id> --as good|bad; keep with: qc issues --confirm <ids>; hide with: qc issues --dismiss <ids>',
  ].join('\n');
}

export function formatExport(r: ExportSummary): string {
  return [
    `Wrote ${r.files.length} file(s), ${r.rows} rows; ${r.tagged_bad} tagged bad at threshold ${thr(r.in_force.threshold)} (${r.in_force.source}); run ${r.run_id}`,
    `  tags from curators ${r.by_source.curator}, from the model ${r.by_source.model}, without a prediction ${r.by_source.none}`,
    ...r.files.map((f) => `  ${f}`),
  ].join('\n');
}

export function formatClassify(r: ClassifySummary): string {
  return [
    `Bundle ${r.bundle_id}: ${r.images} images (${r.failed} could not be fetched), ${r.scored} newly scored`,
    // Rows without a usable URL have no image, so no tag row: say so, or the row count looks short.
    ...(r.row_problems ? [`  ${r.row_problems} row(s) could not be read (no usable URL, or a broken line) and have no tag row: qc failures lists them`] : []),
    formatExport(r),
  ].join('\n');
}
