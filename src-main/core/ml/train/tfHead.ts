/**
 * The head as tfjs variables, trained with tf.train.adam through `optimizer.minimize` on mini-batches
 * that head.ts's loop chooses. Each batch is copied out of the caller's Float32Array and uploaded as
 * one tensor; nothing stays on the backend between steps except the weights, Adam's state and the
 * standardisation vectors.
 *
 * tfjs-backend-wasm runs a matMul with a transposed operand >10x slower than a plain one (measured:
 * 20 ms for matMul(x, dy, transposeA) vs 1.5 ms for the same product from a transposed copy, x
 * 256 x 1280, dy 256 x 64; tf.transpose itself takes 2 ms), and autodiff's gradient of x·W is
 * xᵀ·dy. So on wasm the MLP's first layer is a tf.customGrad whose gradient multiplies by a
 * transposed copy of the batch made in JavaScript (a tiled transpose, ~0.6 ms per 256 x 1280
 * batch). Likewise tf.gather of batch rows took 20 ms there, so batches are copied in JavaScript.
 */
import type * as TfType from '@tensorflow/tfjs';
import type { Tf } from './backend';
import type { Trainer, TrainContext } from './trainer';
import { ADAM } from './trainer';
import { createRng, deriveSeed } from './rng';
import type { HeadLayer, Matrix } from './types';

type Tensor = TfType.Tensor;
type Variable = TfType.Variable;

/** Streams of the seeded generator. */
const INIT_STREAM = 1;
const DROPOUT_STREAM = 2;

/** Rows per tensor when scoring a whole matrix: 2^24 floats (64 MB) per upload. */
export const EVAL_CHUNK_FLOATS = 1 << 24;

/** Glorot-uniform weights from the seeded generator (row-major [fanIn, fanOut]). */
export function glorotUniform(fanIn: number, fanOut: number, rand: () => number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const w = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < w.length; i++) w[i] = (rand() * 2 - 1) * limit;
  return w;
}

/** out (cols x rows) = transpose of a (rows x cols), in cache-friendly tiles. */
export function transposeInto(a: Float32Array, rows: number, cols: number, out: Float32Array): void {
  const T = 16;
  for (let i0 = 0; i0 < rows; i0 += T) {
    const i1 = Math.min(rows, i0 + T);
    for (let j0 = 0; j0 < cols; j0 += T) {
      const j1 = Math.min(cols, j0 + T);
      for (let i = i0; i < i1; i++) {
        const ai = i * cols;
        for (let j = j0; j < j1; j++) out[j * rows + i] = a[ai + j]!;
      }
    }
  }
}

export class TfHeadTrainer implements Trainer {
  readonly backend: string;
  private readonly vars: Variable[];
  private readonly optimizer: TfType.Optimizer;
  /** Column means as a row [1, d] and a column [d, 1]; standardisation scales as a column [d, 1]. */
  private readonly meanRow: Tensor;
  private readonly meanCol: Tensor;
  private readonly scaleCol: Tensor;
  private readonly xb: Float32Array;
  private readonly xbT: Float32Array | null;
  private readonly yb: Float32Array;
  private readonly swb: Float32Array;
  private readonly mask: Float32Array | null;
  private readonly dropoutRand: () => number;
  private readonly hidden: number;

