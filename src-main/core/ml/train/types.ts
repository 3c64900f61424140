/** Shapes shared by the head trainers, predictor and label-issue tools. */

/** A dense row-major matrix: row i is x[i * d .. (i + 1) * d). */
export interface Matrix {
  x: Float32Array;
  n: number;
  d: number;
}

/** A matrix with one label per row: 1 = bad, 0 = good. */
export interface LabelledMatrix extends Matrix {
  y: Uint8Array;
}

export interface HeadParams {
  /** Hidden units of the MLP (d -> hidden ReLU -> 1); 0 = linear (logistic regression). */
  hidden: number;
  /** Dropout rate on the hidden layer while training (ignored by the linear head). */
  dropout: number;
  /** L2 penalty: loss += l2 * sum of squared weights (biases are not penalised). */
  l2: number;
  /** Adam step size. */
  learningRate: number;
  epochs: number;
  batchSize: number;
  /** Weight each class by n / (2 * n_class), so a rare class counts as much as a common one. */
  classWeighting: boolean;
  /** Seeds shuffling, initial weights and dropout masks: the same seed gives the same head. */
  seed: number;
}

export interface EpochStats {
  /** 1-based. */
  epoch: number;
  /** Mean binary cross-entropy (unweighted, without the L2 term, no dropout) over the training set. */
  trainLoss: number;
  /** Share of the training set on the right side of p = 0.5. */
  trainAccuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  /** Wall time since training started, when this epoch's evaluation finished. */
  seconds: number;
}

export interface HeadLayer {
  /** Row-major weights, `shape` = [inputs, outputs]. */
  w: number[];
  shape: number[];
  b: number[];
}

/** A trained head as plain JSON-serialisable data; `predictHead` needs nothing else. */
export interface TrainedHead {
  kind: 'linear' | 'mlp';
  d: number;
  hidden: number;
  /** Per-column training mean and standard deviation (floored at STD_FLOOR). */
  mean: number[];
  std: number[];
  /** Per-column multipliers applied after standardising, or null. */
  columnScale: number[] | null;
  /** linear: [d -> 1]; mlp: [d -> hidden (ReLU), hidden -> 1]. The output is a logit. */
  layers: HeadLayer[];
  /** What trained it: 'js' (the plain-JS linear trainer) or the tfjs backend ('wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'). */
  backend: string;
  params: HeadParams;
  history: EpochStats[];
  /** Total training wall time. */
  seconds: number;
}
