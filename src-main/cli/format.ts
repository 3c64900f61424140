/** Human-readable output of the CLI (the --json forms print the results as they are). */
import { FAILURE_REASONS, importCountNotes, NO_ENCODING, skippedFilesText, splitFailureReasons, type FailureReason, type BundleRow, type FailureRow, type ImportRow, type ImportSummary, type LabelBatchResult, type LibraryStatus, unfinishedTagMergeText, tagMergeCounts, tagMergeNotes } from '../../src-shared/domain/library';
import { countOf, noun } from '../../src-shared/domain/words';
import type { TagImportSummary } from '../../src-shared/contract/handlers';

/**
 * Characters that must not reach a terminal raw from a name the user (or a file) chose: C0 and C1
 * controls (a newline would forge a line of its own, ESC starts a terminal escape), DEL, the
 * Unicode line and paragraph separators and the bidirectional overrides (which reorder what is shown).
 */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const UNPRINTABLE_G = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * A file name, URL or other text from outside, as one line of output: as it is when it has none of
 * UNPRINTABLE, else quoted with those characters escaped visibly, as a JSON string
 * (`"evil\nnot_image  fake.jpg"`, `"a\tb"`, `"\u001b[31m"`), so it can never split or repaint a
 * line of the output; the quotes tell an escape from a backslash in the name.
 */
