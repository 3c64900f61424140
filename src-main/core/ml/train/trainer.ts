/** What head.ts's training loop needs from a trainer (plain-JS linear or tfjs). */
import type { HeadLayer, HeadParams, LabelledMatrix, Matrix } from './types';

export interface TrainContext {
  train: LabelledMatrix;
  /** Column means of the training set. */
  mean: Float64Array;
  /** columnScale[j] / std[j]: the standardised value of x is (x - mean) * scale. */
  scale: Float64Array;
  /** Loss weight of a good (index 0) and a bad (index 1) sample. */
  classWeight: readonly [number, number];
  /**
   * Initial output bias: the log-odds of bad in the (weighted) training set. Adam moves a weight by
   * at most about learningRate per step, so a bias started at 0 could not reach, say, logit(0.1) =
   * -2.2 within the ~100 steps of a small training set.
   */
  priorLogit: number;
  params: HeadParams;
  /** Per-row loss weights (length train.n), multiplied with the class weight; absent = all 1. */
  sampleWeight?: Float32Array;
}

/** A step's running training statistics: summed unweighted BCE and right answers over its n rows. */
export interface StepStats {
  loss: number;
  right: number;
  n: number;
}

export interface Trainer {
  /** 'onnxruntime', 'js' or the tfjs backend name. */
  readonly backend: string;
  /**
   * One Adam step on the training rows rows[0..nb). A trainer that sees the batch's logits anyway
   * returns them as StepStats; the loop then reports running training loss and accuracy (as Keras
   * does) instead of scoring the whole training set again after each epoch.
   */
  step(rows: Int32Array, nb: number): void | StepStats | Promise<void | StepStats>;
  /** Logits for every row of m (raw, unstandardised features). */
  logits(m: Matrix): Float32Array | Promise<Float32Array>;
  /** The current weights, as TrainedHead stores them. */
  layers(): HeadLayer[];
  dispose(): void;
}

export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;
