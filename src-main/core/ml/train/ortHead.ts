/**
 * The head's training step — forward and backward pass and Adam — as one small ONNX graph run by
 * onnxruntime (MLAS: SIMD, multi-threaded). The same model, loss, initialisation, dropout masks and
 * Adam as tfHead.ts (and linearJs.ts for `hidden: 0`):
 *
 *   Xs = (X - mean) * scale;  Z1 = Xs·W1 + b1;  H = relu(Z1) * mask;  z = H·W2 + b2
 *   loss = Σ w_i BCE(z_i, y_i) / nb + l2 (ΣW1² + ΣW2²)
 *
 * The graph returns the logits of the batch (for the running training loss) and the gradients
 * (written out by hand: dz = w (σ(z) - y) / nb, gW2 = Hᵀ dz, dZ1 = dz W2ᵀ ∘ mask ∘ [Z1 > 0],
 * gW1 = Xsᵀ dZ1). For the MLP, Adam updates the first layer's float32 weights and float32 moments
 * (as tfjs does) in the same graph (fusedStepGraph), which standardises its batch; the small
 * parameters (the MLP's biases and output layer, the linear head's weights) get Adam in JavaScript
 * (float64 moments). The graphs gather a batch's rows from the whole training matrix, which
 * onnxruntime reads in place.
 *
 * Why: on 2 cores MLAS runs the 1,280 × 64 layer ~5x faster than tfjs-wasm (single-threaded in
 * Node) and the linear head ~3x faster than the scalar JS loop (scripts/bench/train.ts).
 * Results are reproducible run to run on one machine and thread count (MLAS splits a GEMM's
 * output tiles between threads, never a sum), not bit-identical across CPUs.
 */
import os from 'node:os';
import type * as Ort from 'onnxruntime-node';
import { ort } from '../../deferred';
import type { StepStats, Trainer, TrainContext } from './trainer';
import { ADAM } from './trainer';
import { sessionOptions } from '../backbone/runtime';
import { OnnxGraph } from './onnxGraph';
import { createRng, deriveSeed } from './rng';
import { glorotUniform } from './tfHead';
import type { HeadLayer, Matrix } from './types';

/** Streams of the seeded generator (the same as tfHead.ts, so both start from the same weights). */
const INIT_STREAM = 1;
const DROPOUT_STREAM = 2;
/** Rows per forward call when scoring a whole matrix. */
const EVAL_ROWS = 8192;

/** onnxruntime threads for head training: every core (the trainer runs alone in its worker). */
export function headThreads(): number {
  const env = Number(process.env.QC_TRAIN_THREADS);
  return Number.isInteger(env) && env > 0 ? env : Math.max(1, os.availableParallelism());
}

/** The batch's rows gathered from the whole training matrix (`xall`, read in place) by their indices (`rows`). */
function batchRows(g: OnnxGraph, d: number): string {
  return g.op('Gather', [g.input('xall', ['R', d]), g.input('rows', ['N'], 'int64')], { axis: 0 });
}

function stepGraph(d: number, hidden: number, dropout: boolean): Uint8Array {
  const g = new OnnxGraph();
  const X = batchRows(g, d);
  const Y = g.input('y', ['N', 1]);
  const SW = g.input('sw', ['N', 1]);
  const W1 = g.input('w1', [d, hidden || 1]);
  const B1 = g.input('b1', [hidden || 1]);
  const axes0 = g.int64s([0]);
  if (hidden === 0) {
    const Z = g.op('Gemm', [X, W1, B1], {}, 'z');
    const D = g.op('Mul', [g.op('Sub', [g.op('Sigmoid', [Z]), Y]), SW]);
    g.op('Gemm', [X, D], { transA: 1 }, 'gw1');
    g.op('ReduceSum', [D, axes0], { keepdims: 0 }, 'gb1');
    g.output('z', ['N', 1]);
    g.output('gw1', [d, 1]);
    g.output('gb1', [1]);
    return g.encode();
  }
  const W2 = g.input('w2', [hidden, 1]);
  const B2 = g.input('b2', [1]);
  const M = dropout ? g.input('mask', ['N', hidden]) : null;
  const R = g.op('Relu', [g.op('Gemm', [X, W1, B1])]);
  const H = M ? g.op('Mul', [R, M]) : R;
  const Z = g.op('Gemm', [H, W2, B2], {}, 'z');
  const D2 = g.op('Mul', [g.op('Sub', [g.op('Sigmoid', [Z]), Y]), SW]);
  g.op('Gemm', [H, D2], { transA: 1 }, 'gw2');
  g.op('ReduceSum', [D2, axes0], { keepdims: 0 }, 'gb2');
  const DH = g.op('Gemm', [D2, W2], { transB: 1 });
  const gate = g.op('Sign', [R]);
  const D1 = g.op('Mul', [M ? g.op('Mul', [DH, M]) : DH, gate]);
  g.op('Gemm', [X, D1], { transA: 1 }, 'gw1');
  g.op('ReduceSum', [D1, axes0], { keepdims: 0 }, 'gb1');
  g.output('z', ['N', 1]);
  g.output('gw1', [d, hidden]);
  g.output('gb1', [hidden]);
  g.output('gw2', [hidden, 1]);
  g.output('gb2', [1]);
  return g.encode();
}

