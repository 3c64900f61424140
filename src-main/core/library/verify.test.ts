/** What counts as an image, and the preview/thumbnail made for it, on real photos. */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEV_IMAGES } from '../../../test-support/fixtures';
import { decodeRgb } from '../ml/backbone/preprocess';
import { HAND_OVER_MAX_PIXELS, sniffFormat, verifyImage, VerifyFailure } from './verify';

const photo = fs.readFileSync(path.join(DEV_IMAGES, '9000010.jpg'));

async function reason(bytes: Buffer, maxPixels?: number): Promise<string> {
  try {
    await verifyImage(bytes, maxPixels);
    return 'ok';
  } catch (e) {
    if (e instanceof VerifyFailure) return e.reason;
    throw e;
  }
}

describe('verifyImage', () => {
  it('keeps a small sRGB JPEG as its own preview and makes a ≤256 px WebP thumbnail', async () => {
    const v = await verifyImage(photo);
    expect(v.format).toBe('jpeg');
    expect(Math.max(v.width, v.height)).toBe(580);
    expect(v.preview).toBeNull();
    expect(v.ownPreview).toBe(true);
    const thumb = await sharp(v.thumb!).metadata();
    expect(thumb.format).toBe('webp');
    expect(Math.max(thumb.width!, thumb.height!)).toBe(256);
  });

  it('makes a ≤1024 px WebP preview for a large image and applies EXIF orientation', async () => {
    const big = await sharp(photo).resize(2000).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const v = await verifyImage(big);
    expect(v.preview).not.toBeNull();
    const meta = await sharp(v.preview!).metadata();
    expect(meta.format).toBe('webp');
    expect(Math.max(meta.width!, meta.height!)).toBe(1024);
    // Orientation 6 turns the landscape original into a portrait picture.
    expect(meta.height!).toBeGreaterThan(meta.width!);
    expect(v.height).toBeGreaterThan(v.width);
  });

  it("with derived files 'later', checks the image as fully but makes no thumbnail or preview", async () => {
    const big = await sharp(photo).resize(2000).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const v = await verifyImage(big, undefined, 'later');
    expect(v).toMatchObject({ format: 'jpeg', ownPreview: false, preview: null, thumb: null });
    expect(v.height).toBeGreaterThan(v.width);
    expect((await verifyImage(photo, undefined, 'later')).ownPreview).toBe(true);
    // The cheap decode still reads every byte: truncated data is refused as it is with 'now'.
    for (const cut of [0.5, 0.99]) {
      const bytes = big.subarray(0, Math.floor(big.length * cut));
      await expect(verifyImage(bytes, undefined, 'later')).rejects.toMatchObject({ reason: 'truncated' });
      await expect(verifyImage(bytes, undefined, 'now')).rejects.toMatchObject({ reason: 'truncated' });
    }
  });

  it("with 'later' and pixels, checks by the embedding's own decode and hands its pixels over; large pictures are checked at 1/8 scale", async () => {
    const rotated = await sharp(photo).resize(800).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const alphaPng = await sharp(photo).ensureAlpha(0.5).png().toBuffer();
    for (const bytes of [photo, rotated, alphaPng]) {
      const v = await verifyImage(bytes, undefined, 'later', { pixels: true });
      const own = await decodeRgb(bytes);
      expect({ width: v.pixels!.width, height: v.pixels!.height }).toEqual({ width: own.width, height: own.height });
      expect(Buffer.from(v.pixels!.data).equals(Buffer.from(own.data))).toBe(true);
      expect(v.pixels!.width).toBe(v.width);
    }
    // The import check's strictness: truncated data is still refused.
    const cut = rotated.subarray(0, Math.floor(rotated.length * 0.99));
    await expect(verifyImage(cut, undefined, 'later', { pixels: true })).rejects.toMatchObject({ reason: 'truncated' });
    // Above HAND_OVER_MAX_PIXELS: checked, no pixels held.
    const side = Math.ceil(Math.sqrt(HAND_OVER_MAX_PIXELS)) + 1;
    const large = await sharp(photo).resize(side, side, { fit: 'fill' }).jpeg().toBuffer();
    const v = await verifyImage(large, undefined, 'later', { pixels: true });
    expect(v.width * v.height).toBeGreaterThan(HAND_OVER_MAX_PIXELS);
    expect(v.pixels).toBeUndefined();
    expect((await verifyImage(photo, undefined, 'later')).pixels).toBeUndefined();
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['html', Buffer.from('  <!DOCTYPE html><html><body>gone</body></html>')],
    ['not_image', Buffer.from('id,name\n1,owl\n')],
    ['truncated', photo.subarray(0, Math.floor(photo.length * 0.5))],
    ['truncated', photo.subarray(0, Math.floor(photo.length * 0.99))],
  ])('refuses %s bytes', async (want, bytes) => {
    expect(await reason(bytes)).toBe(want);
  });

  it('refuses images above the pixel limit without decoding them', async () => {
    const png = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#2a6' } }).png().toBuffer();
    expect(await reason(png, 5_000_000)).toBe('too_many_pixels');
    expect(await reason(png, 6_000_000)).toBe('ok');
  });

  it('sniffs formats by magic bytes', async () => {
    expect(sniffFormat(photo)).toBe('jpeg');
    expect(sniffFormat(await sharp(photo).png().toBuffer())).toBe('png');
    expect(sniffFormat(await sharp(photo).webp().toBuffer())).toBe('webp');
    expect(sniffFormat(await sharp(photo).gif().toBuffer())).toBe('gif');
    expect(sniffFormat(Buffer.from('GIF'))).toBeNull();
  });

  it('refuses bytes that start like an accepted format but decode as another (an SVG posing as AVIF, HEIF or TIFF), and keeps real AVIF and TIFF', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="50" height="50"><rect width="50" height="50" fill="red"/></svg>';
    const heads = [Buffer.from('<!--ftypavif-->', 'latin1'), Buffer.from('<!--ftypmif1-->', 'latin1'), Buffer.from('\x00\x00\x00\x18ftypavif\n', 'latin1'), Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x0a])];
    let decodedAsSvg = 0;
    for (const head of heads) {
      const bytes = Buffer.concat([head, Buffer.from(svg)]);
      expect(sniffFormat(bytes)).not.toBeNull();
      // What the guard is for: libvips, left to itself, reads some of these as SVG.
      if ((await sharp(bytes).metadata().catch(() => null))?.format === 'svg') {
        decodedAsSvg++;
        expect(await reason(bytes)).toBe('not_image');
        await expect(verifyImage(bytes, undefined, 'later')).rejects.toThrow(/start like .* but decode as SVG/);
      } else expect(await reason(bytes)).not.toBe('ok'); // what libvips cannot read at all
    }
    expect(decodedAsSvg).toBeGreaterThan(0);
    expect(await reason(await sharp(photo).resize(64).avif({ effort: 0 }).toBuffer())).toBe('ok');
    expect(await reason(await sharp(photo).resize(64).tiff().toBuffer())).toBe('ok');
  });
});
