/**
 * All-pairs dot products of the labelled images' unit vectors, for the splits' grouping
 * (splits.ts): which pairs are duplicates by whole-image embedding (cosine ≥ 0.95), and each
 * image's nearest by layout. Written out in JavaScript (splits.ts's reference loops) that is n² · dim
 * scalar products on the core's thread: at EOL's ~7,000 rated images, 50 s and 8 s during which
 * `qc train` (or the app's core) did nothing else, growing with the square of the library.
 *
 * Here onnxruntime's GEMM (MLAS: SIMD, every core) computes the products in float32, a block of
 * rows at a time, and only what lies within SLACK of a decision is computed again exactly, in
 * double precision by the reference's own exactDot (splits.ts): the pairs and neighbours found
 * are the reference loops' to the last bit, on any CPU. Float32 products of unit vectors of
 * dimension d are within ~d · 2⁻²⁴ of the exact dot (1e-4 at 1,280): SLACK is ten times that.
 */
import os from 'node:os';
import type * as Ort from 'onnxruntime-node';
import { ort } from '../deferred';
import { sessionOptions } from './backbone/runtime';
import { exactDot } from './splits';
import { OnnxGraph } from './train/onnxGraph';

/** How far a float32 product may be from the exact dot and still be checked exactly (see above). */
export const DOT_SLACK = 1e-3;
/** Floats of products a block holds at most (64 MB): its rows are this over the number of vectors. */
const BLOCK_FLOATS = 1 << 24;

export interface DotsOptions {
  signal?: AbortSignal;
  /** Floats of products a block holds at most (default 2²⁴). */
  blockFloats?: number;
}

/**
 * The float32 products of every row with every row, computed a block of rows at a time and handed
 * over a row at a time: row i's product with row j is `dots[at + j]`.
 */
async function eachRow(data: Float32Array, dim: number, each: (i: number, dots: Float32Array, at: number) => void, opts: DotsOptions): Promise<void> {
  const n = data.length / dim;
  if (!n) return;
  const g = new OnnxGraph();
  g.op('Gemm', [g.input('a', ['rows', dim]), g.input('b', [n, dim])], { transB: 1 }, 'dots');
  g.output('dots', ['rows', n]);
  const session: Ort.InferenceSession = await ort.InferenceSession.create(g.encode(), { ...sessionOptions('cpu', os.availableParallelism()), executionMode: 'sequential' });
  try {
    const all = new ort.Tensor('float32', data, [n, dim]);
    const perBlock = Math.max(1, Math.min(n, Math.floor((opts.blockFloats ?? BLOCK_FLOATS) / n)));
    for (let start = 0; start < n; start += perBlock) {
      if (opts.signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
      const rows = Math.min(perBlock, n - start);
      const out = await session.run({ a: new ort.Tensor('float32', data.subarray(start * dim, (start + rows) * dim), [rows, dim]), b: all });
      const dots = out.dots!.data as Float32Array;
      for (let r = 0; r < rows; r++) each(start + r, dots, r * n);
    }
  } finally {
    await session.release();
  }
}

/** The pairs a < b whose exact dot is at least `minDot`, flattened [a, b, a, b, …] in order of a then b. */
export async function pairsAtLeast(data: Float32Array, dim: number, minDot: number, opts: DotsOptions = {}): Promise<Int32Array> {
  const n = data.length / dim;
  const out: number[] = [];
  const each = (a: number, dots: Float32Array, at: number) => {
    for (let b = a + 1; b < n; b++) if (dots[at + b]! >= minDot - DOT_SLACK && exactDot(data, dim, a, b) >= minDot) out.push(a, b);
  };
  await eachRow(data, dim, each, opts);
  return Int32Array.from(out);
}

/** Each row's nearest rows by dot: `near[i·k + p]` and its dot `score[i·k + p]`, best first, −1 and −∞ past the last. */
export interface Neighbours {
  k: number;
  near: Int32Array;
  score: Float64Array;
}

/**
 * Each row's `k` nearest other rows by exact dot, best first and of equal dots the lower index
 * first (as splits.ts's reference loop keeps them); rows marked in `skip` are neither searched nor
 * found. A row's true k nearest all have float32 products within 2·SLACK of its k-th largest
 * product, so only those are computed exactly.
 */
export async function nearestByDot(data: Float32Array, dim: number, k: number, skip: Uint8Array, opts: DotsOptions = {}): Promise<Neighbours> {
  const n = data.length / dim;
  const near = new Int32Array(n * k).fill(-1);
  const score = new Float64Array(n * k).fill(-Infinity);
  if (!k) return { k, near, score };
  const top = new Float64Array(k);
  const each = (i: number, dots: Float32Array, at: number) => {
    if (skip[i]) return;
    // The k-th largest float32 product of the row (−∞ while fewer than k others).
    top.fill(-Infinity);
    for (let j = 0; j < n; j++) {
      if (j === i || skip[j]) continue;
      const v = dots[at + j]!;
      if (v <= top[k - 1]!) continue;
      let p = k - 1;
      while (p > 0 && v > top[p - 1]!) top[p] = top[--p]!;
      top[p] = v;
    }
    const cut = top[k - 1]! - 2 * DOT_SLACK;
    const found: { j: number; s: number }[] = [];
    for (let j = 0; j < n; j++) if (j !== i && !skip[j] && dots[at + j]! >= cut) found.push({ j, s: exactDot(data, dim, i, j) });
    found.sort((x, y) => y.s - x.s || x.j - y.j);
    for (let p = 0; p < Math.min(k, found.length); p++) {
      near[i * k + p] = found[p]!.j;
      score[i * k + p] = found[p]!.s;
    }
  };
  await eachRow(data, dim, each, opts);
  return { k, near, score };
}