function forwardGraph(d: number, hidden: number): Uint8Array {
  const g = new OnnxGraph();
  const X = g.input('x', ['N', d]);
  const W1 = g.input('w1', [d, hidden || 1]);
  const B1 = g.input('b1', [hidden || 1]);
  if (hidden === 0) {
    g.op('Gemm', [X, W1, B1], {}, 'z');
  } else {
    const W2 = g.input('w2', [hidden, 1]);
    const B2 = g.input('b2', [1]);
    g.op('Gemm', [g.op('Relu', [g.op('Gemm', [X, W1, B1])]), W2, B2], {}, 'z');
  }
  g.output('z', ['N', 1]);
  return g.encode();
}

/** The head's parameters in layers() order: name, shape, and whether the L2 penalty applies (weights, not biases). */
function paramShapes(d: number, hidden: number): { name: 'w1' | 'b1' | 'w2' | 'b2'; dims: number[]; l2: boolean }[] {
  return hidden > 0
    ? [
        { name: 'w1', dims: [d, hidden], l2: true },
        { name: 'b1', dims: [hidden], l2: false },
        { name: 'w2', dims: [hidden, 1], l2: true },
        { name: 'b2', dims: [1], l2: false },
      ]
    : [
        { name: 'w1', dims: [d, 1], l2: true },
        { name: 'b1', dims: [1], l2: false },
      ];
}

/**
 * One training step of the MLP as one graph: the batch's rows gathered (batchRows) and
 * standardised with this training set's column means and scales (constants of the graph, one per
 * trainer), the forward and backward pass of stepGraph, the L2 term added to the weight gradients
 * by the gradient GEMMs themselves (Gemm's C input, beta = 2·l2), and Adam on the first layer's
 * weights.
 * The hidden biases and the output layer (hidden + hidden + 1 values) get Adam in JavaScript from
 * the graph's gradients `gb1`, `gw2`, `gb2` (the L2 term already in `gw2`).
 *
 * The first layer's Adam keeps its moments rescaled so that each update is few passes:
 * u = m / (1 − β1) and s = v / (1 − β2) give u' = β1·u + g, s' = β2·s + g², and
 * w' = w − a·u' / (√s' + e), with the step's scalars a = lr·(1 − β1)/(1 − β1^t) / c and
 * e = ε / c, c = √((1 − β2)/(1 − β2^t)) — the same update as m / (√(v / (1 − β2^t)) + ε) with
 * m, v the usual moments, up to float32 rounding. Inputs per step: the batch (`xall`, `rows`, `y`,
 * `sw`, `mask`), `w1`, `w1_u`, `w1_s`, `b1`, `w2`, `b2`, `a`, `e`; outputs `z`, `w1_next`,
 * `w1_u_next`, `w1_s_next`, `gb1`, `gw2`, `gb2`.
 *
 * Why: each element-wise pass over the d × hidden weights (~250,000 for 3,898 columns) costs about
 * as much as a fifth of a GEMM on 2 cores, and every node, however small, has a fixed cost
 * (profiled with onnxruntime's profiler, `npm run bench:train`). Folding the standardisation into
 * the weights (as the forward graph does) took five such passes a step, L2 and Adam in plain form
 * fifteen more, and Adam on the 129 small parameters forty-five tiny nodes; now the first layer has
 * ten passes (the batch's standardisation two more, over batch × d values) and the small
 * parameters none.
 */
