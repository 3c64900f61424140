/**
 * Train and apply the classifier head that turns cached embeddings (plus hand-crafted signals)
 * into p(bad): logistic regression (`hidden: 0`) or a one-hidden-layer MLP (d -> hidden ReLU -> 1).
 *
 * Features are standardised with the training set's column means and standard deviations, then
 * column j is multiplied by `columnScale[j]` when given (to up-weight a small block of signals
 * against thousands of embedding columns). The loss is binary cross-entropy on one logit, with
 * optional class weights n / (2 n_class), plus l2 * Σ w² on the weights; Adam; dropout on the
 * hidden layer. The output bias starts at the (weighted) log-odds of bad. Training is a custom loop
 * over seeded shuffles (no `model.fit`) that evaluates the training and validation sets once per
 * epoch, and checks `signal` between batches.
 *
 * Engines (measured on 2 CPU cores, scripts/bench/train.ts --compare-sklearn): the linear head
 * trains in plain JavaScript (faster than every tfjs backend here, and exactly reproducible
 * anywhere); the MLP trains with tfjs-node(-gpu) where it installs, else on onnxruntime's GEMM
 * (ortHead.ts; tfjs-wasm is single-threaded in Node and ~5x slower). Trainers that see each batch's
 * logits report running training loss/accuracy, so an epoch is one pass over the training set.
 * Prediction lives in predict.ts.
 */
import { QcError } from '../../../../src-shared/contract/errors';
import { BACKEND_ENV, selectBackend } from './backend';
import { checkMatrix, columnStats, standardScale } from './matrix';
import { distanceColumns, fitDistance, MIN_FIT_ROWS, withDistance, type DistanceBlock, type DistanceSpec } from './distance';
import type { Trainer, TrainContext } from './trainer';
import { LinearJsTrainer } from './linearJs';
import { createRng, deriveSeed, shuffleInPlace } from './rng';
import { OrtHeadTrainer } from './ortHead';
import { TfHeadTrainer } from './tfHead';
import type { EpochStats, HeadParams, LabelledMatrix, TrainedHead } from './types';

import { DEFAULT_HEAD_PARAMS } from '../../../../src-shared/domain/ml';
export type { EpochStats, HeadLayer, HeadParams, LabelledMatrix, Matrix, TrainedHead } from './types';
export { checkMatrix, columnStats, STD_FLOOR } from './matrix';
export { checkHead, predictHead, predictHeadJs, predictHeadTf, type PredictOptions } from './predict';

export { DEFAULT_HEAD_PARAMS };

const SHUFFLE_STREAM = 3;
/** Yield to the event loop at least this often (ms) so an abort or an IPC message can get through. */
const YIELD_EVERY_MS = 20;

export type LinearEngineChoice = 'auto' | 'js' | 'onnxruntime' | 'tfjs';

export interface TrainHeadOptions {
  onEpoch?(e: EpochStats): void;
  signal?: AbortSignal;
  /** Multiplies standardised column j (length d). */
  columnScale?: Float32Array;
  /** Force a tfjs backend ('tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'); QC_TF_BACKEND still wins. */
  backend?: string;
  /**
   * Linear head only: 'auto' (= 'onnxruntime': its multi-threaded GEMM, 1.4-2.3x as fast as the
   * plain-JS trainer on 35,000 x 1,280), 'js' (plain JS, single thread), or 'tfjs' (the tfjs backend,
   * for comparison).
   */
  linearEngine?: LinearEngineChoice;
  /** MLP only: 'auto' (tfjs-node(-gpu) when it loads, else onnxruntime), 'onnxruntime', or 'tfjs' (the selected tfjs backend). */
  mlpEngine?: 'auto' | 'onnxruntime' | 'tfjs';
  /** Per-row loss weights (length train.n, each >= 0; e.g. label confidence), multiplied with the class weight. */
  sampleWeight?: Float32Array;
  /**
   * Fit a distance-from-good block (distance.ts) on the good rows among the first `realRows` of
   * `train` (the real ones; synthetic rows come after them) with a positive sample weight, append
   * its columns to every row, and store it with the head. Their column scale is `distanceWeight`
   * (default: columnScale at the block's first column, i.e. the signals' weight).
   */
  distance?: DistanceSpec;
  /** Rows 0..realRows of `train` are real images (default all); only they fit the distance block. */
  realRows?: number;
  distanceWeight?: number;
  /** onnxruntime intra-op threads of the trainer (default headThreads(): every core; 1 where fits run side by side, folds.ts). */
  threads?: number;
}

/**
 * Fit the distance block on the good real rows of `train` with a positive weight (see
 * TrainHeadOptions.distance). Where a small library leaves fewer than MIN_FIT_ROWS of them (a fold
 * of 10 good labels, most of them pruned as likely wrong), it falls back to every good real row,
 * weighted or not, then to the good rows with the synthetic ones (benign edits of good images),
 * rather than fail the run: a rougher reference of "good" beats no run.
 */
