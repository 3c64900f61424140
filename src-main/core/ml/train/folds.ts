/**
 * k-fold splits for threshold choice and label-issue search: stratified by class, optionally
 * group-aware (all crops of one source photo in one fold), and out-of-fold p(bad) for every sample:
 * the one out-of-fold implementation (training runs, label issues, noise-robust training, reports).
 */
import { QcError } from '../../../../src-shared/contract/errors';
import pLimit from 'p-limit';
import { DEFAULT_HEAD_PARAMS, trainHead, abortError, type TrainHeadOptions } from './head';
import { checkMatrix } from './matrix';
import { headLogitsJs, predictHead } from './predict';
import { createRng, deriveSeed, shuffleInPlace } from './rng';
import type { HeadParams, Matrix } from './types';

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
  if (k > list.length) {
    throw new QcError('bad_input', `${k} folds need at least ${k} groups of images, and these images form ${list.length} (versions and near-duplicates of one picture are kept in one group): label more distinct pictures, or train with fewer folds`);
  }
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
  /** 0-based, counted over all repetitions (events come in this order, whatever order the fits finish in). */
  fold: number;
  folds: number;
  /** 0-based repetition. */
  repeat: number;
  trainRows: number;
  testRows: number;
  /** Wall time since the first fold started. */
  seconds: number;
}

/** What a fold's head training takes besides its rows: plain data, so that a fit can run in another thread. */
export type FoldTrainOptions = Pick<TrainHeadOptions, 'columnScale' | 'backend' | 'linearEngine' | 'mlpEngine' | 'distance' | 'distanceWeight'>;

/**
 * One fold's fit: a head trained on rows `trainRows` of `x` (and rows `extraRows` of `extra.x`
 * after them), then its p(bad) and logits on rows `testRows` of `x`. The matrices are a pass's
 * whole rows, shared by its fits (in shared memory when the fits run in other threads), so that
 * each fit gathers its own rows where it runs.
 */
export interface FoldFit {
  x: Float32Array;
  d: number;
  y: Uint8Array;
  extra?: { x: Float32Array; y: Uint8Array };
  trainRows: Int32Array;
  extraRows: Int32Array;
  testRows: Int32Array;
  params: HeadParams;
  options: FoldTrainOptions & Pick<TrainHeadOptions, 'sampleWeight'>;
}

/** A fit's predictions (the head itself stays where it was trained: its first layer is d × hidden numbers). */
export interface FoldFitResult {
  /** p(bad) of every test row (predictHead). */
  p: Float32Array;
  /** The same rows' logits in double precision (headLogitsJs). */
  z: Float64Array;
}

/**
 * Where fold fits run: `fit` trains and predicts one fold (e.g. in a pool of worker threads,
 * prepPool.ts), and up to `concurrency` fits are asked for at once. The folds of a pass are
 * independent, so on 2 cores two single-threaded fits at a time do the work of one two-threaded fit
 * in about half the time (the head's GEMMs are too small for onnxruntime's threads to pay). A fit
 * must give the same result wherever it runs: the same code, one onnxruntime intra-op thread
 * (ortHead.ts: threads never split a sum, so the thread count does not change the weights).
 */
export interface FoldFitter {
  /** `signal`: the pass is cancelled; the fit should end soon (rejecting), and must not outlive its promise. */
  fit(job: FoldFit, signal?: AbortSignal): Promise<FoldFitResult>;
  concurrency: number;
}

/** Train and predict one fold in this thread (the fitter's work; `threads`: onnxruntime intra-op threads, default every core). */
export async function fitFold(job: FoldFit, opts: { signal?: AbortSignal; threads?: number } = {}): Promise<FoldFitResult> {
  const { d } = job;
  const real = job.trainRows.length;
  const x = new Float32Array((real + job.extraRows.length) * d);
  const y = new Uint8Array(real + job.extraRows.length);
  job.trainRows.forEach((r, t) => {
    x.set(job.x.subarray(r * d, (r + 1) * d), t * d);
    y[t] = job.y[r]!;
  });
  if (job.extra) {
    const e = job.extra;
    job.extraRows.forEach((r, t) => {
      x.set(e.x.subarray(r * d, (r + 1) * d), (real + t) * d);
      y[real + t] = e.y[r]!;
    });
  }
  const head = await trainHead({ x, y, n: y.length, d }, null, job.params, {
    ...job.options,
    // The real rows come first: only they (their good ones) fit a distance block.
    realRows: real,
    ...(opts.signal && { signal: opts.signal }),
    ...(opts.threads !== undefined && { threads: opts.threads }),
  });
  const test = takeRows({ x: job.x, n: job.x.length / d, d }, job.testRows);
  const p = await predictHead(head, test, job.options.backend !== undefined ? { backend: job.options.backend } : {});
  return { p, z: headLogitsJs(head, test) };
}

/** `a` in shared memory, where fits in other threads read it in place: `a` itself when it already is, else a copy. */
export function inSharedMemory(a: Float32Array): Float32Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const out = new Float32Array(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}


