/**
 * The quality signals of a stored picture, read back from the feature cache (the `signals` vector
 * that `qc embed` stored) instead of decoding the original again: a preview (`images.get`) must
 * not decode a full-size image on the main thread. signalVector's transforms are inverted for the
 * 14 base signals (what the preview shows and explainSignals reads); the clamps it applies sit
 * far outside every explain threshold, so the reasons come out the same.
 */
import type { Db } from '../../db/open';
import { featureKey } from '../embed';
import { FeatureStore } from '../featureStore';
import { DETECTOR_NAMES, type DefectScores } from './generic';
import { explainSignals, SIGNAL_NAMES, type QualitySignals, type SignalReason } from './signals';

/** The base signals (everything but the distortion-generic block). */
export type BaseSignals = Omit<QualitySignals, 'generic'>;

/** The defect detectors stored in a signals vector (signalVector's last block; impulse stored as log(1e-5 + share)). */
export function detectorsFromVector(v: Float32Array): DefectScores | null {
  if (v.length !== SIGNAL_NAMES.length) return null;
  const first = SIGNAL_NAMES.length - DETECTOR_NAMES.length;
  const d = Object.fromEntries(DETECTOR_NAMES.map((name, i) => [name, v[first + i]!])) as DefectScores;
  d.impulse = Math.max(0, Math.exp(d.impulse) - 1e-5);
  return d;
}

/** Invert signalVector for the base signals; null when the vector is not a signals vector. */
export function baseSignalsFromVector(v: Float32Array): BaseSignals | null {
  if (v.length !== SIGNAL_NAMES.length) return null;
  const at = (i: number) => v[i]!;
  const width = Math.exp(at(11));
  const height = Math.exp(at(12));
  return {
    sharpness: Math.expm1(at(0)),
    relSharpness: Math.exp(at(1)),
    edgeDensity: at(2),
    noise: Math.expm1(at(3)),
    blockiness: Math.exp(at(4)),
    meanLuma: at(5),
    stdLuma: at(6),
    darkClipped: at(7),
    brightClipped: at(8),
    contrast: at(9),
    colourfulness: Math.expm1(at(10)),
    width,
    height,
    megapixels: (width * height) / 1e6,
    bytesPerPixel: Math.exp(at(13)),
  };
}

/** The cached signals of picture `sha256` and the reasons they give, or null when `qc embed` has not measured it. */
export function cachedSignals(db: Db, sha256: string): { signals: BaseSignals; reasons: SignalReason[] } | null {
  const v = new FeatureStore(db).get(sha256, featureKey('signals', ''));
  const signals = v ? baseSignalsFromVector(v) : null;
  const detectors = v ? detectorsFromVector(v) : null;
  return signals ? { signals, reasons: explainSignals(detectors ? { ...signals, generic: { detectors } } : signals) } : null;
}