export function fitHeadDistance(train: LabelledMatrix, spec: DistanceSpec, realRows = train.n, sampleWeight?: Float32Array): DistanceBlock {
  const goodRows = (upTo: number, weighted: boolean) => {
    const rows: number[] = [];
    for (let i = 0; i < Math.min(upTo, train.n); i++) if (train.y[i] === 0 && (!weighted || !sampleWeight || sampleWeight[i]! > 0)) rows.push(i);
    return rows;
  };
  let rows = goodRows(realRows, true);
  if (rows.length < MIN_FIT_ROWS) rows = goodRows(realRows, false);
  if (rows.length < MIN_FIT_ROWS) rows = goodRows(train.n, false);
  return fitDistance(train, rows, spec);
}

export function abortError(): Error {
  const e = new Error('cancelled');
  e.name = 'AbortError';
  return e;
}

export function checkParams(p: HeadParams): void {
  const bad = (msg: string) => new QcError('bad_input', `head params: ${msg}`);
  if (!Number.isInteger(p.hidden) || p.hidden < 0) throw bad(`hidden must be an integer >= 0 (got ${p.hidden})`);
  if (!(p.dropout >= 0 && p.dropout < 1)) throw bad(`dropout must be in [0, 1) (got ${p.dropout})`);
  if (!(p.l2 >= 0)) throw bad(`l2 must be >= 0 (got ${p.l2})`);
  if (!(p.learningRate > 0)) throw bad(`learningRate must be > 0 (got ${p.learningRate})`);
  if (!Number.isInteger(p.epochs) || p.epochs < 0) throw bad(`epochs must be an integer >= 0 (got ${p.epochs})`);
  if (!Number.isInteger(p.batchSize) || p.batchSize < 1) throw bad(`batchSize must be an integer >= 1 (got ${p.batchSize})`);
  if (!Number.isFinite(p.seed)) throw bad(`seed must be a number (got ${p.seed})`);
}

