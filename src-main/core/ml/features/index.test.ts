/** extractPixelFeatures: one decode, and the same numbers as the separate functions. */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeRgb, preprocessImage } from '../backbone/preprocess';
import { CROP_COUNT, extractPixelFeatures, nativeCrops, qualitySignals } from './index';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const images = path.resolve(repoRoot, '../shared/datasets/quality-dev/images');

/** Exact equality of two float arrays (vitest's deep toEqual is far too slow on 750k values). */
function expectSame(a: Float32Array | null, b: Float32Array): void {
  expect(a).not.toBeNull();
  expect(a!.length).toBe(b.length);
  let firstDiff = -1;
  for (let i = 0; i < b.length && firstDiff < 0; i++) if (!Object.is(a![i], b[i])) firstDiff = i;
  expect(firstDiff).toBe(-1);
}

describe('extractPixelFeatures', () => {
  it('derives whole input, crops and signals from one decode of a path or a buffer', async () => {
    const file = path.join(images, '9000003.jpg');
    const bytes = (await stat(file)).size;
    const img = await decodeRgb(file);
    const f = await extractPixelFeatures(file, { crops: true, signals: true });
    expect(f.width).toBe(img.width);
    expect(f.height).toBe(img.height);
    expectSame(f.whole, await preprocessImage(file));
    expectSame(f.crops, nativeCrops(img));
    expect(f.crops!.length).toBe(CROP_COUNT * 224 * 224 * 3);
    expect(f.signals).toEqual(qualitySignals(img, { bytes }));

    const fromBuffer = await extractPixelFeatures(await readFile(file), { crops: false, signals: true });
    expect(fromBuffer.crops).toBeNull();
    expectSame(fromBuffer.whole, f.whole);
    expect(fromBuffer.signals).toEqual(f.signals); // buffer length = file size

    const given = await extractPixelFeatures(file, { crops: false, signals: true, bytes: 1000 });
    expect(given.signals!.bytesPerPixel).toBeCloseTo(1000 / (img.width * img.height), 12);
    expect((await extractPixelFeatures(file, { crops: false, signals: false })).signals).toBeNull();
  });

  it('reports an undecodable file', async () => {
    await expect(extractPixelFeatures(Buffer.from('not an image'), { crops: true, signals: true })).rejects.toThrow(/cannot decode/);
  });
});
