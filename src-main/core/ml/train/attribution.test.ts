/**
 * Attribution by occlusion against the good reference: the group that moves the score gets the
 * push, a group the head ignores gets none, a typical good row is pushed by nothing, and it agrees
 * with a trained head on which defect a synthetic bad row carries.
 */
import { describe, expect, it } from 'vitest';
import { attribute, signalParts } from './attribution';
import { distanceColumnNames, distanceColumns, fitDistance } from './distance';
import { trainHead } from './head';
import { createRng } from './rng';
import type { TrainedHead } from './types';

function gaussianRows(n: number, d: number, seed: number): Float32Array {
  const rand = createRng(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = Math.sqrt(-2 * Math.log(Math.max(1e-12, rand()))) * Math.cos(2 * Math.PI * rand());
  return x;
}

// Rows: 2 "embedding" columns, then a 4-column signals block in two groups.
const d = 6;
const groups = [
  { name: 'sharpness', columns: [0, 1] },
  { name: 'exposure', columns: [2, 3] },
];

describe('attribute', () => {
  const fit = { x: gaussianRows(200, d, 1), n: 200, d };
  const block = fitDistance(fit, Array.from({ length: 200 }, (_, i) => i), { start: 2, width: 4, groups });
  const names = distanceColumnNames(block);
  const D = d + distanceColumns(block);
  // A hand-made linear head that reads only the exposure group's mean |z| (weight 2, bias −3).
  const w = new Array<number>(D).fill(0);
  w[d + names.indexOf('mean_absz_exposure')] = 2;
  const head: TrainedHead = {
    kind: 'linear',
    d: D,
    hidden: 0,
    mean: new Array(D).fill(0),
    std: new Array(D).fill(1),
    columnScale: null,
    layers: [{ w, shape: [D, 1], b: [-3] }],
    backend: 'js',
    params: { hidden: 0, dropout: 0, l2: 0, learningRate: 0.01, epochs: 1, batchSize: 1, classWeighting: false, seed: 1 },
    history: [],
    seconds: 0,
    distance: block,
  };
  const parts = signalParts(head, [{ name: 'appearance', columns: [0, 1] }]);

  it('names the group the head reads, and no other', () => {
    const row = Float32Array.from([0.3, -0.2, ...block.center]);
    // Far too dark and far too bright: both exposure columns 5 scales out (opposite directions).
    row[2 + 2] = block.center[2]! - 5 * block.scale[2]!;
    row[2 + 3] = block.center[3]! + 5 * block.scale[3]!;
    row[2 + 0] = block.center[0]! + 5 * block.scale[0]!;
    const a = attribute(head, row, parts);
    expect(a.parts.map((p) => p.name)).toEqual(expect.arrayContaining(['sharpness', 'exposure', 'appearance']));
    expect(a.parts[0]!.name).toBe('exposure');
    // The exposure group's mean |z| is 5: logit 2·5 − 3 = 7, and 2·0 − 3 at the reference.
    expect(a.parts[0]!.logit).toBeCloseTo(10, 4);
    for (const p of a.parts.slice(1)) expect(Math.abs(p.logit)).toBeLessThan(1e-6);
    expect(a.pBad).toBeCloseTo(1 / (1 + Math.exp(-7)), 5);
  });

  it('a row at the good reference is pushed by nothing', () => {
    const a = attribute(head, Float32Array.from([0, 0, ...block.center]), parts);
    for (const p of a.parts) expect(Math.abs(p.logit)).toBeLessThan(1e-6);
  });

  it('refuses a row of the wrong width and a column outside the row', () => {
    expect(() => attribute(head, new Float32Array(d + 1), parts)).toThrow(/expects 6 columns/);
    expect(() => attribute(head, new Float32Array(d), [{ name: 'x', columns: [9] }])).toThrow(/outside/);
  });

  it('on a trained MLP, bad rows that are off in one group are attributed to that group', async () => {
    const n = 300;
    const x = gaussianRows(n, d, 4);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (i % 2) {
        y[i] = 1;
        // Half the bad rows are off in the sharpness group, half in exposure, either direction.
        const j = 2 + (i % 4 === 1 ? 0 : 2) + ((i >> 2) % 2);
        x[i * d + j] = x[i * d + j]! + (i % 8 < 4 ? 6 : -6);
      }
    }
    const trained = await trainHead({ x, y, n, d }, null, { hidden: 16, dropout: 0, l2: 0.001, learningRate: 0.01, epochs: 40, batchSize: 32, classWeighting: true, seed: 2 }, { distance: { start: 2, width: 4, groups }, mlpEngine: 'onnxruntime' });
    const probe = (col: number) => {
      const row = Float32Array.from(gaussianRows(1, d, 50 + col));
      row[col] = row[col]! + 6;
      return attribute(trained, row, signalParts(trained)).parts[0]!.name;
    };
    expect(probe(2)).toBe('sharpness');
    expect(probe(4)).toBe('exposure');
  });
});
