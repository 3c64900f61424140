/** Stratified and group-aware folds, and out-of-fold probabilities on real tfjs / the JS trainer. */
import { describe, expect, it } from 'vitest';
import { fitFold, inSharedMemory, outOfFold, outOfFoldProbabilities, stratifiedFolds, takeRows, type FoldFit, type FoldFitter, type FoldProgress } from './folds';
import { DEFAULT_HEAD_PARAMS, abortError, predictHead, trainHead } from './head';
import { createRng } from './rng';
import { makeSynthetic } from '../../../../test-support/synthetic';

function labels(n: number, badShare: number, seed: number): Uint8Array {
  const rand = createRng(seed);
  return Uint8Array.from({ length: n }, () => (rand() < badShare ? 1 : 0));
}

function perFold(folds: Int32Array, y: Uint8Array, k: number): { good: number; bad: number }[] {
  const c = Array.from({ length: k }, () => ({ good: 0, bad: 0 }));
  folds.forEach((f, i) => (y[i] ? c[f]!.bad++ : c[f]!.good++));
  return c;
}

describe('stratifiedFolds', () => {
  it('gives every fold its share of each class, within one', () => {
    for (const [n, share, k] of [
      [1000, 0.3, 5],
      [997, 0.07, 10],
      [12, 0.5, 3],
      [50, 0.02, 5],
    ] as const) {
      const y = labels(n, share, n);
      const folds = stratifiedFolds(y, k, 1);
      const nBad = y.reduce((a, b) => a + b, 0);
      const counts = perFold(folds, y, k);
      for (const c of counts) {
        expect(Math.abs(c.bad - nBad / k)).toBeLessThan(1);
        expect(Math.abs(c.good - (n - nBad) / k)).toBeLessThan(1);
      }
      const sizes = counts.map((c) => c.good + c.bad);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic for a seed and shuffles with it', () => {
    const y = labels(500, 0.4, 2);
    expect(stratifiedFolds(y, 5, 3)).toEqual(stratifiedFolds(y, 5, 3));
    expect(stratifiedFolds(y, 5, 4)).not.toEqual(stratifiedFolds(y, 5, 3));
  });

  it('never splits a group, and keeps the classes balanced across folds', () => {
    // 81 groups of 1-12 samples, like crops of one source photo; some groups are all bad.
    const rand = createRng(9);
    const ids: number[] = [];
    const ys: number[] = [];
    for (let g = 0; g < 81; g++) {
      const size = 1 + Math.floor(rand() * 12);
      const badShare = rand() < 0.3 ? 1 : rand();
      for (let i = 0; i < size; i++) {
        ids.push(g * 7 + 3); // arbitrary ids, not 0..G-1
        ys.push(rand() < badShare ? 1 : 0);
      }
    }
    // Interleave the samples so groups are not contiguous.
    const order = ids.map((_, i) => i).sort((a, b) => ((a * 7919) % ids.length) - ((b * 7919) % ids.length) || a - b);
    const groups = Int32Array.from(order, (i) => ids[i]!);
    const y = Uint8Array.from(order, (i) => ys[i]!);
    const k = 5;
    const folds = stratifiedFolds(y, k, 1, groups);
    const foldOf = new Map<number, number>();
    groups.forEach((g, i) => {
      if (!foldOf.has(g)) foldOf.set(g, folds[i]!);
      expect(folds[i]).toBe(foldOf.get(g));
    });
    const nBad = y.reduce((a, b) => a + b, 0);
    const counts = perFold(folds, y, k);
    for (const c of counts) {
      // Whole groups of up to 12 cannot hit n/k exactly; the greedy placement lands close.
      expect(Math.abs(c.bad - nBad / k)).toBeLessThanOrEqual(6);
      expect(Math.abs(c.good - (y.length - nBad) / k)).toBeLessThanOrEqual(6);
    }
    expect(stratifiedFolds(y, k, 1, groups)).toEqual(folds);
  });

  it('refuses impossible splits', () => {
    const y = labels(10, 0.5, 1);
    expect(() => stratifiedFolds(y, 1, 1)).toThrow(/k must be/);
    expect(() => stratifiedFolds(y, 11, 1)).toThrow(/more than the 10 samples/);
    expect(() => stratifiedFolds(y, 3, 1, new Int32Array(10).fill(4))).toThrow(/3 folds need at least 3 groups of images, and these images form 1 .*train with fewer folds/);
    expect(() => stratifiedFolds(y, 3, 1, new Int32Array(9))).toThrow(/group ids/);
  });
});

describe('outOfFoldProbabilities', () => {
  it('predicts each sample with a head that never saw it', async () => {
    const s = makeSynthetic({ n: 600, d: 32, seed: 4, rule: 'linear', labelNoise: 0.05 });
    const groups = Int32Array.from({ length: s.n }, (_, i) => Math.floor(i / 4));
    const params = { ...DEFAULT_HEAD_PARAMS, hidden: 0, epochs: 10 };
    const seen: number[] = [];
    const { pBad, folds } = await outOfFold(s, s.y, params, { k: 4, groups, onFold: (e) => seen.push(e.testRows) });
    expect(seen.reduce((a, b) => a + b, 0)).toBe(s.n);
    // Fold 2's predictions are exactly what a head trained on the other folds says.
    const trainIdx = [...folds.keys()].filter((i) => folds[i] !== 2);
    const testIdx = [...folds.keys()].filter((i) => folds[i] === 2);
    const head = await trainHead({ ...takeRows(s, trainIdx), y: Uint8Array.from(trainIdx, (i) => s.y[i]!) }, null, params);
    const p = await predictHead(head, takeRows(s, testIdx));
    expect(Float32Array.from(testIdx, (i) => pBad[i]!)).toEqual(p);
    // And they are useful: out-of-fold accuracy far above chance.
    let right = 0;
    pBad.forEach((q, i) => (right += q > 0.5 === (s.y[i] === 1) ? 1 : 0));
    expect(right / s.n).toBeGreaterThan(0.75);
    expect(await outOfFoldProbabilities(s, s.y, params, { k: 4, groups })).toEqual(pBad);
  });

  it('averages repeated splits that keep groups together, uses given folds first, and leaves out -1 and zero-weight rows', async () => {
    const s = makeSynthetic({ n: 400, d: 16, seed: 5, rule: 'linear' });
    const groups = Int32Array.from({ length: s.n }, (_, i) => Math.floor(i / 5));
    const params = { ...DEFAULT_HEAD_PARAMS, hidden: 0, epochs: 5 };
    const given = stratifiedFolds(s.y, 4, 9, groups);
    given[0] = -1;
    const weight = new Float32Array(s.n).fill(1);
    weight[1] = 0;
    weight[2] = 0;
    const seen: { repeat: number; trainRows: number; testRows: number }[] = [];
    const one = await outOfFold(s, s.y, params, { k: 4, folds: given, groups, sampleWeight: weight });
    const three = await outOfFold(s, s.y, params, { k: 4, folds: given, groups, sampleWeight: weight, repeats: 3, onFold: (e) => seen.push(e) });
    expect(seen).toHaveLength(12);
    expect(new Set(seen.map((e) => e.repeat))).toEqual(new Set([0, 1, 2]));
    // Every repetition predicts each of the 399 members once; rows 1 and 2 are never trained on.
    for (const r of [0, 1, 2]) {
      const reps = seen.filter((e) => e.repeat === r);
      expect(reps.reduce((a, e) => a + e.testRows, 0)).toBe(399);
      expect(reps.reduce((a, e) => a + e.trainRows, 0)).toBe(3 * 399 - 3 * 2);
    }
    expect(three.folds).toEqual(one.folds);
    expect(three.folds[0]).toBe(-1);
    expect(one.pBad[0]).toBeNaN();
    expect(three.pBad[0]).toBeNaN();
    // The mean of three differs from the first split alone, and stays a probability.
    let differs = 0;
    for (let i = 1; i < s.n; i++) {
      expect(three.pBad[i]).toBeGreaterThanOrEqual(0);
      expect(three.pBad[i]).toBeLessThanOrEqual(1);
      if (Math.abs(three.pBad[i]! - one.pBad[i]!) > 1e-6) differs++;
    }
    expect(differs).toBeGreaterThan(300);
    await expect(outOfFold(s, s.y, params, { repeats: 0 })).rejects.toThrow(/repeats/);
    // Given folds dealt for more folds than k: refused, not left unpredicted.
    await expect(outOfFold(s, s.y, params, { k: 3, folds: given })).rejects.toThrow('out-of-fold: fold id 3 given for k = 3 folds (ids run 0..2)');
  });

  it('stops on abort', async () => {
    const s = makeSynthetic({ n: 300, d: 16, seed: 4 });
    const ac = new AbortController();
    const run = outOfFoldProbabilities(s, s.y, { ...DEFAULT_HEAD_PARAMS, hidden: 16 }, { signal: ac.signal, onFold: () => ac.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError', message: 'cancelled' });
  });

  it('gives the same result with fits side by side as one at a time, and tells their progress in fold order', async () => {
    const s = makeSynthetic({ n: 240, d: 12, seed: 6, rule: 'linear', labelNoise: 0.05 });
    const groups = Int32Array.from({ length: s.n }, (_, i) => Math.floor(i / 3));
    const weight = Float32Array.from({ length: s.n }, (_, i) => (i % 7 === 0 ? 0.5 : 1));
    // Training-only rows, each tied to one sample: they must join exactly the fits that train on it.
    const extra = { x: s.x.slice(0, 40 * s.d), y: new Uint8Array(40).fill(1), n: 40, source: Int32Array.from({ length: 40 }, (_, j) => 3 * j) };
    const params = { ...DEFAULT_HEAD_PARAMS, hidden: 8, epochs: 4 };
    const opts = { k: 4, groups, sampleWeight: weight, repeats: 2, extra };
    const alone: FoldProgress[] = [];
    const one = await outOfFold(s, s.y, params, { ...opts, onFold: (e) => alone.push(e) });
    // Three at a time, each finishing later the earlier it started (a delay injected around the real
    // fit): the last fit started is the first to finish.
    const started: FoldFit[] = [];
    const fitter: FoldFitter = {
      concurrency: 3,
      async fit(job) {
        started.push(job);
        const wait = 60 - 15 * (started.length % 4);
        await new Promise((r) => setTimeout(r, wait));
        return fitFold(job, { threads: 1 });
      },
    };
    const sideBySide: FoldProgress[] = [];
    const three = await outOfFold(s, s.y, params, { ...opts, fitter, onFold: (e) => sideBySide.push(e) });
    expect(started).toHaveLength(8);
    expect(Buffer.from(three.pBad.buffer)).toEqual(Buffer.from(one.pBad.buffer));
    expect(Buffer.from(three.logit.buffer)).toEqual(Buffer.from(one.logit.buffer));
    expect(three.folds).toEqual(one.folds);
    expect(sideBySide.map((e) => e.fold)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(sideBySide.map((e) => [e.repeat, e.trainRows, e.testRows])).toEqual(alone.map((e) => [e.repeat, e.trainRows, e.testRows]));
    // A synthetic row trains a fit only when its sample is on that fit's training side.
    for (const job of started) {
      const test = new Set(job.testRows);
      const trained = new Set(job.extraRows);
      for (let j = 0; j < extra.n; j++) expect(trained.has(j)).toBe(!test.has(extra.source[j]!));
    }
  });

  it('starts no queued fit after a cancel or a failed fit', async () => {
    const s = makeSynthetic({ n: 120, d: 8, seed: 7 });
    const params = { ...DEFAULT_HEAD_PARAMS, hidden: 0, epochs: 2 };
    let broke = false;
    let afterBreak = 0;
    let calls = 0;
    const failing: FoldFitter = {
      concurrency: 2,
      async fit(job) {
        calls++;
        if (broke) afterBreak++;
        if (calls === 2) {
          broke = true;
          throw new Error('the fit broke');
        }
        return fitFold(job);
      },
    };
    await expect(outOfFold(s, s.y, params, { k: 5, fitter: failing })).rejects.toThrow('the fit broke');
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(2);
    expect(afterBreak).toBe(0);
    const ac = new AbortController();
    let afterAbort = 0;
    calls = 0;
    const cancelling: FoldFitter = {
      concurrency: 2,
      async fit(job) {
        calls++;
        if (ac.signal.aborted) afterAbort++;
        ac.abort();
        return fitFold(job);
      },
    };
    await expect(outOfFold(s, s.y, params, { k: 5, fitter: cancelling, signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBeGreaterThan(0);
    expect(afterAbort).toBe(0);
  });

  it('ends a cancelled or failed pass only once the fits under way have ended, and hands every fit the signal', async () => {
    const s = makeSynthetic({ n: 120, d: 8, seed: 7 });
    const params = { ...DEFAULT_HEAD_PARAMS, hidden: 0, epochs: 2 };
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // Like fits in other threads: each stops some time after the cancel reaches it (the second later).
    const ac = new AbortController();
    let running = 0;
    const signals: (AbortSignal | undefined)[] = [];
    const cancelled: FoldFitter = {
      concurrency: 2,
      async fit(_job, signal) {
        const nth = signals.push(signal);
        running++;
        try {
          if (nth === 1) setTimeout(() => ac.abort(), 10);
          await new Promise<void>((resolve) => (signal?.aborted ? resolve() : signal?.addEventListener('abort', () => resolve(), { once: true })));
          await wait(nth === 1 ? 5 : 150);
          throw abortError();
        } finally {
          running--;
        }
      },
    };
    await expect(outOfFold(s, s.y, params, { k: 5, fitter: cancelled, signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(running).toBe(0);
    expect(signals).toEqual([ac.signal, ac.signal]);
    // A fit that fails while another runs: the pass fails with its error once the other has ended.
    let calls = 0;
    const failing: FoldFitter = {
      concurrency: 2,
      async fit(job) {
        const nth = ++calls;
        running++;
        try {
          if (nth === 1) throw new Error('the fit broke');
          await wait(150);
          return await fitFold(job);
        } finally {
          running--;
        }
      },
    };
    await expect(outOfFold(s, s.y, params, { k: 5, fitter: failing })).rejects.toThrow('the fit broke');
    expect(running).toBe(0);
    expect(calls).toBe(2);
  });

  it('gives fits in other threads the rows in shared memory, copying only what is not there yet', async () => {
    const s = makeSynthetic({ n: 80, d: 6, seed: 8 });
    const plain = s.x.slice(0, 20 * s.d);
    const shared = inSharedMemory(plain);
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(shared).not.toBe(plain);
    expect(Array.from(shared)).toEqual(Array.from(plain));
    expect(inSharedMemory(shared)).toBe(shared);
    const extra = { x: shared, y: new Uint8Array(20).fill(1), n: 20, source: Int32Array.from({ length: 20 }, (_, j) => j) };
    const seen: FoldFit[] = [];
    const fitter: FoldFitter = { concurrency: 2, fit: (job) => (seen.push(job), fitFold(job)) };
    await outOfFold(s, s.y, { ...DEFAULT_HEAD_PARAMS, hidden: 0, epochs: 1 }, { k: 4, extra, fitter });
    expect(seen).toHaveLength(4);
    for (const job of seen) {
      expect(job.extra!.x).toBe(shared);
      expect(job.x.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(job.x).toBe(seen[0]!.x);
    }
  });

  it('runs fewer fits at once than the fitter takes when their rows would not fit in the memory given', async () => {
    const s = makeSynthetic({ n: 120, d: 10, seed: 9 });
    const params = { ...DEFAULT_HEAD_PARAMS, hidden: 0, epochs: 1 };
    const peakWith = async (fitMemory?: number) => {
      let running = 0;
      let peak = 0;
      const fitter: FoldFitter = {
        concurrency: 4,
        async fit(job) {
          peak = Math.max(peak, ++running);
          await new Promise((r) => setTimeout(r, 20));
          running--;
          return fitFold(job);
        },
      };
      await outOfFold(s, s.y, params, { k: 6, fitter, ...(fitMemory !== undefined && { fitMemory }) });
      return peak;
    };
    // A fit trains on 100 of the 120 rows: 100 x 10 floats, twice (its matrix and the distance copy).
    const fit = 2 * 4 * 10 * 100;
    expect(await peakWith()).toBe(4);
    expect(await peakWith(2 * fit)).toBe(2);
    expect(await peakWith(fit - 1)).toBe(1);
  });
});
