/** Types of the ML engine shared by the core, the CLI and the renderer. */
import type { LabelValue } from './label';
import type { UnfinishedTagMerge } from './library';
import type { FitAssessment } from './runQuality';
import type { ClassMetrics, ProbabilityHistogram } from './metrics';
import { DEFAULT_TARGET_ERROR, type EstimatedThresholdStats, type LabelledThresholdStats, type ThresholdStats } from './threshold';

/**
 * Feature blocks: the backbone's embedding of the whole image and of native-resolution crops, the
 * hand-made quality signals, and the defect net's view of 64-px patches (a CNN trained on
 * synthetic distortions: src-main/core/ml/features/defects.ts).
 */
export type FeatureSet = 'whole' | 'crops' | 'signals' | 'defects';
export const FEATURE_SETS: readonly FeatureSet[] = ['whole', 'crops', 'signals', 'defects'];

export interface HeadParams {
  /** Hidden units; 0 = a linear head (logistic regression). */
  hidden: number;
  dropout: number;
  l2: number;
  learningRate: number;
  epochs: number;
  batchSize: number;
  classWeighting: boolean;
  seed: number;
}

/**
 * Defaults, chosen by measurement on 2 CPU cores (timings: scripts/bench/train.ts):
 * - hidden 64: the ML notes' best setups are MLPs; 128 units took 45 s instead of 26 s on 35,000 x
 *   1,280 (over the 30 s target) for no gain (validation accuracy 0.879 vs 0.883 there; out-of-fold
 *   AUC on quality-dev 0.82–0.85 vs 0.83–0.84).
 * - l2 0.03 (loss += l2 · Σw²): out-of-fold log loss of the MLP on quality-dev embeddings (486
 *   images, 5 group folds, 3 seeds) 0.81 at 1e-4, 0.70 at 0.01, 0.60 at 0.03, 0.53 at 0.1; on
 *   synthetic sets of 10,000 rows 0.03 was best or within 0.01 of it, on 35,000 rows 0.1 hurt
 *   (validation loss 0.44 vs 0.37 at 0.01 and 0.39 at 0.03). The linear head prefers more (0.1–1).
 * - batch 256, Adam 1e-3, 20 epochs: meets the time targets; on quality-dev batch 32 was within
 *   0.01 AUC at twice the time, and a 3e-4 step clearly worse (AUC 0.79–0.81 vs 0.82–0.83).
 * - dropout 0.2 (0.5 made no difference), balanced class weights (libraries are rarely 50/50).
 * Those figures predate the synthetic copies and the signal, distance and defect blocks. With them,
 * dropout 0.35–0.5, 128 hidden units, L2 0.01–0.3 and 40 epochs were measured on three splits
 * (docs/ML-EXPERIMENTS.md, 2026-12-07): none ranks the kinds a run never saw better on all three.
 * Dropout 0.5 covered more at the recommended threshold on all three, but as a curator's run
 * trains (no source groups) it broke that threshold's promise and the benign limit on one.
 * Dropout 0.35 kept its promises but did worse on the "20 flipped labels" check (0.80 against
 * 0.82) and on the whole dev set (one wrong flag at the recommended threshold, the default none).
 */
export const DEFAULT_HEAD_PARAMS: Readonly<HeadParams> = Object.freeze({
  hidden: 64,
  dropout: 0.2,
  l2: 0.03,
  learningRate: 1e-3,
  epochs: 20,
  batchSize: 256,
  classWeighting: true,
  seed: 1,
});

export const DEFAULT_BACKBONE = 'mobilenet_v2_nsfwjs';

