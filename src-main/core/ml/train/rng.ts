/** Small seeded pseudo-random numbers for reproducible training: shuffles, initial weights, dropout masks. */
import { mulberry32 } from '../../../../src-shared/domain/random';

/** A seeded generator of floats in [0, 1): the one mulberry32 (src-shared/domain/random.ts) over a splitmix-style mixed seed. */
export function createRng(seed: number): () => number {
  return mulberry32(mix32(Math.trunc(seed) >>> 0));
}

/** Mix the bits of a 32-bit integer (a splitmix/murmur finaliser): nearby seeds give unrelated streams. */
export function mix32(x: number): number {
  let h = (x ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A seed derived from a base seed and a stream number (an epoch, a fold): deterministic and well spread. */
export function deriveSeed(seed: number, stream: number): number {
  return mix32((mix32(Math.trunc(seed) >>> 0) + Math.imul(Math.trunc(stream) + 1, 0x9e3779b1)) >>> 0);
}

/** Fisher–Yates shuffle of `a` in place with `rand`. */
export function shuffleInPlace<A extends { length: number; [i: number]: unknown }>(a: A, rand: () => number): A {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}
