/**
 * Typed arrays reused from one image to the next by the quality signals (signals.ts, generic.ts).
 * The signals are synchronous and each thread measures one image at a time, so one set of buffers
 * per thread (module state) is enough; each call asks for a view of the length it needs. The
 * buffers grow to the largest image seen (a few MB for a 4000-px photo) and are never shrunk.
 * Nothing returned to a caller may be such a view.
 */

const f32 = new Map<string, Float32Array>();
const f64 = new Map<string, Float64Array>();
const u8 = new Map<string, Uint8Array>();
const i32 = new Map<string, Int32Array>();

function grow<T extends { length: number; subarray(a: number, b: number): T }>(pool: Map<string, T>, slot: string, n: number, make: (n: number) => T): T {
  let a = pool.get(slot);
  if (!a || a.length < n) {
    a = make(Math.max(n, 64));
    pool.set(slot, a);
  }
  return a.subarray(0, n);
}

/** A Float32Array view of `n` elements in buffer `slot`; contents are left over from earlier calls. */
export const scratchF32 = (slot: string, n: number): Float32Array => grow(f32, slot, n, (k) => new Float32Array(k));
/** As scratchF32, Float64Array. */
export const scratchF64 = (slot: string, n: number): Float64Array => grow(f64, slot, n, (k) => new Float64Array(k));
/** As scratchF32, Uint8Array. */
export const scratchU8 = (slot: string, n: number): Uint8Array => grow(u8, slot, n, (k) => new Uint8Array(k));
/** As scratchF32, Int32Array. */
export const scratchI32 = (slot: string, n: number): Int32Array => grow(i32, slot, n, (k) => new Int32Array(k));
