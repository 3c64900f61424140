import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEV_IMAGES } from '../../../test-support/fixtures';
import { decodeRgb } from './backbone/preprocess';
import { dHash, hamming, isInformative } from './dhash';
import { duplicateGroups, type SplitItem } from './splits';

const png = (width: number, height: number, background: string) => sharp({ create: { width, height, channels: 3, background } }).png().toBuffer();

describe('dHash', () => {
  it('gives a real photo an informative hash, and a flat picture, a 1×1 image or a smooth shade an uninformative one', async () => {
    const photo = dHash(await decodeRgb(path.join(DEV_IMAGES, '9000010.jpg')));
    expect(isInformative(photo)).toBe(true);
    const grey = dHash(await decodeRgb(await png(300, 200, '#808080')));
    const dot = dHash(await decodeRgb(await png(1, 1, '#ff0000')));
    expect(grey).toBe('0000000000000000');
    expect(dot).toBe('0000000000000000');
    const shadeBytes = Buffer.alloc(64 * 48 * 3);
    for (let x = 0; x < 64; x++) for (let y = 0; y < 48; y++) shadeBytes.fill(255 - x * 4, (y * 64 + x) * 3, (y * 64 + x) * 3 + 3);
    const shade = dHash({ data: shadeBytes, width: 64, height: 48 });
    expect(shade).toBe('ffffffffffffffff');
    for (const h of [grey, dot, shade, '0000000000000007', 'fffffffffffffff8']) expect(isInformative(h)).toBe(false);
    expect(isInformative('000000000000000f')).toBe(true);
    expect(hamming(grey, dot)).toBe(0);
  });

  it('links versions of one picture by their hashes, but never flat pictures to each other or to a dark photo', () => {
    const item = (i: number, dhash: string): SplitItem => ({ imageId: i, sha: `s${i}`, label: (i % 2) as 0 | 1, dhash });
    const items = [
      item(0, '0000000000000000'), // grey field
      item(1, '0000000000000000'), // 1×1 picture
      item(2, '0000000000000003'), // a near-flat picture
      item(3, '000000000000001f'), // a dark photo with little detail: 5 bits, within 6 of the flat ones
      item(4, 'a5a5a5a5a5a5a5a5'),
      item(5, 'a5a5a5a5a5a5a5a4'), // a re-encoded version of 4
      item(6, 'ffffffffffffffff'), // smooth shade
      item(7, 'fffffffffffffffe'),
    ];
    const g = duplicateGroups(items);
    expect(g[5]).toBe(g[4]);
    expect(new Set([g[0], g[1], g[2], g[3], g[4], g[6], g[7]]).size).toBe(7);
  });
});
