/**
 * The fast quality signals (fused passes, reused buffers) give the same values as the reference
 * implementation they replaced (test-support/signalsReference, the code as it was at
 * quality-signals/2; /3 changed only the byte count the caller passes in, features/codedBytes.ts),
 * so the fast code is the reference's signals exactly. Compared on a dozen dev photos, distorted copies of them (noise, blur, impulses,
 * quantisation, pixelation: the detectors' other paths), images larger than the normalised size
 * and not, and the small-image edge cases. Every field within 1e-6 relative (in practice they
 * are bit for bit equal; the count of exact matches is printed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { qualitySignals as referenceSignals } from '../../../../test-support/signalsReference/signals';
import { decodeRgb, type RgbImage } from '../backbone/preprocess';
import { distort } from '../distort';
import { qualitySignals, signalVector, type QualitySignals } from './signals';
import { DEV_IMAGES, devPhotos } from '../../../../test-support/fixtures';

/** Every number in a QualitySignals, named. */
function flatten(s: QualitySignals): [string, number][] {
  const { generic, ...base } = s;
  return [
    ...Object.entries(base).map(([k, v]) => [k, v as number] as [string, number]),
    ...generic.brisque.map((v, i) => [`brisque[${i}]`, v] as [string, number]),
    ...Object.entries(generic.detectors).map(([k, v]) => [`detector.${k}`, v] as [string, number]),
  ];
}

let exact = 0;
let compared = 0;
function expectSame(img: RgbImage, bytes: number, label: string): void {
  const ref = flatten(referenceSignals(img, { bytes }) as QualitySignals);
  const now = flatten(qualitySignals(img, { bytes }));
  expect(now.map(([k]) => k)).toEqual(ref.map(([k]) => k));
  ref.forEach(([k, want], i) => {
    const got = now[i]![1];
    compared++;
    if (Object.is(got, want)) exact++;
    const rel = Math.abs(got - want) / Math.max(Math.abs(want), 1e-12);
    expect(rel <= 1e-6 || Math.abs(got - want) < 1e-12, `${label}: ${k} = ${got}, reference ${want}`).toBe(true);
  });
}

/** A seeded RGB image of w × h from a generator. */
function synth(w: number, h: number, px: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(px(x, y), (y * w + x) * 3);
  return { data, width: w, height: h };
}

let photos: { id: string; img: RgbImage; bytes: number }[] = [];

beforeAll(async () => {
  const ids = devPhotos()
    .filter((_, i) => i % 47 === 0)
    .slice(0, 12);
  photos = await Promise.all(
    ids.map(async (f) => {
      const buf = fs.readFileSync(path.join(DEV_IMAGES, f));
      return { id: f, img: await decodeRgb(buf), bytes: buf.length };
    }),
  );
});

describe('fast quality signals equal the reference implementation', () => {
  it('on a dozen dev photos', () => {
    expect(photos).toHaveLength(12);
    for (const p of photos) expectSame(p.img, p.bytes, p.id);
  });

  it('on distorted copies (noise, blurs, impulses, quantisation, pixelation, exposure, ringing, resampling)', () => {
    const kinds = ['white_noise', 'gaussian_blur', 'motion_blur', 'impulse_noise', 'quantization', 'pixelate', 'darken', 'brighten', 'color_saturation_1', 'jpeg2000', 'high_sharpen', 'down_up'];
    for (const [i, p] of photos.slice(0, 4).entries()) {
      for (const kind of kinds) expectSame(distort(p.img, { kind, level: 1 + ((i * 2) % 5), seed: i }), p.bytes, `${p.id} ${kind}`);
    }
  });

  it('on images larger than the normalised size, small ones, and the edge cases', () => {
    const p = photos[0]!.img;
    // Larger: the photo tiled 2 × 3 (1160 × 1164 px for the dev set's 580 × 388).
    const big = synth(p.width * 2, p.height * 3, (x, y) => {
      const j = ((y % p.height) * p.width + (x % p.width)) * 3;
      return [p.data[j]!, p.data[j + 1]!, p.data[j + 2]!];
    });
    expectSame(big, 200_000, 'tiled 2x3');
    expectSame(synth(900, 60, (x, y) => [(x * 7) & 255, (y * 13) & 255, (x ^ y) & 255]), 5000, 'wide strip');
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 255;
    expectSame(synth(64, 48, () => [rnd(), rnd(), rnd()]), 3000, 'noise 64x48');
    expectSame(synth(40, 40, (x) => (x < 20 ? [0, 0, 0] : [255, 255, 255])), 100, 'clipped halves');
    expectSame(synth(30, 30, () => [128, 128, 128]), 100, 'flat grey');
    expectSame(synth(9, 8, (x, y) => [x * 20, y * 30, 100]), 50, '9x8');
    expectSame(synth(7, 12, (x, y) => [x * 30, y * 20, 50]), 50, '7x12 (below the detectors)');
    expectSame(synth(5, 5, (x, y) => [x * 50, y * 50, 0]), 20, '5x5');
    expectSame(synth(2, 1, () => [10, 20, 30]), 0, '2x1');
    expectSame(synth(1, 1, () => [200, 100, 50]), 0, '1x1');
    console.log(`signals equivalence: ${exact} of ${compared} values bit for bit equal to the reference`);
  });

  it('gives the same signal vector when the same image is measured twice (the reused buffers leave nothing behind)', () => {
    const a = signalVector(qualitySignals(photos[1]!.img, { bytes: photos[1]!.bytes }));
    qualitySignals(photos[2]!.img, { bytes: photos[2]!.bytes });
    qualitySignals(synth(9, 8, (x, y) => [x * 20, y * 30, 100]), { bytes: 50 });
    const b = signalVector(qualitySignals(photos[1]!.img, { bytes: photos[1]!.bytes }));
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});
