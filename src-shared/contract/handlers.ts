/**
 * The API contract: one typed map of method name → { args, result }. Each feature declares
 * its slice; `Api` is their union. Every transport (direct calls in the CLI and tests,
 * Electron IPC, `qc serve`) carries exactly these methods through one dispatcher.
 */
import type { LabelRule, LabelValue } from '../domain/label';
import type { BundleRow, FailureRow, GalleryItem, ImportRow, ImageDetail, ImportKind, ImportSummary, LabelBatchResult, LibraryStatus, ReviewQuery } from '../domain/library';
import type { ClassifySummary, EmbedSummary, ExportSummary, FeatureSet, IssueReviewAction, LabelIssue, RunDetail, RunSummary, StoredVerdict, ThresholdEstimate, ThresholdInForce, TrainRequest } from '../domain/ml';
import type { GraphsExportSummary, ModelExportSummary, RankedRun, TrainingExportSummary } from '../domain/runQuality';
import type { ThresholdSketchData } from '../domain/thresholdSketch';
import type { JobProgress } from './events';
import type { ShellApi } from './shell';

export interface ImportArgs {
  /** A file path, a folder, or an http(s) URL of a list file. */
  source: string;
  kind?: ImportKind;
  /** `PREFIX=DIR` pairs: URLs starting with PREFIX are read from files under DIR. */
  mirrors?: { prefix: string; dir: string }[];
  concurrency?: number;
  /** Also retry every URL that failed before (in any import). */
  retryFailed?: boolean;
  timeoutMs?: number;
  retries?: number;
  /**
   * Read `file:` URLs named by a local input file (`qc import --allow-local`). Never applies to a
   * list downloaded over HTTP; folders and mirrors do not need it.
   */
  allowLocal?: boolean;
}

export interface LibraryApi {
  'library.status': { args: Record<string, never>; result: LibraryStatus };
  'library.import': { args: ImportArgs; result: ImportSummary };
  /** Retry every failed URL without a new input file. */
  'library.retryFailed': { args: Omit<ImportArgs, 'source' | 'kind' | 'retryFailed'>; result: ImportSummary };
  'library.failures': { args: { limit?: number }; result: { total: number; failures: FailureRow[] } };
  /** Every import and bundle, newest first (filters by import or bundle; a bundle picked by name). */
  'library.sources': { args: Record<string, never>; result: { imports: ImportRow[]; bundles: BundleRow[] } };
}

export interface DemoApi {
  /** Import the bundled demo library (real photos with ratings), embed it and train a first run. */
  'demo.load': { args: { train?: boolean }; result: { import: ImportSummary; run: RunSummary | null } };
}

export interface LabelsApi {
  'labels.set': { args: { imageIds: number[]; label: LabelValue }; result: LabelBatchResult };
  /**
   * Undo a curator batch by appending a reverting one: `batchId` (a `labels.set` result's batch_id),
   * else the newest curator batch not undone yet. Refused (`conflict`, nothing changed) when the batch
   * is undone already or one of its images' labels was changed since; `not_found` for no curator batch of that id.
   */
  'labels.undo': { args: { batchId?: number }; result: LabelBatchResult };
  'labels.getRule': { args: Record<string, never>; result: LabelRule };
  /**
   * Change the aggregation rule; import-origin labels are re-derived, curator labels kept. With
   * `expected` (the rule the edit started from), a rule changed meanwhile elsewhere (another window,
   * `qc rule`) is not overwritten: the call fails with `conflict` and changes nothing.
   */
  'labels.setRule': {
    args: { rule: LabelRule; expected?: LabelRule };
    /**
     * `unfinished`: cancelled part way, with the new rule stored; the other import labels follow it when the library is next opened.
     * `folder_decided`: import labels an imported `agg/bad|good` folder decides (a folder label wins over ratings): no rule changes them.
     */
    result: { rule: LabelRule; relabelled: number; unfinished?: true; folder_decided?: number };
  };
}

export interface ClassifyRequest extends Omit<ImportArgs, 'kind'> {
  /** Folder for `<bundle>_a.tsv`, … and `<bundle>_finaltags.tsv`. */
  outDir: string;
  chunkRows?: number;
  /** p(bad) threshold for final tags (default: the curator's, else the run's recommendation). */
  threshold?: number;
  runId?: number;
  /** Only the bundle rows of shard k of n (1-based; by URL hash): N processes or machines split one bundle; tag files are named <bundle>.shard-K-of-N_…. */
  shard?: { k: number; n: number };
}

