/**
 * The distance-from-good block: robust z against the fit rows only, the Mahalanobis column equals
 * zᵀΣ⁻¹z, the block is fitted on good real training rows only (never synthetic or bad ones), a
 * stored head round-trips through JSON and predicts exactly what its train-time transform gave, and
 * on real dev photos the distance rises along severity ladders of the distortion library.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRgb, type RgbImage } from '../backbone/preprocess';
import { distort } from '../distort';
import { signalGroupColumns, signalVector, qualitySignals, SIGNAL_NAMES } from '../features/signals';
import { distanceColumnNames, distanceColumns, fitDistance, ledoitWolf, MIN_FIT_ROWS, withDistance, type DistanceBlock } from './distance';
import { fitHeadDistance, predictHeadJs, trainHead } from './head';
import { createRng } from './rng';
import type { LabelledMatrix, Matrix } from './types';
import { DEV_IMAGES } from '../../../../test-support/fixtures';

/** n rows of d Gaussian columns (seeded), column j with mean j and spread 1 + j. */
function gaussianRows(n: number, d: number, seed: number): Float32Array {
  const rand = createRng(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const u = Math.max(1e-12, rand());
      const g = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
      x[i * d + j] = j + (1 + j) * g;
    }
  }
  return x;
}

const names = (b: DistanceBlock) => distanceColumnNames(b);
const col = (b: DistanceBlock, m: Matrix, name: string) => {
  const e = withDistance(b, m);
  const k = m.d + names(b).indexOf(name);
  return Array.from({ length: m.n }, (_, i) => e.x[i * e.d + k]!);
};

