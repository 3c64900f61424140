import { describe, expect, it } from 'vitest';
import { makeSynthetic } from '../../../../test-support/synthetic';
import { DEFAULT_HEAD_PARAMS, type HeadParams, predictHead, trainHead } from './head';
import { columnStats } from './matrix';
import { OrtHeadTrainer } from './ortHead';
import { ADAM, type TrainContext } from './trainer';
import type { HeadLayer, LabelledMatrix } from './types';
import { rocAuc, type BinaryLabel } from '../../../../src-shared/domain/metrics';

/** Held-out ROC AUC with the project's one implementation. */
const auc = (p: Float32Array, y: Uint8Array): number => rocAuc(y as ArrayLike<number> as ArrayLike<BinaryLabel>, p);

function context(train: LabelledMatrix, params: HeadParams, sampleWeight?: Float32Array): TrainContext {
  const { mean, std } = columnStats(train);
  const scale = Float64Array.from(std, (s, j) => (j % 2 ? 2 : 1) / s); // a columnScale of 1, 2, 1, 2, …
  return { train, mean, scale, classWeight: [0.8, 1.3], priorLogit: 0.1, params, ...(sampleWeight && { sampleWeight }) };
}

/** The batch loss Σ w_i BCE(z_i, y_i) in float64 from exported layers (an independent forward pass). */
function batchLoss(ctx: TrainContext, layers: HeadLayer[], rows: number[]): number {
  const { x, y, d } = ctx.train;
  let loss = 0;
  for (const r of rows) {
    const xs = Array.from({ length: d }, (_, j) => (x[r * d + j]! - ctx.mean[j]!) * ctx.scale[j]!);
    const dense = (inp: number[], l: HeadLayer) =>
      Array.from({ length: l.shape[1]! }, (_, k) => inp.reduce((s, v, j) => s + v * l.w[j * l.shape[1]! + k]!, l.b[k]!));
    let z = dense(xs, layers[0]!);
    if (layers[1]) z = dense(z.map((v) => Math.max(0, v)), layers[1]);
    const zi = z[0]!;
    const yi = y[r]!;
    const w = (ctx.classWeight[yi ? 1 : 0] * (ctx.sampleWeight ? ctx.sampleWeight[r]! : 1)) / rows.length;
    loss += w * (Math.max(zi, 0) - zi * yi + Math.log1p(Math.exp(-Math.abs(zi))));
  }
  return loss;
}

