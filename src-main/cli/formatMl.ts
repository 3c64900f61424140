/** Human-readable output of the ML commands. */
import { issueWhy } from '../../src-shared/domain/labelIssue';
import type { ClassifySummary, EmbedSummary, ExportSummary, LabelIssue, RunDetail, RunSummary, ThresholdInForce, ThresholdSource } from '../../src-shared/domain/ml';
import { formatClassThreshold as classThreshold, formatProbability, formatThreshold } from '../../src-shared/domain/threshold';
import { countOf, noun } from '../../src-shared/domain/words';
import { shown } from './format';
import { unfinishedTagMergeText } from '../../src-shared/domain/library';

const pct = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? '—' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null | undefined, digits = 3) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(digits));
/** A threshold as the app and every qc command write it (formatThreshold: 0.999984, 0.512345, 0.9686275; not 1.000 or 0.512): typed back into `--threshold` or `qc threshold` it flags the same images. */
const thr = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? '—' : formatThreshold(x));

/** Where the threshold in force comes from, in the few words `qc runs` has room for. */
const SOURCE_WORD: Record<ThresholdSource, string> = { argument: 'given', curator: 'curator', recommended: 'recommended', 'best-bound': 'best bound', default: 'default' };

/** Why a threshold is in force, in words: the curator's (and the run's recommendation beside it), the recommendation, a bound or the default. */
function inForceWhy(f: ThresholdInForce, recommended: number | null): string {
  switch (f.source) {
    case 'curator':
      return `curator's; ${recommended === null ? 'the run recommends none' : `recommended ${thr(recommended)}`}`;
    case 'recommended':
      return 'recommended';
    case 'best-bound':
      return 'the best bound: no threshold proves the target error';
    case 'default':
      return 'the default: the run recommends none';
    default:
      return SOURCE_WORD[f.source];
  }
}

/**
 * A curator threshold that stays with the run it was set on when another run becomes active
 * (runs.ts: each run keeps its own), and how to apply it to the new one.
 */
export interface ThresholdLeft {
  run_id: number;
  threshold: number;
}

/** `your 0.700 stays with run 1: qc threshold 0.700 applies it here`, or nothing when no curator threshold was left behind. */
function leftBehind(left: ThresholdLeft | null | undefined, f: ThresholdInForce | null | undefined): string {
  if (!left || (f?.source === 'curator' && f.threshold === left.threshold)) return '';
  return `; your ${thr(left.threshold)} stays with run ${left.run_id}: qc threshold ${thr(left.threshold)} applies it here`;
}

/**
 * The line of `qc run` that says what `qc export` and `qc classify` apply to the run (runs.ts
 * `thresholdInForce`) and why; none for a run that is not finished (nothing applies it). Exports
 * use the active run: for another run the line says what they would use once it is active.
 */
function inForceLine(r: RunSummary, left?: ThresholdLeft | null): string | null {
  const f = r.in_force;
  if (!f) return null;
  return `  ${r.active ? 'exports use' : 'once active, exports would use'} p(bad) ≥ ${thr(f.threshold)} (${inForceWhy(f, r.recommended_threshold.bad)})${r.active ? leftBehind(left, f) : ''}`;
}

/**
 * `qc use`'s answer: the active run, the threshold exports now use with it, and the curator
 * threshold of the run active before, which stays with that run.
 */
export function formatUse(r: { active: number | null; in_force: ThresholdInForce | null }, recommended: number | null, left: ThresholdLeft | null): string {
  const lines = [`active run: ${r.active ?? 'none'}`];
  if (r.active !== null && r.in_force) lines.push(`exports now use p(bad) ≥ ${thr(r.in_force.threshold)} (${inForceWhy(r.in_force, recommended)})${leftBehind(left, r.in_force)}`);
  return lines.join('\n');
}

/** `qc threshold`'s answer: the run it set the threshold for, the threshold in force there and why. */
export function formatSetThreshold(r: { threshold: number | null; in_force: ThresholdInForce; active_run: number | null }): string {
  const why =
    r.threshold !== null ? 'curator' : r.in_force.source === 'default' ? `the default: ${r.active_run === null ? 'no run recommends one' : 'the run recommends none'}` : `the run's own, ${SOURCE_WORD[r.in_force.source]}`;
  return `threshold for final tags${r.active_run === null ? '' : ` of run ${r.active_run}`}: ${formatThreshold(r.in_force.threshold)} (${why})`;
}