/** What `ml.importTags` merged: rows with a local image become predictions, the others are kept by URL. */
export interface TagImportSummary {
  run_id: number;
  files: number;
  rows: number;
  /** Rows whose URL has an image here: stored as predictions. */
  local: number;
  /**
   * Of `local`: images the run scored out of fold when it trained. Their held-out scores are kept
   * (the run's evaluation, thresholds and comparisons rest on them); the file's score is not stored.
   */
  heldout_kept: number;
  /** Rows stored by URL only (image not in this library). */
  remote: number;
  /** Rows without a prediction (imclass NA). */
  skipped: number;
  /**
   * The files' curator rows (final tags whose `source` is curator: another library's curator
   * decided the tag), made curator labels of this library's images: `labelled` set (one undoable
   * curator batch), `unchanged` the same curator label already, `conflicts` a different curator
   * label here (kept: never overwritten), `not_here` no image of that URL in this library. Absent
   * when the files have none. `batches`: only when the files were merged in parts (more than
   * ml.importTags takes at once: tagImport.ts importTagsInParts), the curator batches the parts made
   * (one a part that labelled any; a conflict may then be with an earlier part's label).
   */
  curator?: { rows: number; labelled: number; unchanged: number; conflicts: number; not_here: number; batches?: number };
  /**
   * Rows whose URL an earlier row of the same file gave (the file's last row for a URL is what is
   * stored): `rows` of them, `conflicting` with a different prediction or curator label than the
   * first, `first` the first few conflicting ones by file and line. Absent when none.
   */
  duplicate_urls?: { rows: number; conflicting: number; first: { file: string; line: number; first_line: number }[] };
  /**
   * Cancelled while its predictions were being written: the counts are of what was merged (it
   * stays; importing the files again merges the rest). Absent when it ran to its end.
   */
  cancelled?: true;
}

export interface MlApi {
  'ml.embed': { args: { features?: FeatureSet[]; backbone?: string; batchSize?: number }; result: EmbedSummary };
  'ml.train': { args: TrainRequest; result: RunSummary };
  /**
   * Cancel a training: run `runId`, or without it the one under way on this library (there is at
   * most one). A run this core trains, whichever window started it, is stopped at once: `{ run_id }`
   * (runs.changed then says it is cancelled). A run another process trains (the app, `qc serve`,
   * another `qc train`) is asked to stop through the library, and the answer waits (up to
   * CANCEL_WAIT_MS) for it to end: `pid` is that process's, `status` the run's when answered
   * (`cancelled`; `running` when it has not stopped yet; `done` or `failed` when it ended first).
   * Nothing training (no `runId`): `{ run_id: null }`.
   */
  'ml.cancelTraining': { args: { runId?: number }; result: { run_id: number | null; pid?: number | null; status?: RunSummary['status'] } };
  /** The runs table; archived runs only with `all`. */
  'ml.runs': { args: { all?: boolean }; result: { active: number | null; runs: RunSummary[] } };
  /** The N best finished runs by held-out AUC, each with an over/under-fitting verdict; optionally archive the rest. */
  'ml.bestRuns': { args: { n?: number; archiveRest?: boolean }; result: { runs: RankedRun[]; archived: number[] } };
  /** Archive (hide, never delete) or restore runs. The active run cannot be archived. */
  'ml.archiveRuns': { args: { runIds: number[]; archived: boolean }; result: { changed: number[] } };
  'ml.run': { args: { runId?: number }; result: RunDetail };
  /** Pick the active run (null: the newest). */
  'ml.setActive': { args: { runId: number | null }; result: { active: number | null } };
  /**
   * The run's probable label issues, most suspicious first, without those a curator confirmed or
   * dismissed (unless includeReviewed); `total` counts the open ones within confident learning's
   * estimate, `beyond` the open ones past it (listed after, `beyond_estimate`), `reviewed` those of
   * either kind with a verdict, `ranking` says how they are ranked. `imageIds`: list only these
   * images' issues (the counts stay the run's), for a view that needs a few past the list it holds.
   * `limit`: at most that many entries (default 1,000; with `imageIds`, the number of ids asked, so all of them).
   */
  'ml.labelIssues': {
    args: { runId?: number; limit?: number; includeReviewed?: boolean; imageIds?: number[] };
    result: { run_id: number; total: number; reviewed: number; beyond: number; ranking: string | null; issues: LabelIssue[] };
  };
  /**
   * Confirm a suspected label (full weight, never pruned), dismiss it from the queue, or reopen it;
   * remembered across retrains while the label stays.
   * `shown`: the label the curator saw on each image (same order as imageIds); when one is no longer
   * the image's current label the call is refused (`conflict`) and nothing is stored.
   * `undoing` (reopen only, with `shown`): the reopen takes back this window's verdict (an undo), given
   * with that action on the `shown` labels; `shown` is then the label each verdict was given on (the
   * image's label may have changed since). Where another verdict is stored on an image now (another
   * window or the command line gave one since), the call is refused (`conflict`) and nothing is changed;
   * an image with none now (reopened since) is left so, its `restore` not put back. Without `undoing`
   * a reopen removes whatever verdict is stored.
   * `restore` (reopen only, at most one per image, each one of imageIds): verdicts to put back as they
   * were (an undo: the `replaced` of the verdict it takes back) instead of leaving those images with none;
   * a run since deleted is stored as none.
   * `replaced` (absent when none): the verdicts the call replaced or removed, as they were.
   * `unlabelled` (absent when none): the images a confirm or dismiss named that have no label, so
   * nothing was stored on them (a verdict is on a label).
   */
  'ml.reviewIssues': {
    args: { imageIds: number[]; action: IssueReviewAction; shown?: ('good' | 'bad')[]; undoing?: { action: 'confirm' | 'dismiss' }; restore?: StoredVerdict[] };
    result: { changed: number; open: number; replaced?: StoredVerdict[]; unlabelled?: number[] };
  };
  'ml.classify': { args: ClassifyRequest; result: ClassifySummary };
  /** Merge tag TSVs (`<bundle>_a.tsv`…, `_finaltags.tsv`, e.g. from `classify --shard` elsewhere) into the library as predictions of a run (default: the active one). */
  'ml.importTags': { args: { files: string[]; runId?: number }; result: TagImportSummary };
  /** The curator's threshold for final tags (null: use the run's recommendation). */
  /**
   * The curator's threshold of `runId` (default: the active run), on that run's scale: `threshold`. `in_force` is what
   * exports use now: the active run's (`active_run`), which is not the run named if another became active meanwhile.
   * `previous`: the run's curator threshold just before (what an undo goes back to). With `expected` (the value an
   * undo was made against), a run whose curator threshold is no longer that is refused (`conflict`) and nothing changes.
   */
  'ml.setThreshold': {
    args: { threshold: number | null; runId?: number; expected?: number | null };
    result: { threshold: number | null; previous: number | null; in_force: ThresholdInForce; active_run: number | null };
  };
}