  constructor(
    private readonly tf: Tf,
    backend: string,
    private readonly ctx: TrainContext,
  ) {
    this.backend = backend;
    const { d } = ctx.train;
    const { hidden, batchSize, dropout, seed, learningRate } = ctx.params;
    this.hidden = hidden;
    const rand = createRng(deriveSeed(seed, INIT_STREAM));
    this.dropoutRand = createRng(deriveSeed(seed, DROPOUT_STREAM));
    this.vars = tf.tidy(() =>
      hidden > 0
        ? [
            tf.variable(tf.tensor2d(glorotUniform(d, hidden, rand), [d, hidden]), true, 'w1'),
            tf.variable(tf.zeros([hidden]), true, 'b1'),
            tf.variable(tf.tensor2d(glorotUniform(hidden, 1, rand), [hidden, 1]), true, 'w2'),
            tf.variable(tf.tensor1d([ctx.priorLogit]), true, 'b2'),
          ]
        : [tf.variable(tf.zeros([d, 1]), true, 'w1'), tf.variable(tf.tensor1d([ctx.priorLogit]), true, 'b1')],
    );
    this.optimizer = tf.train.adam(learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
    const mean32 = Float32Array.from(ctx.mean);
    this.meanRow = tf.tensor2d(mean32, [1, d]);
    this.meanCol = tf.tensor2d(mean32, [d, 1]);
    this.scaleCol = tf.tensor2d(Float32Array.from(ctx.scale), [d, 1]);
    const bs = Math.min(batchSize, ctx.train.n);
    this.xb = new Float32Array(bs * d);
    this.xbT = hidden > 0 && backend === 'wasm' ? new Float32Array(bs * d) : null;
    this.yb = new Float32Array(bs);
    this.swb = new Float32Array(bs);
    this.mask = hidden > 0 && dropout > 0 ? new Float32Array(bs * hidden) : null;
  }

  /**
   * One Adam step. The batch is copied raw (a row copy; plus a transposed copy on wasm) and centred
   * on the backend; the per-column scale is folded into the first layer, (x - mean)·scale·W =
   * (x - mean)·(scale∘W), so the gradient reaches W through that product. The same maths as
   * standardising the batch, without a multiply per value in JavaScript (~1 ms per 256 x 1280 batch).
   */
  step(rows: Int32Array, nb: number): void {
    const { tf, ctx, xb, xbT, yb, swb, mask, hidden } = this;
    const { x, y, d } = ctx.train;
    const { classWeight, params } = ctx;
    for (let i = 0; i < nb; i++) {
      const r = rows[i]!;
      xb.set(x.subarray(r * d, (r + 1) * d), i * d);
      const label = y[r]!;
      yb[i] = label;
      swb[i] = classWeight[label ? 1 : 0] * (ctx.sampleWeight ? ctx.sampleWeight[r]! : 1);
    }
    if (xbT) transposeInto(xb, nb, d, xbT);
    if (mask) {
      const keep = 1 - params.dropout;
      const rand = this.dropoutRand;
      for (let k = 0; k < nb * hidden; k++) mask[k] = rand() < keep ? 1 / keep : 0;
    }
    const [w1, b1, w2, b2] = this.vars as [Variable, Variable, Variable?, Variable?];
    tf.tidy(() => {
      const X = tf.sub(tf.tensor2d(xb.subarray(0, nb * d), [nb, d]), this.meanRow);
      const XT = xbT ? tf.sub(tf.tensor2d(xbT.subarray(0, nb * d), [d, nb]), this.meanCol) : null;
      const Y = tf.tensor2d(yb.subarray(0, nb), [nb, 1]);
      const SW = tf.tensor2d(swb.subarray(0, nb), [nb, 1]);
      const M = mask ? tf.tensor2d(mask.subarray(0, nb * hidden), [nb, hidden]) : null;
      const firstLayer = XT
        ? tf.customGrad((...args) => ({ value: tf.matMul(X, args[0] as Tensor), gradFunc: (dy: Tensor) => tf.matMul(XT, dy) }))
        : (w: Tensor) => tf.matMul(X, w);
      this.optimizer.minimize(
        () => {
          let z = tf.add(firstLayer(tf.mul(w1, this.scaleCol)), b1);
          if (w2 && b2) {
            let h = tf.relu(z);
            if (M) h = tf.mul(h, M);
            z = tf.add(tf.matMul(h, w2), b2);
          }
          // Binary cross-entropy with logits, stable form: max(z, 0) - z·y + log(1 + e^-|z|).
          const bce = tf.add(tf.sub(tf.relu(z), tf.mul(z, Y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
          let loss = tf.div(tf.sum(tf.mul(bce, SW)), nb);
          if (params.l2 > 0) {
            const sq = w2 ? tf.add(tf.sum(tf.square(w1)), tf.sum(tf.square(w2))) : tf.sum(tf.square(w1));
            loss = tf.add(loss, tf.mul(sq, params.l2));
          }
          return loss as TfType.Scalar;
        },
        false,
        this.vars,
      );
    });
  }

  logits(m: Matrix): Float32Array {
    const { tf } = this;
    const { x, n, d } = m;
    const out = new Float32Array(n);
    const chunk = Math.max(1, Math.floor(EVAL_CHUNK_FLOATS / Math.max(1, d)));
    const [w1, b1, w2, b2] = this.vars as [Variable, Variable, Variable?, Variable?];
    const w1s = tf.mul(w1, this.scaleCol);
    try {
      for (let s = 0; s < n; s += chunk) {
        const rows = Math.min(chunk, n - s);
        const z = tf.tidy(() => {
          const X = tf.sub(tf.tensor2d(x.subarray(s * d, (s + rows) * d), [rows, d]), this.meanRow);
          let out = tf.add(tf.matMul(X, w1s), b1);
          if (w2 && b2) out = tf.add(tf.matMul(tf.relu(out), w2), b2);
          return out.dataSync() as Float32Array;
        });
        out.set(z, s);
      }
    } finally {
      w1s.dispose();
    }
    return out;
  }

  layers(): HeadLayer[] {
    const v = this.vars.map((t) => ({ data: Array.from(t.dataSync()), shape: t.shape }));
    const layers: HeadLayer[] = [];
    for (let i = 0; i + 1 < v.length; i += 2) layers.push({ w: v[i]!.data, shape: [...v[i]!.shape], b: v[i + 1]!.data });
    return layers;
  }

  dispose(): void {
    this.optimizer.dispose();
    for (const v of this.vars) v.dispose();
    this.meanRow.dispose();
    this.meanCol.dispose();
    this.scaleCol.dispose();
  }
}