/**
 * What `qc train` adds to a new run's text (its answer is the summary, without the evaluation):
 * how many labels noise-robust training left out, and the curator threshold of the run that was
 * active before, which stays with that run.
 */
export interface TrainExtras {
  noise?: { handling: 'prune' | 'none'; pruned: number } | null;
  left?: ThresholdLeft | null;
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
  return `Embedded ${s.embedded} of ${countOf(s.images, 'image')} (${s.cached} already cached, ${s.failed} failed) in ${s.seconds.toFixed(1)} s, ${s.images_per_second} images/s; backbone ${s.backbone} on ${s.provider_note ?? s.provider}; features ${s.features.join(', ')}`;
}

export function formatRun(r: RunSummary | RunDetail, extras: TrainExtras = {}): string {
  const p = r.params;
  // A run stopped before it trained (cancelled while its copies were made) has no backend or
  // provider yet: said by leaving them out, not as "?". Provider "none": no backbone ran for it here
  // (its features were cached, or shipped as the demo's are), not a backbone on a device called none.
  const backbone = r.provider === 'none' ? 'no backbone run (features cached)' : r.provider && `backbone on ${r.provider}`;
  const ran = [r.backend && `${r.backend} backend`, backbone, `${num(r.seconds, 1)} s`].filter(Boolean).join(', ');
  const lines = [
    `Run ${r.run_id} (${r.status}${r.active ? ', active' : ''}${r.archived ? ', archived' : ''}) ${r.created_at}: ${p.features.join('+')}, ${p.hidden ? `MLP ${p.hidden}` : 'linear'}, ${p.epochs} epochs; ${ran}`,
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
      // Two lists under one word: say which is which (concepts audit 3).
      if (noise.pruned.length) lines.push(`    (by the first out-of-fold pass; Label issues, qc issues, ranks labels in a repeated pass of its own, so its list can differ)`);
    } else lines.push('  noise-robust training off: every label was used');
  } else if (extras.noise) {
    const n = extras.noise.pruned;
    lines.push(
      extras.noise.handling === 'prune'
        ? `  noise-robust: ${countOf(n, 'probably-wrong label')} left out of the final fit${n ? ` (qc run ${r.run_id} lists them)` : ''}`
        : '  noise-robust training off: every label was used',
    );
  }
  if (r.thresholds) {
    for (const cls of ['bad', 'good'] as const) {
      const t = r.thresholds[cls];
      if (t.threshold === null) lines.push(`  ${cls}: ${t.note}`);
      else
        lines.push(
          `  ${cls}: recommended threshold ${classThreshold(cls, t.threshold)} → out-of-fold coverage at training ${pct(t.chosen_on?.coverage)}, error ${pct(t.chosen_on?.error)} (≤ ${pct(t.chosen_on?.error_upper)} at 95%); on test coverage ${pct(t.on_test?.coverage)}, error ${pct(t.on_test?.error)}`,
        );
      const e = t.estimate;
      if (e)
        lines.push(
          `  ${cls}: estimated precision ≥ ${pct(1 - t.target_error)} at ${classThreshold(cls, e.threshold)} → out-of-fold coverage at training ${pct(e.coverage)}, error ${pct(e.error)} (95% interval ${pct(e.errorInterval[0])}–${pct(e.errorInterval[1])}); on test coverage ${pct(e.on_test.coverage)}, error ${pct(e.on_test.error)}`,
        );
    }
  }
  const inForce = inForceLine(r, extras.left);
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

/** What `qc runs`' coverage column is: stored when each run trained (curatorday audit L2), the app's "coverage at training". */
export const RUNS_COVERAGE_NOTE = "(oof cover: coverage of bad at the recommended threshold when the run trained, with that day's labels; Review counts today's)";

