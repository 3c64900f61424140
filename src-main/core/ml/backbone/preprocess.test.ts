/**
 * preprocess.ts reproduces nsfwjs's input: pixels / 255, whole image stretched to 224 x 224 with
 * tf.image.resizeBilinear(alignCorners = true). Checked against tfjs itself on real photos, plus
 * the decoding cases photos bring: alpha, greyscale, 16-bit, EXIF orientation, broken files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeThumb, verifyImage } from '../../library/verify';
import { layoutOfFile } from '../features/layout';
import { decodeRgb, preprocessBatch, preprocessImage, resizeToInput } from './preprocess';
import { DEV_IMAGES, devPhotos } from '../../../../test-support/fixtures';

let photos: string[];

beforeAll(async () => {
  await tf.setBackend('cpu'); // resizeBilinear only: the cpu backend is quick for this
  const all = devPhotos();
  if (all.length < 3) throw new Error(`need photos in ${DEV_IMAGES}`);
  photos = [all[0]!, all[Math.floor(all.length / 2)]!, all.at(-1)!].map((f) => path.join(DEV_IMAGES, f));
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** What nsfwjs's NSFWJS.infer does to a decoded image before the model. */
function nsfwjsResize(rgb: { data: Uint8Array; width: number; height: number }, size: number): Float32Array {
  return tf.tidy(() => {
    const img = tf.tensor3d(rgb.data, [rgb.height, rgb.width, 3], 'int32');
    return tf.image.resizeBilinear(img.toFloat().div(tf.scalar(255)) as tf.Tensor3D, [size, size], true).dataSync() as Float32Array;
  });
}

describe('preprocess', () => {
  it('matches tf.image.resizeBilinear(alignCorners) of the whole photo / 255', async () => {
    for (const file of photos) {
      const rgb = await decodeRgb(file);
      const ours = await preprocessImage(file);
      expect(ours).toHaveLength(224 * 224 * 3);
      expect(maxAbsDiff(ours, nsfwjsResize(rgb, 224))).toBeLessThan(1e-6);
    }
  });

  it('also matches for other sizes, upscaling and a 1-pixel output', () => {
    const rgb = { width: 5, height: 3, data: Uint8Array.from({ length: 45 }, (_, i) => (i * 37) % 256) };
    for (const size of [1, 2, 7, 16]) expect(maxAbsDiff(resizeToInput(rgb, size), nsfwjsResize(rgb, size))).toBeLessThan(1e-6);
  });

  it('fills a batch in order', async () => {
    const batch = await preprocessBatch(photos, { concurrency: 2 });
    const per = 224 * 224 * 3;
    for (let i = 0; i < photos.length; i++) expect(maxAbsDiff(batch.subarray(i * per, (i + 1) * per), await preprocessImage(photos[i]!))).toBe(0);
  });

  it('composites alpha onto black, expands greyscale and 16-bit images to 8-bit sRGB RGB', async () => {
    const rgba = await sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0.2 } } }).png().toBuffer();
    const red = await decodeRgb(rgba);
    expect([red.width, red.height, red.data.length]).toEqual([40, 30, 40 * 30 * 3]);
    expect(Array.from(red.data.subarray(0, 3))).toEqual([51, 0, 0]); // 20% red over black

    const grey16 = await sharp(Buffer.alloc(20 * 10 * 2, 0x80), { raw: { width: 20, height: 10, channels: 1 } }).toColourspace('grey16').png().toBuffer();
    const g = await preprocessImage(grey16, 8);
    expect(g).toHaveLength(8 * 8 * 3);
    expect(g.every((v) => v >= 0 && v <= 1 && Math.abs(v - g[0]!) < 1e-6)).toBe(true);
  });

  it('converts an embedded colour profile to sRGB', async () => {
    const base = sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 200, g: 40, b: 40 } } });
    const p3 = await base.withIccProfile('p3').png().toBuffer(); // stored as Display P3 numbers (about 184, 56, 49)
    const px = Array.from((await decodeRgb(p3)).data.subarray(0, 3));
    expect(maxAbsDiff(px, [200, 40, 40])).toBeLessThanOrEqual(2);
  });

  it('applies EXIF orientation like a browser does', async () => {
    const jpeg = await sharp({ create: { width: 60, height: 20, channels: 3, background: '#336699' } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const img = await decodeRgb(jpeg);
    expect([img.width, img.height]).toEqual([20, 60]);
  });

  it('names the file it cannot decode', async () => {
    await expect(preprocessImage(Buffer.from('not an image'))).rejects.toThrow(/cannot decode a 12-byte buffer/);
    await expect(preprocessImage(path.join(DEV_IMAGES, 'no-such-file.jpg'))).rejects.toThrow(/no-such-file\.jpg/);
  });
});

describe('transparent pixels', () => {
  /** A 64×64 PNG: a visible red disc, the rest transparent (alpha 0) over `hidden` colour. */
  async function discPng(hidden: [number, number, number]): Promise<Buffer> {
    const rgba = Buffer.alloc(64 * 64 * 4);
    for (let y = 0; y < 64; y++)
      for (let x = 0; x < 64; x++) {
        const o = (y * 64 + x) * 4;
        const inside = (x - 32) ** 2 + (y - 32) ** 2 < 20 ** 2;
        rgba.set(inside ? [220, 30, 30, 255] : [...hidden, 0], o);
      }
    return sharp(rgba, { raw: { width: 64, height: 64, channels: 4 } }).png().toBuffer();
  }

  it('are composited onto one background in features, layout and thumbnail: what is hidden under them is never scored', async () => {
    const a = await discPng([0, 0, 0]);
    const b = await discPng([250, 250, 10]); // the same picture to the eye, other colours hidden
    const [ra, rb] = [await decodeRgb(a), await decodeRgb(b)];
    expect(Buffer.compare(Buffer.from(ra.data), Buffer.from(rb.data))).toBe(0);
    expect([...ra.data.subarray(0, 3)]).toEqual([0, 0, 0]); // a corner: transparent, shown on black
    const [ta, tb] = [await makeThumb(a), await makeThumb(b)];
    const [pa, pb] = [await sharp(ta).raw().toBuffer({ resolveWithObject: true }), await sharp(tb).raw().toBuffer({ resolveWithObject: true })];
    expect(pa.info.channels).toBe(3); // no transparency left for the gallery to show on another background
    expect(maxAbsDiff(pa.data, pb.data)).toBeLessThanOrEqual(2);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-alpha-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.png'), a);
      fs.writeFileSync(path.join(dir, 'b.png'), b);
      expect(maxAbsDiff(await layoutOfFile(path.join(dir, 'a.png')), await layoutOfFile(path.join(dir, 'b.png')))).toBeLessThan(1e-6);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // A small PNG with transparency gets a preview of its own rather than being shown as it is.
    expect((await verifyImage(b)).ownPreview).toBe(false);
    expect((await verifyImage(await sharp(a).removeAlpha().png().toBuffer())).ownPreview).toBe(true);
  });

  it('change nothing for an opaque photo', async () => {
    const rgb = await decodeRgb(photos[0]!);
    const plain = await sharp(photos[0]!).autoOrient().toColourspace('srgb').removeAlpha().raw().toBuffer();
    expect(Buffer.compare(Buffer.from(rgb.data), plain)).toBe(0);
  });
});
