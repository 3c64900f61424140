/** Types of the image library shared by the core, the CLI and the renderer. */
import type { LabelConfidence } from './labelWeight';
import type { Label, LabelOrigin, LabelValue, RatingClass } from './label';
import type { TagImportSummary } from '../contract/handlers';
import { countOf, noun } from './words';

export const IMPORT_KINDS = ['ratings', 'exemplars', 'bundle', 'folder'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** Why a URL (or a row of an input file) could not be brought into the library. */
export const FAILURE_REASONS = {
  http_404: 'the server answered 404 Not Found',
  http_4xx: 'the server refused the request (4xx)',
  http_5xx: 'the server kept failing (5xx) after retries',
  timeout: 'no complete answer within the time limit, after retries',
  network: 'the connection failed (reset, refused, DNS), after retries',
  too_many_redirects: 'too many redirects (or a redirect loop)',
  too_large: 'the body is larger than the size limit',
  empty: 'the body is empty (zero bytes)',
  html: 'an HTML page, not an image (an error page?)',
  not_image: 'the bytes are not a supported image type',
  truncated: 'the image is truncated or corrupt and does not decode',
  too_many_pixels: 'the image has more pixels than the limit, or a side longer than 65,535 px (decompression bomb?)',
  decode_cost: 'the image would cost too much to decode: compressed PNG text past 256 KB, a JPEG of more than 100 scans, or a GIF or animated WebP of more than 1,000 frames, or a TIFF of more than 1,000 pages',
  missing_file: 'the local file does not exist',
  not_in_mirror: "not in the mirror folder its mirror's prefix names, and the URL itself failed (the detail says how): check the mirror's prefix and folder",
  bad_url: 'not a usable http(s) URL or file path',
  local_refused: 'a local file refused: a file: URL (allowed only from a local input with --allow-local, or through a mirror), a link out of the chosen folder, or a file this process may not read (permission denied)',
  not_file: 'not a regular file (a folder, FIFO, device or socket)',
  redirect_refused: 'a redirect that cannot be followed: to a non-http(s) URL, from a public host to a local or private address, or one naming no Location',
  private_refused: 'a local or private address (as written or as its name resolves) named by a list downloaded from a public host',
  internal: 'an unexpected error while bringing in this URL (see the detail)',
  bad_rating: 'the rating is missing or not a number in 1..5',
  bad_ancestry: 'the ancestry column is not valid JSON, or over 64 KB or 1,000 names (row kept without ancestry)',
  missing_url: 'the row has no image URL',
  bad_row: 'the row has the wrong number of columns or control characters, or is over 1 MB long',
} as const;
export type FailureReason = keyof typeof FAILURE_REASONS;

/** Whether an input is named by an http(s) URL (a list to download), not a local path. */
export function isHttpUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

export interface LabelCounts {
  good: number;
  bad: number;
  unlabeled: number;
}

export interface ImportSummary {
  import_id: number;
  /**
   * `retry` for `qc import --retry-failed` without an input file; `tags` for tag files (an earlier
   * classify's output) given with no kind: merged into the active run as `tags` says, nothing
   * imported (import_id 0, the counts 0).
   */
  kind: ImportKind | 'retry' | 'tags';
  source: string;
  /** The text encoding the input was read in; NO_ENCODING for a folder or a retry, which read no text. */
  encoding: string;
  /** Data rows read from the input (not counting the header). */
  rows: number;
  /** Distinct URLs or files the input names. */
  urls: number;
  images_new: number;
  images_existing: number;
  /** URLs (or files) that could not be stored as images. */
  failed: number;
  /**
   * Of `failed`: URLs that had already failed in an earlier import and were not tried again
   * (`library.retryFailed` / `qc import --retry-failed` tries them).
   */
  failed_before?: number;
  /** Every problem of this import by reason: the failed URLs (`failed`) and the input's own problems (`row_problems`) together. */
  failures_by_reason: Partial<Record<FailureReason, number>>;
  /**
   * Of `failures_by_reason`: the input's own problems (`row_problems`: rows of a file that could
   * not be read, entries of a folder not imported; and `rows_kept_with_problems`) by reason. The rest are failed URLs (or files),
   * so a reason both kinds can have (`bad_url`, `missing_file`…) is counted apart for each.
   */
  row_problems_by_reason: Partial<Record<FailureReason, number>>;
  /**
   * A folder import: files left out because their name does not end like an image's (a text file,
   * a .bmp or .raw the importer cannot read): `count`, by extension ('' for none); and hidden
   * entries (names starting with '.': a .DS_Store, macOS's ._x.jpg, a .git folder) left out
   * unread: `hidden_files` (files and links) and `hidden_folders` (folders, their contents not
   * read), each absent when 0. Absent when nothing was left out.
   */
  skipped_files?: { count: number; by_extension: Record<string, number>; hidden_files?: number; hidden_folders?: number };
  /**
   * Rows of the input that could not be read (no usable URL, a broken line; a folder's entries not
   * imported): nothing is stored from them, and a bundle's tag files have no row for them. Each is
   * kept as a failure with file and line.
   */
  row_problems: number;
  /**
   * Rows stored with a problem of their own (an ancestry that is not a JSON object, or too large:
   * the row is kept without it), kept as failures with file and line too. They are in the library
   * and in a bundle's tag files, so not among `row_problems`; `row_problems_by_reason` counts both.
   * Absent when none.
   */
  rows_kept_with_problems?: number;
  /**
   * Rows an earlier import of this same file stored that the file no longer has (it was edited):
   * they no longer count, and the labels of the images they named were derived again without
   * them. Absent when none.
   */
  rows_removed?: number;
  /**
   * Rows an earlier import of this same file stored from lines the file still has but that cannot be
   * read now (each a row problem of this import): kept, with their ratings and labels, until the
   * line reads again (its row is then replaced) or is removed. Absent when none.
   */
  rows_kept_unreadable?: number;
  /**
   * Rating rows already in the library from an earlier import of another file (the same
   * obj_with_overall_rating, URL and rating: the same ratings re-saved under another name, or in
   * another encoding): not stored again, so a rating counts once. They are in `rows` but not in
   * `urls`, the images or the labels. Repeated rows within one file are kept. Absent when none.
   */
  rows_already_imported?: number;
  /** Current labels of the distinct images this import touched. */
  labels: LabelCounts;
  /**
   * Of `labels.unlabeled`: images left unlabelled because what names them disagrees (ratings of a
   * bad and of a good class whose mean is neither, or pictures of one image in a good and a bad
   * class folder: label.ts unlabelledByDisagreement). Absent when none.
   */
  rated_both_ways?: number;
  /**
   * A folder of export-training's layout with its `curator_labels.tsv`: the pictures it lists
   * (`rows`), made curator labels of their images (`labelled`), so already (`unchanged`), kept as a
   * different curator label here (`conflicts`), not imported (`not_here`), or found in a folder
   * that no longer says the listed label (`moved`: changed by hand since the export, so the
   * folder's label is theirs, as an import's; absent when none). Absent without one.
   */
  curator_labels?: { rows: number; labelled: number; unchanged: number; conflicts: number; not_here: number; moved?: number };
  /**
   * An import with mirrors: of the URLs a mirror's prefix named, those `read` from a mirror folder
   * and those `missed` (the file not there: fetched from the URL instead), with the first missed
   * URL and the file looked for (`example`). Absent without mirrors or when no URL matched a prefix.
   */
  mirror?: { read: number; missed: number; example?: { url: string; file: string } };
  /** Bundle id for bundle imports. */
  bundle_id: number | null;
  network_requests: number;
  seconds: number;
  cancelled: boolean;
  /** Kind `tags`: what the tag files merged (the same report as `ml.importTags` and `qc import`). */
  tags?: TagImportSummary;
}

/** ImportSummary.encoding of an import that read no text (a folder, a retry): the front doors name no encoding for it. */
export const NO_ENCODING = 'n/a';

/**
 * The summary of a library.import that imported nothing and recorded no import (id 0, the counts
 * 0): a retry with no failed URL, or tag files merged into a run (`tags` then says what).
 */
export function noImportSummary(kind: 'retry' | 'tags', source: string, rest: Partial<Pick<ImportSummary, 'rows' | 'seconds' | 'cancelled' | 'tags'>> = {}): ImportSummary {
  return {
    import_id: 0,
    kind,
    source,
    encoding: NO_ENCODING,
    rows: 0,
    urls: 0,
    images_new: 0,
    images_existing: 0,
    failed: 0,
    failures_by_reason: {},
    row_problems_by_reason: {},
    row_problems: 0,
    labels: { good: 0, bad: 0, unlabeled: 0 },
    bundle_id: null,
    network_requests: 0,
    seconds: 0,
    cancelled: false,
    ...rest,
  };
}

/**
 * An import's failures by reason, told apart as `qc import` and the Library screen tell them: URLs
 * (or files) that could not be stored (`failed`) and problems of the input itself, rows of a file
 * that could not be read or entries of a folder not imported (`row_problems`). The core counts the
 * input's own problems by reason apart (`row_problems_by_reason`); the failed URLs' reasons are the
 * rest of `failures_by_reason`. Largest first.
 */
export function splitFailureReasons(s: Pick<ImportSummary, 'failures_by_reason' | 'row_problems_by_reason'>): {
  urls: [FailureReason, number][];
  input: [FailureReason, number][];
} {
  const entries = (by: Partial<Record<FailureReason, number>>) => (Object.entries(by) as [FailureReason, number | undefined][]).filter((e): e is [FailureReason, number] => (e[1] ?? 0) > 0);
  const input = entries(s.row_problems_by_reason);
  const urls = entries(s.failures_by_reason)
    .map(([r, n]): [FailureReason, number] => [r, n - (s.row_problems_by_reason[r] ?? 0)])
    .filter(([, n]) => n > 0);
  const bySize = (list: [FailureReason, number][]) => [...list].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { urls: bySize(urls), input: bySize(input) };
}

/**
 * What a merge of tag files did, in one sentence: `qc import` prints it (cli/format.ts
 * formatTagMerge, a line a note), the Library screen's toast says it. `show` words a file name
 * (the CLI escapes control characters).
 */
export function tagMergeText(r: TagImportSummary, show: (name: string) => string = (name) => name): string {
  return [tagMergeCounts(r), ...tagMergeNotes(r, show)].join('; ');
}

/** The predictions a merge of tag files stored, by where they went. */
export function tagMergeCounts(r: TagImportSummary): string {
  return `${countOf(r.rows, 'tag row')} from ${countOf(r.files, 'file')} into run ${r.run_id}: ${countOf(r.local, 'prediction')} of images here (${r.heldout_kept} of them kept as the run scored them out of fold), ${r.remote} by URL only (image not here), ${r.skipped} without a prediction`;
}

/**
 * How labels an import carried in as curator labels are taken back, in the words of every front
 * door: the app's own Undo covers only the labelling done in that window, so an app user is sent
 * to `qc undo` too. `batches`: the curator changes they were made in (a tag import merged in parts
 * makes one a part).
 */
function carriedUndo(batches: number): string {
  return batches > 1
    ? `(in ${batches} curator changes, one for each part of the import: run qc undo on this library once for each; the app's Undo does not take them back)`
    : "(one curator change: run qc undo on this library to take it back; the app's Undo does not)";
}

/** What else a merge of tag files did: the curator labels its curator rows carried, the URLs a file gave twice. */
export function tagMergeNotes(r: TagImportSummary, show: (name: string) => string = (name) => name): string[] {
  const c = r.curator;
  const d = r.duplicate_urls;
  return [
    // A curator's decisions carried from the library that exported the file (ml/tagImport.ts).
    ...(c
      ? [
          `${countOf(c.rows, 'curator row')} (a curator's label decided the tag): ${c.labelled} made ${noun(c.labelled, "a curator's label", "curators' labels")} here, ${c.unchanged} already so, ${c.conflicts} conflicting${c.conflicts ? ` (${c.batches === undefined ? "this library's curator" : "this library's curator, or an earlier part of this import,"} labelled ${noun(c.conflicts, 'it', 'them')} otherwise: kept)` : ''}${c.not_here ? `, ${countOf(c.not_here, 'URL')} with no image here` : ''}${c.labelled ? ` ${carriedUndo(c.batches ?? 1)}` : ''}`,
        ]
      : []),
    ...(d
      ? [
          `${countOf(d.rows, 'row')} ${noun(d.rows, 'repeats', 'repeat')} a URL of an earlier row of ${noun(d.rows, 'its', 'their')} file (the last row of a URL is stored)${d.conflicting ? `, ${d.conflicting} with another prediction or label: ${d.first.map((f) => `${show(f.file)}:${f.line} (first at line ${f.first_line})`).join(', ')}${d.conflicting > d.first.length ? ', …' : ''}` : ''}`,
        ]
      : []),
  ];
}

/**
 * A merge of tag files into a run that began writing and did not end (killed, cancelled, or a file
 * changed while it was read): part of its predictions are merged. It stays on record until the same
 * files are merged into the run again (ml/tagImport.ts, migration 029). `files`: how many the call
 * had; `first_file`: the first of them, as given.
 */
export interface UnfinishedTagMerge {
  run_id: number;
  files: number;
  first_file: string;
  started_at: string;
}

export interface LibraryStatus {
  data_dir: string;
  schema_version: number;
  images: number;
  labels: LabelCounts;
  labels_by_origin: Record<LabelOrigin, number>;
  ratings: Record<`${RatingClass}`, number>;
  failed: number;
  failures_by_reason: Partial<Record<FailureReason, number>>;
  imports: number;
  bundles: number;
  /**
   * The active run's predictions merged by URL from tag files (`qc import` of another machine's
   * `qc classify` output) for URLs whose image was not in this library then: `library_finaltags.tsv`
   * writes a row for each (one whose image has been imported since is written as that image's
   * row). `run_id` null (and `urls` 0) while there is no finished run. `other_runs`: the URLs merged
   * into other runs that `qc export` of the active run leaves out, by run (none: empty): those
   * whose image is not here and that the active run has not merged too, the export's own count
   * (`merged_other_runs`, library/status.ts urlPredictionsOfOtherRuns). They belong to the run whose
   * tag files were merged (`--run R` writes them, or import the tag files again into the active run).
   */
  url_predictions: { run_id: number | null; urls: number; other_runs: { run_id: number; urls: number }[] };
  /** Tag-file merges that stopped part way, any run's, oldest first; absent when none. */
  unfinished_tag_merges?: UnfinishedTagMerge[];
  /** The bundled demo, as the Library screen offers it; absent where the core has no demo to load. */
  demo?: DemoOffer;
}

/** What the bundled demo holds, and whether to offer loading it (`demo.load`) on this library. */
export interface DemoOffer {
  /** Rated photos the demo holds (rows of its ratings file). */
  rows: number;
  /**
   * `load`: the library is empty. `finish`: it holds only demo photos, and the demo's import or
   * first run never completed (a cancelled load); loading again completes it. Null: a library with
   * other images, or a demo loaded whole.
   */
  offer: 'load' | 'finish' | null;
}

/** One import, for filters and the Library screen. */
export interface ImportRow {
  id: number;
  kind: string;
  source: string;
  status: string;
  finished_at: string | null;
  /** Distinct images whose URLs this import stored or whose rows it read. */
  images: number;
}

/** One bundle, to pick it by name (export, classify, filters). */
export interface BundleRow {
  id: number;
  name: string;
  origin: string;
  rows: number;
  /**
   * Set when no import of its file has finished, as export.tags judges it (export/tags.ts
   * requireExportableBundle): `running` while its first import runs; `unfinished` when every import
   * of it was cancelled or failed (it holds only the lines read before it stopped, and exporting it
   * is refused until the file is imported again). Absent when one finished (or none is recorded).
   * Set by library.sources.
   */
  import?: BundleImportState;
}

/** {@link BundleRow.import}. */
export type BundleImportState = 'running' | 'unfinished';

export interface FailureRow {
  id: number;
  url: string | null;
  file: string | null;
  line: number | null;
  reason: FailureReason;
  detail: string;
  attempts: number;
  updated_at: string;
}

export interface LabelChange {
  image_id: number;
  old_label: LabelValue;
  new_label: LabelValue;
  old_origin: LabelOrigin | null;
  new_origin: LabelOrigin | null;
}

export interface LabelBatchResult {
  batch_id: number | null;
  changed: LabelChange[];
  unchanged: number;
}

export type { Label, LabelOrigin, LabelValue, RatingClass };

/** One tile of the review gallery. Its picture comes by URL (see contract/transport.ts filePath). */
export interface GalleryItem {
  image_id: number;
  /** The active run's p(bad): held-out for labelled images, or null when not scored. */
  p_bad: number | null;
  label: LabelValue;
  origin: LabelOrigin;
  rating_class: RatingClass | null;
  /** Rank among probable label issues (1 = most suspicious), or null. */
  issue_rank: number | null;
  /** 1 when that issue lies beyond confident learning's estimate of wrong labels (LabelIssue.beyond_estimate), 0 within it, null without one (SQLite's 0/1, left as it is on the gallery's hot path). */
  issue_beyond_estimate?: number | null;
  /**
   * 1 while that issue is open (the label is still the one the run listed and no verdict holds on
   * it: the Issues list's condition, ml/issues.ts `openIssueSql`), 0 once it is closed (relabelled,
   * confirmed or dismissed), null without one (SQLite's 0/1, as `issue_beyond_estimate`).
   */
  issue_open?: number | null;
  width: number;
  height: number;
  /** EOL's id of the image (the first source row that has one), or null (folders, bare URL lists). */
  eol_id?: string | null;
}

export interface ReviewQuery {
  /** Default: the active run. */
  runId?: number;
  /** Predicted class at `threshold`: bad = p(bad) ≥ threshold. */
  predicted?: 'bad' | 'good' | 'all';
  threshold?: number;
  /** Prediction against the current label: tp/fp for predicted bad, tn/fn for predicted good. */
  outcome?: 'all' | 'tp' | 'fp' | 'tn' | 'fn' | 'unlabeled';
  /** Substring of a taxon name in the ancestry (e.g. a genus), case-insensitive; JSON keys are not searched. */
  taxon?: string;
  /** Only images stored or first seen by this import (`imports.id`). */
  importId?: number;
  origin?: LabelOrigin | 'any';
  label?: Label | 'none' | 'any';
  /** Only label issues of the run. */
  issuesOnly?: boolean;
  bundleId?: number;
  sort?: 'confidence' | 'issue-rank' | 'id';
  order?: 'asc' | 'desc';
}

export interface ImageSource {
  url: string;
  kind: string;
  eol_id: string | null;
  ancestry: string | null;
  origin: string;
  line: number;
  raw: Record<string, string>;
}

export interface LabelHistoryEntry {
  batch_id: number;
  actor: 'import' | 'curator' | 'undo' | 'rule';
  old_label: LabelValue;
  new_label: LabelValue;
  old_origin: LabelOrigin | null;
  new_origin: LabelOrigin;
  created_at: string;
}

export interface ImageDetail extends GalleryItem {
  sha256: string;
  format: string;
  bytes: number;
  rating: number | null;
  exemplar: boolean;
  /** Quality signals measured on the original (sharpness, luminance, …) and the reasons they give. */
  signals: Record<string, number> | null;
  reasons: string[];
  sources: ImageSource[];
  history: LabelHistoryEntry[];
  /** How much its label is worth: weight in training and the rating evidence behind it (labelWeight.ts); null when unlabelled. */
  label_confidence?: LabelConfidence | null;
  /** A curator's verdict on the current label as a label issue. */
  issue_review?: 'confirmed' | 'dismissed' | null;
  /** Why the active run scored it so: which groups of features pushed p(bad) up or down (null: no run, or no cached features). */
  attribution?: ScoreAttribution | null;
}

/**
 * A per-image attribution of a run's score (core/ml/train/attribution.ts): each part (a group of
 * quality signals, or the backbone's appearance features) set to a typical good image's values,
 * the image rescored; `logit` is how far that part pushed the logit of p(bad) (> 0: towards bad).
 */
export interface ScoreAttribution {
  run_id: number;
  /** The p(bad) the parts explain: the run's final model's score of the image (double precision). */
  p_bad: number;
  /**
   * What made the p(bad) the image is shown, filtered, thresholded and tagged with
   * (`ImageDetail.p_bad`): 'final_model' (the same score as `p_bad`, to the 6 decimals stored: test,
   * unlabelled and classified images); 'out_of_fold' (a train or validation image: the mean of fold
   * models trained without it, which the run does not keep, so the parts explain another score than
   * the one shown); 'other' (a score stored from elsewhere, such as imported tags, that the final
   * model does not give).
   */
  shown_score: 'final_model' | 'out_of_fold' | 'other';
  /** Largest push towards bad first. */
  parts: { name: string; logit: number }[];
}

/**
 * `3 files not imported: their names do not end like an image's (2 .bmp, 1 .txt); 2 hidden files
 * skipped, 1 hidden folder not read (names starting with '.')`.
 */
/**
 * What a curator reads of a tag-file merge that stopped part way (`qc status`, an export's answer,
 * the Export screen), and what to do; `shownName` writes a file name for the medium (the CLI's
 * escapes control characters).
 */
export function unfinishedTagMergeText(m: UnfinishedTagMerge, shownName: (name: string) => string = (n) => n): string {
  const what = m.files === 1 ? shownName(m.first_file) : `${countOf(m.files, 'tag file')} (the first: ${shownName(m.first_file)})`;
  const when = `${m.started_at.slice(0, 16).replace('T', ' ')} UTC`;
  return `a merge of ${what} into run ${m.run_id}, started ${when}, stopped part way: only part of its predictions are merged; import ${m.files === 1 ? 'it' : 'them'} again to complete it`;
}

export function skippedFilesText(s: NonNullable<ImportSummary['skipped_files']>): string {
  const parts: string[] = [];
  if (s.count > 0) {
    const kinds = Object.entries(s.by_extension)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([ext, n]) => `${n} ${ext || 'without extension'}`)
      .join(', ');
    parts.push(`${countOf(s.count, 'file')} not imported: ${s.count === 1 ? 'its name does' : 'their names do'} not end like an image's (${kinds})`);
  }
  const hidden = [
    ...(s.hidden_files ? [`${countOf(s.hidden_files, 'hidden file')} skipped`] : []),
    ...(s.hidden_folders ? [`${countOf(s.hidden_folders, 'hidden folder')} not read`] : []),
  ];
  if (hidden.length) parts.push(`${hidden.join(', ')} (names starting with '.')`);
  return parts.join('; ');
}