export interface TrainParams extends HeadParams {
  features: FeatureSet[];
  backbone: string;
  /** Weight of the hand-crafted signal columns after standardising (thousands of embedding columns swamp them otherwise). */
  signalsWeight: number;
  /** Weight of the defect net's columns after standardising (1 when absent; the default run's: 20, measured with `npm run report:ml -- --leave-kind-out`). */
  defectsWeight?: number;
  /** Target error for recommended thresholds, with a one-sided 95% Clopper–Pearson bound. */
  targetError: number;
  folds: number;
  /**
   * 'prune': leave the labels confident learning finds on out-of-fold predictions out of the final
   * fit (cleanlab's CleanLearning); 'none': train on every label. Measured: `npm run report:ml -- --noise`.
   */
  noise?: NoiseHandling;
  /** Weigh each label by its confidence from the ratings (src-shared/domain/labelWeight.ts). */
  labelWeights?: boolean;
  /**
   * Synthetic examples: per train-split good image, this many distorted copies labelled bad and
   * half as many benign edits labelled good (src-main/core/ml/distort). Training only: never in
   * validation, test, the gallery or any threshold. 0 = off.
   */
  augment?: number;
  /** Distortion kinds left out of augmentation (e.g. a leave-one-kind-out report). */
  augmentExclude?: string[];
  /**
   * The NIQE-style distance-from-good block (src-main/core/ml/train/distance.ts) on the quality
   * signals: robust |z| against the run's good training images, per group and overall. Used when
   * the run has the `signals` features unless false. 'aggregate' (the default, when absent): only
   * the group and overall distances; true: each signal's |z| as well (measured with
   * `npm run report:ml -- --leave-kind-out`: aggregate generalised better, README).
   */
  distance?: boolean | 'aggregate';
  /**
   * Platt-scale the head on its out-of-fold logits (src-main/core/ml/train/calibrate.ts) so p(bad)
   * does not saturate at 1; monotone. Off unless true: measured with `npm run report:ml --
   * --leave-kind-out`, it made the proven threshold reachable but lowered coverage at it (README).
   */
  calibrate?: boolean;
}

/**
 * Synthetic copies per good image that `qc train` and the Train screen use unless told otherwise.
 * Measured with `npm run report:ml -- --leave-kind-out` (held-out source photos of the dev set):
 * ROC AUC 0.909 → 0.953 and benign edits flagged 14% → 1% against no augmentation. The core API's
 * default (DEFAULT_TRAIN_PARAMS, what `ml.train` with no `augment` does) stays 0: augmentation
 * embeds ~1.5 × N copies per good training image once, which programmatic callers opt into.
 */
export const DEFAULT_AUGMENT = 4;

/**
 * Labelled images a training needs of each class (good and bad): the core refuses fewer
 * (trainService.ts), and the Train screen keeps Train off and says so until the library has them.
 */
export const MIN_PER_CLASS = 10;

/**
 * Why a library with these labels cannot train (fewer than {@link MIN_PER_CLASS} of a class), or
 * null when it can: the core's refusal and the Train screen's note, counts written by `fmt`.
 */
export function tooFewLabels(labels: { good: number; bad: number }, fmt: (n: number) => string = String): string | null {
  if (labels.good >= MIN_PER_CLASS && labels.bad >= MIN_PER_CLASS) return null;
  return `training needs at least ${MIN_PER_CLASS} good and ${MIN_PER_CLASS} bad images; the library has ${fmt(labels.good)} good and ${fmt(labels.bad)} bad`;
}

/** How many synthetic examples a run trained on. */
export interface SyntheticTally {
  bad: number;
  good: number;
  /** Distorted copies per good image, as asked. */
  per_image: number;
  /** Benign edits left out of the final fit with their original, which noise-robust training pruned (trainJob.ts keptSynthetic). */
  good_left_out?: number;
}

export type NoiseHandling = 'prune' | 'none';

/** How a run found its label issues, and what its noise-robust fit left out. */
export interface RunNoiseReport {
  /** Ranking of the issue list and how it was chosen. */
  ranking: 'self_confidence' | 'normalized_margin';
  adjusted: boolean;
  filter: 'prune_by_noise_rate' | 'confident_learning';
  /** Per-class confident thresholds t_good, t_bad on the held-out predictions. */
  thresholds: { good: number | null; bad: number | null };
  /** Wrong labels per given class, estimated from the calibrated confident joint. */
  estimated_wrong: { good: number; bad: number };
  /** Repetitions of the k-fold out-of-fold predictions averaged for the issues. */
  oof_repeats: number;
  handling: NoiseHandling;
  /** Images the final fit left out (handling 'prune'), most suspicious first. */
  pruned: { image_id: number; given: 'good' | 'bad'; p_bad: number }[];
  /** Label weights used in training: their mean and how many were below 0.5 (null when off). */
  label_weights: { mean: number; below_half: number } | null;
}

