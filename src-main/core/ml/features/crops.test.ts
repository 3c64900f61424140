/**
 * Native-resolution crops on real dev photos: five 224-px windows cut at the photo's own
 * resolution (centre + corners), scaled like resizeToInput; small photos give scaled-up windows.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeRgb, resizeToInput, type RgbImage } from '../backbone/preprocess';
import { CROP_COUNT, CROP_ORDER, cropWindows, nativeCrops } from './crops';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const devDir = path.resolve(repoRoot, '../shared/datasets/quality-dev');
const SIZE = 224;
const PER = SIZE * SIZE * 3;

let large: RgbImage[] = []; // long side 580
let tiny: RgbImage[] = []; // degradation 'tiny', long side 68-110

beforeAll(async () => {
  const tsv = (await readFile(path.join(devDir, 'truth.tsv'), 'utf8')).trim().split('\n');
  const header = tsv[0]!.split('\t');
  const [cId, cLabel, cDeg] = ['id', 'label', 'degradation'].map((c) => header.indexOf(c)) as [number, number, number];
  const meta = tsv.slice(1).map((l) => l.split('\t'));
  const pick = (f: (m: string[]) => boolean, n: number): string[] => meta.filter(f).slice(0, n).map((m) => path.join(devDir, 'images', `${m[cId]}.jpg`));
  large = await Promise.all(pick((m) => m[cLabel] === 'good', 4).map((f) => decodeRgb(f)));
  tiny = await Promise.all(pick((m) => m[cDeg] === 'tiny' && m[cLabel] === 'bad', 4).map((f) => decodeRgb(f)));
});

/** Pixel (x, y) channel ch of `img` as resizeToInput scales it. */
const px = (img: RgbImage, x: number, y: number, ch: number): number => Math.fround(img.data[(y * img.width + x) * 3 + ch]! / 255);
/** Value at (x, y, ch) of crop k in a CROP_COUNT-crop buffer. */
const at = (crops: Float32Array, k: number, x: number, y: number, ch: number): number => crops[k * PER + (y * SIZE + x) * 3 + ch]!;

/** Exact equality of two float arrays (vitest's deep toEqual is far too slow on 750k values). */
function expectSame(a: Float32Array | null, b: Float32Array): void {
  expect(a).not.toBeNull();
  expect(a!.length).toBe(b.length);
  let firstDiff = -1;
  for (let i = 0; i < b.length && firstDiff < 0; i++) if (!Object.is(a![i], b[i])) firstDiff = i;
  expect(firstDiff).toBe(-1);
}

