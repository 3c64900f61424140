/**
 * The embedding pipeline: decode each image file once, derive the whole-image input, the
 * native-resolution crops, the quality signals and a perceptual hash from the same pixels, and run
 * the backbone on batches while the next batch is being decoded. Pure computation: it returns
 * vectors; the main thread stores them (only the main thread writes SQLite).
 */
import type { FeatureSet } from '../../../src-shared/domain/ml';
import type { Backbone } from './backbone/runtime';
import { PREPROCESS_VERSION } from './backbone/preprocess';
import { CROP_COUNT } from './features/crops';
import { DEFECT_NET_FILE, DEFECTS_VERSION } from './features/defectNet';
import { SIGNALS_VERSION } from './features/signals';
import { Float32Pool } from './batchBuffers';
import { DecodeCache, type Prepared, prepareImage, type PrepareItem, type PrepareOptions, type PrepareTarget } from './prepare';
import type { FeatureKey, FeatureStore } from './featureStore';

/** This thread's backbone input buffers, lent to one batch at a time (batchBuffers.ts). */
const batchBuffers = new Float32Pool();

/** Images whose crops go through the backbone in one call (4 × 5 = 20 crops). */
const CROP_IMAGES_PER_CALL = 4;
export const CROPS_VERSION = `${PREPROCESS_VERSION}+crops${CROP_COUNT}-meanmax/1`;

/** Where each feature set is cached. */
export function featureKey(set: FeatureSet, backboneId: string): FeatureKey {
  if (set === 'whole') return { extractor: `${backboneId}/whole`, version: PREPROCESS_VERSION };
  if (set === 'crops') return { extractor: `${backboneId}/crops`, version: CROPS_VERSION };
  if (set === 'defects') return { extractor: DEFECT_NET_FILE.replace(/\.onnx$/, ''), version: DEFECTS_VERSION };
  return { extractor: 'signals', version: SIGNALS_VERSION };
}

export type EmbedItem = PrepareItem;

/** A prepared image once the backbone has run: `whole` and `crops` are now embeddings, not pixels. */
export interface EmbedResult extends Omit<Prepared, 'whole' | 'crops'> {
  whole?: Float32Array;
  crops?: Float32Array;
}

/** Cache the vectors a result has for the given feature sets (the one place results reach the feature cache). */
export function storeVectors(store: Pick<FeatureStore, 'put'>, r: EmbedResult, sets: readonly FeatureSet[], backboneId: string): void {
  for (const s of sets) {
    const v = r[s];
    if (v) store.put(r.sha, featureKey(s, backboneId), v);
  }
}

/** The buffers of results to transfer to another thread instead of copying them (each vector has its own). */
export function embedResultBuffers(results: readonly EmbedResult[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const r of results) for (const v of [r.whole, r.crops, r.signals, r.defects]) if (v) out.push(v.buffer as ArrayBuffer);
  return out;
}

export interface EmbedOptions {
  sets: readonly FeatureSet[];
  batchSize?: number;
  signal?: AbortSignal;
  /** Where the defect net is (needed for 'defects'). */
  modelsDir?: string;
  /**
   * Prepares one image (a worker pool's `prepare`); default: in this thread. `target`: the image's
   * slots in the batch's backbone input, which a preparation in this thread writes in place.
   */
  prepare?: (item: EmbedItem, opts: PrepareOptions, target?: PrepareTarget) => Promise<Prepared>;
}

/** Mean and max over the crops of each image: n×CROP_COUNT×dim → n×2dim. */
export function poolCrops(emb: Float32Array, n: number, dim: number, count = CROP_COUNT): Float32Array {
  const out = new Float32Array(n * dim * 2);
  for (let i = 0; i < n; i++) {
    const o = i * dim * 2;
    for (let k = 0; k < dim; k++) {
      let sum = 0;
      let max = -Infinity;
      for (let c = 0; c < count; c++) {
        const v = emb[(i * count + c) * dim + k]!;
        sum += v;
        if (v > max) max = v;
      }
      out[o + k] = sum / count;
      out[o + dim + k] = max;
    }
  }
  return out;
}

/**
 * Embed `items` batch by batch. Images are prepared (decode, resize, crops, signals: prepare.ts) up
 * to two batches ahead of the backbone, by `opts.prepare` (a worker pool) or in this thread, so the
 * backbone's batch i runs while batch i+1 is being prepared; memory stays bounded by that window.
 */