/**
 * What an import did not count, or could not label, one sentence each (`qc import` and the Library
 * screen say the same): `12 rows already in the library from an earlier import: not counted twice`,
 * `3 images rated both bad and good: left unlabelled`. None when there is nothing to say.
 */
/** After this many URLs a mirror's prefix named with none of them in its folder, an import says so while it runs. */
export const MIRROR_MISSES_TOLD = 20;

/**
 * What an import says of a mirror that lacked files its prefix named (ImportSummary.mirror): none
 * found at all is most likely a wrong prefix or folder (a typo cost hours of downloads, each URL
 * failing as "network"); some missing is a partial mirror. Null when nothing was missed.
 */
export function mirrorMissText(m: ImportSummary['mirror']): string | null {
  if (!m || m.missed === 0) return null;
  const example = m.example ? ` (${m.example.url} was looked for as ${m.example.file})` : '';
  if (m.read === 0) return `the mirror folder held none of the ${m.missed.toLocaleString('en')} ${noun(m.missed, 'picture')} its prefix named${example}: check the mirror's prefix and folder; ${noun(m.missed, 'it was', 'they were')} fetched from ${noun(m.missed, 'its URL', 'their URLs')} instead`;
  return `${m.missed.toLocaleString('en')} of the ${(m.read + m.missed).toLocaleString('en')} pictures a mirror's prefix named ${noun(m.missed, 'was', 'were')} not in its folder${example}: fetched from ${noun(m.missed, 'its URL', 'their URLs')} instead`;
}