export interface ExportApi {
  /**
   * Final tags of a bundle already in the library (`bundleId`) or of the whole library (one file). `chunkRows`: rows
   * per chunk file of a bundle's tags; refused without `bundleId` (`invalid_argument`).
   */
  'export.tags': { args: { bundleId?: number; outDir: string; threshold?: number; runId?: number; chunkRows?: number }; result: ExportSummary };
  /** The seed's training folders (images/1..5, images/agg/bad|good) and per-class download lists, into a new or empty folder. */
  'export.training': { args: { outDir: string; sample?: number; seed?: number }; result: TrainingExportSummary };
  /** A run as one ONNX model (p(bad) out) with a JSON card. */
  'export.model': { args: { runId?: number; outDir: string }; result: ModelExportSummary };
  /** A run's loss and accuracy curves as SVG and PNG files. */
  'export.graphs': { args: { runId?: number; outDir: string }; result: GraphsExportSummary };
  /**
   * The extra inputs of a run's exported model (its `crops`, `signals`, `defects` blocks: what ONNX
   * cannot express) for image files outside the library, decoded and computed as the app does;
   * nothing is stored. `images[i]` is `files[i]`: its inputs by name, or why it could not be read.
   */
  'export.features': {
    args: { files: string[]; runId?: number };
    result: {
      run_id: number;
      inputs: { name: string; dtype: 'float32'; shape: number[] }[];
      images: { file: string; inputs?: Record<string, { shape: number[]; data: number[] }>; error?: string }[];
    };
  };
}

export interface ReviewApi {
  /**
   * A page of the gallery (the grid asks for pages near the viewport). `run_id` and `threshold`:
   * the run and the p(bad) threshold the answer used (the threshold in force when none was given),
   * so a client that asked before it knew them can tell whether its pages are current.
   */
  'review.page': { args: ReviewQuery & { offset: number; limit: number }; result: { total: number; items: GalleryItem[]; run_id: number | null; threshold: number } };
  /**
   * Everything the threshold slider needs, once per run: a sketch of the predictions (counts per
   * step of the slider's log-odds grid of p(bad) for every scored image and for the held-out labelled ones, exact counts at the
   * thresholds below; a few KB whatever the library's size), the run's thresholds, and
   * `in_force`: the one threshold tags and filters use (core/ml/runs.ts), so no client computes one.
   */
  'review.scores': {
    args: { runId?: number };
    result: {
      run_id: number;
      sketch: ThresholdSketchData;
      recommended: number | null;
      best_bound: number | null;
      /** The run's point-estimate threshold with its error bar (a view the curator may choose), or null. */
      estimate: ThresholdEstimate | null;
      /** The error the run's thresholds were chosen for (its `--target-error`; 0.05 unless told). */
      target_error: number;
      curator: number | null;
      in_force: ThresholdInForce;
    };
  };
  'images.get': { args: { imageId: number }; result: ImageDetail };
}

export type Api = LibraryApi & LabelsApi & MlApi & ExportApi & ReviewApi & DemoApi & ShellApi;
export type Method = keyof Api;
export type ArgsOf<M extends Method> = Api[M]['args'];
export type ResultOf<M extends Method> = Api[M]['result'];

/** What a handler gets besides its arguments: cancellation and progress reporting. */
export interface CallContext {
  signal: AbortSignal;
  progress: (p: JobProgress) => void;
}

export type Handler<M extends Method> = (args: ArgsOf<M>, ctx: CallContext) => Promise<ResultOf<M>>;
/** A feature's handlers for its slice `A` of the API. */
export type HandlersOf<A> = { [K in keyof A & Method]: Handler<K> };
/** Every method's handler; the desktop shell's methods (ShellApi) are optional: only Electron has them, the core answers `not_available`. */
export type Handlers = HandlersOf<Omit<Api, keyof ShellApi>> & Partial<HandlersOf<ShellApi>>;
