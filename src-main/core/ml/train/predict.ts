/**
 * p(bad) from a TrainedHead (plain data, e.g. parsed from JSON) for every row of a matrix.
 *
 * Two implementations, measured on 20,000 x 3,840 rows with 2 CPU cores (scripts/bench/train.ts
 * --compare): plain JavaScript in double precision (linear 0.11 s, MLP 64 5.0 s, MLP 128 9.6 s)
 * and tfjs-wasm in chunks of 2^24 values (linear 0.11 s, MLP 64 0.39 s, MLP 128 0.69 s; they
 * agree within 3e-6). So `predictHead` runs the linear head in JavaScript and the MLP on tfjs
 * (~13x faster); each gives the same outputs every time on the same backend. `predictHeadJs` is
 * the synchronous, backend-independent one.
 */
import { QcError } from '../../../../src-shared/contract/errors';
import { selectBackend, type Tf } from './backend';
import { checkDistance, distanceColumns, withDistance } from './distance';
import { dot } from './linearJs';
import { checkMatrix, standardScale } from './matrix';
import { EVAL_CHUNK_FLOATS } from './tfHead';
import type { Matrix, TrainedHead } from './types';

export interface PredictOptions {
  /** Force a tfjs backend for the MLP ('tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'); QC_TF_BACKEND still wins. */
  backend?: string;
}

/** p(bad) for every row of m: the linear head in JavaScript, the MLP with tfjs (see the file comment). */
export async function predictHead(head: TrainedHead, m: Matrix, opts: PredictOptions = {}): Promise<Float32Array> {
  checkHead(head);
  checkInput(head, m);
  if (head.kind === 'linear') return predictHeadJs(head, m);
  const { tf } = await selectBackend(opts.backend);
  return predictHeadTf(tf, head, m);
}

/** Columns of the rows a head is applied to: its layers' d less the distance block's appended columns. */
export function headInputWidth(head: TrainedHead): number {
  return head.distance ? head.d - distanceColumns(head.distance) : head.d;
}

function checkInput(head: TrainedHead, m: Matrix): void {
  checkMatrix(m, 'prediction input');
  const want = headInputWidth(head);
  if (m.d !== want) throw new QcError('bad_input', `the head expects ${want} columns, got ${m.d}`);
}

/** The rows the layers see: m itself, or m with the distance block's columns appended. */
function layerInput(head: TrainedHead, m: Matrix): Matrix {
  return head.distance ? withDistance(head.distance, m) : m;
}

/** Check that `head` is complete and consistent (it may come from JSON). */
export function checkHead(head: TrainedHead): void {
  const bad = (msg: string) => new QcError('bad_input', `trained head: ${msg}`);
  const { d, hidden, layers } = head;
  if (!Number.isInteger(d) || d < 1) throw bad(`bad d ${d}`);
  if (head.mean.length !== d || head.std.length !== d) throw bad('mean/std do not match d');
  if (head.columnScale && head.columnScale.length !== d) throw bad('columnScale does not match d');
  const shapes = head.kind === 'mlp' ? [[d, hidden], [hidden, 1]] : [[d, 1]];
  if (head.kind === 'mlp' && !(hidden > 0)) throw bad('an MLP needs hidden > 0');
  if (layers.length !== shapes.length) throw bad(`${layers.length} layers, expected ${shapes.length}`);
  if (head.distance) {
    const extra = distanceColumns(head.distance);
    if (!(d > extra)) throw bad(`d ${d} leaves no input columns besides the distance block's ${extra}`);
    checkDistance(head.distance, d - extra);
  }
  shapes.forEach(([rows, cols], i) => {
    const l = layers[i]!;
    if (l.shape[0] !== rows || l.shape[1] !== cols || l.w.length !== rows! * cols! || l.b.length !== cols) throw bad(`layer ${i} is not ${rows} x ${cols}`);
  });
}

/**
 * The first layer with the standardisation folded in: w'[j,k] = w[j,k] · scale_j and
 * b'[k] = b[k] − Σ_j mean_j · w'[j,k], so raw rows go straight through (double precision).
 */
function foldFirstLayer(head: TrainedHead): { w: Float64Array; b: Float64Array; cols: number } {
  const layer = head.layers[0]!;
  const cols = layer.shape[1]!;
  const w = new Float64Array(layer.w.length);
  const b = Float64Array.from(layer.b);
  for (let j = 0; j < head.d; j++) {
    const s = standardScale(head.std[j]!, head.columnScale ? head.columnScale[j]! : 1);
    const m = head.mean[j]!;
    for (let k = 0; k < cols; k++) {
      const v = layer.w[j * cols + k]! * s;
      w[j * cols + k] = v;
      b[k] = b[k]! - m * v;
    }
  }
  return { w, b, cols };
}

/** Row block of the MLP's first layer: 4 rows share each weight load. */
const ROW_BLOCK = 4;