function fusedStepGraph(d: number, hidden: number, dropout: boolean, ctx: Pick<TrainContext, 'mean' | 'scale'>, l2x2: number): Uint8Array {
  if (!(hidden > 0)) throw new Error('fusedStepGraph: the linear head takes stepGraph and Adam in JavaScript');
  const { beta1, beta2 } = ADAM;
  const g = new OnnxGraph();
  const Xraw = batchRows(g, d);
  const Y = g.input('y', ['N', 1]);
  const SW = g.input('sw', ['N', 1]);
  const A = g.input('a', []);
  const E = g.input('e', []);
  const M = dropout ? g.input('mask', ['N', hidden]) : null;
  const W1 = g.input('w1', [d, hidden]);
  const U1 = g.input('w1_u', [d, hidden]);
  const S1 = g.input('w1_s', [d, hidden]);
  const B1 = g.input('b1', [hidden]);
  const W2 = g.input('w2', [hidden, 1]);
  const B2 = g.input('b2', [1]);
  const axes0 = g.int64s([0]);
  const X = g.op('Mul', [g.op('Sub', [Xraw, g.floats(ctx.mean, [1, d])]), g.floats(ctx.scale, [1, d])]);
  const R = g.op('Relu', [g.op('Gemm', [X, W1, B1])]);
  const H = M ? g.op('Mul', [R, M]) : R;
  const Z = g.op('Gemm', [H, W2, B2], {}, 'z');
  const D2 = g.op('Mul', [g.op('Sub', [g.op('Sigmoid', [Z]), Y]), SW]);
  g.op('Gemm', [H, D2, W2], { transA: 1, beta: { float: l2x2 } }, 'gw2');
  g.op('ReduceSum', [D2, axes0], { keepdims: 0 }, 'gb2');
  const DH = g.op('Gemm', [D2, W2], { transB: 1 });
  const D1 = g.op('Mul', [M ? g.op('Mul', [DH, M]) : DH, g.op('Sign', [R])]);
  g.op('ReduceSum', [D1, axes0], { keepdims: 0 }, 'gb1');
  const G1 = g.op('Gemm', [X, D1, W1], { transA: 1, beta: { float: l2x2 } });
  const c = (v: number) => g.floats([v], []);
  const u = g.op('Add', [g.op('Mul', [U1, c(beta1)]), G1], {}, 'w1_u_next');
  const s = g.op('Add', [g.op('Mul', [S1, c(beta2)]), g.op('Mul', [G1, G1])], {}, 'w1_s_next');
  g.op('Sub', [W1, g.op('Mul', [g.op('Div', [u, g.op('Add', [g.op('Sqrt', [s]), E])]), A])], {}, 'w1_next');
  g.output('z', ['N', 1]);
  g.output('w1_next', [d, hidden]);
  g.output('w1_u_next', [d, hidden]);
  g.output('w1_s_next', [d, hidden]);
  g.output('gb1', [hidden]);
  g.output('gw2', [hidden, 1]);
  g.output('gb2', [1]);
  return g.encode();
}

async function session(bytes: Uint8Array, threads: number): Promise<Ort.InferenceSession> {
  // Every session of ours starts from sessionOptions: among others, idle intra-op threads sleep
  // instead of spinning. Spinning burnt a third more CPU for the same weights here, and on 2 busy
  // cores took that time from everything else (qc train on the dev set at load ~5: 42 → 24–26 user
  // CPU-s, wall 51–68 → 27–45 s).
  return ort.InferenceSession.create(bytes, { ...sessionOptions('cpu', threads), interOpNumThreads: 1, executionMode: 'sequential' });
}

interface Param {
  name: string;
  /** The weights and their Adam moments (the MLP's first layer: replaced by the step graph's outputs after every step). */
  w: Float32Array;
  dims: number[];
  /**
   * The MLP's first layer: float32, rescaled (u = m / (1 − β1), s = v / (1 − β2); fusedStepGraph);
   * every other parameter: float64, for Adam in JavaScript.
   */
  m: Float32Array | Float64Array;
  v: Float32Array | Float64Array;
  /** Whether the L2 penalty applies (weights, not biases). */
  l2: boolean;
}

/** Running training loss and accuracy of a batch from its logits (before the update, as Keras reports them). */
function batchStats(z: Float32Array, y: Float32Array, nb: number): StepStats {
  let loss = 0;
  let right = 0;
  for (let i = 0; i < nb; i++) {
    const zi = z[i]!;
    const yi = y[i]!;
    loss += Math.max(zi, 0) - zi * yi + Math.log1p(Math.exp(-Math.abs(zi)));
    if (zi > 0 === (yi === 1)) right++;
  }
  return { loss, right, n: nb };
}

