/**
 * The defect block's tiling and pooling (features/defects.ts): where the 64-px tiles lie, that a
 * tile holds the image's own pixels in the net's layout, and that pooling gives the mean features,
 * mean probabilities and torch.quantile's 90th percentile of the level.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { RgbImage } from '../backbone/preprocess';
import { DEFECT_LATTICE, DEFECT_PATCH, defectPatches, defectReason, defectTiles, poolDefects } from './defects';

const P = DEFECT_PATCH;

function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([x % 256, y % 256, (x + y) % 256], (y * width + x) * 3);
  return { data, width, height };
}

describe('defectTiles', () => {
  it('spreads 6 × 4 tiles without overlap from edge to edge of an EOL 580 × 387 image', () => {
    const tiles = defectTiles(580, 387);
    expect(tiles).toHaveLength(6 * 4);
    const xs = [...new Set(tiles.map((t) => t.x))];
    const ys = [...new Set(tiles.map((t) => t.y))];
    expect(xs[0]).toBe(0);
    expect(ys[0]).toBe(0);
    expect(xs.at(-1)).toBe(580 - P);
    expect(ys.at(-1)).toBe(387 - P);
    for (let i = 1; i < xs.length; i++) expect(xs[i]! - xs[i - 1]!).toBeGreaterThanOrEqual(P); // no overlap
    for (let i = 1; i < ys.length; i++) expect(ys[i]! - ys[i - 1]!).toBeGreaterThanOrEqual(P);
  });

  it('spreads at most 6 × 4 tiles over a large image, 4 × 6 when it is portrait', () => {
    const land = defectTiles(4000, 3000);
    expect(land).toHaveLength(DEFECT_LATTICE.long * DEFECT_LATTICE.short);
    expect(new Set(land.map((t) => t.x)).size).toBe(6);
    const portrait = defectTiles(3000, 4000);
    expect(new Set(portrait.map((t) => t.x)).size).toBe(4);
    expect(new Set(portrait.map((t) => t.y)).size).toBe(6);
  });

  it('keeps every tile inside the image, whatever its size', () => {
    fc.assert(
      fc.property(fc.integer({ min: P, max: 5000 }), fc.integer({ min: P, max: 5000 }), (w, h) => {
        const tiles = defectTiles(w, h);
        expect(tiles.length).toBeGreaterThanOrEqual(1);
        expect(tiles.length).toBeLessThanOrEqual(DEFECT_LATTICE.long * DEFECT_LATTICE.short);
        for (const t of tiles) {
          expect(t.x).toBeGreaterThanOrEqual(0);
          expect(t.y).toBeGreaterThanOrEqual(0);
          expect(t.x + P).toBeLessThanOrEqual(w);
          expect(t.y + P).toBeLessThanOrEqual(h);
        }
      }),
    );
  });

  it('has no tile for an image under 64 px on a side', () => {
    expect(defectTiles(63, 500)).toEqual([]);
  });
});

describe('defectPatches', () => {
  it('copies each tile in NCHW, bytes / 255 − 0.5', () => {
    const img = gradient(300, 200);
    const { x, n } = defectPatches(img);
    const tiles = defectTiles(300, 200);
    expect(n).toBe(tiles.length);
    expect(x).toHaveLength(n * 3 * P * P);
    const t = tiles.length - 1; // the last tile: bottom-right
    const { x: x0, y: y0 } = tiles[t]!;
    for (const [r, c] of [
      [0, 0],
      [10, 63],
      [63, 5],
    ] as const) {
      for (let ch = 0; ch < 3; ch++) {
        const byte = img.data[((y0 + r) * 300 + x0 + c) * 3 + ch]!;
        expect(x[t * 3 * P * P + ch * P * P + r * P + c]).toBeCloseTo(byte / 255 - 0.5, 6);
      }
    }
  });

  it('stretches a tiny image to one tile', () => {
    const { x, n } = defectPatches(gradient(40, 30));
    expect(n).toBe(1);
    expect(x).toHaveLength(3 * P * P);
    expect(Math.min(...x)).toBeGreaterThanOrEqual(-0.5);
    expect(Math.max(...x)).toBeLessThanOrEqual(0.5);
  });
});

describe('poolDefects', () => {
  it('averages p and takes the level mean, max and 90th percentile', () => {
    const n = 11;
    const p = new Float32Array(n * 3).map((_, i) => (i % 3 === 0 ? 1 : 0));
    const r = Float32Array.from({ length: n }, (_, i) => i / 10); // 0, 0.1, …, 1
    const out = poolDefects(p, r, n);
    expect(out).toHaveLength(3 + 3);
    [1, 0, 0].forEach((v, k) => expect(out[k]).toBeCloseTo(v, 5));
    expect(out[3]).toBeCloseTo(0.5, 5);
    expect(out[4]).toBeCloseTo(1, 6);
    expect(out[5]).toBeCloseTo(0.9, 5); // rank 9 of 0..10 exactly
  });

  it('interpolates the percentile between ranks, as torch.quantile does', () => {
    const r = Float32Array.of(3, 0, 2, 1); // sorted 0..3: position 0.9 × 3 = 2.7 → 2.7
    const out = poolDefects(new Float32Array(4), r, 4);
    expect(out[1]).toBeCloseTo(1.5, 5);
    expect(out[2]).toBeCloseTo(3, 6);
    expect(out[3]).toBeCloseTo(2.7, 5);
  });
});

describe('defectReason', () => {
  const kinds = ['clean', 'gaussian_blur', 'motion_blur', 'white_noise'];
  /** A block: p, then level mean, max, q90. */
  const block = (p: number[], level: number) => Float32Array.from([...p, level, level, level]);

  it("names the likeliest kind in words, with what it models and the level read", () => {
    const line = defectReason(block([0.1, 0.05, 0.7, 0.15], 0.62), kinds);
    expect(line).toMatch(/^defect net: looks like motion blur \(subject or camera moving/);
    expect(line).toMatch(/level 3\.1 of 5$/);
  });

  it('says nothing when the patches look clean or no kind stands out', () => {
    expect(defectReason(block([0.8, 0.1, 0.05, 0.05], 0.1), kinds)).toBeNull();
    expect(defectReason(block([0.4, 0.19, 0.19, 0.19], 0.3), kinds)).toBeNull();
  });
});
