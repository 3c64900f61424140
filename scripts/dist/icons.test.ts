/** The committed icons are real images of the sizes each OS asks for (decoded with sharp), in valid ICO and ICNS containers. */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { buildIcns, buildIco, ICNS_TYPES, ICO_SIZES, ICONS_DIR, renderPng } from './icons';

const read = (name: string) => fs.readFileSync(path.join(ICONS_DIR, name));

async function pngSize(png: Buffer): Promise<[number, number]> {
  const m = await sharp(png).metadata();
  expect(m.format).toBe('png');
  return [m.width, m.height];
}

/** Every image of an ICO: its directory entry and the PNG it points at. */
function parseIco(buf: Buffer): { size: number; png: Buffer }[] {
  expect(buf.readUInt16LE(0)).toBe(0);
  expect(buf.readUInt16LE(2)).toBe(1);
  const n = buf.readUInt16LE(4);
  return Array.from({ length: n }, (_, i) => {
    const e = 6 + 16 * i;
    const len = buf.readUInt32LE(e + 8);
    const off = buf.readUInt32LE(e + 12);
    expect(off + len).toBeLessThanOrEqual(buf.length);
    return { size: buf.readUInt8(e) || 256, png: buf.subarray(off, off + len) };
  });
}

function parseIcns(buf: Buffer): { type: string; png: Buffer }[] {
  expect(buf.toString('latin1', 0, 4)).toBe('icns');
  expect(buf.readUInt32BE(4)).toBe(buf.length);
  const out: { type: string; png: Buffer }[] = [];
  for (let off = 8; off < buf.length; ) {
    const len = buf.readUInt32BE(off + 4);
    expect(len).toBeGreaterThan(8);
    out.push({ type: buf.toString('latin1', off, off + 4), png: buf.subarray(off + 8, off + len) });
    off += len;
  }
  return out;
}

describe('app icons', () => {
  it('icon.png is 512 × 512', async () => {
    expect(await pngSize(read('icon.png'))).toEqual([512, 512]);
  });

  it('icon.ico holds PNGs of 16 to 256 px', async () => {
    const images = parseIco(read('icon.ico'));
    expect(images.map((i) => i.size)).toEqual([...ICO_SIZES]);
    for (const i of images) expect(await pngSize(i.png)).toEqual([i.size, i.size]);
  });

  it('icon.icns holds PNGs of 16 to 512 px under their ICNS types', async () => {
    const images = parseIcns(read('icon.icns'));
    expect(images.map((i) => i.type)).toEqual(Object.values(ICNS_TYPES));
    for (const i of images) {
      const size = Number(Object.entries(ICNS_TYPES).find(([, t]) => t === i.type)![0]);
      expect(await pngSize(i.png)).toEqual([size, size]);
    }
  });

  it('the containers round-trip what was put in', async () => {
    const svg = read('icon.svg');
    const a = await renderPng(svg, 32);
    const b = await renderPng(svg, 256);
    expect(parseIco(buildIco([{ size: 32, png: a }, { size: 256, png: b }]))).toEqual([{ size: 32, png: a }, { size: 256, png: b }]);
    expect(parseIcns(buildIcns([{ type: 'icp5', png: a }]))).toEqual([{ type: 'icp5', png: a }]);
  });

  it('stays small', () => {
    for (const f of ['icon.png', 'icon.ico', 'icon.icns']) expect(read(f).length).toBeLessThan(100_000);
  });
});