/** p(bad) for every row of m in plain JavaScript, double precision: identical on every machine. */
export function predictHeadJs(head: TrainedHead, input: Matrix): Float32Array {
  const z = headLogitsJs(head, input);
  return Float32Array.from(z, (v) => 1 / (1 + Math.exp(-v)));
}

/**
 * The head's logits for every row of m in plain JavaScript, double precision: p(bad) is their
 * sigmoid. Unlike p in float32, they do not saturate (p = 1 for every logit above ~17).
 */
export function headLogitsJs(head: TrainedHead, input: Matrix): Float64Array {
  checkHead(head);
  checkInput(head, input);
  const m = layerInput(head, input);
  const { x, n, d } = m;
  const out = new Float64Array(n);
  const first = foldFirstLayer(head);
  if (head.kind === 'linear') {
    const w = first.w;
    const b0 = first.b[0]!;
    for (let i = 0, o = 0; i < n; i++, o += d) out[i] = b0 + dot(x, o, w, d);
    return out;
  }
  const H = first.cols;
  const w1 = first.w;
  const b1 = first.b;
  const out2 = head.layers[1]!;
  const w2 = Float64Array.from(out2.w);
  const b2 = out2.b[0]!;
  const acc = new Float64Array(ROW_BLOCK * H);
  for (let i0 = 0; i0 < n; i0 += ROW_BLOCK) {
    const rows = Math.min(ROW_BLOCK, n - i0);
    for (let r = 0; r < ROW_BLOCK; r++) acc.set(b1, r * H);
    const o0 = i0 * d;
    if (rows === ROW_BLOCK) {
      const o1 = o0 + d;
      const o2 = o1 + d;
      const o3 = o2 + d;
      for (let j = 0; j < d; j++) {
        const x0 = x[o0 + j]!;
        const x1 = x[o1 + j]!;
        const x2 = x[o2 + j]!;
        const x3 = x[o3 + j]!;
        const base = j * H;
        for (let k = 0; k < H; k++) {
          const wk = w1[base + k]!;
          acc[k] = acc[k]! + x0 * wk;
          acc[H + k] = acc[H + k]! + x1 * wk;
          acc[2 * H + k] = acc[2 * H + k]! + x2 * wk;
          acc[3 * H + k] = acc[3 * H + k]! + x3 * wk;
        }
      }
    } else {
      for (let r = 0; r < rows; r++) {
        const o = o0 + r * d;
        for (let j = 0; j < d; j++) {
          const xv = x[o + j]!;
          const base = j * H;
          for (let k = 0; k < H; k++) acc[r * H + k] = acc[r * H + k]! + xv * w1[base + k]!;
        }
      }
    }
    for (let r = 0; r < rows; r++) {
      let z = b2;
      for (let k = 0; k < H; k++) {
        const h = acc[r * H + k]!;
        if (h > 0) z += h * w2[k]!;
      }
      out[i0 + r] = z;
    }
  }
  return out;
}

/**
 * p(bad) with tfjs on `tf`'s active backend, in chunks of EVAL_CHUNK_FLOATS values: rows are
 * centred on the backend, the per-column scale is folded into the first layer's weights.
 */
export function predictHeadTf(tf: Tf, head: TrainedHead, input: Matrix): Float32Array {
  checkHead(head);
  checkInput(head, input);
  const m = layerInput(head, input);
  const { x, n, d } = m;
  const out = new Float32Array(n);
  const l1 = head.layers[0]!;
  const l2 = head.layers[1];
  const cols = l1.shape[1]!;
  const w1s = new Float32Array(l1.w.length);
  for (let j = 0; j < d; j++) {
    const s = standardScale(head.std[j]!, head.columnScale ? head.columnScale[j]! : 1);
    for (let k = 0; k < cols; k++) w1s[j * cols + k] = l1.w[j * cols + k]! * s;
  }
  const meanRow = tf.tensor2d(head.mean, [1, d]);
  const w1 = tf.tensor2d(w1s, [d, cols]);
  const b1 = tf.tensor1d(l1.b);
  const w2 = l2 ? tf.tensor2d(l2.w, [cols, 1]) : null;
  const b2 = l2 ? tf.tensor1d(l2.b) : null;
  try {
    const chunk = Math.max(1, Math.floor(EVAL_CHUNK_FLOATS / d));
    for (let s = 0; s < n; s += chunk) {
      const rows = Math.min(chunk, n - s);
      const p = tf.tidy(() => {
        const X = tf.sub(tf.tensor2d(x.subarray(s * d, (s + rows) * d), [rows, d]), meanRow);
        let z = tf.add(tf.matMul(X, w1), b1);
        if (w2 && b2) z = tf.add(tf.matMul(tf.relu(z), w2), b2);
        return tf.sigmoid(z).dataSync() as Float32Array;
      });
      out.set(p, s);
    }
  } finally {
    for (const t of [meanRow, w1, b1, w2, b2]) t?.dispose();
  }
  return out;
}
