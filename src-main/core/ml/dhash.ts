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
  const grey = new Float64Array(W * H);
  for (let gy = 0; gy < H; gy++) {
    const y0 = Math.floor((gy * img.height) / H);
    const y1 = Math.max(y0 + 1, Math.floor(((gy + 1) * img.height) / H));
    for (let gx = 0; gx < W; gx++) {
      const x0 = Math.floor((gx * img.width) / W);
      const x1 = Math.max(x0 + 1, Math.floor(((gx + 1) * img.width) / W));
      let sum = 0;
      for (let y = y0; y < y1; y++) {
        let p = (y * img.width + x0) * 3;
        for (let x = x0; x < x1; x++, p += 3) sum += 0.299 * img.data[p]! + 0.587 * img.data[p + 1]! + 0.114 * img.data[p + 2]!;
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
  let d = 0;
  for (let i = 0; i < a.length; i += 2) d += POPCOUNT[parseInt(a.slice(i, i + 2), 16) ^ parseInt(b.slice(i, i + 2), 16)]!;
  return d;
}