export function importCountNotes(s: Pick<ImportSummary, 'rows_already_imported' | 'rated_both_ways' | 'curator_labels' | 'mirror'>): string[] {
  const notes: string[] = [];
  const mirror = mirrorMissText(s.mirror);
  if (mirror) notes.push(mirror);
  const rows = s.rows_already_imported ?? 0;
  const both = s.rated_both_ways ?? 0;
  if (rows > 0) notes.push(`${rows.toLocaleString('en')} ${noun(rows, 'row')} already in the library from an earlier import: not counted twice`);
  if (both > 0) notes.push(`${both.toLocaleString('en')} ${noun(both, 'image')} rated both bad and good: left unlabelled`);
  const c = s.curator_labels;
  if (c) {
    notes.push(
      `${countOf(c.rows, 'picture')} a curator labelled (curator_labels.tsv): ${c.labelled} made ${noun(c.labelled, "a curator's label", "curators' labels")} here, ${c.unchanged} already so, ${c.conflicts} conflicting${c.conflicts ? ` (this library's curator labelled ${noun(c.conflicts, 'it', 'them')} otherwise: kept)` : ''}${c.moved ? `, ${c.moved} no longer in the folder of ${noun(c.moved, 'its', 'their')} listed label (changed by hand since the export: ${noun(c.moved, 'its', 'their')} folder's label taken, not made a curator's)` : ''}${c.not_here ? `, ${c.not_here} not imported` : ''}${c.labelled ? ` ${carriedUndo(1)}` : ''}`,
    );
  }
  return notes;
}