/** Mean binary cross-entropy and accuracy of logits z against labels y. */
export function logitStats(z: Float32Array, y: Uint8Array): { loss: number; accuracy: number } {
  let loss = 0;
  let right = 0;
  for (let i = 0; i < z.length; i++) {
    const zi = z[i]!;
    const yi = y[i]!;
    loss += Math.max(zi, 0) - zi * yi + Math.log1p(Math.exp(-Math.abs(zi)));
    if (zi > 0 === (yi === 1)) right++;
  }
  return z.length ? { loss: loss / z.length, accuracy: right / z.length } : { loss: NaN, accuracy: NaN };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function makeTrainer(ctx: TrainContext, opts: TrainHeadOptions): Promise<Trainer> {
  const choice = opts.linearEngine ?? 'auto';
  if (ctx.params.hidden === 0 && choice === 'js') return new LinearJsTrainer(ctx);
  if (ctx.params.hidden === 0 && choice !== 'tfjs') return OrtHeadTrainer.create(ctx, opts.threads);
  // The MLP: tfjs-node(-gpu) where it installs (native TensorFlow, CUDA), else onnxruntime's
  // multi-threaded GEMM (~5x tfjs-wasm on 2 cores); a forced tfjs backend (option or QC_TF_BACKEND) wins.
  const mlp = opts.mlpEngine ?? 'auto';
  if (ctx.params.hidden > 0 && mlp === 'onnxruntime') return OrtHeadTrainer.create(ctx, opts.threads);
  const forced = Boolean(opts.backend || process.env[BACKEND_ENV]);
  const { name, tf } = await selectBackend(opts.backend);
  if (ctx.params.hidden > 0 && mlp === 'auto' && !forced && !name.startsWith('tensorflow')) return OrtHeadTrainer.create(ctx, opts.threads);
  return new TfHeadTrainer(tf, name, ctx);
}

/** Train a head on `train`, reporting each epoch (and the validation set's loss when given). */
export async function trainHead(
  trainIn: LabelledMatrix,
  validationIn: LabelledMatrix | null,
  params: HeadParams = DEFAULT_HEAD_PARAMS,
  opts: TrainHeadOptions = {},
): Promise<TrainedHead> {
  const started = performance.now();
  checkParams(params);
  checkMatrix(trainIn, 'training set', trainIn.y);
  if (trainIn.n < 1) throw new QcError('bad_input', 'training set: no rows');
  if (validationIn) {
    checkMatrix(validationIn, 'validation set', validationIn.y);
    if (validationIn.d !== trainIn.d) throw new QcError('bad_input', `validation set has ${validationIn.d} columns, the training set ${trainIn.d}`);
  }
  if (opts.columnScale && opts.columnScale.length !== trainIn.d) throw new QcError('bad_input', `columnScale has ${opts.columnScale.length} values for ${trainIn.d} columns`);
  if (opts.sampleWeight && opts.sampleWeight.length !== trainIn.n) throw new QcError('bad_input', `sampleWeight has ${opts.sampleWeight.length} values for ${trainIn.n} rows`);
  // The distance block: fitted on the good real training rows, its columns appended to every row.
  const distance = opts.distance ? fitHeadDistance(trainIn, opts.distance, opts.realRows, opts.sampleWeight) : null;
  const train: LabelledMatrix = distance ? { ...withDistance(distance, trainIn), y: trainIn.y } : trainIn;
  const validation: LabelledMatrix | null = distance && validationIn ? { ...withDistance(distance, validationIn), y: validationIn.y } : validationIn;
  let columnScale = opts.columnScale;
  if (distance) {
    const extended = new Float32Array(train.d).fill(1);
    if (columnScale) extended.set(columnScale);
    extended.fill(opts.distanceWeight ?? (columnScale ? columnScale[distance.start]! : 1), trainIn.d, trainIn.d + distanceColumns(distance));
    columnScale = extended;
  }
  const { signal } = opts;
  if (signal?.aborted) throw abortError();

  const { mean, std } = columnStats(train);
  const scale = new Float64Array(train.d);
  for (let j = 0; j < train.d; j++) scale[j] = standardScale(std[j]!, columnScale ? columnScale[j]! : 1);
  const { sampleWeight } = opts;
  if (sampleWeight) {
    if (sampleWeight.length !== train.n) throw new QcError('bad_input', `sampleWeight has ${sampleWeight.length} values for ${train.n} rows`);
    for (let i = 0; i < train.n; i++) if (!(sampleWeight[i]! >= 0)) throw new QcError('bad_input', `sampleWeight[${i}] = ${sampleWeight[i]} is not a number >= 0`);
  }
  // Class sizes as the loss sees them: summed sample weights.
  let wBad = 0;
  let wGood = 0;
  for (let i = 0; i < train.n; i++) {
    const w = sampleWeight ? sampleWeight[i]! : 1;
    if (train.y[i]) wBad += w;
    else wGood += w;
  }
  const wAll = wBad + wGood;
  const classWeight: [number, number] =
    params.classWeighting && wBad > 0 && wGood > 0 ? [wAll / (2 * wGood), wAll / (2 * wBad)] : [1, 1];
  const priorLogit = wBad > 0 && wGood > 0 ? Math.log((classWeight[1] * wBad) / (classWeight[0] * wGood)) : 0;
  const ctx: TrainContext = { train, mean, scale, classWeight, priorLogit, params, ...(sampleWeight && { sampleWeight }) };

  const engine = await makeTrainer(ctx, opts);
  const history: EpochStats[] = [];
  try {
    const order = Int32Array.from({ length: train.n }, (_, i) => i);
    const rand = createRng(deriveSeed(params.seed, SHUFFLE_STREAM));
    const bs = Math.min(params.batchSize, train.n);
    let lastYield = performance.now();
    const running = { loss: 0, right: 0, n: 0 };
    for (let epoch = 1; epoch <= params.epochs; epoch++) {
      shuffleInPlace(order, rand);
      for (let s = 0; s < train.n; s += bs) {
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        if (signal?.aborted) throw abortError();
        const nb = Math.min(bs, train.n - s);
        const st = await engine.step(order.subarray(s, s + nb), nb);
        if (st) {
          running.loss += st.loss;
          running.right += st.right;
          running.n += st.n;
        }
      }
      // Running statistics when the trainer gives them (no second pass over the training set).
      const tr = running.n ? { loss: running.loss / running.n, accuracy: running.right / running.n } : logitStats(await engine.logits(train), train.y);
      running.loss = running.right = running.n = 0;
      const stats: EpochStats = { epoch, trainLoss: tr.loss, trainAccuracy: tr.accuracy, seconds: 0 };
      if (validation && validation.n > 0) {
        const va = logitStats(await engine.logits(validation), validation.y);
        stats.valLoss = va.loss;
        stats.valAccuracy = va.accuracy;
      }
      stats.seconds = (performance.now() - started) / 1000;
      history.push(stats);
      opts.onEpoch?.(stats);
    }
    if (signal?.aborted) throw abortError();
    return {
      kind: params.hidden > 0 ? 'mlp' : 'linear',
      d: train.d,
      hidden: params.hidden,
      mean: Array.from(mean),
      std: Array.from(std),
      columnScale: columnScale ? Array.from(columnScale) : null,
      layers: engine.layers(),
      backend: engine.backend,
      params: { ...params },
      history,
      seconds: (performance.now() - started) / 1000,
      ...(distance && { distance }),
    };
  } finally {
    engine.dispose();
  }
}