export async function* embedBatches(backbone: Backbone | null, items: EmbedItem[], opts: EmbedOptions): AsyncGenerator<EmbedResult[]> {
  const size = opts.batchSize ?? 16;
  const wantWhole = opts.sets.includes('whole');
  const wantCrops = opts.sets.includes('crops');
  if ((wantWhole || wantCrops) && !backbone) throw new Error('embedBatches: a backbone is needed for whole-image or crop features');
  const inputSize = backbone?.inputSize ?? 224;
  const px = inputSize ** 2 * 3;
  const cpx = CROP_COUNT * px;
  const popts: PrepareOptions = { sets: opts.sets, inputSize, ...(opts.modelsDir && { modelsDir: opts.modelsDir }) };
  const cache = new DecodeCache(4);
  const prepare = opts.prepare ?? ((item: EmbedItem, o: PrepareOptions, target?: PrepareTarget) => prepareImage(item, o, cache, opts.signal, target));
  // Two batches at most: the next one prepares while the backbone runs this one. Each batch
  // borrows its backbone input buffers (batchBuffers.ts); image i of a batch writes into slot i.
  const queued: { prepared: Promise<Prepared>[]; lent: { whole?: Float32Array<ArrayBuffer>; crops?: Float32Array<ArrayBuffer> } }[] = [];
  let next = 0;
  const fill = () => {
    while (next < items.length && queued.length < 2) {
      const its = items.slice(next, next + size);
      next += its.length;
      const lent = { ...(wantWhole && { whole: batchBuffers.take(its.length * px) }), ...(wantCrops && { crops: batchBuffers.take(its.length * cpx) }) };
      const slot = (i: number): PrepareTarget => ({ ...(lent.whole && { whole: lent.whole.subarray(i * px, (i + 1) * px) }), ...(lent.crops && { crops: lent.crops.subarray(i * cpx, (i + 1) * cpx) }) });
      queued.push({ lent, prepared: its.map((it, i) => prepare(it, popts, slot(i))) });
    }
  };
  const settled = () => Promise.allSettled(queued.flatMap((q) => q.prepared));
  fill();
  while (queued.length) {
    if (opts.signal?.aborted) {
      await settled();
      return;
    }
    const { prepared, lent } = queued.shift()!;
    const batch = await Promise.all(prepared);
    // Cancelled while it was prepared: no backbone for it, nor results (some of its images were left undone).
    if (opts.signal?.aborted) {
      await settled();
      return;
    }
    fill(); // the next batch prepares while the backbone runs this one
    const results: EmbedResult[] = batch.map((p) =>
      p.error
        ? { sha: p.sha, dhash: '', width: 0, height: 0, error: p.error }
        : {
            sha: p.sha,
            dhash: p.dhash,
            width: p.width,
            height: p.height,
            ...(p.signals && { signals: p.signals, rawSignals: p.rawSignals!, reasons: p.reasons! }),
            ...(p.defects && { defects: p.defects }),
          },
    );
    const ok = batch.map((p, i) => ({ p, r: results[i]!, i })).filter(({ p }) => !p.error);
    if (wantWhole && ok.length) {
      const input = lent.whole!;
      ok.forEach(({ p, i }, j) => toSlot(input, p.whole!, i, j, px));
      const out = await backbone!.embed(input.subarray(0, ok.length * px), ok.length);
      const dim = backbone!.dim;
      ok.forEach(({ r }, j) => (r.whole = out.slice(j * dim, (j + 1) * dim)));
    }
    if (wantCrops && ok.length) {
      const input = lent.crops!;
      ok.forEach(({ p, i }, j) => toSlot(input, p.crops!, i, j, cpx));
      // A few images' crops per backbone call: activation memory grows with the batch (5 crops each).
      const dim = backbone!.dim;
      for (let start = 0; start < ok.length; start += CROP_IMAGES_PER_CALL) {
        const part = ok.slice(start, start + CROP_IMAGES_PER_CALL);
        const pooled = poolCrops(await backbone!.embed(input.subarray(start * cpx, (start + part.length) * cpx), part.length * CROP_COUNT), part.length, dim);
        part.forEach(({ r }, j) => (r.crops = pooled.slice(j * 2 * dim, (j + 1) * 2 * dim)));
      }
    }
    // The backbone has read them: the next batch may write them.
    if (lent.whole) batchBuffers.give(lent.whole);
    if (lent.crops) batchBuffers.give(lent.crops);
    yield results;
  }
}

/**
 * Image `i`'s input (`v`, `stride` floats) to slot `j` of the batch buffer `buf`, j <= i: the slots
 * of the images prepared are packed to the front, those of failed ones dropped. An image prepared
 * in this thread wrote its slot already (prepare.ts `target`): moved only when an image before it
 * failed. One prepared elsewhere (a worker's transfer) is copied in.
 */
function toSlot(buf: Float32Array, v: Float32Array, i: number, j: number, stride: number): void {
  const inPlace = v.buffer === buf.buffer && v.byteOffset === buf.byteOffset + i * stride * 4 && v.length === stride;
  if (!inPlace) buf.set(v, j * stride);
  else if (i !== j) buf.copyWithin(j * stride, i * stride, (i + 1) * stride);
}

/**
 * Embed `items` as chunks of `size` handed to `run` (a worker that prepares and embeds a whole
 * chunk, worker/prepPool.ts `embedChunk`), at most `window` chunks in flight, yielding each chunk's
 * results in item order. A chunk is exactly one batch of `embedBatches`, so the vectors are the same
 * as that path's. Aborting stops handing out chunks; the ones in flight finish and are dropped.
 */
export async function* embedChunks(items: EmbedItem[], size: number, window: number, run: (chunk: EmbedItem[]) => Promise<EmbedResult[]>, signal?: AbortSignal): AsyncGenerator<EmbedResult[]> {
  const pending: Promise<EmbedResult[]>[] = [];
  let next = 0;
  const fill = () => {
    while (next < items.length && pending.length < window && !signal?.aborted) {
      const chunk = items.slice(next, next + size);
      next += chunk.length;
      const p = run(chunk);
      p.catch(() => {}); // awaited in order below; a later chunk's failure must not go unhandled meanwhile
      pending.push(p);
    }
  };
  fill();
  try {
    while (pending.length) {
      const results = await pending[0]!;
      pending.shift();
      if (signal?.aborted) return;
      fill();
      yield results;
    }
  } finally {
    await Promise.allSettled(pending);
  }
}
