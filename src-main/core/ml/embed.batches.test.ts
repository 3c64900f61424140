/**
 * embedBatches writes each image's backbone input into its slot of buffers lent to the batch
 * (batchBuffers.ts) and reuses them: the vectors must be those of images prepared into arrays of
 * their own and packed by hand, with a failed image in the middle of a batch, and with two
 * embeddings running at once in one thread.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultModelsDir } from '../app';
import { openBackbone, type Backbone } from './backbone/runtime';
import { Float32Pool } from './batchBuffers';
import { embedBatches, poolCrops, type EmbedItem, type EmbedResult } from './embed';
import { CROP_COUNT } from './features/crops';
import { prepareImage } from './prepare';
import { DEV_IMAGES, devPhotos } from '../../../test-support/fixtures';

const files = devPhotos()
  .slice(10, 16)
  .map((f) => path.join(DEV_IMAGES, f));
const sets = ['whole', 'crops'] as const;
const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

async function collect(backbone: Backbone, items: EmbedItem[], batchSize: number): Promise<EmbedResult[]> {
  const out: EmbedResult[] = [];
  for await (const b of embedBatches(backbone, items, { sets: [...sets], batchSize })) out.push(...b);
  return out;
}

describe('embedBatches with lent buffers', () => {
  let backbone: Backbone;
  beforeAll(async () => {
    backbone = await openBackbone('mobilenet_v2_nsfwjs', { modelsDir: defaultModelsDir(), providers: ['cpu'], intraOpNumThreads: 1 });
  });
  afterAll(() => backbone?.close());

  it('gives the vectors of images prepared apart and packed by hand, a failed image in the middle of a batch dropped', async () => {
    const good = files.slice(0, 4).map((file, i) => ({ sha: `g${i}`, file }));
    const items: EmbedItem[] = [good[0]!, { sha: 'missing', file: path.join(DEV_IMAGES, 'no-such-file.jpg') }, ...good.slice(1)];
    const got = await collect(backbone, items, 5);
    expect(got.map((r) => r.sha)).toEqual(items.map((i) => i.sha));
    expect(got[1]!.error).toMatch(/no-such-file|ENOENT/);
    // The reference: each good image in arrays of its own, packed as the batch's four images.
    const prepared = await Promise.all(good.map((it) => prepareImage(it, { sets: [...sets], inputSize: backbone.inputSize })));
    const px = backbone.inputSize ** 2 * 3;
    const whole = new Float32Array(4 * px);
    const crops = new Float32Array(4 * CROP_COUNT * px);
    prepared.forEach((p, j) => {
      whole.set(p.whole!, j * px);
      crops.set(p.crops!, j * CROP_COUNT * px);
    });
    const wantWhole = await backbone.embed(whole, 4);
    const wantCrops = poolCrops(await backbone.embed(crops, 4 * CROP_COUNT), 4, backbone.dim);
    const dim = backbone.dim;
    [0, 2, 3, 4].forEach((at, j) => {
      expect(bytes(got[at]!.whole!).equals(bytes(wantWhole.subarray(j * dim, (j + 1) * dim))), `whole of ${got[at]!.sha}`).toBe(true);
      expect(bytes(got[at]!.crops!).equals(bytes(wantCrops.subarray(j * 2 * dim, (j + 1) * 2 * dim))), `crops of ${got[at]!.sha}`).toBe(true);
    });
  }, 120_000);

  it('gives two embeddings running at once in one thread the vectors each gets alone (no buffer is shared)', async () => {
    const a = files.map((file, i) => ({ sha: `a${i}`, file }));
    const b = [...files].reverse().map((file, i) => ({ sha: `b${i}`, file }));
    const aloneA = await collect(backbone, a, 2);
    const aloneB = await collect(backbone, b, 3);
    const [togetherA, togetherB] = await Promise.all([collect(backbone, a, 2), collect(backbone, b, 3)]);
    expect(togetherA).toEqual(aloneA);
    expect(togetherB).toEqual(aloneB);
    // The same picture gives the same vectors in either embedding.
    expect(aloneB.at(-1)!.whole).toEqual(aloneA[0]!.whole);
  }, 120_000);
});

describe('Float32Pool', () => {
  it('lends a buffer of the length asked, takes it back whole, and lends it again', () => {
    const pool = new Float32Pool(60_000);
    const a = pool.take(10);
    expect(a.length).toBe(10);
    a.fill(7);
    pool.give(a);
    expect(pool.size).toBe(1);
    expect(pool.take(12)).not.toBe(a); // another length: a new buffer
    const again = pool.take(10);
    expect(again).toBe(a);
    expect(again[3]).toBe(7); // left as it was: every slot is written before it is read
    expect(pool.size).toBe(0);
    // A view is not a whole buffer, and a buffer is not kept twice.
    pool.give(a.subarray(2));
    pool.give(a);
    pool.give(a);
    expect(pool.size).toBe(1);
    pool.clear();
  });

  it('keeps at most four free buffers, and lets them all go once unused for its release time', () => {
    // Fake timers: the release time is the pool's clock, not the loaded machine's.
    vi.useFakeTimers();
    try {
      const pool = new Float32Pool(1000);
      const bufs = Array.from({ length: 6 }, () => pool.take(4));
      for (const b of bufs) pool.give(b);
      expect(pool.size).toBe(4);
      vi.advanceTimersByTime(600);
      pool.give(pool.take(4)); // used again: the release time starts over
      vi.advanceTimersByTime(600);
      expect(pool.size).toBe(4);
      vi.advanceTimersByTime(500);
      expect(pool.size).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
