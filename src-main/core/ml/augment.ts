/**
 * Training with synthetic examples (`qc train --augment N`): N distorted copies of each train-split
 * good image, labelled bad, and ceil(N / 2) benign edits, labelled good (distort/). Their features
 * come from one decode of the original per batch (the ML worker renders each copy and saves it as a
 * JPEG in memory, embed.ts) and are cached in the feature store under a key that names the picture,
 * the distortion kind, level and seed and the library's version — never as a library image, so they
 * are never in the gallery, a split, a prediction or a threshold. Only train-split originals are
 * copied: validation and test images (and their copies) stay unseen.
 */
import path from 'node:path';
import type { CallContext } from '../../../src-shared/contract/handlers';
import type { TrainParams } from '../../../src-shared/domain/ml';
import type { CoreContext } from '../context';
import { assembleMatrix } from './dataset';
import { DISTORT_VERSION, planAugmentation, specKey, type SyntheticSpec } from './distort';
import { featureKey, storeVectors, type EmbedItem } from './embed';
import type { MlEngine } from './engine';
import { FeatureStore } from './featureStore';
import { SPLIT_CODE } from './trainJob';

/** Feature-cache key of a synthetic copy of picture `sha`. Never a sha256 (those are 64 hex digits). */
export function syntheticKey(sha: string, spec: SyntheticSpec): string {
  return `syn:${sha}:${specKey(spec)}:${DISTORT_VERSION}`;
}

export function isSyntheticKey(key: string): boolean {
  return key.startsWith('syn:');
}

/** What a run records (ml.ts SyntheticTally): synthetic rows per label and copies asked per image. */
export interface SyntheticCount {
  bad: number;
  good: number;
  per_image: number;
}

/** The run parameters augmentation reads (TrainParams.augment / augmentExclude). */
export type AugmentParams = Pick<TrainParams, 'features' | 'backbone' | 'seed'> & { augment?: number; augmentExclude?: string[] };

export interface SyntheticRows {
  x: Float32Array;
  n: number;
  y: Uint8Array;
  /** Row of the original in the run's matrix. */
  source: Int32Array;
  tally: SyntheticCount;
  /** Copies whose features had to be computed in this run (the rest came from the cache). */
  computed: number;
}

/** The images a run copies (the module comment's rule): the train split's good ones, in row order. */
export function augmentOriginals(split: Uint8Array, y: Uint8Array, image: (row: number) => { sha: string; path: string }): { row: number; sha: string; path: string }[] {
  const out: { row: number; sha: string; path: string }[] = [];
  for (let i = 0; i < split.length; i++) if (split[i] === SPLIT_CODE.train && y[i] === 0) out.push({ row: i, ...image(i) });
  return out;
}

/**
 * The synthetic rows of a run. `originals`: the run's train-split good images (row in the run's
 * matrix, picture sha256, path relative to the library root), in row order.
 */
export async function syntheticRows(
  core: CoreContext,
  engine: MlEngine,
  modelsDir: string,
  params: AugmentParams,
  originals: { row: number; sha: string; path: string }[],
  d: number,
  ctx: CallContext,
): Promise<SyntheticRows | null> {
  const copies = params.augment ?? 0;
  if (!copies || !originals.length) return null;
  const plan = planAugmentation(originals.map((o) => o.sha), { copies, seed: params.seed, ...(params.augmentExclude && { excludeKinds: params.augmentExclude }) });
  if (!plan.length) return null;
  const store = new FeatureStore(core.db);
  const keys = plan.map((p) => syntheticKey(originals[p.source]!.sha, p.spec));
  const missing: EmbedItem[] = [];
  plan.forEach((p, i) => {
    if (params.features.some((s) => !store.has(keys[i]!, featureKey(s, params.backbone)))) {
      missing.push({ sha: keys[i]!, file: path.join(core.paths.root, originals[p.source]!.path), synthetic: p.spec });
    }
  });
  let done = 0;
  let failed = 0;
  if (missing.length) {
    ctx.progress({ job: 'train', phase: 'augment', done, total: missing.length });
    await engine.embed(
      { backboneId: params.backbone, modelsDir, items: missing, sets: params.features },
      (results) => {
        core.db.transaction(() => {
          for (const r of results) {
            if (r.error) {
              failed++;
              continue;
            }
            storeVectors(store, r, params.features, params.backbone);
          }
        })();
        done += results.length;
        ctx.progress({ job: 'train', phase: 'augment', done, total: missing.length, failed });
      },
      ctx.signal,
    );
  }
  if (ctx.signal.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
  // Copies that could not be made (an unreadable original) are left out.
  const ok = plan.map((_, i) => i).filter((i) => params.features.every((s) => store.has(keys[i]!, featureKey(s, params.backbone))));
  if (!ok.length) return null;
  const m = assembleMatrix(store, ok.map((i) => keys[i]!), params.features, params.backbone);
  if (m.d !== d) throw new Error(`synthetic features have ${m.d} columns, the run's matrix ${d}`);
  const y = Uint8Array.from(ok, (i) => (plan[i]!.label === 'bad' ? 1 : 0));
  const bad = y.reduce((a, v) => a + v, 0);
  return {
    x: m.x,
    n: m.n,
    y,
    source: Int32Array.from(ok, (i) => originals[plan[i]!.source]!.row),
    tally: { bad, good: ok.length - bad, per_image: copies },
    computed: missing.length - failed,
  };
}