export interface OutOfFoldOptions {
  k?: number;
  /** Seeds the split; default params.seed. */
  seed?: number;
  groups?: Int32Array;
  /**
   * The first repetition's fold per sample (e.g. a run's stored folds), -1 = not part of the
   * out-of-fold set (neither trained on nor predicted). Later repetitions re-deal the same samples
   * with stratifiedFolds (groups respected).
   */
  folds?: Int32Array;
  /**
   * Repetitions of k-fold with different splits and head seeds; p(bad) is their mean. Each sample is
   * still predicted only by heads that never saw it. Default 1.
   */
  repeats?: number;
  /** Per-sample weight in the loss (e.g. label confidence); 0 keeps a sample out of training but it is still predicted. */
  sampleWeight?: Float32Array;
  signal?: AbortSignal;
  onFold?(e: FoldProgress): void;
  /** Passed to trainHead (columnScale, backend, ...). */
  train?: FoldTrainOptions;
  /** Where the fits run (see FoldFitter); default one at a time in this thread. */
  fitter?: FoldFitter;
  /**
   * Memory the fits running at once may hold in training rows (bytes; default FIT_MEMORY): a fit
   * gathers its rows into a matrix of its own, and its distance block copies it once more, so with a
   * large library and many cores fewer fits run at once than the fitter could take.
   */
  fitMemory?: number;
  /**
   * Training-only rows (synthetic copies, augment.ts): never predicted; row j joins a fold's fit
   * only when its `source` sample (an index into m) is on the training side of that fold, so a
   * copy never trains the head that predicts its own original.
   */
  extra?: { x: Float32Array; y: Uint8Array; n: number; source: Int32Array };
}

const REPEAT_STREAM = 5;

/** OutOfFoldOptions.fitMemory's default: 1 GiB of training rows held by the fits running at once. */
export const FIT_MEMORY = 2 ** 30;

/**
 * p(bad) for every sample, each from heads trained on the other k - 1 folds (never on its own),
 * averaged over `repeats` splits, plus the first repetition's fold of each sample and the mean of
 * the heads' logits (double precision: unlike float32 p they do not saturate at 1). Samples outside
 * the out-of-fold set (opts.folds = -1) get NaN. The fits may run side by side (opts.fitter); the
 * result is the same as one at a time: every fit is seeded by its repetition, and the means are
 * summed in fold order.
 */
