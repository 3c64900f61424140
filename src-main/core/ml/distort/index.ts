/**
 * The distortion library: pure, seeded functions on decoded RGB. `distort` damages a picture at a
 * severity 1..5; `benignEdit` changes it the way a curator would still call good. Both return a
 * new image and leave the input untouched; the same spec (kind, level, seed) gives the same bytes.
 * The catalogue and its parameters are in kinds.ts (and the table in the README's ML section).
 */
import { mulberry32 } from '../../../../src-shared/domain/random';
import type { RgbImage } from '../backbone/preprocess';
import { BENIGN_EDITS, DISTORTIONS, type BenignDef, type DistortionDef } from './kinds';
import { checkRgb, toFloat, toRgb } from './ops';
import { shuffleInPlace } from '../train/rng';

export { BENIGN_EDITS, DISTORTIONS, shakeKernel, type BenignDef, type DistortionDef, type DistortionFamily } from './kinds';
export { psnr, ssim } from './ops';
export { jpeg2000Approx, jpegRoundTrip } from './codecs';

export const DISTORTION_KINDS: readonly string[] = DISTORTIONS.map((d) => d.kind);
export const BENIGN_KINDS: readonly string[] = BENIGN_EDITS.map((d) => d.kind);
/** Recorded in the feature-cache key of synthetic examples: change it whenever any distortion's pixels change. */
export const DISTORT_VERSION = 'distort/2';
export const MIN_LEVEL = 1;
export const MAX_LEVEL = 5;

/** A synthetic copy: a distortion at level 1..5, or a benign edit (level 0). */
export interface SyntheticSpec {
  kind: string;
  level: number;
  seed: number;
}

const byKind = new Map<string, DistortionDef>(DISTORTIONS.map((d) => [d.kind, d]));
const benignByKind = new Map<string, BenignDef>(BENIGN_EDITS.map((d) => [d.kind, d]));

/** The generator of one spec: its seed mixed with the kind (not the level, so one seed gives the same noise pattern, direction or path at every level). */
function rngFor(spec: SyntheticSpec) {
  let h = 2166136261 ^ (spec.seed >>> 0);
  for (const ch of spec.kind) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return mulberry32(h >>> 0);
}

/** Damage `img` with a KADID-style distortion at `level` (1..5). */
export function distort(img: RgbImage, spec: SyntheticSpec): RgbImage {
  checkRgb(img);
  const def = byKind.get(spec.kind);
  if (!def) throw new Error(`distort: unknown kind '${spec.kind}' (known: ${DISTORTION_KINDS.join(', ')})`);
  if (!Number.isInteger(spec.level) || spec.level < MIN_LEVEL || spec.level > MAX_LEVEL) throw new Error(`distort: level must be an integer ${MIN_LEVEL}..${MAX_LEVEL}, got ${spec.level}`);
  return toRgb(def.apply(toFloat(img), spec.level, rngFor(spec)));
}

/** Apply a benign edit (its strength is drawn from the seed). The result may have another size (resize). */
export function benignEdit(img: RgbImage, spec: Omit<SyntheticSpec, 'level'>): RgbImage {
  checkRgb(img);
  const def = benignByKind.get(spec.kind);
  if (!def) throw new Error(`benignEdit: unknown kind '${spec.kind}' (known: ${BENIGN_KINDS.join(', ')})`);
  return toRgb(def.apply(toFloat(img), rngFor({ ...spec, level: 0 })));
}

/** Either: a distortion (level ≥ 1) or a benign edit (level 0). */
export function applySynthetic(img: RgbImage, spec: SyntheticSpec): RgbImage {
  return spec.level === 0 ? benignEdit(img, spec) : distort(img, spec);
}

/** Stable text form, used in feature-cache keys: `kind@level#seed`. */
export function specKey(spec: SyntheticSpec): string {
  return `${spec.kind}@${spec.level}#${spec.seed >>> 0}`;
}

export interface AugmentPlanOptions {
  /** Distorted (bad) copies per good image. */
  copies: number;
  /** Benign (good) copies per good image. Default: ceil(copies / 2). */
  benignCopies?: number;
  seed: number;
  /** Distortion kinds never used (e.g. leave-one-kind-out). */
  excludeKinds?: readonly string[];
  /** Severity levels drawn uniformly; default 2..5 (level 1 is often visually harmless and would be label noise). */
  levels?: readonly number[];
}

export interface PlannedCopy {
  /** Index of the source image in the list passed in. */
  source: number;
  label: 'bad' | 'good';
  spec: SyntheticSpec;
}

/** FNV-1a of a string: a source's stable seed. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Which synthetic copies to make of each good image: `copies` distortions of distinct kinds from a
 * shuffle of all kinds, random levels, and benign edits drawn the same way. Each source's copies
 * depend only on its key (the picture's sha256) and the options, never on the other sources: a
 * label change that adds or removes one good image leaves every other image's copies, and their
 * cached features, as they were, so a retrain after a label fix embeds only the new image's copies.
 * Over many sources every kind is used about equally. Deterministic in (keys, options).
 */
export function planAugmentation(sources: readonly string[], opts: AugmentPlanOptions): PlannedCopy[] {
  if (!Number.isInteger(opts.copies) || opts.copies < 0) throw new Error(`augment: copies must be a non-negative integer, got ${opts.copies}`);
  const excluded = new Set(opts.excludeKinds ?? []);
  const kinds = DISTORTION_KINDS.filter((k) => !excluded.has(k));
  const levels = opts.levels ?? [2, 3, 4, 5];
  const benignCopies = opts.benignCopies ?? Math.ceil(opts.copies / 2);
  const out: PlannedCopy[] = [];
  sources.forEach((key, s) => {
    const h = hashKey(key) ^ Math.imul(opts.seed | 0, 0x9e3779b1);
    const rng = mulberry32(h ^ 0x5eed);
    // Excluded kinds are swapped for allowed ones from a second stream, so every other copy (kind,
    // level, seed) is exactly the copy the full plan makes and its cached features are reused.
    const spare = mulberry32(h ^ 0x5a7e);
    const deck = shuffleInPlace([...DISTORTION_KINDS], rng);
    const used = new Set<string>();
    for (let c = 0; c < opts.copies; c++) {
      const dealt = deck[c % deck.length]!;
      const level = levels[Math.floor(rng() * levels.length)]!;
      const seed = Math.floor(rng() * 2 ** 31);
      if (!kinds.length) continue;
      let kind = dealt;
      if (excluded.has(dealt)) {
        const fresh = kinds.filter((k) => !used.has(k) && !deck.slice(0, opts.copies).includes(k));
        const pool = fresh.length ? fresh : kinds;
        kind = pool[Math.floor(spare() * pool.length)]!;
      }
      used.add(kind);
      out.push({ source: s, label: 'bad', spec: { kind, level, seed } });
    }
    const benign = shuffleInPlace([...BENIGN_KINDS], rng);
    for (let c = 0; c < benignCopies; c++) out.push({ source: s, label: 'good', spec: { kind: benign[c % benign.length]!, level: 0, seed: Math.floor(rng() * 2 ** 31) } });
  });
  return out;
}
