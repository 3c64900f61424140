/**
 * The app's icons, drawn once as resources/icons/icon.svg and rendered with sharp into what the
 * installers need: icon.png (512 px, Linux), icon.ico (16–256 px, Windows) and icon.icns
 * (16–512 px, macOS). ICO and ICNS both carry PNG images, which every supported OS reads.
 *
 *   npx tsx scripts/dist/icons.ts     (rewrites resources/icons/icon.{png,ico,icns})
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

export const ICONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'resources', 'icons');
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256] as const;
/** ICNS element types holding PNG data, by pixel size. */
export const ICNS_TYPES = { 16: 'icp4', 32: 'icp5', 64: 'icp6', 128: 'ic07', 256: 'ic08', 512: 'ic09' } as const;

export async function renderPng(svg: Buffer, size: number): Promise<Buffer> {
  return sharp(svg, { density: Math.max(72, (72 * size) / 512) * 2 })
    .resize(size, size)
    .png({ compressionLevel: 9, palette: size <= 64 ? false : true, quality: 90 })
    .toBuffer();
}

/** An ICO file of PNG images (Windows Vista and later). */
export function buildIco(images: { size: number; png: Buffer }[]): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(images.length, 4);
  const entries: Buffer[] = [];
  let offset = 6 + 16 * images.length;
  for (const { size, png } of images) {
    const e = Buffer.alloc(16);
    e.writeUInt8(size >= 256 ? 0 : size, 0); // 0 means 256
    e.writeUInt8(size >= 256 ? 0 : size, 1);
    e.writeUInt8(0, 2); // no palette
    e.writeUInt8(0, 3);
    e.writeUInt16LE(1, 4); // colour planes
    e.writeUInt16LE(32, 6); // bits per pixel
    e.writeUInt32LE(png.length, 8);
    e.writeUInt32LE(offset, 12);
    offset += png.length;
    entries.push(e);
  }
  return Buffer.concat([header, ...entries, ...images.map((i) => i.png)]);
}

/** An ICNS file: 'icns' + total length, then (type, length, PNG) elements. */
export function buildIcns(images: { type: string; png: Buffer }[]): Buffer {
  const elements = images.map(({ type, png }) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 4, 'latin1');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 4, 'latin1');
  head.writeUInt32BE(8 + elements.reduce((n, e) => n + e.length, 0), 4);
  return Buffer.concat([head, ...elements]);
}

export async function writeIcons(dir = ICONS_DIR): Promise<string[]> {
  const svg = fs.readFileSync(path.join(dir, 'icon.svg'));
  const sizes = [...new Set([...ICO_SIZES, ...Object.keys(ICNS_TYPES).map(Number), 512])].sort((a, b) => a - b);
  const png = new Map<number, Buffer>();
  for (const s of sizes) png.set(s, await renderPng(svg, s));
  const files = {
    'icon.png': png.get(512)!,
    'icon.ico': buildIco(ICO_SIZES.map((size) => ({ size, png: png.get(size)! }))),
    'icon.icns': buildIcns(Object.entries(ICNS_TYPES).map(([size, type]) => ({ type, png: png.get(Number(size))! }))),
  };
  for (const [name, data] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), data);
  return Object.keys(files).map((f) => path.join(dir, f));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const f of await writeIcons()) console.log(`${f}: ${fs.statSync(f).size} bytes`);
}