/** The out-of-fold coverage of bad at the run's recommended threshold when it trained; null when it recommends none. */
function oofCoverage(r: RunSummary): number | null {
  const t = r.thresholds?.bad;
  return t && t.threshold !== null ? (t.chosen_on?.coverage ?? null) : null;
}

export function formatRuns(r: { active: number | null; runs: RunSummary[] }): string {
  if (!r.runs.length) return 'No runs yet: qc train';
  // bad thr: the run's recommendation; in force: the threshold in force (runs.ts thresholdInForce) and where it comes from, which exports use while the run is the active one (*);
  // oof cover: the out-of-fold coverage of bad at the recommendation when the run trained (that day's labels), as the app's runs table
  // and compare cards show it ("coverage at training"); Review counts today's labels, so after relabels its figure can differ.
  const columns: [name: string, width: number][] = [
    ['run', 5],
    ['status', 10],
    ['features', 22],
    ['head', 9],
    ['AUC', 6],
    ['acc', 6],
    ['bad thr', 10],
    ['in force', 21],
    ['oof cover', 10],
    ['seconds', 8],
    ['labels', 0],
  ];
  const cells = r.runs.map((x) => [
    `${x.run_id}${x.active ? '*' : ''}${x.archived ? 'a' : ''}`,
    x.status,
    x.params.features.join('+'),
    x.params.hidden ? `mlp${x.params.hidden}` : 'linear',
    num(x.metrics?.test_auc),
    pct(x.metrics?.test_accuracy),
    thr(x.recommended_threshold.bad),
    x.in_force ? `${thr(x.in_force.threshold)} ${SOURCE_WORD[x.in_force.source]}` : '—',
    pct(oofCoverage(x)),
    num(x.seconds, 1),
    x.snapshot ? x.snapshot.hash.slice(0, 8) : '',
  ]);
  // Each column as wide as its widest cell (all four feature blocks are wider than the usual width), so every cell sits under its header.
  const widths = columns.map(([name, width], c) => (c === columns.length - 1 ? 0 : Math.max(width, name.length, ...cells.map((row) => row[c]!.length))));
  const line = (row: string[]) => row.map((cell, c) => cell.padEnd(widths[c]!)).join(' ');
  const header = line(columns.map(([name]) => name));
  const rows = cells.map(line);
  // Archived runs (qc runs --all) are marked: qc use refuses them until restored.
  const legend = r.runs.some((x) => x.archived) ? '(* = active, a = archived: qc archive ID --restore brings it back)' : '(* = active)';
  return [header, ...rows, legend, RUNS_COVERAGE_NOTE].join('\n');
}

/** What closed an issue `qc issues --all` lists: the verdict on its label, or the label it has now; '' while it is open. */
function issueState(i: LabelIssue): string {
  if (i.label_now !== undefined && i.label_now !== i.given) return ` [relabelled → ${i.label_now ?? 'unlabelled'}]`;
  return i.verdict ? ` [${i.verdict}]` : '';
}

/** At most this many image ids are named in a line; the rest are counted. */
const IDS_NAMED = 5;

/** Image ids in words: "image 30", "images 30, 31 and 2 more". */
function imagesNamed(ids: readonly number[]): string {
  const named = ids.slice(0, IDS_NAMED).join(', ');
  return ids.length === 1 ? `image ${named}` : `images ${named}${ids.length > IDS_NAMED ? ` and ${ids.length - IDS_NAMED} more` : ''}`;
}

/**
 * `qc issues --confirm | --dismiss | --reopen`: how many verdicts were stored or removed, why none
 * was stored on an image with no label (a verdict is on a label), and the open issues left.
 */
export function formatReview(action: 'confirm' | 'dismiss' | 'reopen', r: { changed: number; open: number; unlabelled?: number[] }): string {
  const why = r.unlabelled?.length ? ` (${unlabelledWhy(r.unlabelled)})` : '';
  return `${countOf(r.changed, 'image')} ${action === 'reopen' ? 'reopened' : `${action}ed`}${why}; ${countOf(r.open, 'open label issue')}`;
}

/** Why no verdict was stored on these images. */
export function unlabelledWhy(ids: readonly number[]): string {
  return `${imagesNamed(ids)} ${noun(ids.length, 'has', 'have')} no label, and a verdict is on a label: nothing was stored on ${noun(ids.length, 'it', 'them')} (qc label gives one)`;
}