describe('fitDistance', () => {
  it('z is robust against the fit rows: |z| of a row k scales out is k, both directions alike, clipped', () => {
    const d = 4;
    const m: Matrix = { x: gaussianRows(400, d, 7), n: 400, d };
    const b = fitDistance(m, Array.from({ length: 400 }, (_, i) => i), { start: 1, width: 3, groups: [{ name: 'ab', columns: [0, 1] }] });
    expect(distanceColumns(b)).toBe(3 + 2 + 3);
    // Column 1 of the rows (block column 0) has mean 1, spread 2: median ≈ 1, scale ≈ 2.
    expect(b.center[0]!).toBeGreaterThan(0.6);
    expect(b.center[0]!).toBeLessThan(1.4);
    expect(b.scale[0]!).toBeGreaterThan(1.6);
    expect(b.scale[0]!).toBeLessThan(2.4);
    const probe = (v: number) => {
      const row = Float32Array.from([0, b.center[0]! + v * b.scale[0]!, b.center[1]!, b.center[2]!]);
      return withDistance(b, { x: row, n: 1, d }).x;
    };
    expect(probe(3)[d]!).toBeCloseTo(3, 5);
    expect(probe(-3)[d]!).toBeCloseTo(3, 5);
    expect(probe(100)[d]!).toBe(b.clip);
    // Group ab: mean and max of |z| over block columns 0 and 1; overall mean and max over all three.
    const e = probe(4);
    expect(e[d + 3]!).toBeCloseTo(2, 5);
    expect(e[d + 4]!).toBeCloseTo(4, 5);
    expect(e[d + 5]!).toBeCloseTo(4 / 3, 5);
    expect(e[d + 6]!).toBeCloseTo(4, 5);
  });

  it('perSignal: false appends only the group and overall columns, the same values as the full block\'s', () => {
    const d = 4;
    const m: Matrix = { x: gaussianRows(100, d, 8), n: 100, d };
    const rows = Array.from({ length: 100 }, (_, i) => i);
    const spec = { start: 1, width: 3, groups: [{ name: 'ab', columns: [0, 1] }] };
    const full = fitDistance(m, rows, spec);
    const agg = fitDistance(m, rows, { ...spec, perSignal: false });
    expect(distanceColumns(agg)).toBe(2 + 3);
    expect(distanceColumnNames(agg)).toEqual(distanceColumnNames(full).slice(3));
    const a = withDistance(full, m);
    const b = withDistance(agg, m);
    for (let i = 0; i < m.n; i++) {
      for (let k = 0; k < 5; k++) expect(b.x[i * b.d + d + k]).toBe(a.x[i * a.d + d + 3 + k]);
    }
  });

  it('the Mahalanobis column is log1p(zᵀ Σ⁻¹ z / width) under the shrunk covariance', () => {
    const d = 3;
    const n = 60;
    const x = gaussianRows(n, d, 3);
    // Correlate column 2 with column 0.
    for (let i = 0; i < n; i++) x[i * d + 2] = x[i * d + 2]! + 2 * x[i * d]!;
    const m: Matrix = { x, n, d };
    const rows = Array.from({ length: n }, (_, i) => i);
    const b = fitDistance(m, rows, { start: 0, width: d });
    // The covariance the block used, rebuilt from the clipped z of the fit rows.
    const z = new Float64Array(n * d);
    const mu = [0, 0, 0];
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j]! += (z[i * d + j] = Math.max(-b.clip, Math.min(b.clip, (x[i * d + j]! - b.center[j]!) / b.scale[j]!))) / n;
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) z[i * d + j] = z[i * d + j]! - mu[j]!;
    const { cov, shrinkage } = ledoitWolf(z, n, d);
    expect(shrinkage).toBeCloseTo(b.shrinkage, 12);
    // Solve cov · s = v by Gaussian elimination and compare vᵀ s with the stored column.
    const v = [1.5, -0.5, 2];
    const a = [0, 1, 2].map((r) => [cov[r * d]!, cov[r * d + 1]!, cov[r * d + 2]!, v[r]!]);
    for (let c = 0; c < d; c++) for (let r = c + 1; r < d; r++) {
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k <= d; k++) a[r]![k]! -= f * a[c]![k]!;
    }
    const s = [0, 0, 0];
    for (let r = d - 1; r >= 0; r--) {
      let t = a[r]![d]!;
      for (let k = r + 1; k < d; k++) t -= a[r]![k]! * s[k]!;
      s[r] = t / a[r]![r]!;
    }
    const d2 = v[0]! * s[0]! + v[1]! * s[1]! + v[2]! * s[2]!;
    const row = Float32Array.from(v.map((zj, j) => b.center[j]! + zj * b.scale[j]!));
    const e = withDistance(b, { x: row, n: 1, d });
    expect(e.x[e.d - 1]!).toBeCloseTo(Math.log1p(d2 / d), 4);
  });

  it('Ledoit–Wolf shrinks a correlated covariance little with many rows and much with few', () => {
    const p = 10;
    const correlated = (x: Float32Array, n: number) => {
      for (let i = 0; i < n; i++) for (let j = 1; j < p; j++) x[i * p + j] = x[i * p + j]! + 3 * (1 + j) * x[i * p]!;
      return x;
    };
    const many = correlated(gaussianRows(2000, p, 1), 2000);
    const few = correlated(gaussianRows(12, p, 2), 12);
    const centred = (x: Float32Array, n: number) => {
      const z = Float64Array.from(x);
      for (let j = 0; j < p; j++) {
        let mu = 0;
        for (let i = 0; i < n; i++) mu += z[i * p + j]! / n;
        for (let i = 0; i < n; i++) z[i * p + j] = (z[i * p + j]! - mu) / (1 + j);
      }
      return z;
    };
    const a = ledoitWolf(centred(many, 2000), 2000, p).shrinkage;
    const b = ledoitWolf(centred(few, 12), 12, p).shrinkage;
    expect(a).toBeGreaterThanOrEqual(0);
    expect(b).toBeLessThanOrEqual(1);
    expect(a).toBeLessThan(0.1);
    expect(b).toBeGreaterThan(a);
  });

  it('is a function of the fit rows only: other rows, however extreme, do not move it', () => {
    const d = 3;
    const x = gaussianRows(100, d, 11);
    for (let i = 50; i < 100; i++) for (let j = 0; j < d; j++) x[i * d + j] = x[i * d + j]! * 50 + 1000;
    const fitRows = Array.from({ length: 50 }, (_, i) => i);
    const a = fitDistance({ x, n: 100, d }, fitRows, { start: 0, width: d });
    const b = fitDistance({ x: x.slice(0, 50 * d), n: 50, d }, fitRows, { start: 0, width: d });
    expect(a).toEqual(b);
    expect(() => fitDistance({ x, n: 100, d }, [1, 2], { start: 0, width: d })).toThrow(/good training rows/);
    expect(() => fitDistance({ x, n: 100, d }, fitRows, { start: 2, width: 2 })).toThrow(/do not fit/);
  });
});

