/**
 * The one image -> backbone-input path, shared by training and inference.
 *
 * It reproduces what nsfwjs does before its MobileNetV2 (NSFWJS.infer in nsfwjs/dist/esm/core.js):
 * the browser decodes the image (EXIF orientation applied, colours in sRGB, alpha dropped by
 * tf.browser.fromPixels), pixels are divided by 255, and the WHOLE image is stretched to
 * size x size (no crop, no aspect ratio kept) with tf.image.resizeBilinear(alignCorners = true),
 * a point-sampled bilinear interpolation without antialiasing. sharp decodes; the resize is done
 * here, with the same arithmetic as tfjs's resizeBilinear kernel, so the result matches nsfwjs.
 *
 * Output: Float32Array of size * size * 3, HWC, RGB in 0..1.
 */
import os from 'node:os';
import type { OutputInfo, SharpOptions } from 'sharp';
import { sharp } from '../../deferred';

/** Recorded with stored features: change it whenever the pixels produced here change. */
export const PREPROCESS_VERSION = 'nsfwjs-fill-bilinear-aligncorners/1';
export const DEFAULT_INPUT_SIZE = 224;
/**
 * What transparent pixels are composited onto, in every decode (features, layout, thumbnail,
 * preview): black, as the backbone saw them in the browser (a canvas gives 0 under alpha 0). The
 * colour hidden under transparent pixels is then never scored, and what the gallery shows is what
 * the model scored.
 */
export const TRANSPARENT_BACKGROUND = '#000000';

export type ImageSource = string | Buffer | Uint8Array;

export interface RgbImage {
  /** width * height * 3 bytes, RGB, row-major. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** A decoded file: its pixels and its size in bytes (the quality signals read bytes per pixel). */
export interface Decoded {
  img: RgbImage;
  bytes: number;
}

/**
 * sharp's input options for the library's import check (library/verify.ts): fail on any decoder
 * warning (truncated or corrupt data), refuse more than `maxPixels`, first frame only. Where a
 * decode succeeds with them, its pixels are those of the lenient decode.
 */
export function strictInput(maxPixels: number): SharpOptions {
  return { limitInputPixels: maxPixels, failOn: 'warning', animated: false };
}

/**
 * Decode to 8-bit sRGB RGB: EXIF orientation applied, ICC profile converted, transparency
 * composited onto {@link TRANSPARENT_BACKGROUND}.
 * `input`: sharp's input options (default: accept what browsers show, e.g. truncated JPEGs, and
 * reject undecodable files; `strictInput` for the import check).
 */
export async function decodeRgb(source: ImageSource, input: SharpOptions = { failOn: 'error' }): Promise<RgbImage> {
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(source, input).autoOrient().toColourspace('srgb').flatten({ background: TRANSPARENT_BACKGROUND }).removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (e) {
    const what = typeof source === 'string' ? source : `a ${source.length}-byte buffer`;
    throw new Error(`preprocess: cannot decode ${what}: ${(e as Error).message}`, { cause: e });
  }
  const { data, info } = decoded;
  if (info.channels !== 3) throw new Error(`preprocess: expected 3 channels after decoding, got ${info.channels}`);
  return { data, width: info.width, height: info.height };
}

/**
 * tf.image.resizeBilinear(img / 255, [size, size], alignCorners = true), for one RGB image,
 * written into `out` at `offset` (so a batch can be filled in place).
 */
export function resizeToInput(img: RgbImage, size = DEFAULT_INPUT_SIZE, out = new Float32Array(size * size * 3), offset = 0): Float32Array {
  const { data, width, height } = img;
  if (data.length !== width * height * 3) throw new Error(`preprocess: ${data.length} bytes for a ${width}x${height} RGB image`);
  if (out.length < offset + size * size * 3) throw new Error('preprocess: output buffer too small');
  const norm = NORM;
  const rowRatio = size > 1 ? (height - 1) / (size - 1) : height / size;
  const colRatio = size > 1 ? (width - 1) / (size - 1) : width / size;
  const { left, right, frac } = columnTaps(width, size, colRatio);
  const stride = width * 3;
  let o = offset;
  // The taps' byte offsets are computed once per output pixel, outside the channel loop (~1.25×
  // faster); the arithmetic, and so every output float, is unchanged.
  for (let r = 0; r < size; r++) {
    const fr = rowRatio * r;
    const r0 = Math.max(0, Math.floor(fr));
    const r1 = Math.min(height - 1, Math.ceil(fr));
    const dy = fr - r0;
    const top = r0 * stride;
    const bottom = r1 * stride;
    for (let c = 0; c < size; c++, o += 3) {
      const tl = top + left[c]!;
      const tr = top + right[c]!;
      const bl = bottom + left[c]!;
      const br = bottom + right[c]!;
      const dx = frac[c]!;
      for (let d = 0; d < 3; d++) {
        const a = norm[data[tl + d]!]!;
        const b = norm[data[tr + d]!]!;
        const e = norm[data[bl + d]!]!;
        const f = norm[data[br + d]!]!;
        const t = a + (b - a) * dx;
        const u = e + (f - e) * dx;
        out[o + d] = t + (u - t) * dy;
      }
    }
  }
  return out;
}

/** The float32 values tfjs resizes (v / 255). */
const NORM = new Float32Array(256).map((_, v) => v / 255);

/** Per output column: byte offsets of the left/right source pixels and the weight of the right one. */
function columnTaps(width: number, size: number, ratio: number): { left: Int32Array; right: Int32Array; frac: Float64Array } {
  const left = new Int32Array(size);
  const right = new Int32Array(size);
  const frac = new Float64Array(size);
  for (let c = 0; c < size; c++) {
    const fc = ratio * c;
    const c0 = Math.max(0, Math.floor(fc));
    left[c] = c0 * 3;
    right[c] = Math.min(width - 1, Math.ceil(fc)) * 3;
    frac[c] = fc - c0;
  }
  return { left, right, frac };
}

/** One image file or buffer -> size x size x 3 Float32 RGB in 0..1. */
export async function preprocessImage(source: ImageSource, size = DEFAULT_INPUT_SIZE): Promise<Float32Array> {
  return resizeToInput(await decodeRgb(source), size);
}

export interface BatchOptions {
  size?: number;
  /** Images decoded at once (sharp runs on the libuv pool). Default: the number of CPUs, at most 4. */
  concurrency?: number;
}

/** Several images -> one N x size x size x 3 Float32Array, in the order given. */
export async function preprocessBatch(sources: readonly ImageSource[], opts: BatchOptions = {}): Promise<Float32Array> {
  const size = opts.size ?? DEFAULT_INPUT_SIZE;
  const per = size * size * 3;
  const out = new Float32Array(sources.length * per);
  const concurrency = Math.max(1, opts.concurrency ?? Math.min(4, os.availableParallelism()));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sources.length) {
      const i = next++;
      resizeToInput(await decodeRgb(sources[i]!), size, out, i * per);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, sources.length) }, worker));
  return out;
}
