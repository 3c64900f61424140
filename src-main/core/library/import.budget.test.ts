/**
 * An import's downloads share a byte budget (byteBudget.ts): against a real server on 127.0.0.1
 * whose bodies are each larger than half the budget, the server sees at most two bodies being
 * read at once (one, and the tail of the one before), where without the budget it saw most of them;
 * a body cut short gives its bytes back, small images still come in, and a cancel is prompt.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_IMAGES, devRatings, tempDir } from '../../../test-support/fixtures';
import { writeRatingsFile } from '../../../test-support/image-server';
import { createCore } from '../app';
import { Importer } from './importer';

/** 2,900 × 2,900 RGB noise stored uncompressed: a valid PNG of ~25 MB. */
const SIDE = 2900;
const BUDGET = 40 * 1024 * 1024;
const BIG = 5;
/** Past what a connection's buffers take in unread (4 MiB sent + the receiver's window): a body written this far is being read. */
const READING = 8 * 1024 * 1024;
const SMALL = devRatings().slice(0, 4);

describe('an import under a download byte budget (127.0.0.1)', () => {
  let png: Buffer;
  let server: http.Server;
  let base = '';
  const sockets = new Set<Socket>();
  /** Bodies written past READING and not yet all written: being read by the client. */
  let reading = 0;
  let peakReading = 0;
  let bodiesRead = 0;
  let dir = '';

  beforeAll(async () => {
    png = await sharp(crypto.randomBytes(SIDE * SIDE * 3), { raw: { width: SIDE, height: SIDE, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(png.length).toBeGreaterThan(BUDGET / 2);
    server = http.createServer((req, res) => {
      const [, route, name = ''] = (req.url ?? '/').split('/');
      if (route === 'img') {
        const bytes = fs.readFileSync(path.join(DEV_IMAGES, path.basename(name)));
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': bytes.length });
        return res.end(bytes);
      }
      // A fresh connection per body: a reused one's receive buffer, grown by an earlier fast read,
      // could take a waiting body in whole and hide whether the client reads it.
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length, connection: 'close' });
      const cut = route === 'cut' ? Math.floor(png.length * 0.6) : png.length;
      let written = 0;
      let counted = false;
      const done = () => {
        if (counted) reading--;
        counted = false;
      };
      res.on('close', done);
      const more = () => {
        while (written < cut) {
          const n = Math.min(cut - written, 1024 * 1024);
          const ok = res.write(png.subarray(written, written + n));
          written += n;
          if (!counted && written >= READING) {
            counted = true;
            bodiesRead++;
            peakReading = Math.max(peakReading, ++reading);
          }
          if (!ok) return void res.once('drain', more);
        }
        if (cut < png.length) return void res.socket?.end(); // cut short: what was written, then the end
        res.end(done);
      };
      more();
    });
    // Idle connections kept as long as image hosts keep them (Node's default is 5 s): a body read
    // after a wait for the budget returns its connection to the pool long after the server sent it.
    server.keepAliveTimeout = 60_000;
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = tempDir();
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const list = (name: string) => {
    const file = path.join(dir, `${name}.txt`);
    writeRatingsFile(file, [
      ...Array.from({ length: BIG }, (_, i) => [`${100 + i}`, `${base}/big/${name}-${i}.png`, 1.5] as [string, string, number]),
      [`${200}`, `${base}/cut/${name}.png`, 4.5],
      ...SMALL.map(([id, url, r]) => [id, `${base}/img/${path.basename(url)}`, r] as [string, string, number]),
    ]);
    return file;
  };

  it('reads at most two large bodies at once, stores them all, and gives back the bytes of one cut short', async () => {
    const core = createCore({ dataDir: path.join(dir, 'lib1') });
    try {
      const importer = new Importer({ ...core.context, downloadBudget: BUDGET });
      peakReading = 0;
      bodiesRead = 0;
      const s = await importer.run({ source: list('one'), concurrency: 8, retries: 0, timeoutMs: 20_000 }, { signal: new AbortController().signal, progress: () => {} });
      // Every large body was read (the cut one up to its cut), and the server never saw more than
      // two of them being read at once: without the budget they are read side by side.
      expect(bodiesRead).toBe(BIG + 1);
      expect(peakReading).toBeGreaterThanOrEqual(1);
      expect(peakReading).toBeLessThanOrEqual(2);
      const { failures } = await core.call('library.failures', {});
      expect(failures.map((f) => [f.url, f.reason])).toEqual([[`${base}/cut/one.png`, 'network']]);
      expect(s.failed).toBe(1);
      expect(Object.keys(s.failures_by_reason)).toHaveLength(1);
      expect(s.failures_by_reason.timeout).toBeUndefined();
      // The large URLs carry the same picture: one image; and the small photos.
      expect(s.images_new).toBe(1 + SMALL.length);
      expect(s.cancelled).toBe(false);
    } finally {
      await core.close();
    }
  }, 120_000);

  it('stops promptly when cancelled while downloads wait for the budget', async () => {
    const core = createCore({ dataDir: path.join(dir, 'lib2') });
    try {
      const importer = new Importer({ ...core.context, downloadBudget: BUDGET });
      bodiesRead = 0;
      const cancel = new AbortController();
      const run = importer.run({ source: list('two'), concurrency: 8, retries: 0, timeoutMs: 20_000 }, { signal: cancel.signal, progress: () => {} });
      for (let i = 0; i < 600 && bodiesRead === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(bodiesRead).toBeGreaterThan(0);
      const t0 = performance.now();
      cancel.abort(new DOMException('cancelled', 'AbortError'));
      const s = await run;
      expect(s.cancelled).toBe(true);
      expect(performance.now() - t0).toBeLessThan(5_000);
      expect(bodiesRead).toBeLessThan(BIG + 1); // the waiting ones never started reading
    } finally {
      await core.close();
    }
  }, 120_000);
});
