/** What counts as an image, and the preview/thumbnail made for it, on real photos. */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEV_IMAGES, REPO_ROOT } from '../../../test-support/fixtures';
import { decodeRgb } from '../ml/backbone/preprocess';
import { decodeCostProblem, decodeErrorLine, gifFrameCount, HAND_OVER_MAX_PIXELS, MAX_FRAMES, sniffFormat, tiffDirectoryPastEnd, tiffPageCount, verifyImage, VerifyFailure, webpFrameCount, makeThumb, pngShownOtherwise, withJpegEnd } from './verify';

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

  it('accepts a JPEG whose only flaw is a missing end marker, with every pixel of the whole file; one cut short elsewhere is still refused (hostile audit 2, M1)', async () => {
    const big = await sharp(photo).resize(2000).jpeg().toBuffer();
    for (const whole of [photo, big]) {
      expect(whole.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
      const noEnd = whole.subarray(0, whole.length - 2);
      for (const derived of ['now', 'later'] as const) {
        const v = await verifyImage(noEnd, undefined, derived, { pixels: true });
        const full = await verifyImage(whole, undefined, derived, { pixels: true });
        expect({ width: v.width, height: v.height, ownPreview: v.ownPreview }).toEqual({ width: full.width, height: full.height, ownPreview: full.ownPreview });
        if (v.pixels) expect(Buffer.from(v.pixels.data).equals(Buffer.from(full.pixels!.data))).toBe(true);
      }
      // Its thumbnail made again later from the stored file (files.ts) decodes too, and as the whole file's.
      const [a, b] = await Promise.all([sharp(await makeThumb(noEnd)).raw().toBuffer(), sharp(await makeThumb(whole)).raw().toBuffer()]);
      expect(a.equals(b)).toBe(true);
      // Refused however it is checked (a reduced decode could miss data cut short before the added marker).
      const rotated = await sharp(whole).resize(800).jpeg().toBuffer();
      for (const src of [whole, rotated]) {
        for (const cut of [0.5, 0.9, 0.999]) {
          const bytes = src.subarray(0, Math.floor(src.length * cut));
          expect(await reason(bytes)).toBe('truncated');
          await expect(verifyImage(bytes, undefined, 'later')).rejects.toMatchObject({ reason: 'truncated' });
        }
      }
    }
    expect(withJpegEnd(photo)).toBe(photo);
  });

  it('a PNG a browser would show otherwise (animation frames, gamma or chromaticity chunks) is not its own preview (hostile audit 2, M2)', async () => {
    const png = await sharp(photo).resize(300).png().toBuffer();
    /** The PNG with a chunk of `type` right after its IHDR (8 + 25 bytes), CRC and all. */
    const withChunk = (type: string, data: Buffer) => {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(data.length, 0);
      head.write(type, 4, 'latin1');
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
      return Buffer.concat([png.subarray(0, 33), head, data, crc, png.subarray(33)]);
    };
    const gamma = Buffer.alloc(4);
    gamma.writeUInt32BE(100_000, 0); // gAMA 1.0: a browser brightens grey 128 to ~188
    expect((await verifyImage(png)).ownPreview).toBe(true);
    for (const [type, data] of [
      ['gAMA', gamma],
      ['cHRM', Buffer.alloc(32, 1)],
      ['acTL', Buffer.from([0, 0, 0, 1, 0, 0, 0, 0])],
    ] as const) {
      const v = await verifyImage(withChunk(type, data));
      expect(v.ownPreview, type).toBe(false);
      expect(v.preview, type).not.toBeNull();
    }
    // A chunk of the kind after the image data is not one a browser reads first: only those before IDAT count.
    expect(pngShownOtherwise(Buffer.concat([png.subarray(0, png.length - 12), Buffer.from('0000000067414d41', 'hex'), png.subarray(png.length - 12)]))).toBe(false);
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
    // One pixel over the limit reads as over it, not as "6.0 MP exceeds the limit of 6 MP".
    const e = await verifyImage(png, 5_999_999).catch((err: unknown) => err);
    expect(e).toMatchObject({ reason: 'too_many_pixels', message: '3000×2000 = 6,000,000 pixels, over the limit of 5,999,999 (6 MP)' });
  });

  it('refuses a strip with a side over 65,535 px however few its pixels, before decoding it', async () => {
    for (const [width, height] of [
      [1, 200_000],
      [200_000, 1],
    ] as const) {
      const png = await sharp({ create: { width, height, channels: 3, background: '#2a6' } }).png().toBuffer();
      const e = await verifyImage(png).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(VerifyFailure);
      expect(e).toMatchObject({ reason: 'too_many_pixels', message: expect.stringMatching(/side longer than 65,535 px/) });
    }
    const edge = await sharp({ create: { width: 65_535, height: 1, channels: 3, background: '#2a6' } }).png().toBuffer();
    expect(await reason(edge)).toBe('ok');
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

  it('refuses a PNG whose compressed text would expand to gigabytes and a JPEG of thousands of scans, before decoding; keeps ordinary ones', async () => {
    const crcTable = Array.from({ length: 256 }, (_, n) => {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      return c >>> 0;
    });
    const chunk = (type: string, data: Buffer) => {
      const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
      let c = 0xffffffff;
      for (const x of td) c = crcTable[(c ^ x) & 255]! ^ (c >>> 8);
      const out = Buffer.alloc(8 + data.length + 4);
      out.writeUInt32BE(data.length, 0);
      td.copy(out, 4);
      out.writeUInt32BE((c ^ 0xffffffff) >>> 0, 8 + data.length);
      return out;
    };
    const plain = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3a7' } }).png().toBuffer();
    const withText = (chunks: Buffer[]) => Buffer.concat([plain.subarray(0, 33), ...chunks, plain.subarray(33)]); // after IHDR
    const big = zlib.deflateSync(Buffer.alloc(7_900_000, 0x41), { level: 9 }); // 7.9 MB of text in ~8 KB
    const bomb = withText(Array.from({ length: 40 }, (_, i) => chunk('zTXt', Buffer.concat([Buffer.from(`k${i}\0\0`, 'latin1'), big]))));
    expect(bomb.length).toBeLessThan(400_000);
    expect(decodeCostProblem(bomb, 'png')).toMatch(/compressed text chunks of over 256 KB/);
    const t0 = Date.now();
    expect(await reason(bomb)).toBe('decode_cost');
    expect(Date.now() - t0).toBeLessThan(1000); // refused from its chunk list, never expanded
    const itxt = withText(Array.from({ length: 40 }, (_, i) => chunk('iTXt', Buffer.concat([Buffer.from(`k${i}\0\x01\0\0\0`, 'latin1'), big]))));
    expect(await reason(itxt)).toBe('decode_cost');
    // A few KB of ordinary compressed metadata is fine.
    expect(await reason(withText([chunk('zTXt', Buffer.concat([Buffer.from('Comment\0\0', 'latin1'), zlib.deflateSync(Buffer.from('a note'.repeat(500)))]))]))).toBe('ok');

    const scans = fs.readFileSync(path.join(REPO_ROOT, 'test-support', 'images', 'scan-bomb.jpg'));
    expect(decodeCostProblem(scans, 'jpeg')).toMatch(/more than 100 scans/);
    expect(await reason(scans)).toBe('decode_cost');
    // Real photos, baseline and progressive, pass.
    expect(decodeCostProblem(photo, 'jpeg')).toBeNull();
    expect(decodeCostProblem(await sharp(photo).jpeg({ progressive: true }).toBuffer(), 'jpeg')).toBeNull();
  });

  it(`refuses a GIF of more than ${MAX_FRAMES} frames and a TIFF of more than ${MAX_FRAMES} pages from their bytes; keeps ordinary animations and multipage scans`, async () => {
    // A 1×1 GIF of n frames, 23 bytes each (a graphic control extension, a descriptor, 1 pixel of
    // LZW data): the audit's 2.9 M frames in 64 MB took 30 s and 680 MB to check.
    const gif = (n: number) => {
      const head = Buffer.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255]);
      const frame = Buffer.from([0x21, 0xf9, 4, 0, 0, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0]);
      return Buffer.concat([head, ...Array<Buffer>(n).fill(frame), Buffer.from([0x3b])]);
    };
    expect(gifFrameCount(gif(7), Infinity)).toBe(7);
    expect(await reason(gif(MAX_FRAMES))).toBe('ok');
    expect(decodeCostProblem(gif(MAX_FRAMES + 1), 'gif')).toMatch(/more than 1,000 frames/);
    expect(await reason(gif(MAX_FRAMES + 1))).toBe('decode_cost');
    // Comments, application blocks and a local colour table are walked over, not counted.
    const withBlocks = Buffer.concat([gif(0).subarray(0, -1), Buffer.from([0x21, 0xfe, 3, 0x61, 0x62, 0x63, 0]), Buffer.from([0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0x80, 9, 9, 9, 0, 0, 0, 2, 2, 0x44, 0x01, 0, 0x3b])]);
    expect(gifFrameCount(withBlocks, Infinity)).toBe(1);
    expect(await reason(withBlocks)).toBe('ok');

    // A real animation (sharp's encoder: loop extension, colour tables, LZW data of many sub-blocks) is counted right and kept.
    const frames = 12;
    const stills = await Promise.all(Array.from({ length: frames }, (_, i) => sharp(photo).resize(64, 64).modulate({ hue: i * 30 }).png().toBuffer()));
    const anim = await sharp(stills, { join: { animated: true } }).gif().toBuffer();
    expect(gifFrameCount(anim, Infinity)).toBe(frames);
    expect(decodeCostProblem(anim, 'gif')).toBeNull();
    expect(await reason(anim)).toBe('ok');

    const tiff = (pages: number) => sharp(Buffer.alloc(pages * 3, 200), { raw: { width: 1, height: pages, channels: 3, pageHeight: 1 } as never }).tiff({ compression: 'none' }).toBuffer();
    const scan = await tiff(3);
    expect(tiffPageCount(scan, Infinity)).toBe(3);
    expect(await reason(scan)).toBe('ok');
    const many = await tiff(MAX_FRAMES + 1);
    expect(decodeCostProblem(many, 'tiff')).toMatch(/more than 1,000 pages/);
    expect(await reason(many)).toBe('decode_cost');
    // Big-endian too, and a chain that loops back ends the count (it does not run for ever).
    const bigEndian = Buffer.from([0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, /* IFD: no entries */ 0, 0, /* next: a second IFD */ 0, 0, 0, 14, 0, 0, 0, 0, 0, 0]);
    expect(tiffPageCount(bigEndian, Infinity)).toBe(2);
    const looped = Buffer.from(scan);
    const lastIfd = (() => {
      let ifd = looped.readUInt32LE(4);
      for (let next = looped.readUInt32LE(ifd + 2 + 12 * looped.readUInt16LE(ifd)); next; next = looped.readUInt32LE(next + 2 + 12 * looped.readUInt16LE(next))) ifd = next;
      return ifd;
    })();
    looped.writeUInt32LE(looped.readUInt32LE(4), lastIfd + 2 + 12 * looped.readUInt16LE(lastIfd));
    expect(tiffPageCount(looped, Infinity)).toBe(3);
  });
});