export async function outOfFold(
  m: Matrix,
  y: Uint8Array,
  params: HeadParams = DEFAULT_HEAD_PARAMS,
  opts: OutOfFoldOptions = {},
): Promise<{ pBad: Float32Array; folds: Int32Array; logit: Float64Array }> {
  checkMatrix(m, 'out-of-fold input', y);
  const k = opts.k ?? 5;
  const repeats = opts.repeats ?? 1;
  if (!Number.isInteger(repeats) || repeats < 1) throw new QcError('bad_input', `out-of-fold: repeats must be an integer >= 1 (got ${repeats})`);
  if (opts.folds && opts.folds.length !== m.n) throw new QcError('bad_input', `out-of-fold: ${opts.folds.length} fold ids for ${m.n} samples`);
  // A fold id past k would be neither trained on nor predicted in the first repetition (folds dealt for another k).
  const highFold = opts.folds ? opts.folds.reduce((a, f) => Math.max(a, f), -1) : -1;
  if (highFold >= k) throw new QcError('bad_input', `out-of-fold: fold id ${highFold} given for k = ${k} folds (ids run 0..${k - 1})`);
  if (opts.sampleWeight && opts.sampleWeight.length !== m.n) throw new QcError('bad_input', `out-of-fold: ${opts.sampleWeight.length} weights for ${m.n} samples`);
  const seed = opts.seed ?? params.seed;
  // The samples that take part (all, unless the caller's folds leave some out).
  const member = opts.folds ? indicesWhere(opts.folds, (v) => v >= 0) : Array.from({ length: m.n }, (_, i) => i);
  const sub = opts.folds ? takeRows(m, member) : m;
  const ySub = opts.folds ? Uint8Array.from(member, (i) => y[i]!) : y;
  const gSub = opts.groups && opts.folds ? Int32Array.from(member, (i) => opts.groups![i]!) : opts.groups;
  const wSub = opts.sampleWeight && opts.folds ? Float32Array.from(member, (i) => opts.sampleWeight![i]!) : opts.sampleWeight;
  // A synthetic row's original as a row of `sub` (-1: none there).
  let subOf: Int32Array | null = null;
  if (opts.extra) {
    subOf = new Int32Array(m.n).fill(-1);
    member.forEach((i, j) => (subOf![i] = j));
  }
  // Every fit of every repetition, in order: its folds, head seed and the fold it predicts.
  const jobs: { repeat: number; folds: Int32Array; params: HeadParams; f: number; trainIdx: number[]; testIdx: number[] }[] = [];
  let firstFolds: Int32Array | null = null;
  for (let r = 0; r < repeats; r++) {
    const folds =
      r === 0 && opts.folds ? Int32Array.from(member, (i) => opts.folds![i]!) : stratifiedFolds(ySub, k, r === 0 ? seed : deriveSeed(seed, REPEAT_STREAM + r), gSub);
    if (r === 0) firstFolds = folds;
    const headParams = r === 0 ? params : { ...params, seed: deriveSeed(params.seed, REPEAT_STREAM + r) };
    for (let f = 0; f < k; f++) {
      const trainIdx = indicesWhere(folds, (v) => v !== f).filter((i) => !wSub || wSub[i]! > 0);
      const testIdx = indicesWhere(folds, (v) => v === f);
      if (testIdx.length && trainIdx.length) jobs.push({ repeat: r, folds, params: headParams, f, trainIdx, testIdx });
    }
  }
  const { signal } = opts;
  // Fits in other threads read the pass's rows from shared memory, fits here read them in place.
  const share = opts.fitter !== undefined;
  const xAll = share ? inSharedMemory(sub.x) : sub.x;
  const extra = opts.extra && { x: share ? inSharedMemory(opts.extra.x) : opts.extra.x, y: opts.extra.y };
  const fitOf = (job: (typeof jobs)[number]): FoldFit => {
    const { trainIdx, folds, f } = job;
    const extraRows = opts.extra ? Int32Array.from(indicesWhere(opts.extra.source, (src) => src >= 0 && subOf![src]! >= 0 && folds[subOf![src]!] !== f)) : new Int32Array(0);
    return {
      x: xAll,
      d: m.d,
      y: ySub,
      ...(extra && { extra }),
      trainRows: Int32Array.from(trainIdx),
      extraRows,
      testRows: Int32Array.from(job.testIdx),
      params: job.params,
      options: {
        ...opts.train,
        ...(wSub && { sampleWeight: Float32Array.from({ length: trainIdx.length + extraRows.length }, (_, t) => (t < trainIdx.length ? wSub[trainIdx[t]!]! : 1)) }),
      },
    };
  };
  const fitter: FoldFitter = opts.fitter ?? { fit: (job, sig) => fitFold(job, sig ? { signal: sig } : {}), concurrency: 1 };
  const results: (FoldFitResult | undefined)[] = new Array(jobs.length);
  const started = performance.now();
  let reported = 0;
  // Fits at once: what the fitter takes, as far as their rows fit in fitMemory (each fit's matrix
  // and the distance block's copy of it, at most every real and synthetic row).
  const fitBytes = 2 * 4 * m.d * (Math.max(0, ...jobs.map((j) => j.trainIdx.length)) + (opts.extra?.n ?? 0));
  const limit = pLimit(Math.max(1, Math.min(fitter.concurrency, Math.floor((opts.fitMemory ?? FIT_MEMORY) / Math.max(1, fitBytes)))));
  const abortable = (): void => {
    if (signal?.aborted) throw abortError();
  };
  // Once a fit fails or the pass is cancelled, the queued ones start nothing (p-limit starts the
  // next as one settles), and the pass rejects only when the fits under way have ended: a fit left
  // running in another thread's onnxruntime call when its caller moves on (closes the pool, exits
  // the process) can abort the whole process.
  let failed = false;
  let firstError: unknown;
  const settled = await Promise.allSettled(
    jobs.map((job, j) =>
      limit(async () => {
        try {
          if (failed) return;
          abortable();
          results[j] = await fitter.fit(fitOf(job), signal);
          abortable();
        } catch (e) {
          if (!failed) firstError = e;
          failed = true;
          throw e;
        }
        // Progress in fold order: a fit that finishes early is told after the ones before it.
        while (reported < jobs.length && results[reported]) {
          const done = jobs[reported]!;
          opts.onFold?.({ fold: done.repeat * k + done.f, folds: repeats * k, repeat: done.repeat, trainRows: done.trainIdx.length, testRows: done.testIdx.length, seconds: (performance.now() - started) / 1000 });
          reported++;
        }
      }),
    ),
  );
  if (failed || settled.some((s) => s.status === 'rejected')) throw firstError ?? (settled.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason;
  const sum = new Float64Array(sub.n);
  const logitSum = new Float64Array(sub.n);
  const count = new Uint16Array(sub.n);
  jobs.forEach((job, j) => {
    const { p, z } = results[j]!;
    job.testIdx.forEach((i, t) => {
      sum[i]! += p[t]!;
      logitSum[i]! += z[t]!;
      count[i]!++;
    });
  });
  const pBad = new Float32Array(m.n).fill(NaN);
  const logit = new Float64Array(m.n).fill(NaN);
  const foldsOut = new Int32Array(m.n).fill(-1);
  member.forEach((i, j) => {
    if (count[j]) {
      pBad[i] = sum[j]! / count[j]!;
      logit[i] = logitSum[j]! / count[j]!;
    }
    foldsOut[i] = firstFolds![j]!;
  });
  return { pBad, folds: foldsOut, logit };
}

/** Out-of-fold p(bad) for every sample (see outOfFold). */
export async function outOfFoldProbabilities(m: Matrix, y: Uint8Array, params: HeadParams = DEFAULT_HEAD_PARAMS, opts: OutOfFoldOptions = {}): Promise<Float32Array> {
  return (await outOfFold(m, y, params, opts)).pBad;
}
