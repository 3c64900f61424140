import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from './random';

/** mulberry32 as published (Tommy Ettinger's mulberry32, the usual JavaScript port): the reference. */
function reference(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('mulberry32', () => {
  it('draws the reference sequence for any seed, including seeds beyond 32 bits and negative ones', () => {
    const seeds = [0, 1, 7, 12345, 0x7fffffff, 0x80000000, 0xffffffff, -5, 2 ** 40 + 3, 0.5];
    for (const seed of seeds) {
      const a = mulberry32(seed);
      const b = reference(seed);
      let differ = 0;
      for (let i = 0; i < 100_000; i++) if (a() !== b()) differ++;
      expect(differ, `seed ${seed}`).toBe(0);
    }
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), (seed) => {
        const a = mulberry32(seed);
        const b = reference(seed);
        for (let i = 0; i < 50; i++) if (a() !== b()) return false;
        return true;
      }),
    );
  });

  it('gives floats in [0, 1), and independent generators do not share state', () => {
    const a = mulberry32(3);
    const b = mulberry32(3);
    const first = a();
    a();
    expect(b()).toBe(first);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const v = a();
      if (!(v >= 0 && v < 1)) outside++;
    }
    expect(outside).toBe(0);
  });
});