export interface EpochStats {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  seconds: number;
}

export interface EmbedSummary {
  /** Which execution provider ran the backbone and why the ones before it were not used, in one line (when it ran). */
  provider_note?: string;
  images: number;
  embedded: number;
  cached: number;
  failed: number;
  seconds: number;
  images_per_second: number;
  provider: string;
  backbone: string;
  features: FeatureSet[];
}

export interface RunMetrics {
  test_accuracy: number;
  test_auc: number | null;
  test_log_loss: number;
  test_brier: number;
  test_size: number;
  per_class: { good: ClassMetrics; bad: ClassMetrics };
  confusion: { tp: number; fp: number; tn: number; fn: number };
  /** Held-out (out-of-fold) ROC AUC over train + validation. */
  oof_auc: number | null;
}

export interface RecommendedThreshold {
  /** The recommended threshold, or null when no threshold proves the target error on this data. */
  threshold: number | null;
  target_error: number;
  /** Chosen on out-of-fold predictions (train + validation). */
  chosen_on: LabelledThresholdStats | null;
  /** The same threshold applied to the untouched test split. */
  on_test: ThresholdStats | null;
  /** When nothing proves the target: the threshold with the lowest provable error, and its test stats. */
  best_bound: (LabelledThresholdStats & { on_test: ThresholdStats }) | null;
  note: string;
  /**
   * The point-estimate view a curator can choose instead ("estimated precision ≥ 95%" rather than
   * "proven ≥ 95% at 95% confidence"): the lowest threshold whose observed out-of-fold error is
   * ≤ the target, with its two-sided 95% error bar, and the same threshold on the test split.
   * Absent on runs from before it; null when no threshold qualifies.
   */
  estimate?: (EstimatedThresholdStats & { on_test: ThresholdStats }) | null;
}

export interface RunSummary {
  run_id: number;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  active: boolean;
  created_at: string;
  backbone: string;
  provider: string | null;
  backend: string | null;
  seconds: number | null;
  params: TrainParams;
  /** groups: how many families (splits.ts familyGroups) the split kept whole. */
  snapshot: { hash: string; train: LabelTally; validation: LabelTally; test: LabelTally; groups: number; synthetic?: SyntheticTally } | null;
  metrics: RunMetrics | null;
  recommended_threshold: { bad: number | null; good: number | null };
  /**
   * The curator's `bad` threshold chosen on this run (`qc threshold`, the app's "Use for export"),
   * null when none: the recommendation applies. Set by runs.ts `summary`; optional only for
   * summaries made elsewhere (test fixtures).
   */
  curator_threshold?: number | null;
  /**
   * The p(bad) threshold `qc export`, `qc classify` and the tags apply to this run unless given one
   * (runs.ts `thresholdInForce`: the curator's, else the recommendation, else the best bound), and
   * where it comes from; null while the run is not `done` (nothing applies it). Set by runs.ts `summary`.
   */
  in_force?: ThresholdInForce | null;
  thresholds: { bad: RecommendedThreshold; good: RecommendedThreshold } | null;
  /**
   * How many labels its noise-robust training left out of the final fit as probably wrong
   * (run_pruned; the list is the detail's `evaluation.noise.pruned`): 0 when none. Set by runs.ts
   * `summary`; optional only for summaries made elsewhere (test fixtures).
   */
  pruned?: number;
  error: string | null;
  /** How well it learned, read off its epoch curves (over/under-fitting in words). */
  fit?: FitAssessment;
  /** Hidden from the runs table and `qc runs` (never deleted). */
  archived?: boolean;
  /** Right after training: why this run did or did not become the active run. */
  activation?: string;
  /**
   * The run that was active when this one finished (the one its activation weighed it against, and
   * the one a retrain's comparison shows it next to), or null when none was; absent for runs that
   * finished before it was recorded. Set by runs.ts `summary`.
   */
  compared_with?: number | null;
  /**
   * Only while `running`: who trains it. `here`: the process whose core answered (the app's, for
   * every window; only its training sends progress to them and can be cancelled from them); else
   * another program on the library (`qc train`, another app), by its recorded pid (null: not recorded).
   */
  trainer?: { here: true } | { here: false; pid: number | null };
}

