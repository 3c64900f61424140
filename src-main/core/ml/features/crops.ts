/**
 * Native-resolution crops for the backbone.
 *
 * Stretching a whole photo to 224 px averages noise, JPEG blocking and fine blur away; 224-px
 * windows cut at the photo's OWN resolution keep them (shared/ML-NOTES.md: ROC AUC 0.856 -> 0.947).
 * Five windows: the centre and the four corners, in that order (CROP_ORDER). Values are scaled
 * exactly like resizeToInput (byte / 255 as float32, HWC RGB), so the backbone sees one value range.
 *
 * Images smaller than `size` in a dimension: every window is the largest SQUARE that fits
 * (side = min(width, height), so the aspect ratio is kept) and it is resized up to size x size
 * with resizeToInput's own bilinear sampling. A 70 x 50 px thumbnail thus gives five 50-px windows
 * (some of them identical), each stretched to 224 px.
 *
 * Built for EOL's 580-px media: there five windows cover most of the photo. On a 4000-px original
 * they cover ~2% of it; downscale such files first if coverage matters more than native detail.
 */
import { DEFAULT_INPUT_SIZE, resizeToInput, type RgbImage } from '../backbone/preprocess';

export const CROP_COUNT = 5;
export type CropLayout = 'five';
export const CROP_ORDER = ['centre', 'top-left', 'top-right', 'bottom-left', 'bottom-right'] as const;

export interface CropOptions {
  /** Side of each output window in px (the backbone's input size). Default 224. */
  size?: number;
  /** Only 'five' (centre + four corners) for now. */
  layout?: CropLayout;
}

/** A window in source pixels: top-left corner and side (side <= size; < size means it is scaled up). */
export interface CropWindow {
  x: number;
  y: number;
  side: number;
}

/** The CROP_COUNT windows of a width x height image, in CROP_ORDER. */
export function cropWindows(width: number, height: number, size = DEFAULT_INPUT_SIZE): CropWindow[] {
  if (!(width >= 1 && height >= 1)) throw new Error(`crops: empty ${width}x${height} image`);
  const side = Math.min(size, width, height);
  const right = width - side;
  const bottom = height - side;
  return [
    { x: Math.floor(right / 2), y: Math.floor(bottom / 2), side },
    { x: 0, y: 0, side },
    { x: right, y: 0, side },
    { x: 0, y: bottom, side },
    { x: right, y: bottom, side },
  ];
}

/**
 * CROP_COUNT windows of `img` -> CROP_COUNT x size x size x 3 Float32 (HWC RGB, 0..1), written into
 * `out` at `offset` (so a batch can be filled in place). Deterministic.
 */
export function nativeCrops(img: RgbImage, opts: CropOptions = {}, out?: Float32Array, offset = 0): Float32Array {
  const size = opts.size ?? DEFAULT_INPUT_SIZE;
  const layout = opts.layout ?? 'five';
  if (layout !== 'five') throw new Error(`crops: unknown layout ${String(layout)}`);
  if (!Number.isInteger(size) || size < 1) throw new Error(`crops: bad size ${size}`);
  const { data, width, height } = img;
  if (data.length !== width * height * 3) throw new Error(`crops: ${data.length} bytes for a ${width}x${height} RGB image`);
  const per = size * size * 3;
  const dst = out ?? new Float32Array(CROP_COUNT * per);
  if (dst.length < offset + CROP_COUNT * per) throw new Error('crops: output buffer too small');
  const windows = cropWindows(width, height, size);
  const side = windows[0]!.side;
  const rowBytes = side * 3;
  // Scaled-up windows go through a side x side sub-image (one buffer, reused) and resizeToInput.
  const sub = side < size ? new Uint8Array(side * rowBytes) : null;
  const norm = new Float32Array(256).map((_, v) => v / 255); // the float32 values resizeToInput produces
  for (let k = 0; k < CROP_COUNT; k++) {
    const win = windows[k]!;
    const o = offset + k * per;
    if (sub) {
      for (let r = 0; r < side; r++) {
        const from = ((win.y + r) * width + win.x) * 3;
        sub.set(data.subarray(from, from + rowBytes), r * rowBytes);
      }
      // resizeToInput types its buffer as ArrayBuffer-backed; it only indexes it.
      resizeToInput({ data: sub, width: side, height: side }, size, dst as Float32Array<ArrayBuffer>, o);
    } else {
      copyWindow(data, (win.y * width + win.x) * 3, width * 3, rowBytes, size, norm, dst, o);
    }
  }
  return dst;
}

/** rows x rowBytes bytes from `data` (row stride `stride`) -> floats via the `norm` table, packed. */
function copyWindow(data: Uint8Array, from: number, stride: number, rowBytes: number, rows: number, norm: Float32Array, dst: Float32Array, to: number): void {
  for (let r = 0; r < rows; r++, from += stride) {
    for (let i = 0; i < rowBytes; i++) dst[to++] = norm[data[from + i]!]!;
  }
}
