import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultModelsDir } from '../../app';
import { openBackbone } from '../backbone/runtime';
import { embedBatches, embedChunks, type EmbedItem } from '../embed';
import { QcError } from '../../../../src-shared/contract/errors';
import { prepareImage } from '../prepare';
import { codedBytes } from '../features/codedBytes';
import { decodeRgb } from '../backbone/preprocess';
import { defectNet } from '../features/defectNet';
import { PrepPool } from './prepPool';
import { outOfFold } from '../train/folds';
import { DEFAULT_HEAD_PARAMS } from '../train/head';
import { makeSynthetic } from '../../../../test-support/synthetic';
import { DEV_IMAGES, devPhotos } from '../../../../test-support/fixtures';

const files = devPhotos()
  .slice(0, 5)
  .map((f) => path.join(DEV_IMAGES, f));
const items: EmbedItem[] = [...files.map((file, i) => ({ sha: `s${i}`, file })), { sha: 'missing', file: path.join(DEV_IMAGES, 'no-such-file.jpg') }];

const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

describe('PrepPool', () => {
  const pool = PrepPool.create(2);
  afterAll(() => pool?.close());

  it('prepares exactly what the calling thread prepares (whole, crops, signals, hash), errors included', async () => {
    expect(pool).not.toBeNull();
    const opts = { sets: ['whole', 'crops', 'signals'] as const, inputSize: 224 };
    const viaPool = await Promise.all(items.map((it) => pool!.prepare(it, opts)));
    const here = await Promise.all(items.map((it) => prepareImage(it, opts)));
    expect(viaPool.map((p) => p.sha)).toEqual(items.map((i) => i.sha));
    expect(viaPool.at(-1)!.error).toMatch(/no-such-file|ENOENT/);
    for (let i = 0; i < files.length; i++) {
      const { whole, crops, ...rest } = viaPool[i]!;
      const { whole: whole2, crops: crops2, ...rest2 } = here[i]!;
      expect(whole!.length).toBe(224 * 224 * 3);
      expect(crops!.length).toBe(5 * 224 * 224 * 3);
      // Byte comparisons: toEqual walks ~900,000 floats per image one by one.
      expect(bytes(whole!).equals(bytes(whole2!))).toBe(true);
      expect(bytes(crops!).equals(bytes(crops2!))).toBe(true);
      expect(rest).toEqual(rest2);
    }
  }, 300_000); // the first call starts the workers (each loads sharp and the TypeScript sources)

  it('gives embedBatches the same vectors as in-thread preparation, in order, batch by batch', async () => {
    const backbone = await openBackbone('mobilenet_v2_nsfwjs', { modelsDir: defaultModelsDir(), providers: ['cpu'] });
    try {
      const sets = ['whole', 'crops', 'signals'] as const;
      const collect = async (prepare?: Parameters<typeof embedBatches>[2]['prepare']) => {
        const out = [];
        for await (const b of embedBatches(backbone, items, { sets: [...sets], batchSize: 4, ...(prepare && { prepare }) })) out.push(b);
        return out;
      };
      const a = await collect((it, o) => pool!.prepare(it, o));
      const b = await collect();
      expect(a.map((batch) => batch.length)).toEqual([4, 2]);
      expect(a.flat().map((r) => r.sha)).toEqual(items.map((i) => i.sha));
      expect(a.flat().at(-1)!.error).toBeTruthy();
      expect(a.flat()[0]!.whole!.length).toBe(backbone.dim);
      expect(a.flat()[0]!.crops!.length).toBe(2 * backbone.dim);
      expect(a).toEqual(b);
    } finally {
      await backbone.close();
    }
  }, 300_000);

  it('embeds whole chunks in the workers with their own sessions: the vectors of embedBatches in one thread, in order', async () => {
    const backbone = await openBackbone('mobilenet_v2_nsfwjs', { modelsDir: defaultModelsDir(), providers: ['cpu'], intraOpNumThreads: 1 });
    try {
      const sets = ['whole', 'crops', 'signals'] as const;
      const here = [];
      for await (const b of embedBatches(backbone, items, { sets: [...sets], batchSize: 4 })) here.push(b);
      const bb = { id: 'mobilenet_v2_nsfwjs', modelsDir: defaultModelsDir() };
      // Window 2: both workers hold a chunk at once.
      const viaPool = [];
      for await (const b of embedChunks(items, 4, 2, (chunk) => pool!.embedChunk(chunk, [...sets], bb))) viaPool.push(b);
      expect(viaPool.map((b) => b.length)).toEqual([4, 2]);
      expect(viaPool.flat().at(-1)!.error).toMatch(/no-such-file|ENOENT/);
      expect(viaPool).toEqual(here);
      // Signals only: no backbone anywhere.
      const signalsOnly = await pool!.embedChunk(items.slice(0, 2), ['signals'], null);
      expect(signalsOnly.map((r) => [r.whole, r.crops])).toEqual([[undefined, undefined], [undefined, undefined]]);
      expect(signalsOnly[0]!.signals).toEqual(here[0]![0]!.signals);
    } finally {
      await backbone.close();
    }
  }, 300_000);

  it("computes the defect net's block in the workers, the net's own view of the decoded file, without a backbone", async () => {
    const modelsDir = defaultModelsDir();
    const viaPool = await pool!.embedChunk(items.slice(0, 3), ['defects'], null, modelsDir);
    const net = await defectNet(modelsDir);
    expect(viaPool.map((r) => [r.whole, r.crops, r.signals])).toEqual(Array(3).fill([undefined, undefined, undefined]));
    for (let i = 0; i < 3; i++) {
      expect(viaPool[i]!.defects!.length).toBe(net.dim);
      expect(bytes(viaPool[i]!.defects!).equals(bytes(await net.describe(await decodeRgb(items[i]!.file))))).toBe(true);
    }
    // Asked for without saying where the net is: the chunk fails with a reason.
    await expect(pool!.embedChunk(items.slice(0, 1), ['defects'], null)).rejects.toThrow(/modelsDir/);
    // And a single preparation: the worker answers with the error and keeps working.
    await expect(pool!.prepare(items[0]!, { sets: ['defects'], inputSize: 224 })).rejects.toThrow(/modelsDir/);
    expect((await pool!.prepare(items[0]!, { sets: ['defects'], inputSize: 224, modelsDir })).defects).toEqual(viaPool[0]!.defects);
  }, 120_000);

  it('embeds a picture handed over decoded exactly as from its file, without reading the file', async () => {
    const bb = { id: 'mobilenet_v2_nsfwjs', modelsDir: defaultModelsDir() };
    const sets: ('whole' | 'crops' | 'signals')[] = ['whole', 'crops', 'signals'];
    const fromFile = await pool!.embedChunk(items.slice(0, 2), sets, bb);
    const decoded = await Promise.all(items.slice(0, 2).map(async (it) => ({ img: await decodeRgb(it.file), bytes: codedBytes(fs.readFileSync(it.file)) })));
    const handedOver = await pool!.embedChunk(
      items.slice(0, 2).map((it, i) => ({ sha: it.sha, file: path.join(DEV_IMAGES, 'not-there.jpg'), decoded: decoded[i]! })),
      sets,
      bb,
    );
    expect(handedOver).toEqual(fromFile);
  }, 120_000);

  it('fails a chunk with the error the worker met (a QcError keeps its code)', async () => {
    const err = await pool!.embedChunk(items.slice(0, 1), ['whole'], { id: 'no-such-backbone', modelsDir: defaultModelsDir() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QcError);
    expect((err as QcError).message).toMatch(/no-such-backbone/);
    // The pool still works afterwards.
    expect((await pool!.embedChunk(items.slice(0, 1), ['signals'], null))[0]!.signals).toBeDefined();
  }, 120_000);

  it('embedChunks stops handing out chunks when aborted and drops those in flight', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const seen: number[] = [];
    const run = async (chunk: EmbedItem[]) => {
      started.push(chunk.length);
      await new Promise((r) => setTimeout(r, 5));
      return chunk.map((it) => ({ sha: it.sha, dhash: '', width: 0, height: 0 }));
    };
    for await (const batch of embedChunks(items, 1, 2, run, controller.signal)) {
      seen.push(batch.length);
      controller.abort();
    }
    expect(seen).toEqual([1]);
    // The window's two, and the one that refilled it when the first came back; none after the abort.
    expect(started.length).toBe(3);
  });

  it('stops between batches when aborted', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    for await (const batch of embedBatches(null, items, { sets: ['signals'], batchSize: 2, signal: controller.signal, prepare: (it, o) => pool!.prepare(it, o) })) {
      seen.push(batch.length);
      controller.abort();
    }
    expect(seen).toEqual([2]);
  });

  it("trains a run's out-of-fold heads in its threads, side by side, exactly as one at a time in this thread", async () => {
    const s = makeSynthetic({ n: 300, d: 24, seed: 11, rule: 'linear', labelNoise: 0.05 });
    const groups = Int32Array.from({ length: s.n }, (_, i) => Math.floor(i / 3));
    const extra = { x: s.x.slice(0, 60 * s.d), y: new Uint8Array(60).fill(1), n: 60, source: Int32Array.from({ length: 60 }, (_, j) => 2 * j) };
    // The MLP as a run trains it (onnxruntime), a distance block, scaled columns: all of a fit's inputs.
    const opts = { k: 5, groups, repeats: 2, extra, train: { columnScale: new Float32Array(s.d).fill(1.5), distance: { start: 16, width: 8 } } };
    const params = { ...DEFAULT_HEAD_PARAMS, hidden: 8, epochs: 5 };
    const here = await outOfFold(s, s.y, params, opts);
    let fits = 0;
    const viaPool = await outOfFold(s, s.y, params, { ...opts, fitter: { concurrency: pool!.size, fit: (job) => (fits++, pool!.fitFold(job)) } });
    expect(fits).toBe(10);
    expect(bytes(viaPool.pBad)).toEqual(bytes(here.pBad));
    expect(Buffer.from(viaPool.logit.buffer)).toEqual(Buffer.from(here.logit.buffer));
    expect(viaPool.pBad.every((p) => p >= 0 && p <= 1)).toBe(true);
    // A fit that fails in a worker fails the pass with its error.
    await expect(outOfFold(s, s.y, { ...params, learningRate: -1 }, { ...opts, fitter: { concurrency: 2, fit: (job) => pool!.fitFold(job) } })).rejects.toThrow(/learningRate/);
  }, 120_000);

  it('a cancel reaches a fit in its worker: it stops at its next epoch, and the worker is free at once', async () => {
    const own = PrepPool.create(1)!;
    try {
      const s = makeSynthetic({ n: 400, d: 64, seed: 13 });
      // Hours of epochs: only a cancel that reaches the worker ends it.
      const job = { x: s.x, d: s.d, y: s.y, trainRows: Int32Array.from({ length: 300 }, (_, i) => i), extraRows: new Int32Array(0), testRows: Int32Array.from({ length: 100 }, (_, i) => 300 + i), params: { ...DEFAULT_HEAD_PARAMS, hidden: 16, epochs: 10_000_000 }, options: {} };
      const ac = new AbortController();
      const fit = own.fitFold(job, ac.signal);
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      ac.abort();
      await expect(fit).rejects.toMatchObject({ name: 'AbortError' });
      // The worker answered the next request: it had left the fit.
      const small = { ...job, params: { ...job.params, epochs: 1 } };
      expect((await own.fitFold(small)).p).toHaveLength(100);
      expect(Date.now() - t0).toBeLessThan(10_000);
      // A signal already aborted sends nothing.
      await expect(own.fitFold(small, ac.signal)).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      await own.close();
    }
  }, 60_000);

  it('a cancel reaches a chunk being embedded: it leaves the images not yet prepared and answers with no results; the worker is free', async () => {
    const own = PrepPool.create(1)!;
    try {
      const sets = ['whole', 'crops', 'signals', 'defects'] as const;
      const bb = { id: 'mobilenet_v2_nsfwjs', modelsDir: defaultModelsDir() };
      // Forty pictures (seconds of work in one worker): without the cancel each would have its vectors.
      const many = Array.from({ length: 40 }, (_, i) => ({ sha: `m${i}`, file: files[i % files.length]! }));
      const ac = new AbortController();
      const chunk = own.embedChunk(many, [...sets], bb, defaultModelsDir(), ac.signal);
      await new Promise((r) => setTimeout(r, 300));
      ac.abort();
      expect(await chunk).toEqual([]);
      const next = await own.embedChunk(many.slice(0, 2), [...sets], bb, defaultModelsDir());
      expect(next.map((r) => [r.sha, r.error, r.whole?.length])).toEqual([
        ['m0', undefined, 1280],
        ['m1', undefined, 1280],
      ]);
      // A signal already aborted sends nothing.
      await expect(own.embedChunk(many, [...sets], bb, defaultModelsDir(), ac.signal)).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      await own.close();
    }
  }, 120_000);

  it('closed while a fit runs: the caller is answered at once, the worker stopped once the fit ends', async () => {
    const own = PrepPool.create(1)!;
    const s = makeSynthetic({ n: 400, d: 64, seed: 12 });
    const job = { x: s.x, d: s.d, y: s.y, trainRows: Int32Array.from({ length: 300 }, (_, i) => i), extraRows: new Int32Array(0), testRows: Int32Array.from({ length: 100 }, (_, i) => 300 + i), params: { ...DEFAULT_HEAD_PARAMS, hidden: 16, epochs: 30 }, options: {} };
    const fit = own.fitFold(job).then(
      () => 'answered',
      (e: Error) => e.message,
    );
    await new Promise((r) => setTimeout(r, 50));
    const closing = own.close();
    expect(await fit).toBe('the image preparation pool was closed');
    await closing;
  }, 60_000);
});
