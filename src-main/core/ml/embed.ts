/**
 * The embedding pipeline: decode each image file once, derive the whole-image input, the
 * native-resolution crops, the quality signals and a perceptual hash from the same pixels, and run
 * the backbone on batches while the next batch is being decoded. Pure computation: it returns
 * vectors; the main thread stores them (only the main thread writes SQLite).
 */
import fs from 'node:fs';
import type { FeatureSet } from '../../../src-shared/domain/ml';
import type { Backbone } from './backbone/runtime';
import { decodeRgb, PREPROCESS_VERSION, resizeToInput, type RgbImage } from './backbone/preprocess';
import { CROP_COUNT, nativeCrops } from './features/crops';
import { explainSignals, qualitySignals, SIGNALS_VERSION, signalVector, type QualitySignals } from './features/signals';
import { dHash } from './dhash';
import type { FeatureKey } from './featureStore';

/** Images whose crops go through the backbone in one call (4 × 5 = 20 crops). */
const CROP_IMAGES_PER_CALL = 4;
export const CROPS_VERSION = `${PREPROCESS_VERSION}+crops${CROP_COUNT}-meanmax/1`;

/** Where each feature set is cached. */
export function featureKey(set: FeatureSet, backboneId: string): FeatureKey {
  if (set === 'whole') return { extractor: `${backboneId}/whole`, version: PREPROCESS_VERSION };
  if (set === 'crops') return { extractor: `${backboneId}/crops`, version: CROPS_VERSION };
  return { extractor: 'signals', version: SIGNALS_VERSION };
}

export interface EmbedItem {
  sha: string;
  /** Absolute path of the original. */
  file: string;
}

export interface EmbedResult {
  sha: string;
  dhash: string;
  width: number;
  height: number;
  whole?: Float32Array;
  crops?: Float32Array;
  signals?: Float32Array;
  rawSignals?: QualitySignals;
  reasons?: string[];
  error?: string;
}

export interface EmbedOptions {
  sets: readonly FeatureSet[];
  batchSize?: number;
  signal?: AbortSignal;
}

interface Decoded {
  item: EmbedItem;
  img: RgbImage | null;
  bytes: number;
  error?: string;
}

async function decodeAll(items: EmbedItem[]): Promise<Decoded[]> {
  return Promise.all(
    items.map(async (item) => {
      try {
        const buf = await fs.promises.readFile(item.file);
        return { item, img: await decodeRgb(buf), bytes: buf.length };
      } catch (e) {
        return { item, img: null, bytes: 0, error: (e as Error).message };
      }
    }),
  );
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

/** Embed `items` batch by batch (decode of batch i+1 overlaps inference of batch i). */
export async function* embedBatches(backbone: Backbone | null, items: EmbedItem[], opts: EmbedOptions): AsyncGenerator<EmbedResult[]> {
  const size = opts.batchSize ?? 16;
  const wantWhole = opts.sets.includes('whole');
  const wantCrops = opts.sets.includes('crops');
  const wantSignals = opts.sets.includes('signals');
  if ((wantWhole || wantCrops) && !backbone) throw new Error('embedBatches: a backbone is needed for whole-image or crop features');
  const px = (backbone?.inputSize ?? 224) ** 2 * 3;
  const batches: EmbedItem[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));

  let next: Promise<Decoded[]> | null = batches.length ? decodeAll(batches[0]!) : null;
  for (let b = 0; b < batches.length; b++) {
    if (opts.signal?.aborted) return;
    const decoded = await next!;
    next = b + 1 < batches.length ? decodeAll(batches[b + 1]!) : null;
    const ok = decoded.filter((d) => d.img);
    const results = new Map<string, EmbedResult>();
    for (const d of decoded) {
      if (!d.img) results.set(d.item.sha, { sha: d.item.sha, dhash: '', width: 0, height: 0, error: d.error ?? 'cannot decode' });
      else results.set(d.item.sha, { sha: d.item.sha, dhash: dHash(d.img), width: d.img.width, height: d.img.height });
    }
    if (wantWhole && ok.length) {
      const input = new Float32Array(ok.length * px);
      ok.forEach((d, j) => resizeToInput(d.img!, backbone!.inputSize, input, j * px));
      const out = await backbone!.embed(input, ok.length);
      ok.forEach((d, j) => (results.get(d.item.sha)!.whole = out.slice(j * backbone!.dim, (j + 1) * backbone!.dim)));
    }
    if (wantCrops && ok.length) {
      // A few images' crops per backbone call: activation memory grows with the batch (5 crops each).
      const w = backbone!.dim * 2;
      for (let start = 0; start < ok.length; start += CROP_IMAGES_PER_CALL) {
        const part = ok.slice(start, start + CROP_IMAGES_PER_CALL);
        const input = new Float32Array(part.length * CROP_COUNT * px);
        part.forEach((d, j) => nativeCrops(d.img!, { size: backbone!.inputSize }, input, j * CROP_COUNT * px));
        const pooled = poolCrops(await backbone!.embed(input, part.length * CROP_COUNT), part.length, backbone!.dim);
        part.forEach((d, j) => (results.get(d.item.sha)!.crops = pooled.slice(j * w, (j + 1) * w)));
      }
    }
    if (wantSignals) {
      for (const d of ok) {
        const s = qualitySignals(d.img!, { bytes: d.bytes });
        const r = results.get(d.item.sha)!;
        r.rawSignals = s;
        r.signals = signalVector(s);
        r.reasons = explainSignals(s);
      }
    }
    yield decoded.map((d) => results.get(d.item.sha)!);
  }
}
