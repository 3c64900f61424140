/**
 * A picture's layout: where it is light and where dark, as a 16 × 16 grid of blurred grey levels,
 * zero-mean and unit-length. Noise, JPEG damage, blur and resampling barely move it (they change
 * detail, and the grid keeps none); gain and offset (exposure) do not move it at all; a crop by a
 * fifth or a change of size moves it a little. So the versions of one photo (re-encoded, resized,
 * cropped, damaged) lie near each other, while whole-image embeddings of the same versions lie far
 * apart (cosine 0.34–0.73 between the dev set's versions of one photo, while different photos reach
 * 0.96). splits.ts (`familyGroups`) keeps such versions on one side of every split and fold, so that
 * out-of-fold scores, and the thresholds proven on them, describe photos the model has not seen.
 *
 * Written here rather than taken from a perceptual-hash package: it is ten lines over sharp, and
 * what matters is the blur and the normalisation, which the hashes (binary, unblurred) do not have.
 */
import fs from 'node:fs';
import { sharp } from '../../deferred';
import { DEFAULT_MAX_PIXELS } from '../../library/verify';
import { TRANSPARENT_BACKGROUND } from '../backbone/preprocess';
import type { FeatureKey } from '../featureStore';

/** Grid side: 16 × 16 = 256 values. */
export const LAYOUT_SIDE = 16;
export const LAYOUT_DIM = LAYOUT_SIDE * LAYOUT_SIDE;
/** Where layouts are cached (by picture sha256, like every feature). */
export const LAYOUT_KEY: FeatureKey = { extractor: 'layout', version: 'layout/1' };

/** σ of the blur, in pixels of the 32 × 32 picture it is applied to. */
const BLUR_SIGMA = 1.5;
const KERNEL = (() => {
  const r = Math.ceil(3 * BLUR_SIGMA);
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * BLUR_SIGMA ** 2)));
  const sum = k.reduce((a, b) => a + b, 0);
  return k.map((v) => v / sum);
})();

/** The side of the grey picture a layout is made from: twice the grid's. */
const INPUT_SIDE = 2 * LAYOUT_SIDE;

/** The layout of grey pixels `grey` (INPUT_SIDE × INPUT_SIDE): blur, 2 × 2 means, zero mean, unit length (all zeros for a flat picture). */
export function layoutOfGrey(grey: Uint8Array | Float32Array): Float32Array {
  const side = INPUT_SIDE;
  if (grey.length !== side * side) throw new Error(`layout: expected ${side}² grey values, got ${grey.length}`);
  const r = (KERNEL.length - 1) / 2;
  const clamp = (v: number) => (v < 0 ? 0 : v >= side ? side - 1 : v);
  const tmp = new Float64Array(side * side);
  const blurred = new Float64Array(side * side);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += KERNEL[k + r]! * grey[y * side + clamp(x + k)]!;
      tmp[y * side + x] = s;
    }
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += KERNEL[k + r]! * tmp[clamp(y + k) * side + x]!;
      blurred[y * side + x] = s;
    }
  const out = new Float64Array(LAYOUT_DIM);
  for (let y = 0; y < LAYOUT_SIDE; y++)
    for (let x = 0; x < LAYOUT_SIDE; x++) {
      const a = 2 * y * side + 2 * x;
      out[y * LAYOUT_SIDE + x] = (blurred[a]! + blurred[a + 1]! + blurred[a + side]! + blurred[a + side + 1]!) / 4;
    }
  const mean = out.reduce((a, b) => a + b, 0) / LAYOUT_DIM;
  let norm = 0;
  for (let i = 0; i < LAYOUT_DIM; i++) norm += (out[i]! - mean) ** 2;
  norm = Math.sqrt(norm);
  // A flat picture (every value within rounding of the mean) has no layout.
  return Float32Array.from(out, (v) => (norm > 1e-6 ? (v - mean) / norm : 0));
}

/**
 * The layout of an image file (EXIF orientation applied, as every decode here does). Decoded from
 * its bytes, not by path: a decoder given a path may resolve what the file names beside it.
 */
export async function layoutOfFile(file: string): Promise<Float32Array> {
  const side = INPUT_SIDE;
  const bytes = await fs.promises.readFile(file);
  const { data, info } = await sharp(bytes, { failOn: 'error', limitInputPixels: DEFAULT_MAX_PIXELS })
    .autoOrient()
    .flatten({ background: TRANSPARENT_BACKGROUND })
    .removeAlpha()
    .toColourspace('b-w')
    .resize(side, side, { fit: 'fill', kernel: 'linear' })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const channels = info.channels;
  return layoutOfGrey(Uint8Array.from({ length: side * side }, (_, i) => data[i * channels]!));
}
