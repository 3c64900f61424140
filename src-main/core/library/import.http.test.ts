/**
 * Imports over real HTTP from a misbehaving server on 127.0.0.1: exact failure reasons, good files
 * still land, nothing is fetched twice, failures are retried on request.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeRatingsFile } from '../../../test-support/image-server';
import { DEV_IMAGES, devRatings } from '../../../test-support/fixtures';
import { useTempLibrary } from '../../../test-support/devLibrary';

const GOOD = devRatings().slice(0, 12); // 12 real photos with their real ratings

describe('import over HTTP from a misbehaving server', () => {
  const lib = useTempLibrary({ serve: {} });
  let ratingsFile: string;

  beforeAll(async () => {
    const b = lib.server.base;
    const photo = (i: number) => path.basename(GOOD[i]![1]);
    ratingsFile = path.join(lib.dir, 'image_ratings.txt');
    writeRatingsFile(ratingsFile, [
      ...GOOD.map(([id, url, r]) => [id, `${b}/img/${path.basename(url)}`, r] as [string, string, number]),
      ['900', `${b}/404/a.jpg`, 1.2],
      ['901', `${b}/flaky/${photo(0)}`, 1.4], // same bytes as GOOD[0]: one image, two URLs
      ['902', `${b}/stall/${photo(1)}`, 4.6],
      ['903', `${b}/html/b.jpg`, 2.0],
      ['904', `${b}/truncated/${photo(2)}`, 4.8],
      ['905', `${b}/empty/c.jpg`, 1.9],
      ['906', `${b}/loop/d.jpg`, 4.1],
      ['907', `${b}/huge.png`, 4.2],
      ['908', `${b}/reset/e.jpg`, 3.9],
      ['909', `${b}/down/f.jpg`, 1.1],
      ['910', `${b}/text/g.jpg`, 1.1],
      ['911', `${b}/redirect/${photo(3)}`, 4.4], // one redirect to a photo already listed
    ]);
  }, 30_000);

  it('stores the good images and records one clear reason per bad URL', async () => {
    const s = await lib.core.call('library.import', { source: ratingsFile, concurrency: 8, timeoutMs: 800, retries: 2 });
    expect(s.kind).toBe('ratings');
    expect(s.rows).toBe(24);
    expect(s.failures_by_reason).toEqual({
      http_404: 1,
      timeout: 1,
      html: 1,
      truncated: 1,
      empty: 1,
      too_many_redirects: 1,
      too_many_pixels: 1,
      network: 1,
      http_5xx: 1,
      not_image: 1,
    });
    expect(s.failed).toBe(10);
    // 12 photos; the flaky and redirect URLs carry the same bytes as two of them.
    expect(s.images_new).toBe(12);
    expect(s.images_existing).toBe(0);
    const status = await lib.core.call('library.status', {});
    expect(status.images).toBe(12);
    expect(status.failed).toBe(10);

    // Retries: none for 404, exactly one for 500-then-200, all of them for a 503 that stays down.
    expect(lib.server.hits.get('/404/a.jpg')).toBe(1);
    expect(lib.server.hits.get(`/flaky/${path.basename(GOOD[0]![1])}`)).toBe(2);
    expect(lib.server.hits.get('/down/f.jpg')).toBe(3);
    expect(lib.server.hits.get('/stall/' + path.basename(GOOD[1]![1]))).toBe(3);

    // Two URLs, one image; its rating is the mean of both rows (1.4 and GOOD[0]'s).
    const db = lib.core.context.db;
    const flakyImage = db.prepare('SELECT image_id FROM image_urls WHERE url LIKE ?').get('%/flaky/%') as { image_id: number };
    const plainImage = db.prepare('SELECT image_id FROM image_urls WHERE url = ?').get(`${lib.server.base}/img/${path.basename(GOOD[0]![1])}`) as { image_id: number };
    expect(flakyImage.image_id).toBe(plainImage.image_id);
    const img = db.prepare('SELECT rating, width, height, format, bytes, path, thumb_path, preview_path FROM images WHERE id = ?').get(plainImage.image_id) as Record<string, number | string>;
    expect(img.rating).toBeCloseTo((GOOD[0]![2] + 1.4) / 2, 6);
    expect(img.format).toBe('jpeg');
    expect(Number(img.width)).toBeGreaterThan(0);
    for (const rel of [img.path, img.thumb_path, img.preview_path]) expect(fs.existsSync(path.join(lib.dir, 'data', String(rel)))).toBe(true);

    // Failures list: every URL with a reason and a readable detail.
    const { failures } = await lib.core.call('library.failures', {});
    const byUrl = new Map(failures.map((f) => [f.url, f]));
    expect(byUrl.get(`${lib.server.base}/huge.png`)?.detail).toMatch(/10000×10000 = 100,000,000 pixels, over the limit/);
    expect(byUrl.get(`${lib.server.base}/html/b.jpg`)?.detail).toMatch(/HTML/);
    expect(byUrl.get(`${lib.server.base}/loop/d.jpg`)?.detail).toMatch(/redirect loop/);
  });

  it('does no network request for stored images or known failures on a second run', async () => {
    const before = lib.server.totalHits();
    const s = await lib.core.call('library.import', { source: ratingsFile, timeoutMs: 800, retries: 2 });
    expect(lib.server.totalHits()).toBe(before);
    expect(s.network_requests).toBe(0);
    expect(s.images_new).toBe(0);
    expect(s.images_existing).toBe(12);
    expect(s.failed).toBe(10);
    const db = lib.core.context.db;
    expect((db.prepare('SELECT COUNT(*) AS n FROM source_rows').get() as { n: number }).n).toBe(24);
    expect((db.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n).toBe(12);
  });

  it('retries failed URLs on request, and what now works lands', async () => {
    const photo = path.basename(GOOD[5]![1]);
    const fixed = fs.readFileSync(path.join(DEV_IMAGES, photo));
    lib.server.override('/404/a.jpg', (res) => {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      res.end(fixed);
    });
    const hitsBefore = lib.server.totalHits();
    const s = await lib.core.call('library.retryFailed', { timeoutMs: 800, retries: 0 });
    expect(s.kind).toBe('retry');
    expect(s.failed).toBe(9);
    expect(s.failures_by_reason.http_404).toBeUndefined();
    // Only failed URLs were requested: one request each (no retries this time, the loop needs 2 hops).
    expect(lib.server.totalHits() - hitsBefore).toBe(11);
    expect(s.images_existing).toBe(1); // same bytes as GOOD[5], already stored
    const { failures } = await lib.core.call('library.failures', {});
    const loop = failures.find((f) => f.url?.endsWith('/loop/d.jpg'));
    expect(loop?.attempts).toBe(2);
    expect(failures.some((f) => f.url?.endsWith('/404/a.jpg'))).toBe(false);
  });
});