/** A failure's reason and message, or 'ok'. */
async function outcome(bytes: Buffer): Promise<{ reason: string; message: string }> {
  try {
    await verifyImage(bytes);
    return { reason: 'ok', message: '' };
  } catch (e) {
    if (e instanceof VerifyFailure) return { reason: e.reason, message: e.message };
    throw e;
  }
}

describe('animated WebP', () => {
  /** The RIFF chunks of a WebP: FourCC and the whole chunk (header, data, padding). */
  const chunks = (w: Buffer) => {
    const out: { type: string; bytes: Buffer }[] = [];
    for (let at = 12; at + 8 <= w.length; ) {
      const len = w.readUInt32LE(at + 4);
      const end = at + 8 + len + (len & 1);
      out.push({ type: w.toString('latin1', at, at + 4), bytes: w.subarray(at, end) });
      at = end;
    }
    return out;
  };
  const riff = (body: Buffer) => {
    const head = Buffer.alloc(12);
    head.write('RIFF', 0, 'latin1');
    head.writeUInt32LE(body.length + 4, 4);
    head.write('WEBP', 8, 'latin1');
    return Buffer.concat([head, body]);
  };
  /** sharp's animated WebP of `frames` 8×8 frames (a tall image cut into pages). */
  const encoded = (frames: number) =>
    sharp(Buffer.alloc(8 * 8 * frames * 3, 0).map((_, i) => (i * 37) & 255), { raw: { width: 8, height: 8 * frames, channels: 3, pageHeight: 8 } as never })
      .webp({ loop: 0, lossless: true, effort: 0 })
      .toBuffer();
  /** An animation of n frames: sharp's header chunks and its first frame repeated (as the audit built them). */
  const animation = async (n: number) => {
    const parts = chunks(await encoded(2));
    const frame = parts.find((c) => c.type === 'ANMF')!.bytes;
    return riff(Buffer.concat([...parts.filter((c) => c.type !== 'ANMF').map((c) => c.bytes), ...Array<Buffer>(n).fill(frame)]));
  };

  it(`refuses more than ${MAX_FRAMES} frames from the chunk list, quickly; keeps ordinary animations`, async () => {
    const real = await encoded(12);
    expect(chunks(real).filter((c) => c.type === 'ANMF')).toHaveLength(12); // sharp wrote a real 12-frame animation
    expect(webpFrameCount(real, Infinity)).toBe(12);
    expect(decodeCostProblem(real, 'webp')).toBeNull();
    expect(await reason(real)).toBe('ok');

    expect(await reason(await animation(MAX_FRAMES))).toBe('ok');
    const over = await animation(MAX_FRAMES + 1);
    expect(webpFrameCount(over, Infinity)).toBe(MAX_FRAMES + 1);
    expect(decodeCostProblem(over, 'webp')).toMatch(/more than 1,000 frames/);
    expect(await outcome(over)).toEqual({ reason: 'decode_cost', message: expect.stringMatching(/more than 1,000 frames/) });

    // The audit's 40,000 frames (2 MB) took 10 s to decode; the count stops at the cap.
    const huge = await animation(40_000);
    expect(webpFrameCount(huge, 5)).toBe(5);
    const t0 = Date.now();
    expect(await reason(huge)).toBe('decode_cost');
    expect(Date.now() - t0).toBeLessThan(1000);
    // A still WebP has no frames to count.
    const still = await sharp(photo).webp().toBuffer();
    expect(webpFrameCount(still, Infinity)).toBe(0);
    expect(await reason(still)).toBe('ok');
  });

  it('walks malformed chunk lists without looping or reading past the end', async () => {
    const anim = await animation(3);
    // Cut inside a frame: the count stops at the last whole header, the decoder refuses the rest.
    const cut = anim.subarray(0, anim.length - 10);
    expect(webpFrameCount(cut, Infinity)).toBe(3);
    expect(await reason(cut)).toBe('truncated');
    // A chunk whose size runs far past the end (4 GB), and one cut inside its own 8-byte header.
    const huge = Buffer.from(anim);
    const firstFrame = anim.indexOf('ANMF', 12, 'latin1');
    huge.writeUInt32LE(0xffffffff, firstFrame + 4);
    expect(webpFrameCount(huge, Infinity)).toBe(1);
    expect(await reason(huge)).not.toBe('ok');
    expect(webpFrameCount(anim.subarray(0, firstFrame + 6), Infinity)).toBe(0);
    // Zero-sized chunks move on by their header: thousands of them are walked in one linear pass.
    const empties = riff(Buffer.concat([...Array<Buffer>(MAX_FRAMES + 1).fill(Buffer.from('ANMF\0\0\0\0', 'latin1'))]));
    expect(webpFrameCount(empties, Infinity)).toBe(MAX_FRAMES + 1);
    expect(await reason(empties)).toBe('decode_cost');
    expect(webpFrameCount(Buffer.from('RIFF\0\0\0\0WEBP', 'latin1'), Infinity)).toBe(0);
  });
});

