/** Assemble the feature matrix of a run from the cache: one row per image, feature blocks side by side. */
import type { FeatureSet, TrainParams } from '../../../src-shared/domain/ml';
import { featureKey } from './embed';
import type { FeatureStore } from './featureStore';
import { SIGNAL_NAMES, signalGroupColumns } from './features/signals';
import type { DistanceSpec } from './train/distance';

export interface FeatureMatrix {
  x: Float32Array;
  n: number;
  d: number;
  /** Columns of each block, in `sets` order. */
  widths: Record<FeatureSet, number>;
}

/** Block widths, read off the cached vectors of one image (all images of a run share them). */
export function blockWidths(store: FeatureStore, sha: string, sets: readonly FeatureSet[], backbone: string): Record<FeatureSet, number> {
  const widths: Record<FeatureSet, number> = { whole: 0, crops: 0, signals: 0, defects: 0 };
  for (const s of sets) {
    const v = store.get(sha, featureKey(s, backbone));
    if (!v) throw new Error(`no ${s} features for image ${sha.slice(0, 12)}…`);
    widths[s] = v.length;
  }
  return widths;
}

export function assembleMatrix(store: FeatureStore, shas: readonly string[], sets: readonly FeatureSet[], backbone: string): FeatureMatrix {
  const n = shas.length;
  if (!n) return { x: new Float32Array(0), n: 0, d: 0, widths: { whole: 0, crops: 0, signals: 0, defects: 0 } };
  const widths = blockWidths(store, shas[0]!, sets, backbone);
  const d = sets.reduce((sum, s) => sum + widths[s], 0);
  const x = new Float32Array(n * d);
  let offset = 0;
  for (const s of sets) {
    const w = widths[s];
    const block = store.matrix(shas, featureKey(s, backbone), w);
    for (let i = 0; i < n; i++) x.set(block.subarray(i * w, (i + 1) * w), i * d + offset);
    offset += w;
  }
  return { x, n, d, widths };
}

/** The first column of block `set` in a row (its columns: start .. start + widths[set]); -1 when the run does not have it. */
export function blockStart(m: Pick<FeatureMatrix, 'widths'>, sets: readonly FeatureSet[], set: FeatureSet): number {
  let start = 0;
  for (const s of sets) {
    if (s === set) return start;
    start += m.widths[s];
  }
  return -1;
}

/** Per-column weights: 1 for embedding columns, `signalsWeight` for the hand-crafted signals block, `defectsWeight` for the defect net's. */
export function columnScale(m: FeatureMatrix, sets: readonly FeatureSet[], signalsWeight: number, defectsWeight = 1): Float32Array {
  const scale = new Float32Array(m.d).fill(1);
  let offset = 0;
  for (const s of sets) {
    if (s === 'signals') scale.fill(signalsWeight, offset, offset + m.widths.signals);
    if (s === 'defects') scale.fill(defectsWeight, offset, offset + m.widths.defects);
    offset += m.widths[s];
  }
  return scale;
}

/** The distance block a run with these parameters trains with (TrainParams.distance: false = none, true = each signal's |z| too, default 'aggregate'). */
export function runDistanceSpec(m: Pick<FeatureMatrix, 'widths'>, params: Pick<TrainParams, 'features' | 'distance'>): DistanceSpec | null {
  return params.distance === false ? null : distanceSpec(m, params.features, params.distance === true ? {} : { perSignal: false });
}

/**
 * The distance-from-good block over the signals block of m (train/distance.ts), grouped by what
 * the signals measure; null when the run has no signals.
 */
export function distanceSpec(m: Pick<FeatureMatrix, 'widths'>, sets: readonly FeatureSet[], extra: Pick<DistanceSpec, 'perSignal'> = {}): DistanceSpec | null {
  if (!sets.includes('signals') || !m.widths.signals) return null;
  const start = blockStart(m, sets, 'signals');
  const width = m.widths.signals;
  return { start, width, ...extra, ...(width === SIGNAL_NAMES.length && { groups: signalGroupColumns() }) };
}