export function shown(text: string): string {
  if (!UNPRINTABLE.test(text)) return text;
  return JSON.stringify(text).replace(UNPRINTABLE_G, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const reasonLines = (byReason: Partial<Record<FailureReason, number>>) =>
  Object.entries(byReason)
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
    .map(([reason, n]) => `    ${String(n).padStart(6)}  ${reason.padEnd(18)} ${FAILURE_REASONS[reason as FailureReason] ?? ''}`);

/** An import's problems by reason: the failed URLs (or files) apart from the input's own (rows not read, a folder's entries not imported). */
function importProblemLines(s: ImportSummary): string[] {
  const { urls, input } = splitFailureReasons(s);
  if (!urls.length && !input.length) return [];
  const lines = (list: [FailureReason, number][]) => reasonLines(Object.fromEntries(list));
  const folder = s.kind === 'folder';
  const failed = folder ? 'files' : 'URLs';
  return [
    ...(urls.length ? [`  failed ${failed} by reason:`, ...lines(urls)] : []),
    // A row kept without its ancestry (bad_ancestry) is a problem of the input, not one not read.
    ...(input.length
      ? [`  ${folder ? 'entries of the folder not imported' : s.rows_kept_with_problems ? `rows that could not be read, or were kept with a problem (${countOf(s.rows_kept_with_problems, 'row')} kept without ${noun(s.rows_kept_with_problems, 'its', 'their')} ancestry)` : 'rows that could not be read'}, by reason:`, ...lines(input)]
      : []),
    `  (qc failures lists them${urls.length ? `; qc import --retry-failed tries the failed ${failed} again` : ''})`,
  ];
}

export function formatImport(s: ImportSummary): string {
  // A retry with no failed URL tried nothing and recorded no import (import_id 0): said plainly, not as an import of 0 rows.
  if (s.kind === 'retry' && s.import_id === 0 && !s.cancelled) return 'No failed URLs to retry: nothing was downloaded.';
  return [
    `${s.cancelled ? 'Cancelled: imported' : 'Imported'} ${s.kind} from ${shown(s.source)}${s.encoding === NO_ENCODING ? '' : ` (${s.encoding})`}`,
    `  rows ${s.rows}, distinct URLs ${s.urls}${s.bundle_id !== null ? `, bundle #${s.bundle_id}` : ''}${s.rows_removed ? `; ${countOf(s.rows_removed, 'row')} of an earlier import of this file that it no longer has ${noun(s.rows_removed, 'was', 'were')} removed` : ''}${s.rows_kept_unreadable ? `; ${countOf(s.rows_kept_unreadable, 'row')} of an earlier import ${noun(s.rows_kept_unreadable, 'was', 'were')} kept: ${noun(s.rows_kept_unreadable, 'its line is', 'their lines are')} still in the file but cannot be read now (fix or remove ${noun(s.rows_kept_unreadable, 'it', 'them')} and import again)` : ''}`,
    `  images: ${s.images_new} new, ${s.images_existing} already in the library, ${s.failed} failed`,
    // Those the import skipped as failed before: said, or a re-run looks as if it tried them again.
    ...(s.failed_before ? [`  ${countOf(s.failed_before, s.kind === 'folder' ? 'file' : 'URL')} of the failed had failed in an earlier import and ${noun(s.failed_before, 'was', 'were')} not tried again (--retry-failed tries ${noun(s.failed_before, 'it', 'them')})`] : []),
    `  labels of these images: ${s.labels.good} good, ${s.labels.bad} bad, ${s.labels.unlabeled} unlabelled`,
    ...importCountNotes(s).map((note) => `  ${note}`),
    ...(s.skipped_files ? [`  ${skippedFilesText(s.skipped_files)}`] : []),
    ...importProblemLines(s),
    `  ${s.network_requests} network requests in ${s.seconds.toFixed(1)} s`,
  ].join('\n');
}

/** `qc import` of tag files: the predictions merged, then a line for each note (curator labels carried, URLs a file gave twice). */
export function formatTagMerge(r: TagImportSummary): string {
  return [tagMergeCounts(r), ...tagMergeNotes(r, shown).map((note) => `  ${note}`)].join('\n');
}

export function formatStatus(s: LibraryStatus): string {
  return [
    `Library ${shown(s.data_dir)} (schema ${s.schema_version})`,
    `  images ${s.images}: ${s.labels.good} good, ${s.labels.bad} bad, ${s.labels.unlabeled} unlabelled (${s.labels_by_origin.curator} set by a curator)`,
    `  rating classes: ${Object.entries(s.ratings).map(([c, n]) => `${c}: ${n}`).join(', ')}`,
    `  imports ${s.imports}, bundles ${s.bundles}, failed URLs ${s.failed}`,
    ...(Object.keys(s.failures_by_reason).length ? ['  problems by reason:', ...reasonLines(s.failures_by_reason)] : []),
    ...(s.url_predictions.urls
      ? [`  run ${s.url_predictions.run_id}: ${countOf(s.url_predictions.urls, 'prediction')} merged from tag files for URLs whose image was not here (qc export writes them after the images)`]
      : []),
    ...s.url_predictions.other_runs.map(
      (m) =>
        `  ${countOf(m.urls, 'URL')} merged into run ${m.run_id} ${noun(m.urls, 'is', 'are')} not in qc export's files${s.url_predictions.run_id === null ? '' : ` of run ${s.url_predictions.run_id}`} (they belong to run ${m.run_id}: qc export --run ${m.run_id}, or import the tag files again)`,
    ),
    ...(s.unfinished_tag_merges ?? []).map((m) => `  ${unfinishedTagMergeText(m, shown)}`),
  ].join('\n');
}

export function formatFailures(r: { total: number; failures: FailureRow[] }): string {
  if (!r.total) return 'No failures.';
  const lines = r.failures.map((f) => {
    const where = f.url ? shown(f.url) : '';
    const at = f.file ? (f.line != null ? `${shown(f.file)}:${f.line}` : shown(f.file)) : '';
    return `${f.reason.padEnd(18)} ${[at, where].filter(Boolean).join(' ')}  ${shown(f.detail)}${f.attempts > 1 ? ` (${f.attempts} attempts)` : ''}`;
  });
  if (r.total > r.failures.length) lines.push(`… and ${r.total - r.failures.length} more (--limit)`);
  return lines.join('\n');
}

/** `qc sources`: the imports and bundles, with the ids other commands take (`qc export --bundle ID`). */
export function formatSources(r: { imports: ImportRow[]; bundles: BundleRow[] }): string {
  const lines = ['Imports:', ...(r.imports.length ? r.imports.map((i) => `  ${String(i.id).padStart(4)}  ${i.kind.padEnd(9)} ${i.status.padEnd(9)} ${String(i.images).padStart(7)} images  ${shown(i.source)}`) : ['  none'])];
  lines.push('Bundles:', ...(r.bundles.length ? r.bundles.map((b) => `  ${String(b.id).padStart(4)}  ${String(b.rows).padStart(7)} rows  ${shown(b.name)}  (${shown(b.origin)})`) : ['  none']));
  return lines.join('\n');
}

export function formatLabelBatch(r: LabelBatchResult, verb: string): string {
  if (r.batch_id === null && !r.changed.length) return verb === 'undo' ? 'Nothing to undo.' : `No change (${r.unchanged} already so).`;
  const lines = r.changed.map((c) => `  image ${c.image_id}: ${c.old_label ?? 'none'} (${c.old_origin ?? '-'}) → ${c.new_label ?? 'none'} (${c.new_origin})`);
  return [`${verb === 'undo' ? 'Undid' : 'Changed'} ${countOf(r.changed.length, 'label')}${r.unchanged ? `, ${r.unchanged} unchanged` : ''} (batch ${r.batch_id}):`, ...lines].join('\n');
}

/** What a cancelled import, classify or embedding keeps (they continue where they stopped). */
export const KEPT_WHEN_CANCELLED = {
  import: 'the rows and pictures stored so far are kept: the same command continues from there',
  classify: 'the pictures stored and the features computed so far are kept: the same command continues from there (its tag files are not written)',
  embed: 'the features computed so far are kept: qc embed continues from there',
} as const;