describe('OrtHeadTrainer', () => {
  const small = makeSynthetic({ n: 24, d: 6, seed: 3, rule: 'mixed' });

  for (const hidden of [0, 4]) {
    it(`gives the gradients of the weighted loss (finite differences, hidden ${hidden})`, async () => {
      const sampleWeight = Float32Array.from({ length: small.n }, (_, i) => 0.5 + (i % 3));
      const ctx = context(small, { ...DEFAULT_HEAD_PARAMS, hidden, dropout: 0, batchSize: 16 }, sampleWeight);
      const trainer = await OrtHeadTrainer.create(ctx, 1);
      try {
        // A few steps first, so the weights are not at their initial values (zeros for the linear head).
        const rows = Int32Array.from({ length: 16 }, (_, i) => (i * 5) % small.n);
        for (let k = 0; k < 3; k++) await trainer.step(rows, 16);
        const { grads } = await trainer.gradients(rows, 16);
        const layers = trainer.layers();
        const eps = 1e-3;
        let checked = 0;
        layers.forEach((layer, li) => {
          for (const kind of ['w', 'b'] as const) {
            const g = grads[li * 2 + (kind === 'w' ? 0 : 1)]!;
            expect(g.length).toBe(layer[kind].length);
            for (let j = 0; j < layer[kind].length; j += 3) {
              const plus = structuredClone(layers);
              const minus = structuredClone(layers);
              plus[li]![kind][j]! += eps;
              minus[li]![kind][j]! -= eps;
              const fd = (batchLoss(ctx, plus, [...rows]) - batchLoss(ctx, minus, [...rows])) / (2 * eps);
              expect(Math.abs(g[j]! - fd)).toBeLessThan(2e-4 + 1e-2 * Math.abs(fd));
              checked++;
            }
          }
        });
        expect(checked).toBeGreaterThan(hidden ? 10 : 2);
      } finally {
        trainer.dispose();
      }
    });
  }

  for (const hidden of [0, 4]) {
    it(`takes each Adam step in its graph as the gradients and Adam by hand do (hidden ${hidden})`, async () => {
      const sampleWeight = Float32Array.from({ length: small.n }, (_, i) => 0.5 + (i % 3));
      const params = { ...DEFAULT_HEAD_PARAMS, hidden, dropout: 0, batchSize: 16, l2: 0.05, learningRate: 0.01 };
      const ctx = context(small, params, sampleWeight);
      const trainer = await OrtHeadTrainer.create(ctx, 1);
      try {
        const { beta1, beta2, epsilon } = ADAM;
        const flat = (ls: HeadLayer[]) => ls.flatMap((l) => [l.w, l.b]);
        // Adam by hand in float64, from zero moments, on the gradients the plain graph gives.
        let w = flat(trainer.layers()).map((a) => Float64Array.from(a));
        const m = w.map((a) => new Float64Array(a.length));
        const v = w.map((a) => new Float64Array(a.length));
        for (let t = 1; t <= 4; t++) {
          const rows = Int32Array.from({ length: 16 }, (_, i) => (i * 5 + t) % small.n);
          const { grads } = await trainer.gradients(rows, 16);
          w = w.map((wi, k) => {
            const decay = k % 2 === 0 ? 2 * params.l2 : 0; // weights, not biases
            return wi.map((x, j) => {
              const g = grads[k]![j]! + decay * x;
              m[k]![j] = beta1 * m[k]![j]! + (1 - beta1) * g;
              v[k]![j] = beta2 * v[k]![j]! + (1 - beta2) * g * g;
              return x - (params.learningRate * (m[k]![j]! / (1 - beta1 ** t))) / (Math.sqrt(v[k]![j]! / (1 - beta2 ** t)) + epsilon);
            });
          });
          const stats = await trainer.step(rows, 16);
          expect(stats.n).toBe(16);
          const got = flat(trainer.layers());
          let moved = 0;
          got.forEach((a, k) =>
            a.forEach((x, j) => {
              expect(Math.abs(x - w[k]![j]!)).toBeLessThan(1e-5 + 1e-4 * Math.abs(w[k]![j]!));
              moved = Math.max(moved, Math.abs(x));
            }),
          );
          expect(moved).toBeGreaterThan(0);
          w = got.map((a) => Float64Array.from(a)); // the next step starts from the graph's weights
        }
      } finally {
        trainer.dispose();
      }
    });
  }

  it('reports logits that match an independent float64 forward pass', async () => {
    const ctx = context(small, { ...DEFAULT_HEAD_PARAMS, hidden: 5, dropout: 0, batchSize: 8 });
    const trainer = await OrtHeadTrainer.create(ctx, 1);
    try {
      await trainer.step(Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), 8);
      const z = await trainer.logits(small);
      const layers = trainer.layers();
      for (let i = 0; i < small.n; i++) {
        const xs = Array.from({ length: small.d }, (_, j) => (small.x[i * small.d + j]! - ctx.mean[j]!) * ctx.scale[j]!);
        const h = Array.from({ length: 5 }, (_, k) => Math.max(0, xs.reduce((s, v, j) => s + v * layers[0]!.w[j * 5 + k]!, layers[0]!.b[k]!)));
        const want = h.reduce((s, v, k) => s + v * layers[1]!.w[k]!, layers[1]!.b[0]!);
        expect(z[i]).toBeCloseTo(want, 4);
      }
    } finally {
      trainer.dispose();
    }
  });

  it('trains an MLP as well as the tfjs trainer (held-out AUC), and the default MLP engine is onnxruntime here', async () => {
    const all = makeSynthetic({ n: 3000, d: 48, seed: 11, rule: 'xor', labelNoise: 0.02 });
    const n = 2000;
    const train: LabelledMatrix = { x: all.x.subarray(0, n * all.d), n, d: all.d, y: all.y.subarray(0, n) };
    const test: LabelledMatrix = { x: all.x.subarray(n * all.d), n: all.n - n, d: all.d, y: all.y.subarray(n) };
    const params: HeadParams = { ...DEFAULT_HEAD_PARAMS, hidden: 32, epochs: 15, batchSize: 64 };
    const ortHead = await trainHead(train, null, params);
    const tfHead = await trainHead(train, null, params, { mlpEngine: 'tfjs' });
    expect(ortHead.backend).toBe('onnxruntime');
    expect(tfHead.backend).not.toBe('onnxruntime');
    const aOrt = auc(await predictHead(ortHead, test), test.y);
    const aTf = auc(await predictHead(tfHead, test), test.y);
    expect(aOrt).toBeGreaterThan(0.85); // XOR: a linear model sits at 0.5
    expect(aOrt).toBeGreaterThan(aTf - 0.02);
    // The same initial weights, masks and batches: the two trainers' weights stay close.
    expect(Math.abs(aOrt - aTf)).toBeLessThan(0.03);
  });

  it('gathers each batch from a training matrix that is a view into a larger buffer (the MLP step graph reads it in place)', async () => {
    const params = { ...DEFAULT_HEAD_PARAMS, hidden: 6, batchSize: 8 };
    const { x, d, n } = small;
    // The same rows at an offset inside a buffer whose other values are NaN: a read outside the view would poison the weights.
    const big = new Float32Array(x.length + 5 * d + 3).fill(Number.NaN);
    big.set(x, 2 * d + 3);
    const view: LabelledMatrix = { ...small, x: big.subarray(2 * d + 3, 2 * d + 3 + n * d) };
    const trainers = await Promise.all([OrtHeadTrainer.create(context(small, params), 1), OrtHeadTrainer.create(context(view, params), 1)]);
    try {
      for (let t = 0; t < 5; t++) {
        const rows = Int32Array.from({ length: 8 }, (_, i) => (i * 7 + t * 3) % n);
        const [a, b] = await Promise.all(trainers.map((tr) => tr.step(rows, 8)));
        expect(b).toEqual(a);
      }
      const [la, lb] = trainers.map((tr) => tr.layers());
      expect(lb).toEqual(la);
      expect(la!.flatMap((l) => [...l.w, ...l.b]).every(Number.isFinite)).toBe(true);
    } finally {
      for (const tr of trainers) tr.dispose();
    }
  });

  it('is reproducible: the same seed gives the same history and weights', async () => {
    const params: HeadParams = { ...DEFAULT_HEAD_PARAMS, hidden: 8, epochs: 3, batchSize: 32 };
    const set = makeSynthetic({ n: 400, d: 20, seed: 5, rule: 'mixed' });
    const a = await trainHead(set, null, params, { mlpEngine: 'onnxruntime' });
    const b = await trainHead(set, null, params, { mlpEngine: 'onnxruntime' });
    expect(b.history.map((h) => h.trainLoss)).toEqual(a.history.map((h) => h.trainLoss));
    expect(b.layers).toEqual(a.layers);
    expect(a.history.at(-1)!.trainLoss).toBeLessThan(a.history[0]!.trainLoss);
  });
});