describe('the distance block in a head', () => {
  const d = 6;
  const n = 160;
  /** Good rows around the origin; bad rows far out in one column or another, either direction. Synthetic rows after `real`. */
  function data(): LabelledMatrix {
    const x = gaussianRows(n, d, 5);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (i % 2) {
        y[i] = 1;
        const j = 2 + (i % 4);
        x[i * d + j] = x[i * d + j]! + (i % 8 < 4 ? 8 : -8) * (1 + j);
      }
    }
    return { x, y, n, d };
  }

  it('fits on the good real rows only (synthetic rows after realRows and zero-weight rows are ignored)', () => {
    const m = data();
    const real = 120;
    // The synthetic tail: good-labelled rows with absurd values.
    for (let i = real; i < n; i++) {
      m.y[i] = 0;
      for (let j = 0; j < d; j++) m.x[i * d + j] = 1e4;
    }
    const weight = new Float32Array(n).fill(1);
    weight[0] = 0;
    const spec = { start: 2, width: 4 };
    const b = fitHeadDistance(m, spec, real, weight);
    const goodReal = Array.from({ length: real }, (_, i) => i).filter((i) => m.y[i] === 0 && i !== 0);
    expect(b).toEqual(fitDistance(m, goodReal, spec));
    expect(b.fitRows).toBe(goodReal.length);
  });

  it('a small library: too few weighted good real rows fall back to every good real row, then to the good synthetic rows, never failing the run', () => {
    const m = data();
    const real = 12; // rows 0..11: six good (even rows), six bad
    for (let i = real; i < n; i++) m.y[i] = i % 3 ? 1 : 0;
    const spec = { start: 2, width: 4 };
    const goodReal = Array.from({ length: real }, (_, i) => i).filter((i) => m.y[i] === 0);
    expect(goodReal.length).toBeGreaterThanOrEqual(MIN_FIT_ROWS);
    // Noise-robust training left two good real rows weighted: every good real row is used.
    const weight = new Float32Array(n).fill(1);
    for (const i of goodReal.slice(2)) weight[i] = 0;
    expect(fitHeadDistance(m, spec, real, weight)).toEqual(fitDistance(m, goodReal, spec));
    // Fewer good real rows than a fit needs: the good synthetic rows join them.
    const fewReal = 4; // rows 0..3: two good
    const goodAll = Array.from({ length: n }, (_, i) => i).filter((i) => m.y[i] === 0);
    expect(fitHeadDistance(m, spec, fewReal, weight)).toEqual(fitDistance(m, goodAll, spec));
  });

  it('a trained head stores the block, survives JSON, and predicts what its layers give on the train-time transform', async () => {
    const m = data();
    const params = { hidden: 8, dropout: 0, l2: 0.001, learningRate: 0.01, epochs: 30, batchSize: 32, classWeighting: true, seed: 3 };
    const head = await trainHead(m, null, params, { distance: { start: 2, width: 4, groups: [{ name: 'g', columns: [0, 1] }] }, columnScale: new Float32Array(d).fill(2), mlpEngine: 'onnxruntime' });
    expect(head.distance).toBeTruthy();
    expect(head.d).toBe(d + distanceColumns(head.distance!));
    // The appended columns took the block's column scale (the signals' weight).
    expect(head.columnScale!.slice(d)).toEqual(new Array(distanceColumns(head.distance!)).fill(2));
    const stored = JSON.parse(JSON.stringify(head)) as typeof head;
    const p = predictHeadJs(stored, m);
    const layersOnly = predictHeadJs({ ...stored, distance: null }, withDistance(stored.distance!, m));
    expect(Array.from(p)).toEqual(Array.from(layersOnly));
    expect(Array.from(p)).toEqual(Array.from(predictHeadJs(head, m)));
    // Raw rows of the wrong width are refused with the width the head wants.
    expect(() => predictHeadJs(stored, { x: new Float32Array(d + 1), n: 1, d: d + 1 })).toThrow(`expects ${d} columns`);
  });

  it('carries "far from good" to a direction it never saw: trained on bad rows too high, it flags rows too low', async () => {
    // Bad training rows only ever go UP in their column; the test rows go DOWN. Without |z| a
    // linear head gives the low rows a low p(bad); with the distance block it flags them.
    const x = gaussianRows(n, d, 9);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) if (i % 2) {
      y[i] = 1;
      x[i * d + (i % d)] = x[i * d + (i % d)]! + 6 * (1 + (i % d));
    }
    const m: LabelledMatrix = { x, y, n, d };
    const test = gaussianRows(40, d, 10);
    for (let i = 0; i < 40; i++) test[i * d + (i % d)] = test[i * d + (i % d)]! - 6 * (1 + (i % d));
    const params = { hidden: 0, dropout: 0, l2: 0.001, learningRate: 0.05, epochs: 60, batchSize: 32, classWeighting: true, seed: 1 };
    const plain = await trainHead(m, null, params);
    const withBlock = await trainHead(m, null, params, { distance: { start: 0, width: d } });
    const flagged = (p: Float32Array) => Array.from(p).filter((v) => v >= 0.5).length;
    const tm = { x: test, n: 40, d };
    const a = flagged(predictHeadJs(plain, tm));
    const b = flagged(predictHeadJs(withBlock, tm));
    expect(a).toBeLessThan(10);
    expect(b).toBeGreaterThan(30);
  });
});

