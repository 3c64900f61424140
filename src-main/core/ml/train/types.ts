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

/** The head's hyperparameters and per-epoch stats are part of the API contract. */
export type { EpochStats, HeadParams } from '../../../../src-shared/domain/ml';
import type { EpochStats, HeadParams } from '../../../../src-shared/domain/ml';
import type { DistanceBlock } from './distance';
import type { Calibration } from './calibrate';

export interface HeadLayer {
  /** Row-major weights, `shape` = [inputs, outputs]. */
  w: number[];
  shape: number[];
  b: number[];
}

/** A trained head as plain JSON-serialisable data; `predictHead` needs nothing else. */
export interface TrainedHead {
  kind: 'linear' | 'mlp';
  /** Columns the layers see: the input row's columns plus the distance block's appended ones. */
  d: number;
  hidden: number;
  /** Per-column training mean and standard deviation (floored at STD_FLOOR). */
  mean: number[];
  std: number[];
  /** Per-column multipliers applied after standardising, or null. */
  columnScale: number[] | null;
  /** linear: [d -> 1]; mlp: [d -> hidden (ReLU), hidden -> 1]. The output is a logit. */
  layers: HeadLayer[];
  /** What trained it: 'onnxruntime' (the GEMM trainer, linear and MLP), 'js' (the plain-JS linear trainer) or the tfjs backend ('wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'). */
  backend: string;
  params: HeadParams;
  history: EpochStats[];
  /** Total training wall time. */
  seconds: number;
  /**
   * The NIQE-style distance-from-good block (distance.ts) fitted on this head's good training rows:
   * prediction appends its columns to each input row before the layers. Absent = none.
   */
  distance?: DistanceBlock | null;
  /** Platt scaling fitted on out-of-fold logits, already folded into the last layer (calibrate.ts); recorded here. */
  calibration?: Calibration | null;
}
