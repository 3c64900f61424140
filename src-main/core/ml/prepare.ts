/**
 * Everything the embedding needs from one image file except the backbone: decode (once), the
 * perceptual hash, the whole-image backbone input, the five native-resolution crops, the quality
 * signals and the defect net's block (a small CNN with its own session per thread, run here:
 * features/defectNet.ts). Pure computation on one image, so it runs the same in the calling thread
 * or in a pool of worker threads (worker/prepPool.ts); the backbone then runs on batches of
 * prepared images.
 */
import fs from 'node:fs';
import type { FeatureSet } from '../../../src-shared/domain/ml';
import { decodeRgb, resizeToInput, type Decoded } from './backbone/preprocess';
import { dHash } from './dhash';
import type { SyntheticSpec } from './distort';
import { renderSynthetic } from './distort/render';
import { CROP_COUNT, nativeCrops } from './features/crops';
import { defectNet } from './features/defectNet';
import { explainSignals, qualitySignals, signalVector, type QualitySignals } from './features/signals';
import { codedBytes } from './features/codedBytes';

/** One image to embed (the same item for preparing it and for embedding it: embed.ts's EmbedItem). */
export interface PrepareItem {
  sha: string;
  /** Absolute path of the original. */
  file: string;
  /** A synthetic copy of `file` (augment.ts): `sha` is then its feature-cache key, not a picture's hash. */
  synthetic?: SyntheticSpec;
  /**
   * `file` already decoded (decodeRgb's pixels) and the bytes that code it (features/codedBytes.ts): used instead of reading and
   * decoding it again (ml.classify hands over the import check's decode, library/verify.ts).
   */
  decoded?: Decoded;
}

export interface PrepareOptions {
  sets: readonly FeatureSet[];
  /** The backbone's input side (px). */
  inputSize: number;
  /** Where the defect net is (resources/models): needed when 'defects' is wanted. */
  modelsDir?: string;
}

/** Where a preparation in this thread writes an image's backbone input (its slots in a batch's buffers: embed.ts). */
export interface PrepareTarget {
  /** inputSize² × 3 floats. */
  whole?: Float32Array<ArrayBuffer>;
  /** CROP_COUNT × inputSize² × 3 floats. */
  crops?: Float32Array<ArrayBuffer>;
}

export interface Prepared {
  sha: string;
  dhash: string;
  width: number;
  height: number;
  /** inputSize² × 3 floats (HWC RGB 0..1) when 'whole' is wanted. */
  whole?: Float32Array;
  /** CROP_COUNT × inputSize² × 3 floats when 'crops' is wanted. */
  crops?: Float32Array;
  signals?: Float32Array;
  /** The defect net's block (features/defects.ts) when 'defects' is wanted. */
  defects?: Float32Array;
  rawSignals?: QualitySignals;
  reasons?: string[];
  error?: string;
}

/** The error of an image whose preparation a cancel left undone (its result is dropped with the cancelled embedding's). */
export const PREPARE_CANCELLED = 'cancelled';

/** Decoded originals by file, so synthetic copies of one original share one decode (a few kept). */
export class DecodeCache {
  private readonly map = new Map<string, Promise<Decoded>>();
  constructor(private readonly keep = 4) {}

  get(file: string): Promise<Decoded> {
    let p = this.map.get(file);
    if (!p) {
      p = fs.promises.readFile(file).then(async (buf) => ({ img: await decodeRgb(buf), bytes: codedBytes(buf) }));
      this.map.set(file, p);
      p.catch(() => this.map.delete(file));
      while (this.map.size > this.keep) this.map.delete(this.map.keys().next().value!);
    }
    return p;
  }
}

export async function prepareImage(item: PrepareItem, opts: PrepareOptions, cache = new DecodeCache(1), signal?: AbortSignal, target?: PrepareTarget): Promise<Prepared> {
  // Cancelled (the embedding it is part of): left undone, before its decode and before the work on its pixels.
  const cancelled = (): Prepared => ({ sha: item.sha, dhash: '', width: 0, height: 0, error: PREPARE_CANCELLED });
  if (signal?.aborted) return cancelled();
  let src: Decoded;
  try {
    const o = item.decoded ?? (await cache.get(item.file));
    src = item.synthetic ? await renderSynthetic(o.img, item.synthetic) : o;
  } catch (e) {
    return { sha: item.sha, dhash: '', width: 0, height: 0, error: (e as Error).message || 'cannot decode' };
  }
  if (signal?.aborted) return cancelled();
  const { img, bytes } = src;
  const out: Prepared = { sha: item.sha, dhash: dHash(img), width: img.width, height: img.height };
  const px = opts.inputSize * opts.inputSize * 3;
  if (target?.whole && target.whole.length !== px) throw new Error(`prepareImage: target.whole holds ${target.whole.length} floats, expected ${px}`);
  if (target?.crops && target.crops.length !== CROP_COUNT * px) throw new Error(`prepareImage: target.crops holds ${target.crops.length} floats, expected ${CROP_COUNT * px}`);
  if (opts.sets.includes('whole')) out.whole = resizeToInput(img, opts.inputSize, target?.whole ?? new Float32Array(px), 0);
  if (opts.sets.includes('crops')) out.crops = nativeCrops(img, { size: opts.inputSize }, target?.crops ?? new Float32Array(CROP_COUNT * px), 0);
  if (opts.sets.includes('signals')) {
    const s = qualitySignals(img, { bytes });
    out.rawSignals = s;
    out.signals = signalVector(s);
    out.reasons = explainSignals(s);
  }
  if (opts.sets.includes('defects')) {
    if (!opts.modelsDir) throw new Error('prepareImage: the defects block needs modelsDir');
    out.defects = await (await defectNet(opts.modelsDir)).describe(img);
  }
  return out;
}

/** The buffers of a Prepared to transfer between threads. */
export function preparedBuffers(p: Prepared): ArrayBuffer[] {
  return [p.whole, p.crops, p.signals, p.defects].filter((v): v is Float32Array => Boolean(v)).map((v) => v.buffer as ArrayBuffer);
}