describe('HEIF with HEVC inside (iPhone photos)', () => {
  const box = (type: string, ...parts: Buffer[]) => {
    const body = Buffer.concat(parts);
    const head = Buffer.alloc(8);
    head.writeUInt32BE(8 + body.length);
    head.write(type, 4, 'latin1');
    return Buffer.concat([head, body]);
  };
  const fullBox = (type: string, version: number, ...parts: Buffer[]) => box(type, Buffer.from([version, 0, 0, 0]), ...parts);
  const u16 = (n: number) => Buffer.from([n >> 8, n & 255]);
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const text = (s: string) => Buffer.from(s, 'latin1');
  /**
   * A HEIC container as an iPhone writes it, built by hand (no HEVC encoder here): one primary
   * item of type hvc1 with its HEVC configuration and size, and filler for its coded data; this
   * build cannot decode HEVC at all, so what the data holds does not matter.
   */
  const heic = (width: number, height: number) => {
    const data = Buffer.alloc(100, 0x11);
    const ftyp = box('ftyp', text('heic'), u32(0), text('mif1heic'));
    const hvcC = box('hvcC', Buffer.from([1, 1, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 90, 0xf0, 0, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0, 0x0f, 0]));
    const meta = (dataAt: number) =>
      fullBox(
        'meta',
        0,
        fullBox('hdlr', 0, u32(0), text('pict'), Buffer.alloc(13)),
        fullBox('pitm', 0, u16(1)),
        fullBox('iinf', 0, u16(1), fullBox('infe', 2, u16(1), u16(0), text('hvc1'), Buffer.alloc(1))),
        // offset and length 4 bytes, no base offset; item 1: one extent.
        fullBox('iloc', 0, Buffer.from([0x44, 0x00]), u16(1), u16(1), u16(0), u16(1), u32(dataAt), u32(data.length)),
        box('iprp', box('ipco', hvcC, fullBox('ispe', 0, u32(width), u32(height))), fullBox('ipma', 0, u32(1), u16(1), Buffer.from([2, 0x81, 0x02]))),
      );
    return Buffer.concat([ftyp, meta(ftyp.length + meta(0).length + 8), box('mdat', data)]);
  };

  it('refuses it as not decodable by this build, with a plain reason, before trying to decode', async () => {
    const bytes = heic(64, 48);
    expect(sniffFormat(bytes)).toBe('heif');
    const meta = await sharp(bytes).metadata();
    expect(meta).toMatchObject({ format: 'heif', compression: 'hevc', width: 64, height: 48 });
    // What the decoder itself says: the cause comes after lines of "bad seek".
    const decodeError = await sharp(bytes).raw().toBuffer().then(
      () => '',
      (e: Error) => e.message,
    );
    expect(decodeError).toMatch(/^source: bad seek/);
    expect(decodeError).toMatch(/compression format has not been built in: HEVC/);
    for (const derived of ['now', 'later'] as const) {
      await expect(verifyImage(bytes, undefined, derived)).rejects.toMatchObject({ reason: 'not_image', message: 'HEIC (HEVC) cannot be decoded by this build: convert it to JPEG' });
    }
    // AV1 inside HEIF (AVIF) decodes.
    const avif = await sharp(photo).resize(64).avif({ effort: 0 }).toBuffer();
    expect(await reason(avif)).toBe('ok');
    // Also under the generic major brands some encoders write (libvips then calls its codec "hevc").
    for (const brand of ['mif1', 'msf1']) {
      const generic = Buffer.from(avif);
      generic.write(brand, 8, 'latin1');
      expect((await sharp(generic).metadata()).compression).toBe('hevc');
      expect(await reason(generic), brand).toBe('ok');
    }
  });

  it('says what bytes that are no accepted picture look like: an SVG drawing (also after <?xml), a BMP, an icon, a PDF, text', async () => {
    const why = async (b: Buffer) => (await verifyImage(b).catch((e: unknown) => e)) as VerifyFailure;
    const svg = '<?xml version="1.0" encoding="UTF-8"?>\n<!-- made by hand -->\n<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>';
    expect(await why(Buffer.from(svg))).toMatchObject({ reason: 'not_image', message: expect.stringMatching(/^an SVG drawing \(\d+ bytes\): SVG is not accepted/) });
    expect(await why(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toMatchObject({ reason: 'not_image', message: expect.stringMatching(/^an SVG drawing/) });
    // An XHTML page is still a page.
    expect(await why(Buffer.from('<?xml version="1.0"?>\n<!DOCTYPE html>\n<html><body>gone</body></html>'))).toMatchObject({ reason: 'html' });
    const bmp = Buffer.alloc(70);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(70, 2);
    expect(await why(bmp)).toMatchObject({ reason: 'not_image', message: 'a BMP picture (70 bytes): BMP is not accepted, convert it to PNG' });
    expect(await why(Buffer.from([0, 0, 1, 0, 1, 0, 16, 16, 0, 0]))).toMatchObject({ reason: 'not_image', message: expect.stringMatching(/^an icon file/) });
    expect(await why(Buffer.from('%PDF-1.7\n%\xe2\xe3\n1 0 obj', 'latin1'))).toMatchObject({ reason: 'not_image', message: expect.stringMatching(/^a PDF document/) });
    expect(await why(Buffer.from('id,name\n1,owl\n'))).toMatchObject({ reason: 'not_image', message: 'text, not a picture (14 bytes), starting "id,name 1,owl"' });
    expect(await why(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]))).toMatchObject({ reason: 'not_image', message: 'unrecognised bytes 0102030405060708 (9 bytes)' });
  });

  it('reports the line of a decoder error that names the cause, not the "bad seek" lines before it', () => {
    // As recorded from libheif's example.heic (an iPhone-style HEIC) with sharp 0.34.
    const recorded = 'source: bad seek to 718130\nsource: bad seek to 718115\nheif: Error while loading plugin: Support for this compression format has not been built in: HEVC (a suitable decoder plugin is libde265) (11.6003)';
    expect(decodeErrorLine(recorded)).toMatch(/^heif: Error while loading plugin: Support for this compression format has not been built in: HEVC/);
    expect(decodeErrorLine('Input buffer has corrupt header: source: bad seek to 1024\nsource: bad seek to 512\nheif: Memory allocation error: Security limit exceeded\n (6.1000)')).toBe('heif: Memory allocation error: Security limit exceeded');
    // Otherwise the first line, and a message of nothing but bad seeks keeps its first.
    expect(decodeErrorLine('VipsJpeg: Premature end of input file\nVipsJpeg: out of order read')).toBe('VipsJpeg: Premature end of input file');
    expect(decodeErrorLine('source: bad seek to 10\nsource: bad seek to 5')).toBe('source: bad seek to 10');
    // libvips' failOn line says only that a warning stopped the decode: the warning's line, else words.
    expect(decodeErrorLine('pngload_buffer: libpng read error\nWarning treated as error due to failOn setting')).toBe('pngload_buffer: libpng read error');
    expect(decodeErrorLine('Warning treated as error due to failOn setting')).toBe('the data ends early or is corrupt (the decoder stopped at a damaged part)');
  });

  it('words a PNG cut in half in the failure list without libvips\' "failOn setting"', async () => {
    const png = await sharp(photo).png().toBuffer();
    const e = (await verifyImage(png.subarray(0, png.length >> 1)).catch((x: unknown) => x)) as VerifyFailure;
    expect(e.reason).toBe('truncated');
    expect(e.message).not.toMatch(/failOn/i);
  });
});

