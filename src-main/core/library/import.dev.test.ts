/**
 * The shared EOL-format dev dataset end to end: over HTTP, then through a mirror, plus exemplars,
 * bundles (TSV and bare URL lists) and local folders.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEV_DIR, SHARED_DIR, devRatings } from '../../../test-support/fixtures';
import { DEV_MIRRORS, useTempLibrary, writeDevRatings } from '../../../test-support/devLibrary';
import { startImageServer } from '../../../test-support/image-server';

describe('the quality-dev dataset', () => {
  const lib = useTempLibrary({ serve: {} });
  const mirrors = DEV_MIRRORS;

  it('imports every listed image over HTTP with 243 good, 243 bad, 81 unlabelled', async () => {
    const file = path.join(lib.dir, 'http_ratings.txt');
    writeDevRatings(file, undefined, lib.server.base);
    const s = await lib.core.call('library.import', { source: file });
    expect(s).toMatchObject({ kind: 'ratings', rows: 567, images_new: 567, images_existing: 0, failed: 0, labels: { good: 243, bad: 243, unlabeled: 81 } });
    expect(lib.server.totalHits()).toBe(567);
    const status = await lib.core.call('library.status', {});
    expect(status.images).toBe(567);
    expect(status.labels).toEqual({ good: 243, bad: 243, unlabeled: 81 });
    expect(status.ratings).toEqual({ '1': 104, '2': 139, '3': 81, '4': 124, '5': 119 });
  }, 120_000);

  it('the real ratings file through a mirror finds the same pictures (content-addressed), no network', async () => {
    const s = await lib.core.call('library.import', { source: path.join(DEV_DIR, 'image_ratings.txt'), mirrors });
    expect(s).toMatchObject({ rows: 567, images_new: 0, images_existing: 567, failed: 0, network_requests: 0, labels: { good: 243, bad: 243, unlabeled: 81 } });
    // Each picture now has two URLs but is one image.
    const db = lib.core.context.db;
    expect((db.prepare('SELECT COUNT(*) AS n FROM image_urls').get() as { n: number }).n).toBe(1134);
    expect((db.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n).toBe(567);
  });

  it('exemplars count once, keep every source row, and make an image good', async () => {
    // Two bad-rated images selected as exemplars; one of them listed twice.
    const bad = devRatings().filter(([, , r]) => r < 2.4).slice(0, 2);
    const file = path.join(lib.dir, 'images_selected_as_exemplar.txt');
    const rows = [bad[0]!, bad[1]!, bad[0]!].map(([, url], i) => `${7000 + i}\t${url}\t{"genus":{"name":"Phacelia"}}\textra${i}`);
    fs.writeFileSync(file, `target_id\tobject_url\tancestry\tsome_other_column\n${rows.join('\n')}\n`);
    const s = await lib.core.call('library.import', { source: file, mirrors });
    expect(s).toMatchObject({ kind: 'exemplars', rows: 3, urls: 2, images_new: 0, images_existing: 2, labels: { good: 2, bad: 0, unlabeled: 0 } });
    const db = lib.core.context.db;
    const kept = db.prepare("SELECT raw FROM source_rows WHERE kind = 'exemplars' ORDER BY line").all() as { raw: string }[];
    expect(kept.map((r) => JSON.parse(r.raw).some_other_column)).toEqual(['extra0', 'extra1', 'extra2']);
    const cls = db.prepare('SELECT rating_class, exemplar FROM images i JOIN image_urls u ON u.image_id = i.id WHERE u.url = ?').get(bad[0]![1]) as { rating_class: number; exemplar: number };
    expect(cls).toEqual({ rating_class: 5, exemplar: 1 });
    const status = await lib.core.call('library.status', {});
    expect(status.labels).toEqual({ good: 245, bad: 241, unlabeled: 81 });
  });

  it('a bundle TSV keeps all its columns and needs no download for stored images', async () => {
    const s = await lib.core.call('library.import', { source: path.join(DEV_DIR, 'bundle.txt'), mirrors });
    expect(s).toMatchObject({ kind: 'bundle', rows: 486, images_new: 0, images_existing: 486, failed: 0, network_requests: 0 });
    expect(s.bundle_id).not.toBeNull();
    const db = lib.core.context.db;
    const bundle = db.prepare('SELECT format, columns FROM bundles WHERE id = ?').get(s.bundle_id) as { format: string; columns: string };
    expect(bundle.format).toBe('tsv');
    expect(JSON.parse(bundle.columns)).toEqual(['eolMediaURL', 'identifier', 'dataObjectVersionID', 'ancestry']);
    const items = db.prepare('SELECT COUNT(*) AS n FROM bundle_items WHERE bundle_id = ?').get(s.bundle_id) as { n: number };
    expect(items.n).toBe(486);
    const first = db.prepare('SELECT s.raw FROM bundle_items b JOIN source_rows s ON s.id = b.source_row_id WHERE b.bundle_id = ? ORDER BY b.line LIMIT 1').get(s.bundle_id) as { raw: string };
    expect(Object.keys(JSON.parse(first.raw))).toEqual(['eolMediaURL', 'identifier', 'dataObjectVersionID', 'ancestry']);
    // Bundles bring no labels of their own.
    expect((await lib.core.call('library.status', {})).labels).toEqual({ good: 245, bad: 241, unlabeled: 81 });
  });

  it('a bare URL list is a bundle too', async () => {
    const file = path.join(lib.dir, 'urls.txt');
    const urls = devRatings().slice(0, 5).map(([, url]) => url);
    fs.writeFileSync(file, `${urls.join('\n')}\n\n`);
    const s = await lib.core.call('library.import', { source: file, mirrors });
    expect(s).toMatchObject({ kind: 'bundle', rows: 5, images_existing: 5, images_new: 0 });
    const bundle = lib.core.context.db.prepare('SELECT format, columns FROM bundles WHERE id = ?').get(s.bundle_id) as { format: string; columns: string };
    expect(bundle).toEqual({ format: 'urls', columns: '["eolMediaURL"]' });
  });

  it('a flat folder of drawings comes in unlabelled', async () => {
    const s = await lib.core.call('library.import', { source: path.join(SHARED_DIR, 'datasets', 'drawings') });
    expect(s).toMatchObject({ kind: 'folder', rows: 45, images_new: 45, failed: 0, labels: { good: 0, bad: 0, unlabeled: 45 } });
    const status = await lib.core.call('library.status', {});
    expect(status.images).toBe(567 + 45);
    expect(status.labels.unlabeled).toBe(81 + 45);
  }, 60_000);

  it('a list file given by URL is downloaded and imported', async () => {
    fs.writeFileSync(path.join(lib.dir, 'list.txt'), `${devRatings().slice(10, 13).map(([, url]) => url).join('\n')}\n`);
    const listServer = await startImageServer({ imagesDir: lib.dir });
    try {
      const s = await lib.core.call('library.import', { source: `${listServer.base}/list/list.txt`, mirrors });
      expect(s).toMatchObject({ kind: 'bundle', rows: 3, images_existing: 3, network_requests: 1 });
    } finally {
      await listServer.close();
    }
  });
});