describe('on real photos', () => {
  it('the distance from good dev photos rises along severity ladders of blur, darkening, brightening and noise', async () => {
    const goodIds = ['9000003', '9000004', '9000005', '9000007', '9000009', '9000010', '9000011', '9000012', '9000016', '9000017', '9000021', '9000027'];
    const probeIds = ['9000029', '9000030', '9000031'];
    const load = (id: string) => decodeRgb(path.join(DEV_IMAGES, `${id}.jpg`));
    const vec = (img: RgbImage) => signalVector(qualitySignals(img, { bytes: img.data.length / 10 }));
    const good = await Promise.all(goodIds.map(load));
    const w = SIGNAL_NAMES.length;
    const fit: Matrix = { x: new Float32Array(good.length * w), n: good.length, d: w };
    good.forEach((img, i) => fit.x.set(vec(img), i * w));
    const b = fitDistance(fit, goodIds.map((_, i) => i), { start: 0, width: w, groups: signalGroupColumns() });
    const probes = await Promise.all(probeIds.map(load));
    const mean = (v: number[]) => v.reduce((a, c) => a + c, 0) / v.length;
    // Per kind, the group that measures it, and the Mahalanobis distance over all signals. (The
    // plain mean |z| over all 58 signals is no ladder: darkening moves a few exposure signals far
    // and brings others closer.)
    const groupOf: Record<string, string> = { gaussian_blur: 'sharpness', darken: 'exposure', brighten: 'exposure', white_noise: 'noise' };
    for (const [kind, group] of Object.entries(groupOf)) {
      const at = (level: number | null) => {
        const imgs = probes.map((p) => (level === null ? p : distort(p, { kind, level, seed: 2 })));
        const m: Matrix = { x: new Float32Array(imgs.length * w), n: imgs.length, d: w };
        imgs.forEach((img, i) => m.x.set(vec(img), i * w));
        return [mean(col(b, m, `mean_absz_${group}`)), mean(col(b, m, 'log1p_mahalanobis'))] as const;
      };
      const ladder = [at(null), at(2), at(3), at(5)];
      console.log(`${kind.padEnd(14)} mean |z| of ${group} ${ladder.map((l) => l[0].toFixed(2)).join(' → ')}; log1p(d²/p) ${ladder.map((l) => l[1].toFixed(2)).join(' → ')}`);
      for (let i = 1; i < ladder.length; i++) {
        expect(ladder[i]![0], `${kind} mean |z| of ${group} step ${i}`).toBeGreaterThan(ladder[i - 1]![0]);
        expect(ladder[i]![1], `${kind} Mahalanobis step ${i}`).toBeGreaterThan(ladder[i - 1]![1]);
      }
    }
  }, 60_000);
});
