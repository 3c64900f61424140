/** Types of the ML engine shared by the core, the CLI and the renderer. */
import type { ClassMetrics, ProbabilityHistogram } from './metrics';
import type { LabelledThresholdStats, ThresholdStats } from './threshold';

export type FeatureSet = 'whole' | 'crops' | 'signals';
export const FEATURE_SETS: readonly FeatureSet[] = ['whole', 'crops', 'signals'];

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

export interface TrainParams extends HeadParams {
  features: FeatureSet[];
  backbone: string;
  /** Weight of the hand-crafted signal columns after standardising (thousands of embedding columns swamp them otherwise). */
  signalsWeight: number;
  /** Target error for recommended thresholds, with a one-sided 95% Clopper–Pearson bound. */
  targetError: number;
  folds: number;
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
  snapshot: { hash: string; train: LabelTally; validation: LabelTally; test: LabelTally; groups: number } | null;
  metrics: RunMetrics | null;
  recommended_threshold: { bad: number | null; good: number | null };
  thresholds: { bad: RecommendedThreshold; good: RecommendedThreshold } | null;
  error: string | null;
}

export interface LabelTally {
  good: number;
  bad: number;
}

/** What the Review screen and the `qc evaluate` report show for a run. */
export interface RunEvaluation {
  /** Histograms of predicted probability on the test split, split into true and false predictions. */
  histograms: { bad: ProbabilityHistogram; good: ProbabilityHistogram };
  /** Coverage-vs-error curves over thresholds, per class, on out-of-fold and on test predictions. */
  curves: { bad: { oof: ThresholdStats[]; test: ThresholdStats[] }; good: { oof: ThresholdStats[]; test: ThresholdStats[] } };
  epochs: EpochStats[];
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
  p_bad: number;
  url: string | null;
}

export type ThresholdSource = 'argument' | 'curator' | 'recommended' | 'best-bound' | 'default';

export interface ExportSummary {
  files: string[];
  rows: number;
  tagged_bad: number;
  by_source: { curator: number; model: number; none: number };
  threshold: number;
  threshold_source: ThresholdSource;
  run_id: number | null;
}

export interface ClassifySummary extends ExportSummary {
  bundle_id: number;
  images: number;
  failed: number;
  scored: number;
}
