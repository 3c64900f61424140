/** Thumbnails and previews of unusual shapes and sizes: a strip keeps a readable short side, a tiny picture is kept exactly. */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEV_IMAGES } from '../../../test-support/fixtures';
import { derivedBox, makePreview, makeThumb, PREVIEW_MIN_SIDE, THUMB_MIN_SIDE, verifyImage } from './verify';

const photo = fs.readFileSync(path.join(DEV_IMAGES, '9000010.jpg'));

async function size(bytes: Buffer): Promise<[number, number]> {
  const m = await sharp(bytes).metadata();
  return [m.width!, m.height!];
}

/** The RGB pixels of a picture (the thumbnail's decode: orientation applied, no alpha). */
async function rgb(bytes: Buffer): Promise<Buffer> {
  return sharp(bytes).rotate().removeAlpha().raw().toBuffer();
}

describe('thumbnails and previews of strips', () => {
  it('keep a readable short side, cropping the long side around its centre', async () => {
    // A real photo's rows stretched into a 10000×50 strip, and the same turned upright.
    const wide = await sharp(photo).resize(10000, 50, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();
    const tall = await sharp(wide).rotate(90).jpeg({ quality: 90 }).toBuffer();
    expect(await size(await makeThumb(wide))).toEqual([256, THUMB_MIN_SIDE]);
    expect(await size(await makeThumb(tall))).toEqual([THUMB_MIN_SIDE, 256]);
    // The preview's minimum (128) is more than the strip's 50 px: it shows them at full scale.
    expect(PREVIEW_MIN_SIDE).toBe(128);
    expect(await size(await makePreview(wide))).toEqual([1024, 50]);
    expect(await size(await makePreview(tall))).toEqual([50, 1024]);
    // Made at import too.
    const v = await verifyImage(wide);
    expect(await size(v.thumb!)).toEqual([256, THUMB_MIN_SIDE]);
    expect(await size(v.preview!)).toEqual([1024, 50]);
  });

  it('crop the centre: the preview of a strip is its middle at full scale', async () => {
    // Left third red, middle third green, right third blue: the centre crop is all green.
    const third = (r: number, g: number, b: number) => ({ create: { width: 1000, height: 40, channels: 3 as const, background: { r, g, b } } });
    const strip = await sharp({ create: { width: 3000, height: 40, channels: 3, background: { r: 0, g: 0, b: 0 } } })
      .composite([
        { input: await sharp(third(255, 0, 0)).png().toBuffer(), left: 0, top: 0 },
        { input: await sharp(third(0, 255, 0)).png().toBuffer(), left: 1000, top: 0 },
        { input: await sharp(third(0, 0, 255)).png().toBuffer(), left: 2000, top: 0 },
      ])
      .png()
      .toBuffer();
    const preview = await makePreview(strip);
    expect(await size(preview)).toEqual([1024, 40]);
    const { channels } = await sharp(preview).stats();
    expect(channels[1]!.mean).toBeGreaterThan(240); // lossy WebP: about 249
    expect(channels[0]!.mean).toBeLessThan(15);
    expect(channels[2]!.mean).toBeLessThan(15);
  });

  it('never enlarge: a strip thinner than the minimum keeps its own short side', async () => {
    const thin = await sharp({ create: { width: 20000, height: 4, channels: 3, background: { r: 90, g: 120, b: 30 } } }).png().toBuffer();
    expect(await size(await makeThumb(thin))).toEqual([256, 4]);
    expect(await size(await makePreview(thin))).toEqual([1024, 4]);
  });

  it('an ordinary picture is fitted whole, as before', () => {
    expect(derivedBox(580, 387, 256, THUMB_MIN_SIDE)).toEqual({ width: 256, height: 171 });
    expect(derivedBox(387, 580, 256, THUMB_MIN_SIDE)).toEqual({ width: 171, height: 256 });
    expect(derivedBox(100, 60, 256, THUMB_MIN_SIDE)).toEqual({ width: 100, height: 60 });
    expect(derivedBox(4000, 3000, 1024, PREVIEW_MIN_SIDE)).toEqual({ width: 1024, height: 768 });
    // 8:1 exactly reaches the minimum, fitted whole; a longer one is cropped.
    expect(derivedBox(2048, 256, 256, THUMB_MIN_SIDE)).toEqual({ width: 256, height: 32 });
    expect(derivedBox(4096, 256, 256, THUMB_MIN_SIDE)).toEqual({ width: 256, height: 32 });
  });
});

describe('thumbnails of tiny pictures', () => {
  it('are the picture exactly (lossless), not a lossy re-encode', async () => {
    for (const side of [2, 8, 64, 256]) {
      // Noisy colour pixels: what WebP's lossy 4:2:0 encoding changes most.
      const raw = Buffer.alloc(side * side * 3);
      for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919 + (i >> 3) * 104729) % 256;
      const png = await sharp(raw, { raw: { width: side, height: side, channels: 3 } }).png().toBuffer();
      const thumb = await makeThumb(png);
      expect(await size(thumb)).toEqual([side, side]);
      expect((await rgb(thumb)).equals(raw)).toBe(true);
      // A preview made for it (not its own preview: it has transparency, say) is exact too.
      expect((await rgb(await makePreview(png))).equals(raw)).toBe(true);
    }
  });

  it('a picture larger than the thumbnail still gets a lossy thumbnail', async () => {
    const thumb = await makeThumb(photo);
    const meta = await sharp(thumb).metadata();
    expect(meta.format).toBe('webp');
    // A lossless 256-px photo would be several times larger than the ~10 KB lossy one.
    expect(thumb.length).toBeLessThan(40_000);
  });
});