describe('truncated TIFF', () => {
  it('is reported truncated (its directories come after the image data, lost when cut), not an unsupported format', async () => {
    const tiff = await sharp(photo).resize(200).tiff().toBuffer();
    expect(tiffDirectoryPastEnd(tiff)).toBeNull();
    const ifd = tiff.readUInt32LE(4);
    expect(ifd).toBeGreaterThan(tiff.length / 2); // libtiff writes the directory after the data
    // Cut before the directory, or inside it: libvips says only "unsupported image format".
    for (const cut of [Math.floor(ifd / 2), ifd + 10]) {
      const bytes = tiff.subarray(0, cut);
      expect(sniffFormat(bytes)).toBe('tiff');
      expect(tiffDirectoryPastEnd(bytes)).toBe(ifd);
      expect(await sharp(bytes).metadata().catch((e: Error) => e.message)).toMatch(/unsupported image format/);
      const { reason: why, message } = await outcome(bytes);
      expect(why).toBe('truncated');
      expect(message).toMatch(/directory at byte [\d,]+ lies past the end/);
    }
    // Cut after it: the image data's own errors say so.
    expect(await reason(tiff.subarray(0, tiff.length - 1))).toBe('truncated');
    // Cut just after its first 8 bytes: no directory at all.
    expect(await reason(tiff.subarray(0, 8))).toBe('truncated');
    // A whole TIFF still decodes.
    expect(await reason(tiff)).toBe('ok');
  });
});
