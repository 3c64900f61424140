/**
 * k-fold splits for threshold choice and label-issue search: stratified by class, optionally
 * group-aware (all crops of one source photo in one fold), and out-of-fold p(bad) for every sample.
 */
import { QcError } from '../../../../src-shared/contract/errors';
import { DEFAULT_HEAD_PARAMS, trainHead, abortError, type TrainHeadOptions } from './head';
import { checkMatrix } from './matrix';
import { predictHead } from './predict';
import { createRng, deriveSeed, shuffleInPlace } from './rng';
import type { HeadParams, LabelledMatrix, Matrix, TrainedHead } from './types';

const FOLD_STREAM = 4;

/**
 * A fold index in [0, k) for every sample. Without `groups`: each class's samples, shuffled with
 * `seed`, are dealt round-robin over the folds (continuing where the previous class stopped), so
 * every fold holds floor or ceil of n_class / k of each class and the fold sizes differ by at most
 * one. With `groups` (an id per sample): whole groups are placed, largest first (ties in seeded
 * random order), each in the fold where it brings the per-class counts closest to n_class / k
 * (least squared excess), ties going to the smaller fold. A group is never split.
 */
export function stratifiedFolds(y: Uint8Array, k: number, seed: number, groups?: Int32Array): Int32Array {
  const n = y.length;
  if (!Number.isInteger(k) || k < 2) throw new QcError('bad_input', `folds: k must be an integer >= 2 (got ${k})`);
  if (groups && groups.length !== n) throw new QcError('bad_input', `folds: ${groups.length} group ids for ${n} samples`);
  const rand = createRng(deriveSeed(seed, FOLD_STREAM));
  const fold = new Int32Array(n);
  if (!groups) {
    if (k > n) throw new QcError('bad_input', `folds: k = ${k} is more than the ${n} samples`);
    let next = 0;
    for (const label of [0, 1]) {
      const idx = indicesWhere(y, (v) => (v ? 1 : 0) === label);
      shuffleInPlace(idx, rand);
      for (let i = 0; i < idx.length; i++) fold[idx[i]!] = (next + i) % k;
      next = (next + idx.length) % k;
    }
    return fold;
  }
  // Per-group class counts.
  const byGroup = new Map<number, { members: number[]; bad: number }>();
  for (let i = 0; i < n; i++) {
    const g = groups[i]!;
    let e = byGroup.get(g);
    if (!e) byGroup.set(g, (e = { members: [], bad: 0 }));
    e.members.push(i);
    if (y[i]) e.bad++;
  }
  const list = [...byGroup.values()];
  if (k > list.length) throw new QcError('bad_input', `folds: k = ${k} is more than the ${list.length} groups`);
  shuffleInPlace(list, rand);
  // Stable sort: largest groups first, the seeded order among equals.
  const order = list.map((g, i) => ({ g, i })).sort((a, b) => b.g.members.length - a.g.members.length || a.i - b.i);
  let totalBad = 0;
  for (let i = 0; i < n; i++) totalBad += y[i] ? 1 : 0;
  const target = [(n - totalBad) / k, totalBad / k];
  const count = Array.from({ length: k }, () => [0, 0]);
  for (const { g } of order) {
    const add = [g.members.length - g.bad, g.bad];
    let best = 0;
    let bestCost = Infinity;
    let bestSize = Infinity;
    for (let f = 0; f < k; f++) {
      const c = count[f]!;
      let cost = 0;
      for (let cls = 0; cls < 2; cls++) {
        const after = c[cls]! + add[cls]! - target[cls]!;
        const before = c[cls]! - target[cls]!;
        cost += after * after - before * before;
      }
      const size = c[0]! + c[1]!;
      if (cost < bestCost - 1e-9 || (Math.abs(cost - bestCost) <= 1e-9 && size < bestSize)) {
        best = f;
        bestCost = cost;
        bestSize = size;
      }
    }
    const c = count[best]!;
    c[0] = c[0]! + add[0]!;
    c[1] = c[1]! + add[1]!;
    for (const i of g.members) fold[i] = best;
  }
  return fold;
}

function indicesWhere(a: Uint8Array | Int32Array, keep: (v: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (keep(a[i]!)) out.push(i);
  return out;
}

/** The rows of m listed in `rows`, copied into a new matrix. */
export function takeRows(m: Matrix, rows: ArrayLike<number>): Matrix {
  const { d } = m;
  const x = new Float32Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    x.set(m.x.subarray(r * d, (r + 1) * d), i * d);
  }
  return { x, n: rows.length, d };
}

export interface FoldProgress {
  /** 0-based. */
  fold: number;
  folds: number;
  trainRows: number;
  testRows: number;
  /** Wall time since the first fold started. */
  seconds: number;
  head: TrainedHead;
}

export interface OutOfFoldOptions {
  k?: number;
  /** Seeds the split; default params.seed. */
  seed?: number;
  groups?: Int32Array;
  signal?: AbortSignal;
  onFold?(e: FoldProgress): void;
  /** Passed to trainHead (columnScale, backend, onEpoch, ...). */
  train?: Omit<TrainHeadOptions, 'signal'>;
}

/**
 * p(bad) for every sample, each from a head trained on the other k - 1 folds (never on its own),
 * plus the fold each sample was in.
 */
export async function outOfFold(
  m: Matrix,
  y: Uint8Array,
  params: HeadParams = DEFAULT_HEAD_PARAMS,
  opts: OutOfFoldOptions = {},
): Promise<{ pBad: Float32Array; folds: Int32Array }> {
  checkMatrix(m, 'out-of-fold input', y);
  const k = opts.k ?? 5;
  const folds = stratifiedFolds(y, k, opts.seed ?? params.seed, opts.groups);
  const pBad = new Float32Array(m.n);
  const started = performance.now();
  for (let f = 0; f < k; f++) {
    if (opts.signal?.aborted) throw abortError();
    const trainIdx = indicesWhere(folds, (v) => v !== f);
    const testIdx = indicesWhere(folds, (v) => v === f);
    if (testIdx.length === 0) continue;
    const train: LabelledMatrix = { ...takeRows(m, trainIdx), y: Uint8Array.from(trainIdx, (i) => y[i]!) };
    const head = await trainHead(train, null, params, { ...opts.train, ...(opts.signal && { signal: opts.signal }) });
    const p = await predictHead(head, takeRows(m, testIdx), opts.train?.backend !== undefined ? { backend: opts.train.backend } : {});
    testIdx.forEach((i, j) => (pBad[i] = p[j]!));
    opts.onFold?.({ fold: f, folds: k, trainRows: trainIdx.length, testRows: testIdx.length, seconds: (performance.now() - started) / 1000, head });
  }
  return { pBad, folds };
}

/** Out-of-fold p(bad) for every sample (see outOfFold). */
export async function outOfFoldProbabilities(m: Matrix, y: Uint8Array, params: HeadParams = DEFAULT_HEAD_PARAMS, opts: OutOfFoldOptions = {}): Promise<Float32Array> {
  return (await outOfFold(m, y, params, opts)).pBad;
}
