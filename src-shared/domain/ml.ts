/** Types of the ML engine shared by the core, the CLI and the renderer. */

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

export interface ThresholdStats {
  threshold: number;
  flagged: number;
  tp: number;
  fp: number;
  coverage: number;
  error: number;
  errorUpper: number;
}

export interface ClassReport {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface RunMetrics {
  test_accuracy: number;
  test_auc: number | null;
  test_log_loss: number;
  test_brier: number;
  test_size: number;
  per_class: { good: ClassReport; bad: ClassReport };
  confusion: { tp: number; fp: number; tn: number; fn: number };
  /** Held-out (out-of-fold) ROC AUC over train + validation. */
  oof_auc: number | null;
}

export interface RecommendedThreshold {
  /** The recommended threshold, or null when no threshold proves the target error on this data. */
  threshold: number | null;
  target_error: number;
  /** Chosen on out-of-fold predictions (train + validation). */
  chosen_on: ThresholdStats | null;
  /** The same threshold applied to the untouched test split. */
  on_test: ThresholdStats | null;
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
