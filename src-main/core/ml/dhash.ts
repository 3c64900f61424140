/**
 * Difference hash: a 64-bit perceptual fingerprint that survives resizing and re-encoding. Two
 * images whose hashes differ in few bits are the same picture (or nearly).
 */
export interface RgbLike {
  data: Uint8Array;
  width: number;
  height: number;
}

/** 9×8 grey thumbnail by box averaging, then one bit per horizontal neighbour comparison. */
export function dHash(img: RgbLike): string {
  const W = 9;
  const H = 8;
  const { data, width, height } = img;
  const grey = new Float64Array(W * H);
  for (let gy = 0; gy < H; gy++) {
    const y0 = Math.floor((gy * height) / H);
    const y1 = Math.max(y0 + 1, Math.floor(((gy + 1) * height) / H));
    for (let gx = 0; gx < W; gx++) {
      const x0 = Math.floor((gx * width) / W);
      const x1 = Math.max(x0 + 1, Math.floor(((gx + 1) * width) / W));
      let sum = 0;
      for (let y = y0; y < y1; y++) {
        const end = (y * width + x1) * 3;
        for (let p = (y * width + x0) * 3; p < end; p += 3) sum += 0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]!;
      }
      grey[gy * W + gx] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
  let hex = '';
  for (let gy = 0; gy < H; gy++) {
    let byte = 0;
    for (let gx = 0; gx < 8; gx++) byte = (byte << 1) | (grey[gy * W + gx]! > grey[gy * W + gx + 1]! ? 1 : 0);
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}

const POPCOUNT = new Uint8Array(256).map((_, i) => {
  let n = 0;
  for (let v = i; v; v >>= 1) n += v & 1;
  return n;
});

/** Number of differing bits between two hex hashes of equal length. */
export function hamming(a: string, b: string): number {
  return hammingBytes(hashBytes(a), hashBytes(b));
}

/** A hex hash's bytes, for many {@link hammingBytes} tests of one hash. */
export function hashBytes(hash: string): Uint8Array {
  return Uint8Array.from({ length: hash.length >> 1 }, (_, i) => parseInt(hash.slice(2 * i, 2 * i + 2), 16));
}

/** {@link hamming} of two hashes read by {@link hashBytes}. */
export function hammingBytes(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += POPCOUNT[a[i]! ^ b[i]!]!;
  return d;
}

/** Bits a hash must have set, and unset, to say which picture it is ({@link isInformative}). */
export const MIN_INFORMATIVE_BITS = 4;

/**
 * Whether a hash tells pictures apart. A flat picture (a grey field, a 1×1 image) hashes to all
 * zeros and a smooth shade to all ones or nearly, whatever it shows: such hashes are within a few
 * bits of each other for pictures that have nothing in common, so they must link nothing.
 * (The dev set's 567 hashes have 4 to 48 bits set.)
 */
export function isInformative(hash: string): boolean {
  let bits = 0;
  for (let i = 0; i < hash.length; i += 2) bits += POPCOUNT[parseInt(hash.slice(i, i + 2), 16)]!;
  return bits >= MIN_INFORMATIVE_BITS && bits <= hash.length * 4 - MIN_INFORMATIVE_BITS;
}