export function formatIssues(r: { run_id: number; total: number; reviewed?: number; beyond?: number; ranking?: string | null; issues: LabelIssue[] }): string {
  // Closed issues (a verdict, or the label changed since the run) are listed only with --all, each marked.
  const closedListed = r.issues.some((i) => issueState(i) !== '');
  const reviewed = !r.reviewed ? '' : closedListed ? ` (and ${r.reviewed} reviewed or relabelled since: marked)` : ` (${r.reviewed} more reviewed or relabelled: --all)`;
  const open = r.total + (r.beyond ?? 0);
  if (!r.issues.length && !open) return `Run ${r.run_id}: no open label issues${reviewed}.`;
  // Open issues but none listed (--limit 0, how a script asks for the count only): the counts alone.
  if (!r.issues.length)
    return `Run ${r.run_id}: ${countOf(r.total, 'image')} whose label is probably wrong${r.beyond ? `, and ${r.beyond} open beyond the estimate of wrong labels` : ''}${reviewed}; none listed (--limit 0).`;
  // The issues beyond the estimate are listed under their own heading: their lines don't repeat it.
  const line = (i: LabelIssue) => `  ${String(i.rank).padStart(4)}. image ${i.image_id}${issueState(i)}: ${issueWhy(i, { beyondShown: true })}  ${i.url ?? ''}`;
  const within = r.issues.filter((i) => !i.beyond_estimate);
  const past = r.issues.filter((i) => i.beyond_estimate);
  return [
    `Run ${r.run_id}: ${countOf(r.total, 'image')} whose label is probably wrong, most suspicious first${r.ranking ? ` (ranked by ${r.ranking})` : ''}${reviewed}:`,
    ...within.map(line),
    ...(past.length
      ? [`  beyond the estimate of wrong labels (${r.beyond ?? past.length} open): the held-out prediction still disagrees with these labels, less surely`, ...past.map(line)]
      : []),
    'Fix with: qc label <image-id> --as good|bad; keep with: qc issues --confirm <ids>; hide with: qc issues --dismiss <ids>',
  ].join('\n');
}

export function formatExport(r: ExportSummary): string {
  return [
    `Wrote ${countOf(r.files.length, 'file')}, ${countOf(r.rows, 'row')}; ${r.tagged_bad} tagged bad at threshold ${thr(r.in_force.threshold)} (${r.in_force.source}); run ${r.run_id}`,
    `  tags from curators ${r.by_source.curator}, from the model ${r.by_source.model}, without a prediction ${r.by_source.none}`,
    ...(r.merged_other_runs ?? []).map((m) => `  ${mergedElsewhereText(m)}`),
    ...(r.unfinished_tag_merges ?? []).map((m) => `  Only part of this run's merged predictions are in this export: ${unfinishedTagMergeText(m, shown)}, then export again`),
    ...r.files.map((f) => `  ${f}`),
  ].join('\n');
}

/** URLs merged from tag files into another run, which an export of this run leaves out, and what to do. */
export function mergedElsewhereText(m: { run_id: number; urls: number }): string {
  return `${countOf(m.urls, 'URL')} merged into run ${m.run_id} ${noun(m.urls, 'is', 'are')} not in this export (they belong to run ${m.run_id}: --run ${m.run_id}, or import the tag files again)`;
}

export function formatClassify(r: ClassifySummary): string {
  return [
    // The failed URLs are not among the images; images that could not be scored have no p(bad).
    `Bundle ${r.bundle_id}: ${countOf(r.images, 'image')} stored, ${countOf(r.failed, 'URL')} could not be fetched; ${r.predicted} with a p(bad) (${r.scored} newly scored)`,
    // Rows without a usable URL have no image, so no tag row: say so, or the row count looks short.
    // Rows kept with a problem (an ancestry not kept) are in the tag files and not counted here.
    ...(r.row_problems ? [`  ${countOf(r.row_problems, 'row')} could not be read (no usable URL, or a broken line) and have no tag row: qc failures lists them`] : []),
    formatExport(r),
  ].join('\n');
}
