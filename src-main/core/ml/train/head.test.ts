/**
 * The classifier head on real tfjs (whatever selectBackend picks here: wasm without tfjs-node) and
 * the plain-JS linear trainer, on seeded synthetic sets of 2,000 x 256 where the class depends on
 * a few latent directions spread over all columns, with 5% label noise.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendOrder, selectBackend, type Tf } from './backend';
import { DEFAULT_HEAD_PARAMS, type EpochStats, type HeadParams, predictHead, predictHeadJs, predictHeadTf, type TrainedHead, trainHead } from './head';
import { makeSynthetic, type SyntheticSet } from '../../../../test-support/synthetic';
import type { LabelledMatrix } from './types';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../../..');

function split(s: SyntheticSet, nTrain: number): { train: LabelledMatrix; test: LabelledMatrix } {
  const { d } = s;
  return {
    train: { x: s.x.subarray(0, nTrain * d), n: nTrain, d, y: s.y.subarray(0, nTrain) },
    test: { x: s.x.subarray(nTrain * d), n: s.n - nTrain, d, y: s.y.subarray(nTrain) },
  };
}

function accuracy(p: Float32Array, y: Uint8Array): number {
  let right = 0;
  for (let i = 0; i < p.length; i++) if (p[i]! > 0.5 === (y[i] === 1)) right++;
  return right / p.length;
}

const params = (over: Partial<HeadParams> = {}): HeadParams => ({ ...DEFAULT_HEAD_PARAMS, ...over });
const losses = (h: TrainedHead) => h.history.map((e) => [e.trainLoss, e.trainAccuracy, e.valLoss, e.valAccuracy]);

let tf: Tf;
let backend: string;
// 'mixed': bad when z0 + 1.5 z1 z2 > t (part linear, part interaction); 'xor': bad when z0 z1 > 0.
const mixed = split(makeSynthetic({ n: 2000, d: 256, seed: 1, rule: 'mixed', labelNoise: 0.05 }), 1500);
const xor = split(makeSynthetic({ n: 2000, d: 256, seed: 2, rule: 'xor', labelNoise: 0.05 }), 1500);

beforeAll(async () => {
  const b = await selectBackend();
  tf = b.tf;
  backend = b.name;
  console.info(`tfjs backend: ${b.name}${b.skipped.length ? ` (skipped ${b.skipped.map((s) => s.name).join(', ')})` : ''}`);
});

describe('selectBackend', () => {
  it('tries the native backends first, then wasm, then cpu, and lets QC_TF_BACKEND force one', async () => {
    expect(backendOrder(undefined, {})).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
    expect(backendOrder('cpu', {})).toEqual(['cpu']);
    expect(backendOrder('cpu', { QC_TF_BACKEND: 'wasm' })).toEqual(['wasm']);
    expect(() => backendOrder('webgl', {})).toThrow(/unknown tfjs backend/);
    const forced = process.env.QC_TF_BACKEND;
    if (forced) expect(backend).toBe(forced);
    else expect(['tensorflow-gpu', 'tensorflow', 'wasm']).toContain(backend);
    const cpu = await selectBackend(forced ? undefined : 'cpu');
    expect(cpu.name).toBe(forced ?? 'cpu');
    expect(cpu.tf.getBackend()).toBe(forced ?? 'cpu');
    const again = await selectBackend();
    expect(again.name).toBe(backend);
    expect(again.tf.getBackend()).toBe(backend.startsWith('tensorflow') ? 'tensorflow' : backend);
  });
});

describe('trainHead', () => {
  it('linear head: held-out accuracy well above chance; the onnxruntime, JS and tfjs trainers agree', async () => {
    const auto = await trainHead(mixed.train, mixed.test, params({ hidden: 0 }));
    const js = await trainHead(mixed.train, mixed.test, params({ hidden: 0 }), { linearEngine: 'js' });
    const tfl = await trainHead(mixed.train, mixed.test, params({ hidden: 0 }), { linearEngine: 'tfjs' });
    expect(auto.kind).toBe('linear');
    expect(auto.backend).toBe('onnxruntime');
    expect(js.backend).toBe('js');
    expect(tfl.backend).toBe(backend);
    const accOrt = accuracy(await predictHead(auto, mixed.test), mixed.test.y);
    const accJs = accuracy(await predictHead(js, mixed.test), mixed.test.y);
    const accTf = accuracy(await predictHead(tfl, mixed.test), mixed.test.y);
    // Measured: 0.718 (JS) on this set; the rule is only partly linear.
    expect(accOrt).toBeGreaterThan(0.66);
    expect(accJs).toBeGreaterThan(0.66);
    expect(Math.abs(accOrt - accJs)).toBeLessThan(0.02);
    expect(Math.abs(accJs - accTf)).toBeLessThan(0.02);
    expect(auto.history.at(-1)!.valAccuracy).toBeCloseTo(accOrt, 5);
    expect(js.history.at(-1)!.valAccuracy).toBeCloseTo(accJs, 5);
  });

  it('MLP beats the linear head on an XOR-like rule', async () => {
    const lin = await trainHead(xor.train, null, params({ hidden: 0 }));
    const mlp = await trainHead(xor.train, null, params({ hidden: 64 }));
    const accLin = accuracy(await predictHead(lin, xor.test), xor.test.y);
    const accMlp = accuracy(await predictHead(mlp, xor.test), xor.test.y);
    // Measured: linear 0.48-0.49 (chance), MLP 0.80-0.81.
    expect(accLin).toBeLessThan(0.6);
    expect(accMlp).toBeGreaterThan(0.72);
    expect(accMlp - accLin).toBeGreaterThan(0.15);
    expect(mlp.kind).toBe('mlp');
    expect(mlp.layers.map((l) => l.shape)).toEqual([
      [256, 64],
      [64, 1],
    ]);
  });

  it('is deterministic for a fixed seed (history and predictions), and the seed matters', async () => {
    for (const hidden of [0, 32]) {
      const a = await trainHead(mixed.train, mixed.test, params({ hidden, epochs: 5, seed: 7 }));
      const b = await trainHead(mixed.train, mixed.test, params({ hidden, epochs: 5, seed: 7 }));
      const c = await trainHead(mixed.train, mixed.test, params({ hidden, epochs: 5, seed: 8 }));
      expect(losses(b)).toEqual(losses(a));
      expect(b.layers).toEqual(a.layers);
      expect(await predictHead(b, mixed.test)).toEqual(await predictHead(a, mixed.test));
      expect(losses(c)).not.toEqual(losses(a));
    }
  });

  it('calls onEpoch once per epoch with a falling training loss and a growing clock', async () => {
    const seen: EpochStats[] = [];
    const head = await trainHead(mixed.train, mixed.test, params({ hidden: 32, epochs: 8 }), { onEpoch: (e) => seen.push(e) });
    expect(seen.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(head.history).toEqual(seen);
    expect(seen.at(-1)!.trainLoss).toBeLessThan(seen[0]!.trainLoss * 0.9);
    for (const e of seen) {
      expect(e.valLoss).toBeTypeOf('number');
      expect(e.trainAccuracy).toBeGreaterThan(0.5);
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.seconds).toBeGreaterThanOrEqual(seen[i - 1]!.seconds);
    const noVal = await trainHead(mixed.train, null, params({ hidden: 0, epochs: 2 }));
    expect(noVal.history[0]!.valLoss).toBeUndefined();
  });

  it('stops within one epoch when aborted, with an AbortError, and frees its tensors', async () => {
    const before = tf.memory().numTensors;
    // Abort from inside onEpoch: no further epoch runs.
    const ac = new AbortController();
    let epochs = 0;
    const p = trainHead(mixed.train, null, params({ hidden: 32, epochs: 50 }), {
      signal: ac.signal,
      onEpoch: (e) => {
        epochs++;
        if (e.epoch === 2) ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ name: 'AbortError', message: 'cancelled' });
    expect(epochs).toBe(2);
    // Abort from a timer while training runs: the loop yields between batches, so it gets through.
    for (const hidden of [0, 32]) {
      const ac2 = new AbortController();
      let after = 0;
      let aborted = false;
      const started = performance.now();
      const run = trainHead(mixed.train, null, params({ hidden, epochs: 10_000 }), {
        signal: ac2.signal,
        onEpoch: () => {
          if (aborted) after++;
        },
      });
      setTimeout(() => {
        aborted = true;
        ac2.abort();
      }, 150);
      await expect(run).rejects.toMatchObject({ name: 'AbortError' });
      expect(after).toBeLessThanOrEqual(1);
      expect(performance.now() - started).toBeLessThan(5000);
    }
    // Already aborted: nothing runs.
    await expect(trainHead(mixed.train, null, params(), { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('ignores a column that did not vary in training: a value off its constant later moves no prediction', async () => {
    const s = makeSynthetic({ n: 200, d: 8, seed: 9, rule: 'linear', margin: 0.5 });
    // Column 3 is 0 in every training row, like a backbone channel dead in every training image.
    const x = Float32Array.from(s.x, (v, i) => (i % s.d === 3 ? 0 : v));
    for (const hidden of [0, 16]) {
      const head = await trainHead({ x, y: s.y, n: s.n, d: s.d }, null, { ...DEFAULT_HEAD_PARAMS, hidden, epochs: 5 });
      const woken = Float32Array.from(x, (v, i) => (i % s.d === 3 ? 1e-4 * ((i % 7) - 3) : v));
      const before = await predictHead(head, { x, n: s.n, d: s.d });
      const after = await predictHead(head, { x: woken, n: s.n, d: s.d });
      const js = predictHeadJs(head, { x: woken, n: s.n, d: s.d });
      for (let i = 0; i < s.n; i++) {
        expect(after[i]).toBeCloseTo(before[i]!, 6);
        expect(js[i]).toBeCloseTo(before[i]!, 5);
      }
    }
  });

  it('does not leak tensors across training and prediction', async () => {
    await trainHead(mixed.train, mixed.test, params({ hidden: 16, epochs: 1 })); // warm-up: backend-level state
    const before = tf.memory().numTensors;
    const head = await trainHead(mixed.train, mixed.test, params({ hidden: 16, epochs: 3 }));
    await trainHead(mixed.train, mixed.test, params({ hidden: 0, epochs: 3 }), { linearEngine: 'tfjs' });
    await predictHead(head, mixed.test);
    predictHeadTf(tf, head, mixed.test);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('weights classes inversely to their frequency when classWeighting is on; starts from the prior', async () => {
    const s = makeSynthetic({ n: 2000, d: 64, seed: 3, rule: 'mixed', badShare: 0.1, noise: 2 });
    const { train, test } = split(s, 1500);
    const stats = (p: Float32Array) => {
      let tp = 0;
      let pos = 0;
      let sum = 0;
      for (let i = 0; i < p.length; i++) {
        sum += p[i]!;
        if (test.y[i]) {
          pos++;
          if (p[i]! > 0.5) tp++;
        }
      }
      return { recall: tp / pos, meanP: sum / p.length };
    };
    const off = stats(await predictHead(await trainHead(train, null, params({ hidden: 0, classWeighting: false })), test));
    const on = stats(await predictHead(await trainHead(train, null, params({ hidden: 0, classWeighting: true })), test));
    // Measured: recall 0 vs 0.74; mean p(bad) 0.10 (the share of bad rows) vs 0.48 (balanced).
    expect(on.recall).toBeGreaterThan(off.recall + 0.3);
    expect(off.meanP).toBeGreaterThan(0.05);
    expect(off.meanP).toBeLessThan(0.2);
    expect(on.meanP).toBeGreaterThan(0.35);
  });

  it('applies columnScale to the standardised columns, and checks its inputs', async () => {
    const { train, test } = split(makeSynthetic({ n: 1200, d: 40, seed: 5, rule: 'linear', noise: 2 }), 900);
    const scale = new Float32Array(40).fill(1);
    scale[0] = 30;
    const strong = params({ hidden: 0, l2: 1 });
    const plain = await trainHead(train, null, strong);
    const scaled = await trainHead(train, null, strong, { columnScale: scale });
    expect(plain.columnScale).toBeNull();
    expect(scaled.columnScale?.[0]).toBe(30);
    // p = sigmoid(b + Σ_j (x_j - mean_j) / std_j · scale_j · w_j), by hand for a few rows.
    const p = await predictHead(scaled, test);
    const l = scaled.layers[0]!;
    for (const i of [0, 1, 150, 299]) {
      let z = l.b[0]!;
      for (let j = 0; j < 40; j++) z += ((test.x[i * 40 + j]! - scaled.mean[j]!) / scaled.std[j]!) * scaled.columnScale![j]! * l.w[j]!;
      expect(p[i]).toBeCloseTo(1 / (1 + Math.exp(-z)), 6);
    }
    // Under a strong L2 penalty the up-weighted column pays less for the same effect, so its
    // effective coefficient (w_j · scale_j per standard deviation) grows; the others stay alike.
    const eff = (h: TrainedHead, j: number) => h.layers[0]!.w[j]! * (h.columnScale?.[j] ?? 1);
    expect(Math.abs(eff(scaled, 0))).toBeGreaterThan(1.5 * Math.abs(eff(plain, 0)));
    await expect(trainHead(train, null, strong, { columnScale: new Float32Array(3) })).rejects.toThrow(/columnScale/);
    await expect(trainHead({ ...train, y: train.y.subarray(1) }, null, strong)).rejects.toThrow(/labels/);
    await expect(trainHead(train, null, params({ dropout: 1 }))).rejects.toThrow(/dropout/);
    await expect(predictHead(plain, { x: new Float32Array(6), n: 2, d: 3 })).rejects.toThrow(/expects 40 columns/);
  });
});

describe('predictHead', () => {
  let heads: { linear: TrainedHead; mlp: TrainedHead };
  let tmp: string;
  beforeAll(async () => {
    heads = {
      linear: await trainHead(mixed.train, null, params({ hidden: 0, epochs: 5 })),
      mlp: await trainHead(mixed.train, null, params({ hidden: 32, epochs: 5 })),
    };
    tmp = mkdtempSync(path.join(os.tmpdir(), 'qc-head-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('gives identical predictions after a JSON round trip', async () => {
    for (const head of Object.values(heads)) {
      const back = JSON.parse(JSON.stringify(head)) as TrainedHead;
      expect(back).toEqual(head);
      expect(await predictHead(back, mixed.test)).toEqual(await predictHead(head, mixed.test));
      expect(predictHeadJs(back, mixed.test)).toEqual(predictHeadJs(head, mixed.test));
    }
  });

  it('gives identical predictions in a fresh process', async () => {
    writeFileSync(path.join(tmp, 'heads.json'), JSON.stringify(heads));
    writeFileSync(path.join(tmp, 'x.f32'), mixed.test.x);
    const script = path.join(tmp, 'predict.mts');
    writeFileSync(
      script,
      [
        `import { readFileSync, writeFileSync } from 'node:fs';`,
        `import { predictHead } from ${JSON.stringify(path.join(here, 'predict.ts'))};`,
        `const heads = JSON.parse(readFileSync(${JSON.stringify(path.join(tmp, 'heads.json'))}, 'utf8'));`,
        `const b = readFileSync(${JSON.stringify(path.join(tmp, 'x.f32'))});`,
        `const x = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));`,
        `const m = { x, n: ${mixed.test.n}, d: ${mixed.test.d} };`,
        `for (const k of ['linear', 'mlp']) writeFileSync(${JSON.stringify(tmp)} + '/' + k + '.out', await predictHead(heads[k], m));`,
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, QC_TF_BACKEND: backend } });
    expect(r.status, r.stderr).toBe(0);
    for (const k of ['linear', 'mlp'] as const) {
      const b = readFileSync(path.join(tmp, `${k}.out`));
      const theirs = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      expect(theirs).toEqual(await predictHead(heads[k], mixed.test));
    }
  }, 60_000);

  it('plain JS and tfjs agree on the MLP to float32 precision', async () => {
    const js = predictHeadJs(heads.mlp, mixed.test);
    const viaTf = predictHeadTf(tf, heads.mlp, mixed.test);
    let max = 0;
    for (let i = 0; i < js.length; i++) max = Math.max(max, Math.abs(js[i]! - viaTf[i]!));
    expect(max).toBeLessThan(1e-5);
    expect(accuracy(js, mixed.test.y)).toBeGreaterThan(0.7);
  });
});
