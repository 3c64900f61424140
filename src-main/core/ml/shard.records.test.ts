/**
 * The library's own records of a sharded classify name what the curator gave: `library.sources`
 * shows a shard's import and bundle as the curator's bundle file and the shard ("bundle.tsv,
 * shard 2 of 8"), never the internal `.shards` copy, while each shard keeps a bundle and rows of
 * its own (two shards classified at once into one library), a re-run of a shard replaces its own
 * (also one classified before shards were named so), and retrying a shard's failed download works.
 * ml.classify on a real seeded library (its pictures' URLs stored, so no download) with a real
 * bundle file, and a real HTTP server on 127.0.0.1 for the failed download.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_IMAGES, tempDir, devPhotos } from '../../../test-support/fixtures';
import { SEED_URL_PREFIX, seedLibrary } from '../../../test-support/seedLibrary';
import { SHARD_FOLDER, shardOf } from './shard';

const N = 2;

describe("a sharded classify's import and bundle name the curator's bundle and the shard", () => {
  const dir = tempDir('qc-shard-records-');
  const lib = seedLibrary({ images: 24, runs: 1 });
  const db = lib.core.context.db;
  const bundle = path.join(dir, 'bundle.tsv');
  const outDir = path.join(dir, 'out');
  let server: http.Server;
  let base = '';
  /** Whether the server has the late picture yet (a 404 before). */
  let late = false;
  beforeAll(async () => {
    const jpeg = fs.readFileSync(path.join(DEV_IMAGES, devPhotos()[0]!));
    server = http.createServer((_req, res) => {
      if (!late) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      res.end(jpeg);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await lib.core.close();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(lib.dataDir, { recursive: true, force: true });
  });

  /** The seeded pictures' URLs `from`..`to` as bundle rows (identifier `id<i>`). */
  const rowsFor = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ url: `${SEED_URL_PREFIX}${from + i}.jpg`, id: `id${from + i}` }));
  const write = (rows: { url: string; id: string }[]) => fs.writeFileSync(bundle, ['eolMediaURL\tidentifier', ...rows.map((r) => `${r.url}\t${r.id}`)].join('\n') + '\n');
  const shown = (k: number) => `${bundle}, shard ${k} of ${N}`;
  const shownName = (k: number) => `bundle.tsv, shard ${k} of ${N}`;
  const ofShard = (rows: { url: string; id: string }[], k: number) => rows.filter((r) => shardOf(r.url, N) === k - 1);
  /** The URLs of a bundle's items, sorted. */
  const itemUrls = (bundleId: number) =>
    db.prepare('SELECT s.url FROM bundle_items b JOIN source_rows s ON s.id = b.source_row_id WHERE b.bundle_id = ? ORDER BY s.url').pluck().all(bundleId) as string[];
  /** The identifiers in a shard's final tag file, sorted. */
  const tagged = (k: number) =>
    fs
      .readFileSync(path.join(outDir, `bundle.shard-${k}-of-${N}_finaltags.tsv`), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t')[1])
      .sort();
  const sources = () => lib.core.call('library.sources', {});
  const classify = (k: number) => lib.core.call('ml.classify', { source: bundle, outDir, shard: { k, n: N }, retries: 0 });
  const ids: Record<number, number> = {};

  it('two shards classified at once into one library: each its own bundle and items, both shown as the bundle file and the shard', async () => {
    const rows = rowsFor(1, 20);
    write(rows);
    for (const k of [1, 2]) expect(ofShard(rows, k).length).toBeGreaterThanOrEqual(3);
    const before = await lib.core.call('library.status', {});
    const [one, two] = await Promise.all([classify(1), classify(2)]);
    ids[1] = one.bundle_id;
    ids[2] = two.bundle_id;
    expect(one.bundle_id).not.toBe(two.bundle_id);

    const status = await lib.core.call('library.status', {});
    expect(status.bundles).toBe(before.bundles + 2);
    expect(status.imports).toBe(before.imports + 2);
    const listed = await sources();
    expect(JSON.stringify(listed)).not.toContain(SHARD_FOLDER);
    const bundleImports = listed.imports.filter((i) => i.kind === 'bundle');
    expect(bundleImports.map((i) => i.source).sort()).toEqual([shown(1), shown(2)]);
    for (const i of bundleImports) expect(i.status).toBe('done');
    for (const k of [1, 2]) {
      const mine = ofShard(rows, k);
      expect(listed.bundles.find((b) => b.id === ids[k])).toEqual({ id: ids[k], name: shownName(k), origin: shown(k), rows: mine.length });
      // Each shard's bundle holds its own rows, and its tag file (named with the shard) only them.
      expect(itemUrls(ids[k]!)).toEqual(mine.map((r) => r.url).sort());
      expect(tagged(k)).toEqual(mine.map((r) => r.id).sort());
      // An image's preview names the row as the curator's bundle (and shard) at the curator's line.
      const r = mine[mine.length - 1]!;
      const imageId = db.prepare('SELECT image_id FROM image_urls WHERE url = ?').pluck().get(r.url) as number;
      const detail = await lib.core.call('images.get', { imageId });
      expect(JSON.stringify(detail.sources)).not.toContain(SHARD_FOLDER);
      expect(detail.sources.filter((s) => s.origin === shown(k)).map((s) => s.line)).toEqual([rows.indexOf(r) + 2]);
    }
  }, 120_000);

  it('a re-run of one shard replaces its own bundle and rows, the other shard keeps its own; one classified before is renamed', async () => {
    // The curator edits the bundle: rows 1-10 go, 21-24 come.
    const rows = rowsFor(11, 24);
    write(rows);
    const otherBefore = itemUrls(ids[2]!);
    // As a library from before named shard 1's bundle: by its copy, with no shown origin.
    const copy = db.prepare('SELECT origin FROM bundles WHERE id = ?').pluck().get(ids[1]) as string;
    expect(copy).toContain(SHARD_FOLDER);
    db.prepare('UPDATE bundles SET name = ?, shown_origin = NULL WHERE id = ?').run(path.basename(copy), ids[1]);
    expect((await sources()).bundles.find((b) => b.id === ids[1])).toMatchObject({ name: path.basename(copy), origin: copy });

    const bundlesBefore = (await lib.core.call('library.status', {})).bundles;
    const again = await classify(1);
    expect(again.bundle_id).toBe(ids[1]);
    expect((await lib.core.call('library.status', {})).bundles).toBe(bundlesBefore);
    const mine = ofShard(rows, 1);
    expect(itemUrls(ids[1]!)).toEqual(mine.map((r) => r.url).sort());
    expect(tagged(1)).toEqual(mine.map((r) => r.id).sort());
    expect(itemUrls(ids[2]!)).toEqual(otherBefore);
    // Not a second copy of the shard's rows: one source row per line of the shard copy.
    expect(db.prepare('SELECT COUNT(*) FROM source_rows WHERE origin = ?').pluck().get(copy)).toBe(mine.length);

    const listed = await sources();
    expect(JSON.stringify(listed)).not.toContain(SHARD_FOLDER);
    expect(listed.bundles.find((b) => b.id === ids[1])).toEqual({ id: ids[1], name: shownName(1), origin: shown(1), rows: mine.length });
    expect(listed.bundles.find((b) => b.id === ids[2])).toMatchObject({ name: shownName(2), origin: shown(2) });
    expect(listed.imports.filter((i) => i.kind === 'bundle').map((i) => i.source).sort()).toEqual([shown(1), shown(1), shown(2)]);
  }, 120_000);

  it("retrying a shard's failed download stores it into the shard's bundle, the records still naming the bundle file and the shard", async () => {
    // A picture the server does not have yet, in the shard of one of these rows.
    const rows = rowsFor(11, 24);
    const lateUrl = Array.from({ length: 50 }, (_, i) => `${base}/late/${i}.jpg`).find((u) => shardOf(u, N) === 0)!;
    write([...rows, { url: lateUrl, id: 'late' }]);
    const first = await classify(1);
    expect(first.failed).toBe(1);
    const failed = (await lib.core.call('library.failures', {})).failures.filter((f) => f.url === lateUrl);
    expect(failed).toMatchObject([{ file: bundle, line: rows.length + 2 }]);

    late = true;
    const retried = await lib.core.call('library.retryFailed', {});
    expect(retried).toMatchObject({ failed: 0, images_new: 1 });
    expect((await lib.core.call('library.failures', {})).failures.filter((f) => f.url === lateUrl)).toEqual([]);
    const image = db.prepare('SELECT image_id FROM image_urls WHERE url = ?').pluck().get(lateUrl);
    expect(image).toEqual(expect.any(Number));
    expect(itemUrls(ids[1]!)).toContain(lateUrl);

    const listed = await sources();
    expect(JSON.stringify(listed)).not.toContain(SHARD_FOLDER);
    expect(listed.imports[0]).toMatchObject({ kind: 'retry', source: '(failed URLs)', images: 1 });
    expect(listed.imports[1]).toMatchObject({ kind: 'bundle', source: shown(1) });
    expect(listed.bundles.find((b) => b.id === ids[1])).toEqual({ id: ids[1], name: shownName(1), origin: shown(1), rows: ofShard(rows, 1).length + 1 });
  }, 120_000);
});
