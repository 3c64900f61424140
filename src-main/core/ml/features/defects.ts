/**
 * The `defects` feature block: what a small CNN trained on synthetic distortions (the defect net,
 * defectNet.ts) sees in 64-px patches of an image at its own resolution.
 *
 * DB-CNN (Zhang et al. 2020) pre-trains a quality-aware branch to name the distortion kind and
 * level of synthetically damaged pictures; its features then carry what defects look like, which
 * a frozen ImageNet backbone (trained to ignore them) does not. Ours names the distortion library's
 * kinds (distort/kinds.ts) and their level on patches of copies of good photos
 * (scripts/bench/feature-screen.py `cnn`; docs/ML-EXPERIMENTS.md), so the head learns from a few
 * hundred labels which of those patterns make a picture bad.
 *
 * The patches lie on an even lattice over the image, at most DEFECT_LATTICE tiles along each side,
 * without scaling (scaling would hide fine blur, noise and blocking): 6 × 4 tiles from edge to edge,
 * apart from one another on a 580 × 387 EOL image (44% of its pixels) and on anything larger. The
 * full 9 × 6 grid of non-overlapping tiles cost twice as much (~127 against ~57 CPU-ms a picture) for
 * a held-out ranking within one training draw's noise of this one (docs/ML-EXPERIMENTS.md).
 * An image under 64 px on a side is stretched to one 64 × 64 tile.
 *
 * Per image the block is the tiles' mean class probabilities (p: how likely each kind is, 'clean'
 * first) and the mean, maximum and 90th percentile of the level they read (r): kinds + 3 columns,
 * 33 for the shipped net. The net's 256 pooled features (z) are left out: they are the net's own
 * coordinates, which differ from one training draw to the next (two nets trained alike gave
 * held-out AUC 0.921 and 0.985 with them), while its classes and levels mean the same in every
 * draw (docs/ML-EXPERIMENTS.md).
 */
import { resizeToInput, type RgbImage } from '../backbone/preprocess';
import { DISTORTIONS } from '../distort';

export const DEFECT_PATCH = 64;
/** Tiles along the image's long side and its short side, at most. */
export const DEFECT_LATTICE = { long: 6, short: 4 } as const;

/** Tile positions along one side of `length` px: `count` evenly spread tiles, the first at 0 and the last at the end. */
function positions(length: number, count: number): number[] {
  if (count <= 1) return [Math.floor((length - DEFECT_PATCH) / 2)];
  const step = (length - DEFECT_PATCH) / (count - 1);
  return Array.from({ length: count }, (_, i) => Math.round(i * step));
}

/** Top-left corners of the tiles of a width × height image (row-major). */
export function defectTiles(width: number, height: number): { x: number; y: number }[] {
  if (width < DEFECT_PATCH || height < DEFECT_PATCH) return [];
  const landscape = width >= height;
  const cols = Math.min(Math.floor(width / DEFECT_PATCH), landscape ? DEFECT_LATTICE.long : DEFECT_LATTICE.short);
  const rows = Math.min(Math.floor(height / DEFECT_PATCH), landscape ? DEFECT_LATTICE.short : DEFECT_LATTICE.long);
  const xs = positions(width, cols);
  const ys = positions(height, rows);
  return ys.flatMap((y) => xs.map((x) => ({ x, y })));
}

/**
 * The defect net's input for one image: n × 3 × 64 × 64 floats (NCHW, byte / 255 − 0.5, the
 * training script's `to_tensor`), and n. With `buffer` (n = defectTiles(…).length, at least one:
 * defectNet.ts lends one), the tiles are written there, every float of it.
 */
export function defectPatches(img: RgbImage, buffer?: (n: number) => Float32Array<ArrayBuffer>): { x: Float32Array<ArrayBuffer>; n: number } {
  const P = DEFECT_PATCH;
  const plane = P * P;
  const tiles = defectTiles(img.width, img.height);
  if (!tiles.length) {
    // Too small for a tile: the whole image stretched to one (resizeToInput: bytes / 255, HWC).
    const hwc = resizeToInput(img, P);
    const x = new Float32Array(3 * plane);
    for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) x[c * plane + p] = hwc[p * 3 + c]! - 0.5;
    return { x, n: 1 };
  }
  const { data, width } = img;
  const x = buffer?.(tiles.length) ?? new Float32Array(tiles.length * 3 * plane);
  if (x.length !== tiles.length * 3 * plane) throw new Error(`defectPatches: a buffer of ${x.length} floats for ${tiles.length} tiles`);
  tiles.forEach(({ x: x0, y: y0 }, t) => {
    const base = t * 3 * plane;
    for (let r = 0; r < P; r++) {
      let src = ((y0 + r) * width + x0) * 3;
      const row = r * P;
      for (let c = 0; c < P; c++, src += 3) {
        x[base + row + c] = data[src]! / 255 - 0.5;
        x[base + plane + row + c] = data[src + 1]! / 255 - 0.5;
        x[base + 2 * plane + row + c] = data[src + 2]! / 255 - 0.5;
      }
    }
  });
  return { x, n: tiles.length };
}

/** torch.quantile's default (linear interpolation between the nearest ranks). */
function quantile(sorted: readonly number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * One image's block from the net's per-tile outputs: p (n × kinds), r (n).
 * Columns: mean p, then r's mean, max and 90th percentile.
 */
export function poolDefects(p: Float32Array, r: Float32Array, n: number): Float32Array {
  const kinds = p.length / n;
  const out = new Float32Array(kinds + 3);
  for (let t = 0; t < n; t++) for (let k = 0; k < kinds; k++) out[k]! += p[t * kinds + k]! / n;
  const levels = Array.from(r).sort((a, b) => a - b);
  out[kinds] = levels.reduce((s, v) => s + v, 0) / n;
  out[kinds + 1] = levels[n - 1]!;
  out[kinds + 2] = quantile(levels, 0.9);
  return out;
}

/** Below this mean 'clean' probability, and above this for its likeliest kind, the preview names the kind. */
const REASON_MAX_CLEAN = 0.5;
const REASON_MIN_KIND = 0.2;

/**
 * One line for the preview, in a curator's words: the distortion the defect net sees most in an
 * image's patches and the level it reads, when it does not see a clean picture (else null).
 * `kinds` comes from the net's card.
 */
export function defectReason(block: Float32Array, kinds: readonly string[]): string | null {
  const p = block.subarray(0, kinds.length);
  let top = -1;
  for (let k = 0; k < kinds.length; k++) if (kinds[k] !== 'clean' && (top < 0 || p[k]! > p[top]!)) top = k;
  const clean = p[kinds.indexOf('clean')] ?? 0;
  if (top < 0 || clean >= REASON_MAX_CLEAN || p[top]! < REASON_MIN_KIND) return null;
  const kind = kinds[top]!;
  const what = DISTORTIONS.find((d) => d.kind === kind)?.models;
  const level = Math.min(5, Math.max(0, block[kinds.length]! * 5));
  return `defect net: looks like ${kind.replace(/_/g, ' ')}${what ? ` (${what})` : ''}, level ${level.toFixed(1)} of 5`;
}