export class OrtHeadTrainer implements Trainer {
  readonly backend = 'onnxruntime';
  private readonly params: Param[];
  /** The batch's row indices: the graphs gather its rows from the whole training matrix (`xall`). */
  private readonly rowIndex: BigInt64Array;
  private readonly xall: Ort.Tensor;
  private readonly yb: Float32Array;
  private readonly swb: Float32Array;
  private readonly mask: Float32Array | null;
  private readonly dropoutRand: () => number;
  /** First layer in raw-feature space: w1s = scale∘w1 (row-scaled), b1s = b1 − mean·w1s. */
  private readonly w1s: Float32Array;
  private readonly b1s: Float32Array;
  private t = 0;
  /**
   * The MLP's spare first-layer weights and moments: the step graph writes into them (onnxruntime
   * fills pre-allocated outputs) and they swap with the current ones, so no step allocates
   * (and page-faults) three fresh d × hidden arrays.
   */
  private spare: { w: Float32Array; m: Float32Array; v: Float32Array } | null = null;
  /** The plain forward + backward graph behind `gradients()`: the linear head's step; for the MLP (tests only) made on first use. */
  private gradSession: Promise<Ort.InferenceSession> | null;

  private constructor(
    private readonly ctx: TrainContext,
    private readonly stepSession: Ort.InferenceSession,
    private readonly forwardSession: Ort.InferenceSession,
    private readonly threads: number,
  ) {
    this.gradSession = ctx.params.hidden > 0 ? null : Promise.resolve(stepSession);
    const { d } = ctx.train;
    const { hidden, batchSize, dropout, seed } = ctx.params;
    const rand = createRng(deriveSeed(seed, INIT_STREAM));
    this.dropoutRand = createRng(deriveSeed(seed, DROPOUT_STREAM));
    // Initial values (drawn in this order, as tfHead.ts): Glorot weights for the MLP, zeros for the
    // linear head's; zero hidden biases; the output bias at the prior's log-odds.
    const init = {
      w1: () => (hidden > 0 ? glorotUniform(d, hidden, rand) : new Float32Array(d)),
      b1: () => (hidden > 0 ? new Float32Array(hidden) : Float32Array.of(ctx.priorLogit)),
      w2: () => glorotUniform(hidden, 1, rand),
      b2: () => Float32Array.of(ctx.priorLogit),
    };
    this.params = paramShapes(d, hidden).map(({ name, dims, l2 }) => {
      const w = init[name]();
      const Moments = hidden > 0 && name === 'w1' ? Float32Array : Float64Array;
      return { name, w, dims, m: new Moments(w.length), v: new Moments(w.length), l2 };
    });
    const bs = Math.min(batchSize, ctx.train.n);
    this.rowIndex = new BigInt64Array(bs);
    this.xall = new ort.Tensor('float32', ctx.train.x.subarray(0, ctx.train.n * d), [ctx.train.n, d]);
    this.yb = new Float32Array(bs);
    this.swb = new Float32Array(bs);
    this.mask = hidden > 0 && dropout > 0 ? new Float32Array(bs * hidden) : null;
    this.w1s = new Float32Array(this.params[0]!.w.length);
    this.b1s = new Float32Array(this.params[1]!.w.length);
    if (hidden > 0) {
      const k = this.params[0]!.w.length;
      this.spare = { w: new Float32Array(k), m: new Float32Array(k), v: new Float32Array(k) };
    }
  }

  static async create(ctx: TrainContext, threads = headThreads()): Promise<OrtHeadTrainer> {
    const { d } = ctx.train;
    const { hidden, dropout } = ctx.params;
    // The MLP's whole step in one graph; the linear head's d weights are too few for that to pay
    // (the extra nodes' overhead outweighs one JavaScript pass over d values): plain graph + Adam in JS.
    const [step, forward] = await Promise.all([
      session(hidden > 0 ? fusedStepGraph(d, hidden, dropout > 0, ctx, 2 * ctx.params.l2) : stepGraph(d, 0, false), threads),
      session(forwardGraph(d, hidden), threads),
    ]);
    return new OrtHeadTrainer(ctx, step, forward, threads);
  }

