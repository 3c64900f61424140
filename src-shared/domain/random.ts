/**
 * A small, fast, seeded generator of floats in [0, 1) (mulberry32): reproducible tests, benchmarks
 * and mocks, and the synthetic distortions' noise (millions of draws per picture). The state lives
 * in an Int32Array: kept as a closure number, an unsigned 32-bit state is a heap number that each
 * draw allocates anew (1.3-2x slower); the values are the same either way (random.test.ts).
 */
export function mulberry32(seed: number): () => number {
  const state = new Int32Array(1);
  state[0] = seed;
  return () => {
    const a = (state[0] = (state[0]! + 0x6d2b79f5) | 0);
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