function expectValid(crops: Float32Array): void {
  expect(crops.length).toBe(CROP_COUNT * PER);
  let min = Infinity;
  let max = -Infinity;
  for (const v of crops) {
    if (!(v >= 0 && v <= 1)) throw new Error(`crop value ${v} outside 0..1`);
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  expect(max).toBeGreaterThan(min); // not a blank buffer
}

describe('nativeCrops', () => {
  it('gives five 224-px windows at native resolution: centre, then the four corners', () => {
    expect(CROP_COUNT).toBe(5);
    expect(CROP_ORDER).toHaveLength(CROP_COUNT);
    for (const img of large) {
      expect(Math.max(img.width, img.height)).toBe(580);
      const crops = nativeCrops(img);
      expectValid(crops);
      const cx = Math.floor((img.width - SIZE) / 2);
      const cy = Math.floor((img.height - SIZE) / 2);
      // The centre crop's top-left pixel is the decoded pixel at (cx, cy) / 255, and so on, pixel for pixel.
      for (let ch = 0; ch < 3; ch++) {
        expect(at(crops, 0, 0, 0, ch)).toBe(px(img, cx, cy, ch));
        expect(at(crops, 0, 223, 223, ch)).toBe(px(img, cx + 223, cy + 223, ch));
        expect(at(crops, 1, 0, 0, ch)).toBe(px(img, 0, 0, ch)); // top-left
        expect(at(crops, 2, 223, 0, ch)).toBe(px(img, img.width - 1, 0, ch)); // top-right
        expect(at(crops, 3, 0, 223, ch)).toBe(px(img, 0, img.height - 1, ch)); // bottom-left
        expect(at(crops, 4, 223, 223, ch)).toBe(px(img, img.width - 1, img.height - 1, ch)); // bottom-right
        expect(at(crops, 0, 17, 101, ch)).toBe(px(img, cx + 17, cy + 101, ch));
      }
      expect(cropWindows(img.width, img.height)).toEqual([
        { x: cx, y: cy, side: SIZE },
        { x: 0, y: 0, side: SIZE },
        { x: img.width - SIZE, y: 0, side: SIZE },
        { x: 0, y: img.height - SIZE, side: SIZE },
        { x: img.width - SIZE, y: img.height - SIZE, side: SIZE },
      ]);
    }
  });

  it('scales like resizeToInput: a native window equals resizeToInput of that window', () => {
    const img = large[0]!;
    const crops = nativeCrops(img);
    const [win] = cropWindows(img.width, img.height);
    const sub = new Uint8Array(SIZE * SIZE * 3);
    for (let r = 0; r < SIZE; r++) sub.set(img.data.subarray(((win!.y + r) * img.width + win!.x) * 3, ((win!.y + r) * img.width + win!.x + SIZE) * 3), r * SIZE * 3);
    expectSame(crops.subarray(0, PER), resizeToInput({ data: sub, width: SIZE, height: SIZE }));
  });

  it('tiny photos still give five valid crops: the largest square that fits, scaled up bilinearly', () => {
    expect(tiny.length).toBeGreaterThan(0);
    for (const img of tiny) {
      expect(Math.max(img.width, img.height)).toBeLessThan(120);
      const crops = nativeCrops(img);
      expectValid(crops);
      const side = Math.min(img.width, img.height);
      const wins = cropWindows(img.width, img.height);
      expect(wins.every((w) => w.side === side && w.x >= 0 && w.y >= 0 && w.x + side <= img.width && w.y + side <= img.height)).toBe(true);
      // Each crop is resizeToInput of its window (align-corners: the window's corners map exactly).
      wins.forEach((w, k) => {
        for (let ch = 0; ch < 3; ch++) {
          expect(at(crops, k, 0, 0, ch)).toBe(px(img, w.x, w.y, ch));
          expect(at(crops, k, 223, 223, ch)).toBe(px(img, w.x + side - 1, w.y + side - 1, ch));
        }
        const sub = new Uint8Array(side * side * 3);
        for (let r = 0; r < side; r++) sub.set(img.data.subarray(((w.y + r) * img.width + w.x) * 3, ((w.y + r) * img.width + w.x + side) * 3), r * side * 3);
        expectSame(crops.subarray(k * PER, (k + 1) * PER), resizeToInput({ data: sub, width: side, height: side }));
      });
    }
  });

  it('one side under 224: square windows of the short side, spread along the long side', () => {
    const img = large[0]!;
    const h = 150; // the top 150 rows of a real photo
    const strip: RgbImage = { data: img.data.subarray(0, img.width * h * 3), width: img.width, height: h };
    const crops = nativeCrops(strip);
    expectValid(crops);
    expect(cropWindows(strip.width, h).map((w) => [w.x, w.y, w.side])).toEqual([
      [Math.floor((img.width - h) / 2), 0, h],
      [0, 0, h],
      [img.width - h, 0, h],
      [0, 0, h],
      [img.width - h, 0, h],
    ]);
    expectSame(crops.subarray(3 * PER, 4 * PER), crops.subarray(1 * PER, 2 * PER)); // top-left = bottom-left here
  });

  it('is deterministic and fills a batch buffer in place at an offset', () => {
    const [a, b] = [large[1]!, tiny[0]!];
    const first = nativeCrops(a);
    expectSame(nativeCrops(a), first);
    const batch = new Float32Array(2 * CROP_COUNT * PER + 7).fill(-1);
    const ret = nativeCrops(a, { size: SIZE, layout: 'five' }, batch, 7);
    nativeCrops(b, {}, batch, 7 + CROP_COUNT * PER);
    expect(ret).toBe(batch);
    expect(Array.from(batch.subarray(0, 7))).toEqual(new Array(7).fill(-1));
    expectSame(batch.subarray(7, 7 + CROP_COUNT * PER), first);
    expectSame(batch.subarray(7 + CROP_COUNT * PER), nativeCrops(b));
  });

  it('other sizes, and refuses bad input', () => {
    const small = nativeCrops(large[0]!, { size: 96 });
    expect(small.length).toBe(CROP_COUNT * 96 * 96 * 3);
    expect(small[0]).toBe(px(large[0]!, Math.floor((large[0]!.width - 96) / 2), Math.floor((large[0]!.height - 96) / 2), 0));
    expect(() => nativeCrops(large[0]!, {}, new Float32Array(10))).toThrow(/too small/);
    expect(() => nativeCrops({ data: new Uint8Array(5), width: 2, height: 2 })).toThrow(/bytes for a 2x2/);
    expect(() => nativeCrops(large[0]!, { layout: 'nine' as 'five' })).toThrow(/layout/);
    expect(() => cropWindows(0, 10)).toThrow(/empty/);
  });
});
