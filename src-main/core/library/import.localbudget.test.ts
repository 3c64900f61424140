/**
 * Pictures an import reads from the disk (a chosen folder's files, a mirror's, a `file:` URL of a
 * local list given with allowLocal) hold their size of the import's byte budget from before they
 * are read until they are stored, as downloads do (importer.ts, sources.ts holdingReads). Real
 * files under a temp folder, a small budget, and an image store whose writes are held for a while:
 * the bytes of the pictures waiting there at once are measured. Without the budget every file in
 * flight (the concurrency) is read at once, far over it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/fixtures';
import { writeRatingsFile } from '../../../test-support/image-server';
import { createCore } from '../app';
import { Importer } from './importer';

/** 700 × 700 RGB noise stored uncompressed: a valid PNG of ~1.5 MB, each one different. */
const SIDE = 700;
const FILES = 10;
/** Room for two of the pictures, not three. */
const BUDGET = 3.5 * 1024 * 1024;
const CONCURRENCY = 10;
/** Small pictures beside the large one. */
const BIG_WITH = 6;
/** How long each picture waits in the store: long enough for every read in flight to get there. */
const HOLD_MS = 400;

async function noisePng(side: number): Promise<Buffer> {
  return sharp(crypto.randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

describe('files read from the disk count in the import byte budget', () => {
  let dir = '';
  let pics = '';
  let size = 0;
  /** A picture larger than the whole budget, in a folder of its own with small ones. */
  let bigDir = '';
  let bigSize = 0;

  beforeAll(async () => {
    dir = tempDir();
    pics = path.join(dir, 'pictures');
    fs.mkdirSync(pics);
    for (let i = 0; i < FILES; i++) {
      const png = await noisePng(SIDE);
      fs.writeFileSync(path.join(pics, `p${i}.png`), png);
      size = Math.max(size, png.length);
    }
    // Each larger than the budget shared by the concurrency: read side by side they overrun it.
    expect(size * CONCURRENCY).toBeGreaterThan(2 * BUDGET);
    expect(3 * size).toBeGreaterThan(BUDGET);
    bigDir = path.join(dir, 'big');
    fs.mkdirSync(bigDir);
    const big = await noisePng(1200);
    bigSize = big.length;
    expect(bigSize).toBeGreaterThan(BUDGET);
    fs.writeFileSync(path.join(bigDir, 'big.png'), big);
    for (let i = 0; i < BIG_WITH; i++) fs.copyFileSync(path.join(pics, `p${i}.png`), path.join(bigDir, `s${i}.png`));
  }, 60_000);

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * An importer with the small budget whose store holds each picture HOLD_MS before writing it; it
   * notes the bytes of the pictures waiting there at once (each is held in memory by its import).
   */
  function measured(lib: string, holdMs = HOLD_MS) {
    const core = createCore({ dataDir: path.join(dir, lib) });
    const store = core.context.store;
    const write = store.write.bind(store);
    // withBig: the most bytes of other pictures held while the one larger than the budget was.
    const m = { core, importer: new Importer({ ...core.context, downloadBudget: BUDGET }), held: 0, peak: 0, writes: 0, bigHeld: false, withBig: -1 };
    store.write = async (hash, format, original, derived, journal) => {
      m.writes++;
      m.held += original.length;
      m.peak = Math.max(m.peak, m.held);
      const big = original.length === bigSize;
      if (big) m.bigHeld = true;
      if (m.bigHeld) m.withBig = Math.max(m.withBig, m.held - bigSize);
      try {
        await new Promise((r) => setTimeout(r, holdMs));
        return await write(hash, format, original, derived, journal);
      } finally {
        m.held -= original.length;
        if (big) m.bigHeld = false;
      }
    };
    return m;
  }

  const run = (m: ReturnType<typeof measured>, args: Parameters<Importer['run']>[0], signal = new AbortController().signal) =>
    m.importer.run({ concurrency: CONCURRENCY, retries: 0, ...args }, { signal, progress: () => {} });

  it('a chosen folder: the pictures held at once stay within the budget', async () => {
    const m = measured('folder');
    try {
      const s = await run(m, { source: pics });
      expect(s.images_new).toBe(FILES);
      expect(s.failed).toBe(0);
      expect(m.writes).toBe(FILES);
      expect(m.peak).toBeGreaterThanOrEqual(size);
      expect(m.peak).toBeLessThanOrEqual(BUDGET);
    } finally {
      await m.core.close();
    }
  }, 120_000);

  it('a mirror folder: the pictures held at once stay within the budget, with no request made', async () => {
    const m = measured('mirror');
    try {
      const prefix = 'http://mirror.invalid/qc/';
      const list = path.join(dir, 'mirror.txt');
      writeRatingsFile(
        list,
        Array.from({ length: FILES }, (_, i) => [`${i + 1}`, `${prefix}p${i}.png`, 3.5] as [string, string, number]),
      );
      const s = await run(m, { source: list, mirrors: [{ prefix, dir: pics }] });
      expect(s.images_new).toBe(FILES);
      expect(s.failed).toBe(0);
      expect(s.network_requests).toBe(0);
      expect(m.peak).toBeGreaterThanOrEqual(size);
      expect(m.peak).toBeLessThanOrEqual(BUDGET);
    } finally {
      await m.core.close();
    }
  }, 120_000);

  it('file: URLs of a local list read with allowLocal: the pictures held at once stay within the budget', async () => {
    const m = measured('local');
    try {
      const list = path.join(dir, 'local.txt');
      writeRatingsFile(
        list,
        Array.from({ length: FILES }, (_, i) => [`${i + 1}`, pathToFileURL(path.join(pics, `p${i}.png`)).href, 3.5] as [string, string, number]),
      );
      const s = await run(m, { source: list, allowLocal: true });
      expect(s.images_new).toBe(FILES);
      expect(s.failed).toBe(0);
      expect(m.peak).toBeGreaterThanOrEqual(size);
      expect(m.peak).toBeLessThanOrEqual(BUDGET);
    } finally {
      await m.core.close();
    }
  }, 120_000);

  it('a picture larger than the whole budget is read alone, and stored', async () => {
    const m = measured('lib-big'); // a library beside the folder, not in it (imports never read the library's own folder)
    try {
      const s = await run(m, { source: bigDir });
      expect(s.images_new).toBe(1 + BIG_WITH);
      expect(s.failed).toBe(0);
      expect(m.withBig).toBe(0);
      expect(m.peak).toBeLessThanOrEqual(bigSize);
    } finally {
      await m.core.close();
    }
  }, 120_000);

  it('a cancel ends the reads waiting for the budget: they are never read', async () => {
    const m = measured('cancel', 1500);
    try {
      const cancel = new AbortController();
      const going = run(m, { source: pics }, cancel.signal);
      for (let i = 0; i < 600 && m.writes === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(m.writes).toBeGreaterThan(0);
      cancel.abort(new DOMException('cancelled', 'AbortError'));
      const s = await going;
      expect(s.cancelled).toBe(true);
      // Only the pictures that held the budget when it was cancelled were read.
      expect(m.writes).toBeLessThanOrEqual(Math.floor(BUDGET / size));
      expect(s.images_new).toBe(m.writes);
      expect(s.failed).toBe(0);
    } finally {
      await m.core.close();
    }
  }, 120_000);
});
