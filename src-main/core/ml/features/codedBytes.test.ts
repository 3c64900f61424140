import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_IMAGES, tempDir } from '../../../../test-support/fixtures';
import { prepareImage } from '../prepare';
import { codedBytes } from './codedBytes';

const photo = fs.readFileSync(path.join(DEV_IMAGES, '9000001.jpg'));

/** A JPEG with `segments` (marker byte, payload) inserted after its start-of-image marker. */
function withJpegSegments(jpeg: Buffer, segments: [number, Buffer][]): Buffer {
  const parts = segments.map(([marker, payload]) => {
    const head = Buffer.from([0xff, marker, 0, 0]);
    head.writeUInt16BE(payload.length + 2, 2);
    return Buffer.concat([head, payload]);
  });
  return Buffer.concat([jpeg.subarray(0, 2), ...parts, jpeg.subarray(2)]);
}

/** A PNG chunk with its CRC. */
function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** A RIFF chunk (padded to an even length). */
function riffChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, data.length & 1 ? Buffer.from([0]) : Buffer.alloc(0)]);
}

describe('codedBytes: the bytes of a file that code its picture', () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a JPEG: the same count with EXIF, XMP, an ICC profile and a comment added, or a trailer after its end', () => {
    const base = codedBytes(photo);
    expect(base).toBeGreaterThan(photo.length * 0.95); // the dev photos carry next to no metadata
    expect(base).toBeLessThanOrEqual(photo.length);
    const big = withJpegSegments(photo, [
      [0xe1, Buffer.concat([Buffer.from('Exif\0\0'), Buffer.alloc(60_000, 7)])],
      [0xe2, Buffer.concat([Buffer.from('ICC_PROFILE\0'), Buffer.alloc(3_000, 1)])],
      [0xfe, Buffer.alloc(65_000, 0x41)],
    ]);
    expect(big.length).toBeGreaterThan(photo.length + 128_000);
    expect(codedBytes(big)).toBe(base);
    // MPF's second picture (or any trailer) after the end-of-image marker is not this picture.
    expect(codedBytes(Buffer.concat([big, photo]))).toBe(base);
    // A truncated JPEG counts what it has; bytes that are not a marker where one belongs: the whole file.
    const cut = big.subarray(0, big.length - 5000);
    expect(codedBytes(cut)).toBe(base - 5000);
    const garbled = Buffer.from(photo);
    garbled[2 + 2 + garbled.readUInt16BE(4)] = 0x00; // the byte after the first segment
    expect(codedBytes(garbled)).toBe(garbled.length);
  });

  it('a progressive JPEG: every scan is counted, the metadata is not', async () => {
    const progressive = await sharp(photo).jpeg({ progressive: true, quality: 80 }).toBuffer();
    const base = codedBytes(progressive);
    expect(base).toBeGreaterThan(progressive.length - 100);
    expect(codedBytes(withJpegSegments(progressive, [[0xfe, Buffer.alloc(20_000, 0x42)]]))).toBe(base);
  });

  it('a PNG: text, ICC and EXIF chunks are left out; the picture and its transparency are counted', async () => {
    const png = await sharp(photo).resize(64).ensureAlpha(0.5).png().toBuffer();
    const base = codedBytes(png);
    expect(png.length - base).toBe(21); // sharp writes a pHYs chunk (the pixel density): 12 + 9 bytes, no picture
    const ihdrEnd = 8 + 12 + png.readUInt32BE(8);
    const withText = Buffer.concat([png.subarray(0, ihdrEnd), pngChunk('tEXt', Buffer.from(`Comment\0${'x'.repeat(40_000)}`)), pngChunk('eXIf', Buffer.alloc(5_000)), png.subarray(ihdrEnd)]);
    expect(await sharp(withText).metadata()).toMatchObject({ format: 'png', width: 64 }); // still a PNG that decodes
    expect(codedBytes(withText)).toBe(base);
    // Cut inside a chunk: the whole length.
    expect(codedBytes(withText.subarray(0, withText.length - 30))).toBe(withText.length - 30);
  });

  it('a WebP: EXIF, XMP and ICC chunks are left out; of an animation, the first frame only', () => {
    const riff = (chunks: Buffer[]) => {
      const body = Buffer.concat([Buffer.from('WEBP'), ...chunks]);
      const head = Buffer.alloc(8);
      head.write('RIFF', 0, 'latin1');
      head.writeUInt32LE(body.length, 4);
      return Buffer.concat([head, body]);
    };
    const vp8x = riffChunk('VP8X', Buffer.alloc(10));
    const picture = riffChunk('VP8 ', Buffer.alloc(5001, 3));
    const plain = riff([vp8x, picture]);
    expect(codedBytes(plain)).toBe(plain.length);
    expect(codedBytes(riff([vp8x, riffChunk('ICCP', Buffer.alloc(3000)), picture, riffChunk('EXIF', Buffer.alloc(9000)), riffChunk('XMP ', Buffer.alloc(777))]))).toBe(plain.length);
    const frame = riffChunk('ANMF', Buffer.alloc(4000, 5));
    const one = riff([vp8x, riffChunk('ANIM', Buffer.alloc(6)), frame]);
    expect(codedBytes(riff([vp8x, riffChunk('ANIM', Buffer.alloc(6)), frame, frame, frame]))).toBe(one.length);
  });

  it('a GIF: the first picture, without comments or application blocks', async () => {
    const gif = await sharp(photo).resize(48).gif().toBuffer();
    const base = codedBytes(gif);
    expect(base).toBeLessThanOrEqual(gif.length);
    expect(base).toBeGreaterThan(gif.length - 20);
    // A comment extension (0x21 0xFE, sub-blocks) before the picture, and a second frame after it.
    const comment = Buffer.concat([Buffer.from([0x21, 0xfe]), ...Array.from({ length: 100 }, () => Buffer.concat([Buffer.from([200]), Buffer.alloc(200, 0x61)])), Buffer.from([0])]);
    const table = gif[10]! & 0x80 ? 3 << ((gif[10]! & 7) + 1) : 0;
    const at = 13 + table;
    const withComment = Buffer.concat([gif.subarray(0, at), comment, gif.subarray(at)]);
    expect(await sharp(withComment).metadata()).toMatchObject({ format: 'gif' });
    expect(codedBytes(withComment)).toBe(base);
  });

  it('any other kind, and bytes that are no picture, count whole', async () => {
    const tiff = await sharp(photo).resize(32).tiff().toBuffer();
    expect(codedBytes(tiff)).toBe(tiff.length);
    expect(codedBytes(Buffer.from('hello'))).toBe(5);
    expect(codedBytes(Buffer.alloc(0))).toBe(0);
    expect(codedBytes(Buffer.from([0xff, 0xd8, 0xff]))).toBe(3);
  });

  it('the bytes-per-pixel signal of a photo is the same with 130 KB of metadata, and so is every other signal', async () => {
    const plain = path.join(dir, 'plain.jpg');
    const tagged = path.join(dir, 'tagged.jpg');
    fs.writeFileSync(plain, photo);
    fs.writeFileSync(tagged, withJpegSegments(photo, [[0xe1, Buffer.concat([Buffer.from('Exif\0\0'), Buffer.alloc(65_000, 9)])], [0xfe, Buffer.alloc(65_000, 0x43)]]));
    const opts = { sets: ['signals' as const], inputSize: 224 };
    const [a, b] = await Promise.all([prepareImage({ sha: 'a', file: plain }, opts), prepareImage({ sha: 'b', file: tagged }, opts)]);
    expect(a.rawSignals!.bytesPerPixel).toBeGreaterThan(0);
    expect(b.rawSignals).toEqual(a.rawSignals);
    expect(Array.from(b.signals!)).toEqual(Array.from(a.signals!));
  });
});