export interface LabelTally {
  good: number;
  bad: number;
}

/** A run's evaluation: what the Review screen shows, `qc run --json` prints whole and `qc run --graphs` draws (its epochs). */
export interface RunEvaluation {
  /** Histograms of predicted probability on the test split, split into true and false predictions. */
  histograms: { bad: ProbabilityHistogram; good: ProbabilityHistogram };
  /** Coverage-vs-error curves over thresholds, per class, on out-of-fold and on test predictions. */
  curves: { bad: { oof: ThresholdStats[]; test: ThresholdStats[] }; good: { oof: ThresholdStats[]; test: ThresholdStats[] } };
  epochs: EpochStats[];
  /** Label issues and noise-robust training (runs from before it have none). */
  noise?: RunNoiseReport;
}

export interface RunDetail extends RunSummary {
  evaluation: RunEvaluation | null;
}

/** What `ml.train` accepts: any subset of the parameters (the rest are the measured defaults). */
export interface TrainRequest extends Partial<TrainParams> {
  /** Explicit duplicate groups: a TSV with an id column (EOL id or URL) and a group column (e.g. the source photo). */
  groups?: { file: string; idColumn?: string; groupColumn: string };
}

export interface LabelIssue {
  rank: number;
  image_id: number;
  given: 'good' | 'bad';
  suggested: 'good' | 'bad';
  self_confidence: number;
  /** The held-out p(bad) the issue was found with (label issues' own out-of-fold pass: trainJob.ts). */
  p_bad: number;
  url: string | null;
  /** Ranking score (lower = more suspicious). */
  score?: number | null;
  /** Why it is suspected: the evidence behind its label. */
  rating?: number | null;
  rating_count?: number;
  rating_spread?: number | null;
  origin?: 'import' | 'curator';
  /** The label's weight in training (labelWeight.ts). */
  weight?: number | null;
  /**
   * Past confident learning's estimate of wrong labels: the held-out prediction still prefers the
   * other label, less surely than the issues before it (listed after them; not in the open count).
   */
  beyond_estimate?: boolean;
  /**
   * How many other versions of the image's photo (its family: the split's group) with the same
   * given label the run suspects too. Such a suspicion ranks lower (labelIssues.ts SHARED_DISPUTE):
   * the model may be misreading the photo rather than the raters its label.
   */
  shared_versions?: number;
  /**
   * The image's label now: the issue is closed once it is not `given` (relabelled since the run),
   * null when the label was taken off. Listed by `ml.labelIssues` (closed ones with `includeReviewed`).
   */
  label_now?: LabelValue;
  /** The curator's verdict on the listed label (label_reviews), null when none; none once relabelled. */
  verdict?: 'confirmed' | 'dismissed' | null;
  /** The label is the one a folder import gave (the image's class folder, source_rows.folder_label) and no curator changed it. */
  label_from_folder?: boolean;
}

/** A curator's verdict on a suspected label: 'confirm' (the label is right), 'dismiss' (hide it), 'reopen' (forget the verdict). */
export type IssueReviewAction = 'confirm' | 'dismiss' | 'reopen';

/** A curator's verdict on a label issue as stored (label_reviews): the image, the label it holds on, the verdict, the run active when it was given. */
export interface StoredVerdict {
  image_id: number;
  label: 'good' | 'bad';
  action: 'confirmed' | 'dismissed';
  run_id: number | null;
}

export type ThresholdSource = 'argument' | 'curator' | 'recommended' | 'best-bound' | 'default';

