/** The bundled demo library: a newcomer's first minute. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ThresholdSketch } from '../../src-shared/domain/thresholdSketch';
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/domain/ml';
import { createCore, defaultResourcesDir, DEMO_FEATURE_PACK, DEMO_URL_PREFIX, sameAsDemoFile } from './app';
import { featureKey } from './ml/embed';
import { decodeFeaturePack } from './ml/featurePack';
import { FeatureStore } from './ml/featureStore';
import { DEV_IMAGES, tempDir, devPhotos } from '../../test-support/fixtures';
import { miniDemo } from '../../test-support/seedLibrary';

const DEMO = path.join(defaultResourcesDir(), 'demo');

function truthRows(): Record<string, string>[] {
  const [head, ...lines] = fs.readFileSync(path.join(DEMO, 'truth.tsv'), 'utf8').trimEnd().split('\n');
  const cols = head!.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i]!, v])));
}

describe('demo.load', () => {
  const dir = tempDir();
  const core = createCore({ dataDir: path.join(dir, 'data') });
  afterAll(async () => {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('imports the demo photos without network, embeds them and trains a first run', async () => {
    // The empty library offers the demo with the number of photos its ratings file holds.
    const rows = fs.readFileSync(path.join(DEMO, 'image_ratings.txt'), 'latin1').trim().split('\n').length - 1;
    expect((await core.call('library.status', {})).demo).toEqual({ rows, offer: 'load' });
    const started = Date.now();
    const toEmbed: number[] = [];
    const { import: imported, run } = await core.call('demo.load', {}, { onProgress: (p) => p.job === 'embed' && p.total !== undefined && toEmbed.push(p.total) });
    // The shipped feature pack (featurePack.ts) covers every photo: nothing is embedded.
    expect(toEmbed).toEqual([0]);
    expect(imported).toMatchObject({ rows: 302, images_new: 302, failed: 0, network_requests: 0, labels: { good: 124, bad: 170, unlabeled: 8 } });
    expect(run?.status).toBe('done');
    // What a newcomer sees first (measured with `npx tsx scripts/report-demo.ts`): a good model with
    // a proven threshold, and the planted label mistakes near the top of Label issues. The test split
    // holds other photos than training (families: a photo's versions stay on one side).
    expect(run!.metrics!.test_auc).toBeGreaterThanOrEqual(0.95);
    expect(run!.metrics!.oof_auc).toBeGreaterThan(0.9);
    expect(run!.thresholds?.bad.threshold ?? null).not.toBeNull();
    const planted = new Set(truthRows().filter((r) => r.planted).map((r) => r.id));
    expect(planted.size).toBe(6);
    const top = await core.call('ml.labelIssues', { limit: 10 });
    const eolIds = await Promise.all(top.issues.map(async (i) => (await core.call('images.get', { imageId: i.image_id })).sources[0]?.eol_id));
    expect(eolIds.filter((id) => planted.has(String(id))).length).toBeGreaterThanOrEqual(3);
    expect(new ThresholdSketch((await core.call('review.scores', {})).sketch).size).toBe(302);
    // Loaded whole: not offered again.
    expect((await core.call('library.status', {})).demo).toEqual({ rows, offer: null });
    console.log(`demo library ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 600_000);

  it("ships a feature pack equal to what the code computes now (else: npx tsx scripts/build-demo-features.ts)", async () => {
    const packed = decodeFeaturePack(fs.readFileSync(path.join(DEMO, DEMO_FEATURE_PACK)));
    expect(packed.images).toHaveLength(302);
    const { features, backbone } = DEFAULT_TRAIN_PARAMS;
    expect(packed.keys.map(({ extractor, version }) => ({ extractor, version }))).toEqual(features.map((s) => featureKey(s, backbone)));
    // Four photos embedded afresh, through a library that never saw the pack.
    const fresh = createCore({ dataDir: path.join(dir, 'fresh') });
    try {
      const ids = fs.readFileSync(path.join(DEMO, 'image_ratings.txt'), 'latin1').trim().split('\n').slice(1).filter((_, i) => i % 75 === 0).slice(0, 4);
      const list = path.join(dir, 'four.txt');
      fs.writeFileSync(list, ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', ...ids].join('\n') + '\n');
      await fresh.call('library.import', { source: list, mirrors: [{ prefix: DEMO_URL_PREFIX, dir: path.join(DEMO, 'images') }] });
      expect((await fresh.call('ml.embed', { features, backbone })).embedded).toBe(4);
      const store = new FeatureStore(fresh.context.db);
      const shas = fresh.context.db.prepare('SELECT sha256, dhash FROM images').all() as { sha256: string; dhash: string }[];
      for (const { sha256, dhash } of shas) {
        const row = packed.images.findIndex((im) => im.sha256 === sha256);
        expect(row).toBeGreaterThanOrEqual(0);
        expect(packed.images[row]!.dhash).toBe(dhash);
        packed.keys.forEach((k, i) => {
          const now = store.get(sha256, k)!;
          const shipped = packed.vectors[i]!.subarray(row * k.dim, (row + 1) * k.dim);
          let worst = 0;
          for (let j = 0; j < k.dim; j++) worst = Math.max(worst, Math.abs(now[j]! - shipped[j]!) / (1 + Math.abs(now[j]!)));
          expect(worst, `${k.extractor} of ${sha256.slice(0, 12)}`).toBeLessThan(1e-4);
        });
      }
    } finally {
      await fresh.close();
    }
  }, 120_000);

  it('ships an attribution for every source photo of its images', () => {
    const truth = fs.readFileSync(path.join(DEMO, 'truth.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    const licensed = new Set(fs.readFileSync(path.join(DEMO, 'LICENSES.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')[0]));
    expect(truth).toHaveLength(302);
    for (const row of truth) {
      expect(fs.existsSync(path.join(DEMO, 'images', `${row[0]}.jpg`))).toBe(true);
      expect(licensed.has(row[3])).toBe(true);
    }
  });
});

describe('demo.load into a library that holds other images', () => {
  it('is refused before anything is imported', async () => {
    const dir = tempDir();
    const core = createCore({ dataDir: path.join(dir, 'data') });
    try {
      const photos = path.join(dir, 'photos');
      fs.mkdirSync(photos);
      fs.copyFileSync(path.join(DEMO, 'images', fs.readdirSync(path.join(DEMO, 'images'))[0]!), path.join(photos, 'mine.jpg'));
      await core.call('library.import', { source: photos });
      await expect(core.call('demo.load', { train: false })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/empty library/) });
      expect((await core.call('library.status', {})).images).toBe(1);
    } finally {
      await core.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('demo.load into a library of the dev set (the same URL prefix as the demo)', () => {
  it("is refused, the library's images and labels stay as they were, and no demo is offered", async () => {
    const dir = tempDir();
    const core = createCore({ dataDir: path.join(dir, 'data') });
    try {
      // Five rows of the dev set's ratings, read through a mirror of its photos (no network).
      const lines = fs.readFileSync(path.join(path.dirname(DEV_IMAGES), 'image_ratings.txt'), 'utf8').split('\n');
      const ratings = path.join(dir, 'image_ratings.txt');
      fs.writeFileSync(ratings, `${lines.slice(0, 6).join('\n')}\n`);
      await core.call('library.import', { source: ratings, mirrors: [{ prefix: DEMO_URL_PREFIX, dir: DEV_IMAGES }] });
      const before = await core.call('library.status', {});
      expect(before.images).toBe(5);
      expect(before.demo?.offer ?? null).toBeNull();
      await expect(core.call('demo.load', { train: false })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/empty library/) });
      const after = await core.call('library.status', {});
      expect(after.images).toBe(5);
      expect(after.labels).toEqual(before.labels);
    } finally {
      await core.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('an empty library after an import that stored nothing', () => {
  it('still offers the demo and loads it (a refused or emptied file holds no images of the curator)', async () => {
    const dir = tempDir();
    const core = createCore({ dataDir: path.join(dir, 'data'), demoDir: miniDemo(3), ml: 'in-process' });
    try {
      // A ratings file whose every row is refused (no URL): the import ends, nothing is stored.
      const bad = path.join(dir, 'ratings.txt');
      fs.writeFileSync(bad, 'obj_with_overall_rating\tobj_url\toverall_rating\n1\t\t4\n2\tnot a url\t2\n');
      await core.call('library.import', { source: bad }).catch(() => null);
      const imports = core.context.db.prepare('SELECT count(*) AS n FROM imports').get() as { n: number };
      expect(imports.n).toBeGreaterThan(0);
      expect((await core.call('library.status', {})).demo).toEqual({ rows: 6, offer: 'load' });
      expect((await core.call('demo.load', { train: false })).import.images_new).toBe(6);
    } finally {
      await core.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a demo library opened by another install (the demo folder moved: an AppImage mounts it anew at each launch)', () => {
  it('is still the demo: offered to finish, and loaded again, whether the first folder is gone or still there', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const first = path.join(dir, 'mount1', 'demo');
    fs.cpSync(miniDemo(6), first, { recursive: true });
    const second = path.join(dir, 'mount2', 'demo');
    fs.cpSync(first, second, { recursive: true });
    const c1 = createCore({ dataDir, demoDir: first, ml: 'in-process' });
    try {
      await c1.call('demo.load', { train: false });
      expect((await c1.call('library.status', {})).demo).toEqual({ rows: 12, offer: 'finish' });
    } finally {
      await c1.close();
    }
    // The first folder still there (another checkout), then gone (the mount of the last launch).
    for (const gone of [false, true]) {
      if (gone) fs.rmSync(path.dirname(first), { recursive: true, force: true });
      const c2 = createCore({ dataDir, demoDir: second, ml: 'in-process' });
      try {
        expect((await c2.call('library.status', {})).demo).toEqual({ rows: 12, offer: 'finish' });
        expect((await c2.call('demo.load', { train: false })).import.cancelled).toBe(false);
      } finally {
        await c2.close();
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("tells the demo's ratings file from another by its bytes, and a gone one by where it was", () => {
    const dir = tempDir();
    const demo = path.join(dir, 'resources', 'demo', 'image_ratings.txt');
    fs.mkdirSync(path.dirname(demo), { recursive: true });
    fs.writeFileSync(demo, 'obj_with_overall_rating\tobj_url\toverall_rating\n1\thttps://x/1.jpg\t4\n');
    const copy = path.join(dir, 'elsewhere', 'ratings.tsv');
    fs.mkdirSync(path.dirname(copy));
    fs.copyFileSync(demo, copy);
    expect(sameAsDemoFile(demo, demo)).toBe(true);
    expect(sameAsDemoFile(copy, demo)).toBe(true);
    // Same size, other bytes: a curator's own file.
    fs.writeFileSync(copy, fs.readFileSync(demo, 'utf8').replace('4\n', '5\n'));
    expect(sameAsDemoFile(copy, demo)).toBe(false);
    expect(sameAsDemoFile(path.join(DEV_IMAGES, '..', 'image_ratings.txt'), demo)).toBe(false);
    // Gone: the demo's only where a demo's ratings file was.
    expect(sameAsDemoFile(path.join(dir, 'old-mount', 'demo', 'image_ratings.txt'), demo)).toBe(true);
    expect(sameAsDemoFile(path.join(dir, 'old-mount', 'quality-dev', 'image_ratings.txt'), demo)).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a demo load cancelled half way', () => {
  it('is offered to finish while the library holds only demo photos and no run, and never beside other images', async () => {
    const dir = tempDir();
    const core = createCore({ dataDir: path.join(dir, 'data'), demoDir: miniDemo(12), ml: 'in-process' });
    try {
      expect((await core.call('library.status', {})).demo).toEqual({ rows: 24, offer: 'load' });
      const stop = new AbortController();
      const r = await core.call('demo.load', {}, { signal: stop.signal, onProgress: (p) => p.job === 'import' && p.phase === 'download' && (p.done ?? 0) >= 2 && stop.abort() });
      expect(r.import.cancelled).toBe(true);
      expect(r.run).toBeNull();
      const after = await core.call('library.status', {});
      expect(after.images).toBeGreaterThan(0);
      expect(after.demo).toEqual({ rows: 24, offer: 'finish' });
      // The import completed but no run was trained: still not whole.
      expect((await core.call('demo.load', { train: false })).import.cancelled).toBe(false);
      expect((await core.call('library.status', {})).demo).toEqual({ rows: 24, offer: 'finish' });
      // Beside a curator's own images the demo is never offered.
      const photos = path.join(dir, 'photos');
      fs.mkdirSync(photos);
      const one = devPhotos()[0]!;
      fs.copyFileSync(path.join(DEV_IMAGES, one), path.join(photos, one));
      await core.call('library.import', { source: photos });
      expect((await core.call('library.status', {})).demo).toEqual({ rows: 24, offer: null });
    } finally {
      await core.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
