/**
 * `ml.classify` embeds a bundle's new pictures in chunks while the rest are still downloading, and
 * what it writes is the same as embedding them all afterwards. Real parts: a trained library, the
 * importer reading a local mirror, the backbone; the engine is wrapped only to see when embed is called.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../../src-shared/contract/events';
import { DEV_IMAGES, DEV_URL_PREFIX, devRatings, tempDir } from '../../../test-support/fixtures';
import { trainedDevLibrary } from '../../../test-support/trainedLibrary';
import { createCore, defaultModelsDir } from '../app';
import { Importer } from '../library/importer';
import { ClassifyService, type EarlyEmbedding } from './classifyService';
import { InProcessEngine, type MlEngine } from './engine';
import { RunStore } from './runs';

let dir: string;
let base: string;
let bundle: string;

beforeAll(async () => {
  dir = tempDir('qc-classify-early-');
  base = path.join(dir, 'lib');
  // The 20-a-class library the review, shard and classify.kill tests use too: built once (test-support/libraryCache.ts).
  const { ids } = await trainedDevLibrary(base, 20);
  const rows = devRatings().filter(([id]) => !ids.has(id)).slice(0, 24);
  bundle = path.join(dir, 'bundle.txt');
  fs.writeFileSync(bundle, ['eolMediaURL\tidentifier\tdataObjectVersionID', ...rows.map(([id, url]) => `${url}\t${id}\t1${id}`)].join('\n') + '\n');
}, 300_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function classify(name: string, early: EarlyEmbedding | null) {
  const data = path.join(dir, name);
  fs.cpSync(base, data, { recursive: true });
  const core = createCore({ dataDir: data, ml: 'in-process' });
  const engine = new InProcessEngine();
  const calls: { items: number; duringImport: boolean; decoded: number }[] = [];
  let importing = true;
  const watched: MlEngine = {
    embed: (req, onBatch, signal) => {
      calls.push({ items: req.items.length, duringImport: importing, decoded: req.items.filter((it) => it.decoded).length });
      return engine.embed(req, onBatch, signal);
    },
    train: (req, onEvent, signal) => engine.train(req, onEvent, signal),
    predict: (head, m) => engine.predict(head, m),
    close: () => engine.close(),
  };
  const service = new ClassifyService(core.context, watched, defaultModelsDir(), new Importer(core.context), new RunStore(core.context.db), early);
  const out = path.join(dir, `out-${name}`);
  const progress = (p: JobProgress) => {
    if (p.job !== 'import') importing = false;
  };
  try {
    const summary = await service.classify({ source: bundle, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }], outDir: out, threshold: 0.5 }, { signal: new AbortController().signal, progress });
    return { summary, calls, tags: fs.readFileSync(path.join(out, 'bundle_finaltags.tsv'), 'utf8') };
  } finally {
    await watched.close();
    await core.close();
  }
}

describe('ClassifyService.classify', () => {
  it('embeds new pictures in chunks as they are stored, with the pixels the import check decoded, and writes what embedding their files afterwards writes', async () => {
    const early = await classify('early', { chunk: 5, decodedChunk: 5, pixelBudget: 256 * 1024 * 1024 });
    const late = await classify('late', null);
    expect(early.summary).toMatchObject({ rows: 24, images: 24, predicted: 24, failed: 0 });
    // The first chunk of 5 starts while the import is still running, with the pixels the import
    // decoded to check each picture; every picture goes that way (the last 4 when the import ends).
    expect(early.calls[0]).toEqual({ items: 5, duringImport: true, decoded: 5 });
    expect(early.calls.reduce((n, c) => n + c.items, 0)).toBe(24);
    expect(early.calls.reduce((n, c) => n + c.decoded, 0)).toBe(24);
    expect(late.calls).toEqual([{ items: 24, duringImport: false, decoded: 0 }]);
    expect(early.tags).toBe(late.tags);
    expect(early.tags.trim().split('\n')).toHaveLength(25);
  }, 300_000);

  it('keeps the pixels held under the budget (downloads wait for chunks to finish) and never deadlocks; a picture over a quarter of it goes without', async () => {
    // 4 MB: a quarter holds any 580-px dev picture (≤ 1,009,200 bytes), and about five pictures
    // fill it, so most downloads wait for a chunk to finish; every picture still comes decoded.
    const tight = await classify('tight', { chunk: 1000, decodedChunk: 3, pixelBudget: 4 * 1024 * 1024 });
    expect(tight.summary).toMatchObject({ rows: 24, images: 24, predicted: 24, failed: 0 });
    expect(tight.calls.reduce((n, c) => n + c.items, 0)).toBe(24);
    expect(tight.calls).toEqual(tight.calls.map((c) => ({ ...c, decoded: c.items })));
    expect(Math.max(...tight.calls.map((c) => c.items))).toBeLessThanOrEqual(3);
    // One byte: no picture fits a quarter of it, so all are embedded from their files when the import ends.
    const none = await classify('none', { chunk: 1000, decodedChunk: 3, pixelBudget: 1 });
    expect(none.calls.map(({ items, decoded }) => ({ items, decoded }))).toEqual([{ items: 24, decoded: 0 }]);
    expect(tight.tags).toBe(none.tags);
  }, 300_000);

  it('scores new pictures with a run whose head has a distance block (quality signals)', async () => {
    const lib = path.join(dir, 'signals');
    const { run, ids } = await trainedDevLibrary(lib, 10, ['whole', 'signals']);
    const core = createCore({ dataDir: lib, ml: 'in-process' });
    try {
      const model = new RunStore(core.context.db).model(run.run_id);
      expect(model.head.distance).toBeDefined(); // the default: a NIQE-style block over the signals
      const rows = devRatings().filter(([id]) => !ids.has(id)).slice(0, 6);
      const small = path.join(dir, 'small.txt');
      fs.writeFileSync(small, ['eolMediaURL\tidentifier\tdataObjectVersionID', ...rows.map(([id, url]) => `${url}\t${id}\t1${id}`)].join('\n') + '\n');
      const r = await core.call('ml.classify', { source: small, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }], outDir: path.join(dir, 'out-signals'), threshold: 0.5 });
      expect(r).toMatchObject({ rows: 6, images: 6, scored: 6, predicted: 6, failed: 0 });
    } finally {
      await core.close();
    }
  }, 300_000);

  it('refuses a folder as a bundle before storing anything, and exports a bundle scoring only its own images', async () => {
    const data = path.join(dir, 'folder-and-export');
    fs.cpSync(base, data, { recursive: true });
    const core = createCore({ dataDir: data, ml: 'in-process' });
    try {
      const images = () => core.context.db.prepare('SELECT COUNT(*) FROM images').pluck().get() as number;
      const before = images();
      await expect(core.call('ml.classify', { source: DEV_IMAGES, outDir: path.join(dir, 'out-folder') })).rejects.toThrow(/a bundle is a file .* not a folder/);
      expect(images()).toBe(before);
      // A small bundle classified, then pictures no run has scored imported beside it.
      const rows = devRatings().slice(0, 3);
      const small = path.join(dir, 'three.txt');
      fs.writeFileSync(small, ['eolMediaURL', ...rows.map(([, url]) => url)].join('\n') + '\n');
      const first = await core.call('ml.classify', { source: small, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }], outDir: path.join(dir, 'out-three') });
      const others = path.join(dir, 'others.txt');
      fs.writeFileSync(others, ['eolMediaURL', ...devRatings().slice(100, 106).map(([, url]) => url)].join('\n') + '\n');
      await core.call('library.import', { source: others, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
      const predicted = () => core.context.db.prepare('SELECT COUNT(*) FROM predictions').pluck().get() as number;
      const scoredBefore = predicted();
      const exported = await core.call('export.tags', { bundleId: first.bundle_id, outDir: path.join(dir, 'out-three-again') });
      expect(exported.rows).toBe(3);
      expect(predicted()).toBe(scoredBefore);
    } finally {
      await core.close();
    }
  }, 300_000);
});