  /**
   * The weights as graph inputs, the first layer folded into raw-feature space so the graph never
   * standardises a batch: (x − mean)·scale·W1 + b1 = x·(scale∘W1) + (b1 − mean·(scale∘W1)).
   */
  private weightFeeds(): Record<string, Ort.Tensor> {
    const { mean, scale } = this.ctx;
    const { w1s, b1s } = this;
    const w1 = this.params[0]!.w;
    const b1 = this.params[1]!.w;
    const h = b1.length;
    const acc = new Float64Array(h);
    for (let j = 0, o = 0; j < scale.length; j++, o += h) {
      const sj = scale[j]!;
      const mj = mean[j]!;
      for (let k = 0; k < h; k++) {
        const v = sj * w1[o + k]!;
        w1s[o + k] = v;
        acc[k] = acc[k]! + mj * v;
      }
    }
    for (let k = 0; k < h; k++) b1s[k] = b1[k]! - acc[k]!;
    const feeds: Record<string, Ort.Tensor> = {
      w1: new ort.Tensor('float32', w1s, this.params[0]!.dims),
      b1: new ort.Tensor('float32', b1s, this.params[1]!.dims),
    };
    for (const p of this.params.slice(2)) feeds[p.name] = new ort.Tensor('float32', p.w, p.dims);
    return feeds;
  }

  /**
   * The batch as graph inputs: its row indices (`rows`; the whole training matrix goes as `xall`,
   * which onnxruntime reads in place, and the graphs gather the rows in native code — copying them
   * here took a fifth of an MLP step on 35,000 × 1,280 rows), its labels and loss weights in
   * reused buffers, and its dropout mask, drawn.
   */
  private fillBatch(rows: Int32Array, nb: number): Record<string, Ort.Tensor> {
    const { ctx, yb, swb, mask, rowIndex } = this;
    const { y } = ctx.train;
    const { classWeight, params } = ctx;
    const sw = ctx.sampleWeight;
    for (let i = 0; i < nb; i++) {
      const r = rows[i]!;
      rowIndex[i] = BigInt(r);
      const label = y[r]!;
      yb[i] = label;
      swb[i] = (classWeight[label ? 1 : 0] * (sw ? sw[r]! : 1)) / nb;
    }
    const feeds: Record<string, Ort.Tensor> = {
      xall: this.xall,
      rows: new ort.Tensor('int64', rowIndex.subarray(0, nb), [nb]),
      y: new ort.Tensor('float32', yb.subarray(0, nb), [nb, 1]),
      sw: new ort.Tensor('float32', swb.subarray(0, nb), [nb, 1]),
    };
    if (mask) {
      const keep = 1 - params.dropout;
      const rand = this.dropoutRand;
      const hidden = params.hidden;
      for (let k = 0; k < nb * hidden; k++) mask[k] = rand() < keep ? 1 / keep : 0;
      feeds.mask = new ort.Tensor('float32', mask.subarray(0, nb * hidden), [nb, hidden]);
    }
    return feeds;
  }

  /**
   * The batch's logits and the loss gradients (without the L2 term) in standardised space, one
   * array per parameter in layers() order: w1, b1 (, w2, b2), from the plain forward + backward
   * graph. Draws the batch's dropout mask. The linear head's step uses it; the MLP's step graph
   * computes the same gradients inside, and the tests check these against finite differences.
   */
  async gradients(rows: Int32Array, nb: number): Promise<{ z: Float32Array; y: Float32Array; grads: Float32Array[] }> {
    const { ctx } = this;
    const { d } = ctx.train;
    const hidden = ctx.params.hidden;
    this.gradSession ??= session(stepGraph(d, hidden, hidden > 0 && ctx.params.dropout > 0), this.threads);
    const feeds = { ...this.fillBatch(rows, nb), ...this.weightFeeds() };
    const out = await (await this.gradSession).run(feeds);
    // The graph's gw1 is xᵀ·dZ1 in raw-feature space; back to standardised space:
    // scale∘(xᵀ·dZ1 − mean ⊗ Σ dZ1).
    const { mean, scale } = ctx;
    const gw1 = out.gw1!.data as Float32Array;
    const gb1 = out.gb1!.data as Float32Array;
    const h = gb1.length;
    for (let j = 0, o = 0; j < scale.length; j++, o += h) {
      const sj = scale[j]!;
      const mj = mean[j]!;
      for (let k = 0; k < h; k++) gw1[o + k] = sj * (gw1[o + k]! - mj * gb1[k]!);
    }
    return { z: out.z!.data as Float32Array, y: this.yb, grads: this.params.map((p) => out[`g${p.name}`]!.data as Float32Array) };
  }

