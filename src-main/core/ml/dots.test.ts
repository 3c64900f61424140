/**
 * The splits' all-pairs products on onnxruntime (dots.ts) give exactly what splits.ts's own loops
 * give: the same duplicate pairs, the same nearest neighbours (ties and flat layouts included),
 * so the same groups and families, on vectors built to sit at the decisions' edges.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src-shared/domain/random';
import { nearestByDot, pairsAtLeast } from './dots';
import { DUPLICATE_MIN_COSINE, duplicateGroups, exactDot, familyGroups, familyNeighbours, flatLayouts, layoutNeighbours, type SplitItem } from './splits';

/** n unit vectors of `dim`: random, non-negative like pooled CNN features (`positive`), or centred. */
function unitRows(n: number, dim: number, seed: number, positive = true): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let t = 0; t < dim; t++) {
      const v = positive ? rand() ** 3 : rand() - 0.5;
      out[i * dim + t] = v;
      norm += v * v;
    }
    for (let t = 0; t < dim; t++) out[i * dim + t]! /= Math.sqrt(norm);
  }
  return out;
}

/** Row `to` set to a unit vector whose dot with row `from` is `target` (± float32 rounding). */
function plantAt(data: Float32Array, dim: number, from: number, to: number, target: number, seed: number): void {
  const rand = mulberry32(seed);
  const a = data.subarray(from * dim, (from + 1) * dim);
  // A direction orthogonal to a, then a·cos + u·sin.
  const u = Float64Array.from({ length: dim }, () => rand() - 0.5);
  const along = u.reduce((s, v, t) => s + v * a[t]!, 0);
  for (let t = 0; t < dim; t++) u[t] = u[t]! - along * a[t]!;
  const un = Math.sqrt(u.reduce((s, v) => s + v * v, 0));
  const sin = Math.sqrt(1 - target * target);
  for (let t = 0; t < dim; t++) data[to * dim + t] = a[t]! * target + (u[t]! / un) * sin;
}

/** splits.ts's reference: every pair a < b with dot ≥ minDot, in the same order. */
function referencePairs(data: Float32Array, dim: number, minDot: number): number[] {
  const n = data.length / dim;
  const out: number[] = [];
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) if (exactDot(data, dim, a, b) >= minDot) out.push(a, b);
  return out;
}

describe('all-pairs products for the splits (dots.ts)', () => {
  it('finds exactly the pairs at or above the cosine, pairs a hair either side of it included', async () => {
    const dim = 1280;
    const n = 240; // rows 10i and 10i + 5 planted, i < 23
    const data = unitRows(n, dim, 7);
    // Pairs planted at the cut, just over and just under it (closer than float32 products can tell
    // apart), and clear duplicates; the rest are random photos' embeddings (cosines ~0.5–0.8).
    const targets = [0.99, 0.951, 0.949, ...Array.from({ length: 20 }, (_, j) => DUPLICATE_MIN_COSINE + (j - 10) * 2e-8)];
    targets.forEach((t, i) => plantAt(data, dim, 10 * i, 10 * i + 5, t, 100 + i));
    const want = referencePairs(data, dim, DUPLICATE_MIN_COSINE);
    const got = await pairsAtLeast(data, dim, DUPLICATE_MIN_COSINE);
    expect([...got]).toEqual(want);
    // The planted ones decide both ways: the cut is really exercised.
    const planted = targets.map((_, i) => exactDot(data, dim, 10 * i, 10 * i + 5) >= DUPLICATE_MIN_COSINE);
    expect(planted).toContain(true);
    expect(planted).toContain(false);
    // A cut at a pair's exact dot: the pair is in (≥), whichever side of it the float32 product
    // fell (below it for about half of them: without the exact check those would be lost).
    for (let b = 1; b <= 12; b++) {
      const cut = exactDot(data, dim, 1, b + 1);
      expect([...(await pairsAtLeast(data, dim, cut))]).toEqual(referencePairs(data, dim, cut));
    }
    // In blocks of a few rows (many GEMM calls): the same pairs.
    expect([...(await pairsAtLeast(data, dim, DUPLICATE_MIN_COSINE, { blockFloats: 7 * n }))]).toEqual(want);
    const items: SplitItem[] = Array.from({ length: n }, (_, i) => ({ imageId: i, sha: String(i), label: (i % 2) as 0 | 1, dhash: null }));
    expect([...duplicateGroups(items, { embeddingPairs: got })]).toEqual([...duplicateGroups(items, { embeddings: { data, dim } })]);
  });

  it('finds each row\'s nearest exactly as the reference loop: order, ties to the lower index, flat rows left out', async () => {
    const dim = 192;
    const n = 300;
    const data = unitRows(n, dim, 11, false);
    // Exact copies (equal dots: ties), a row flat (zeros), near-equal neighbours of one row.
    data.copyWithin(20 * dim, 3 * dim, 4 * dim);
    data.copyWithin(40 * dim, 3 * dim, 4 * dim);
    data.fill(0, 50 * dim, 51 * dim);
    plantAt(data, dim, 60, 61, 0.9, 1);
    plantAt(data, dim, 60, 62, 0.9 + 1e-7, 2);
    plantAt(data, dim, 60, 63, 0.9 - 1e-7, 3);
    const layout = { data, dim };
    const k = familyNeighbours(n);
    const want = layoutNeighbours(layout, k);
    const got = await nearestByDot(data, dim, k, flatLayouts(layout));
    expect([...got.near]).toEqual([...want.near]);
    expect([...got.score]).toEqual([...want.score]);
    expect([...(await nearestByDot(data, dim, k, flatLayouts(layout), { blockFloats: 13 * n })).near]).toEqual([...want.near]);
    expect(got.near.subarray(50 * k, 51 * k).every((j) => j === -1)).toBe(true);
    expect(got.near.includes(50)).toBe(false);
    // The copies tie on row 3: the lower index first.
    expect([...got.near.subarray(3 * k, 3 * k + 2)]).toEqual([20, 40]);
    // And so the same families.
    const groups = Int32Array.from({ length: n }, (_, i) => i);
    expect([...familyGroups(groups, layout, { neighbours: got })]).toEqual([...familyGroups(groups, layout)]);
  });

  it('few vectors, fewer than k others, or none', async () => {
    const data = unitRows(3, 8, 5);
    const one = await nearestByDot(data, 8, 4, new Uint8Array(3));
    expect([...one.near]).toEqual([...layoutNeighbours({ data, dim: 8 }, 4).near]);
    // Two others each: two found, then none.
    expect([...one.near.subarray(0, 4)].map((j) => j >= 0)).toEqual([true, true, false, false]);
    expect([...(await pairsAtLeast(new Float32Array(0), 8, 0.95))]).toEqual([]);
    expect([...(await nearestByDot(new Float32Array(0), 8, 4, new Uint8Array(0))).near]).toEqual([]);
  });
});
