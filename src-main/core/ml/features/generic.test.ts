/**
 * Each distortion-generic feature moves the right way along a severity ladder of the distortion
 * library, on real dev photos (three good photos, levels 1, 3 and 5; the mean over the photos must
 * rise — or fall — level by level). Colour cast and vignetting have no KADID distortion, so their
 * ladders are a channel-gain and a radial fall-off ramp. The measured ladders are printed.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeRgb, type RgbImage } from '../backbone/preprocess';
import { distort } from '../distort';
import { BRISQUE_NAMES, type DetectorName } from './generic';
import { explainSignals, qualitySignals, type QualitySignals } from './signals';
import { DEV_IMAGES } from '../../../../test-support/fixtures';

let photos: RgbImage[] = [];

beforeAll(async () => {
  photos = await Promise.all(['9000003', '9000004', '9000017'].map((id) => decodeRgb(path.join(DEV_IMAGES, `${id}.jpg`))));
});

const signalsOf = (img: RgbImage) => qualitySignals(img, { bytes: img.data.length / 10 });
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Mean of `read` over the photos at the original and each level. */
function ladder(make: (img: RgbImage, level: number) => RgbImage, read: (s: QualitySignals) => number, levels = [1, 3, 5]): number[] {
  return [mean(photos.map((p) => read(signalsOf(p)))), ...levels.map((l) => mean(photos.map((p) => read(signalsOf(make(p, l))))))];
}

const kind = (k: string) => (img: RgbImage, level: number) => distort(img, { kind: k, level, seed: 5 });
const detector = (d: DetectorName) => (s: QualitySignals) => s.generic.detectors[d];
const brisque = (name: string) => (s: QualitySignals) => s.generic.brisque[BRISQUE_NAMES.indexOf(name)]!;

function rising(values: number[], label: string): void {
  console.log(`${label.padEnd(40)} ${values.map((v) => v.toFixed(4)).join(' → ')}`);
  for (let i = 1; i < values.length; i++) expect(values[i]!, `${label} step ${i}`).toBeGreaterThan(values[i - 1]!);
}

function castBy(img: RgbImage, strength: number): RgbImage {
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i += 3) {
    out[i] = Math.min(255, img.data[i]! * (1 + strength));
    out[i + 1] = img.data[i + 1]!;
    out[i + 2] = img.data[i + 2]! * (1 - strength);
  }
  return { ...img, data: out };
}

function vignette(img: RgbImage, strength: number): RgbImage {
  const out = new Uint8Array(img.data.length);
  const cx = (img.width - 1) / 2;
  const cy = (img.height - 1) / 2;
  const r = Math.hypot(cx, cy);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const f = 1 - strength * (Math.hypot(x - cx, y - cy) / r) ** 2;
      for (let c = 0; c < 3; c++) out[(y * img.width + x) * 3 + c] = img.data[(y * img.width + x) * 3 + c]! * f;
    }
  }
  return { ...img, data: out };
}

describe('distortion-generic features along severity ladders', () => {
  it('motion: directional anisotropy rises with straight and curved motion blur', () => {
    rising(ladder(kind('motion_blur'), detector('motion')), 'motion_blur → motion');
    const shake = ladder(kind('camera_shake'), detector('motion'));
    console.log(`camera_shake → motion ${shake.map((v) => v.toFixed(4)).join(' → ')}`);
    expect(shake[3]!).toBeGreaterThan(shake[0]!);
  });
  it('ringing rises with JPEG 2000 (over-sharpening adds strong edges too, so the ratio is not monotonic there)', () => {
    rising(ladder(kind('jpeg2000'), detector('ringing'), [1, 2, 3]), 'jpeg2000 → ringing'); // level 5 leaves too few strong edges to measure
  });
  it('posterise rises with quantisation', () => rising(ladder(kind('quantization'), detector('posterise')), 'quantization → posterise'));
  it('impulse rises with salt-and-pepper noise', () => rising(ladder(kind('impulse_noise'), detector('impulse')), 'impulse_noise → impulse'));
  it('pixelation rises with pixelate', () => rising(ladder(kind('pixelate'), detector('pixelation')), 'pixelate → pixelation'));
  it('upscaling rises with down-then-up sampling', () => rising(ladder(kind('down_up'), detector('upscaling')), 'down_up → upscaling'));
  it('colour cast rises with a channel-gain ramp', () => rising(ladder(castBy, detector('colourCast'), [0.1, 0.25, 0.4]), 'R up / B down → colourCast'));
  it('vignetting rises with a radial fall-off ramp', () => rising(ladder(vignette, detector('vignetting'), [0.2, 0.45, 0.7]), 'radial fall-off → vignetting'));
  it('BRISQUE: noise pushes the MSCN shape towards Gaussian; blur makes the MSCN variance fall', () => {
    rising(ladder(kind('white_noise'), brisque('brisque1_alpha')), 'white_noise → brisque1_alpha');
    rising(ladder(kind('gaussian_blur'), (s) => -brisque('brisque1_var')(s)), 'gaussian_blur → -brisque1_var');
  });
  it('the explanations name the defect in words', () => {
    const says = (img: RgbImage) => explainSignals(signalsOf(img));
    expect(photos.map(says).flat()).not.toContain('specks (impulse noise)');
    expect(says(distort(photos[0]!, { kind: 'impulse_noise', level: 3, seed: 1 }))).toContain('specks (impulse noise)');
    expect(says(distort(photos[0]!, { kind: 'quantization', level: 4, seed: 1 }))).toContain('posterised / banding');
    expect(says(distort(photos[1]!, { kind: 'motion_blur', level: 5, seed: 1 })).some((r) => r.includes('motion blur') || r === 'blurry')).toBe(true);
  });
});
