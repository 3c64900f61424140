/**
 * Pixel features derived from ONE decode of an image: the whole-image backbone input, the
 * native-resolution crops and the hand-crafted quality signals.
 */
import { stat } from 'node:fs/promises';
import { decodeRgb, DEFAULT_INPUT_SIZE, type ImageSource, resizeToInput } from '../backbone/preprocess';
import { CROP_COUNT, nativeCrops } from './crops';
import { qualitySignals, type QualitySignals } from './signals';

export { CROP_COUNT, CROP_ORDER, type CropLayout, type CropOptions, type CropWindow, cropWindows, nativeCrops } from './crops';
export {
  blockinessOf,
  BRIGHT_CLIP,
  colourfulnessOf,
  DARK_CLIP,
  EDGE_THRESHOLD,
  EXPLAIN_THRESHOLDS,
  explainSignals,
  lumaOf,
  NOISE_EDGE_FRACTION,
  NORMALISED_LONG_SIDE,
  normalisedSize,
  normaliseGrey,
  qualitySignals,
  type QualitySignals,
  SIGNAL_NAMES,
  type SignalName,
  type SignalReason,
  SIGNALS_VERSION,
  signalVector,
} from './signals';

export interface PixelFeatureOptions {
  /** Also cut the CROP_COUNT native-resolution crops. */
  crops: boolean;
  /** Also compute the quality signals. */
  signals: boolean;
  /** File size in bytes, for bytesPerPixel. Default: the buffer's length, or the file's size for a path. */
  bytes?: number;
  /** Backbone input side. Default 224. */
  size?: number;
}

export interface PixelFeatures {
  /** size x size x 3, the whole image stretched exactly as nsfwjs does (resizeToInput). */
  whole: Float32Array;
  /** CROP_COUNT x size x size x 3, or null when not asked for. */
  crops: Float32Array | null;
  signals: QualitySignals | null;
  /** Decoded size (after EXIF orientation). */
  width: number;
  height: number;
}

/** Decode once, derive everything asked for from the same pixels. */
export async function extractPixelFeatures(source: ImageSource, opts: PixelFeatureOptions): Promise<PixelFeatures> {
  const size = opts.size ?? DEFAULT_INPUT_SIZE;
  const [img, bytes] = await Promise.all([decodeRgb(source), opts.signals ? byteSize(source, opts.bytes) : Promise.resolve(0)]);
  return {
    whole: resizeToInput(img, size),
    crops: opts.crops ? nativeCrops(img, { size }, new Float32Array(CROP_COUNT * size * size * 3)) : null,
    signals: opts.signals ? qualitySignals(img, { bytes }) : null,
    width: img.width,
    height: img.height,
  };
}

async function byteSize(source: ImageSource, given: number | undefined): Promise<number> {
  if (given !== undefined) return given;
  if (typeof source !== 'string') return source.length;
  return (await stat(source)).size;
}