  /**
   * One step of Adam on the batch. The MLP: the first layer's all in the step graph
   * (fusedStepGraph), the small parameters' Adam in JavaScript on its gradients; the linear head:
   * the plain graph's gradients, Adam in JavaScript.
   */
  async step(rows: Int32Array, nb: number): Promise<StepStats> {
    this.t++;
    if (this.ctx.params.hidden === 0) {
      const { z, y, grads } = await this.gradients(rows, nb);
      this.adam(this.params, grads, true);
      return batchStats(z, y, nb);
    }
    const { beta1, beta2, epsilon } = ADAM;
    const feeds = this.fillBatch(rows, nb);
    const c = Math.sqrt((1 - beta2) / (1 - beta2 ** this.t));
    feeds.a = new ort.Tensor('float32', Float32Array.of((this.ctx.params.learningRate * (1 - beta1)) / (1 - beta1 ** this.t) / c), []);
    feeds.e = new ort.Tensor('float32', Float32Array.of(epsilon / c), []);
    const [w1, ...small] = this.params as [Param, ...Param[]];
    feeds.w1 = new ort.Tensor('float32', w1.w, w1.dims);
    feeds.w1_u = new ort.Tensor('float32', w1.m as Float32Array, w1.dims);
    feeds.w1_s = new ort.Tensor('float32', w1.v as Float32Array, w1.dims);
    for (const p of small) feeds[p.name] = new ort.Tensor('float32', p.w, p.dims);
    const spare = this.spare!;
    const out = await this.stepSession.run(feeds, {
      z: null,
      w1_next: new ort.Tensor('float32', spare.w, w1.dims),
      w1_u_next: new ort.Tensor('float32', spare.m, w1.dims),
      w1_s_next: new ort.Tensor('float32', spare.v, w1.dims),
      gb1: null,
      gw2: null,
      gb2: null,
    });
    this.spare = { w: w1.w, m: w1.m as Float32Array, v: w1.v as Float32Array };
    [w1.w, w1.m, w1.v] = [spare.w, spare.m, spare.v];
    // The graph's gw2 already holds the L2 term (its Gemm's C input).
    this.adam(small, small.map((p) => out[`g${p.name}`]!.data as Float32Array), false);
    return batchStats(out.z!.data as Float32Array, this.yb, nb);
  }

  /**
   * Adam in JavaScript with float64 moments, for step t = this.t: the linear head's weights, the
   * MLP's small parameters. `addL2`: add the L2 term to the weights' gradients here (false when
   * the graph already did).
   */
  private adam(params: Param[], grads: Float32Array[], addL2: boolean): void {
    const { beta1, beta2, epsilon } = ADAM;
    const lr = this.ctx.params.learningRate;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    const l2x2 = 2 * this.ctx.params.l2;
    params.forEach((p, i) => {
      const g = grads[i]!;
      const { w, m, v } = p;
      const decay = p.l2 && addL2 ? l2x2 : 0;
      for (let j = 0; j < w.length; j++) {
        const gj = g[j]! + decay * w[j]!;
        const mj = (m[j] = beta1 * m[j]! + (1 - beta1) * gj);
        const vj = (v[j] = beta2 * v[j]! + (1 - beta2) * gj * gj);
        w[j] = w[j]! - (lr * (mj / c1)) / (Math.sqrt(vj / c2) + epsilon);
      }
    });
  }

  async logits(m: Matrix): Promise<Float32Array> {
    const { x, n, d } = m;
    const out = new Float32Array(n);
    const feeds = this.weightFeeds();
    for (let s = 0; s < n; s += EVAL_ROWS) {
      const rows = Math.min(EVAL_ROWS, n - s);
      feeds.x = new ort.Tensor('float32', x.subarray(s * d, (s + rows) * d), [rows, d]);
      const z = (await this.forwardSession.run(feeds)).z!.data as Float32Array;
      out.set(z, s);
    }
    return out;
  }

  layers(): HeadLayer[] {
    const layers: HeadLayer[] = [];
    for (let i = 0; i + 1 < this.params.length; i += 2) {
      const w = this.params[i]!;
      layers.push({ w: Array.from(w.w), shape: [...w.dims], b: Array.from(this.params[i + 1]!.w) });
    }
    return layers;
  }

  dispose(): void {
    void this.stepSession.release().catch(() => undefined);
    void this.forwardSession.release().catch(() => undefined);
    if (this.ctx.params.hidden > 0) void this.gradSession?.then((g) => g.release()).catch(() => undefined);
  }
}