/** The p(bad) threshold that tags, filters and the slider use, and where it came from (core/ml/runs.ts decides it). */
export interface ThresholdInForce {
  threshold: number;
  source: ThresholdSource;
}

/**
 * A run's point-estimate threshold as the slider shows it (RunThresholds.estimate): the lowest
 * p(bad) whose observed out-of-fold error is ≤ the target, that error with its two-sided 95%
 * interval (the error bar), and its out-of-fold coverage of bad and flagged count.
 */
export interface ThresholdEstimate {
  threshold: number;
  error: number;
  error_interval: [number, number];
  coverage: number | null;
  flagged: number | null;
}

export interface ExportSummary {
  files: string[];
  rows: number;
  tagged_bad: number;
  by_source: { curator: number; model: number; none: number };
  /** The p(bad) threshold the tags were cut at and where it came from: the same shape as a run's `in_force`. */
  in_force: ThresholdInForce;
  run_id: number | null;
  /**
   * URLs with a prediction merged from tag files into another run (`qc import --run R`, or while R
   * was active) and no image here, that this export therefore does not write (for a bundle: its
   * rows' URLs), by run: they belong to the run whose tag files were merged (`--run R`, or import
   * the tag files again into this run). Absent when none.
   */
  merged_other_runs?: { run_id: number; urls: number }[];
  /**
   * Merges of tag files into this export's run that stopped part way (killed, cancelled): part of
   * their predictions are in it, the rest are not until the same files are imported again. Absent
   * when none.
   */
  unfinished_tag_merges?: UnfinishedTagMerge[];
}

export interface ClassifySummary extends ExportSummary {
  bundle_id: number;
  /** Distinct images of the bundle in the library. */
  images: number;
  /** URLs of the bundle that could not be stored (their rows are written with no prediction). */
  failed: number;
  /**
   * Rows of the bundle file that could not be read (bad or missing URL, a broken line): they have
   * no tag row. Rows kept with a problem (an ancestry not kept) are in the tag files and not counted.
   */
  row_problems: number;
  /** Images newly scored by this call (the others already had a p(bad) from the run). */
  scored: number;
  /** Images of the bundle with a p(bad) from the run after this call: every one that could be scored. */
  predicted: number;
}

/**
 * What `qc train` and the Train screen use unless told otherwise: every feature set and a 64-unit
 * MLP, with the signals and defect blocks up-weighted (measured with `npm run report:ml`).
 */
export const DEFAULT_TRAIN_PARAMS: Readonly<TrainParams> = Object.freeze({
  ...DEFAULT_HEAD_PARAMS,
  features: ['whole', 'crops', 'signals', 'defects'] as FeatureSet[],
  backbone: DEFAULT_BACKBONE,
  signalsWeight: 30,
  defectsWeight: 20,
  targetError: DEFAULT_TARGET_ERROR,
  folds: 5,
  noise: 'prune' as NoiseHandling,
  labelWeights: true,
});

/** How far apart two runs' AUCs on the test images both scored may lie and still be a tie (the active run stays). */
export const AUC_TIE = 1e-9;

/**
 * How a new run and the active one compare on the held-out test images both scored, with today's
 * labels (runs.ts activateIfBetter's reason, which `qc train` prints and the app's toast shows):
 * each AUC named by its run and its images, not to be read as a run's own test AUC (over its whole
 * test split, as it trained), and a tie said as a tie. AUCs that round alike get the digits that
 * tell them apart. A difference of at most AUC_TIE is a tie, as activateIfBetter decides it.
 */
export function sharedTestAucWords(runId: number, otherRunId: number, auc: number, otherAuc: number, images: number): string {
  const where = `on the ${images} test images both runs scored`;
  if (Math.abs(auc - otherAuc) <= AUC_TIE) return `a tie ${where}, AUC ${auc.toFixed(3)} each`;
  let digits = 3;
  while (digits < 9 && auc.toFixed(digits) === otherAuc.toFixed(digits)) digits++;
  return `${where}, AUC ${auc.toFixed(digits)} for run ${runId} vs ${otherAuc.toFixed(digits)} for run ${otherRunId}`;
}
