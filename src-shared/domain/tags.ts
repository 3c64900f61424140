/**
 * EOL's tag TSVs, as the seed notebooks wrote them: per chunk of a bundle, every row with the
 * model's class and confidence (`<bundle>_a.tsv`, `_b`, …), and the final tags (`<bundle>_finaltags.tsv`)
 * where only `bad` is kept as a tag and everything else is `NA`. A curator's good or bad label
 * overrides the model; a cleared label (none) hands the image back to it.
 */
import type { LabelOrigin, LabelValue } from './label';

export const TAG_COLUMNS = ['imclass', 'confidence'] as const;
export const FINAL_COLUMNS = ['imclass', 'confidence', 'source', 'p_bad'] as const;

/**
 * What each column means in `<bundle>_a.tsv`, `<bundle>_finaltags.tsv` and `library_finaltags.tsv`.
 * `confidence` is the probability of the class the row names: in chunk files the model's predicted
 * class (the seed's), in final tags the tag's class (p(bad) for a `bad` tag, 1 − p(bad) for `NA`),
 * so a filter `imclass == 'bad' & confidence > t` reads p(bad) > t at any threshold, one below 0.5
 * included.
 */
export const TAG_COLUMN_MEANINGS: Readonly<Record<string, string>> = Object.freeze({
  imclass: 'chunk files: the model\'s predicted class (good or bad, NA when not scored); final tags: bad or NA',
  confidence:
    "the model's probability of the row's class, 6 decimals. Chunk files: of its predicted class, max(p(bad), 1 − p(bad)). Final tags: of the tag's class, p(bad) for bad and 1 − p(bad) for NA, whatever the threshold (one below 0.5 tags bad rows whose p(bad) is under 0.5). Empty when the image has no prediction, and in final tags also when a curator's label decided the tag",
  source: "final tags: who decided the tag: curator (a curator's good or bad label), model (p(bad) against the threshold), none (no prediction)",
  p_bad: "final tags: the model's p(bad), 6 decimals, compared with the threshold; empty when the image has no prediction",
});
export const DEFAULT_CHUNK_ROWS = 5000;

export type FinalClass = 'bad' | 'NA';
export type TagSource = 'curator' | 'model' | 'none';

export interface TagInput {
  /** The model's p(bad), or null when the image has no prediction (not downloaded, not embedded). */
  pBad: number | null;
  label: LabelValue;
  origin: LabelOrigin | null;
}

/**
 * The final tag of one image: a curator's good or bad label wins (bad → bad, good → NA); otherwise
 * the model tags `bad` when p(bad) ≥ threshold. A curator who cleared a label (origin curator,
 * label none: `qc label ID --as none`, Clear in the app) gave no verdict: the image is the model's
 * again. Import labels (from ratings) do not override the model: the export is about what the
 * classifier found, corrected by curators.
 */
export function finalTag(input: TagInput, threshold: number): { imclass: FinalClass; source: TagSource } {
  if (input.origin === 'curator' && input.label !== null) return { imclass: input.label === 'bad' ? 'bad' : 'NA', source: 'curator' };
  if (input.pBad === null) return { imclass: 'NA', source: 'none' };
  // Compare what is written, so every exported `bad` row shows a confidence ≥ the threshold.
  return { imclass: roundConfidence(input.pBad) >= threshold ? 'bad' : 'NA', source: 'model' };
}

/** The per-chunk class: the more probable of good and bad, with its probability. */
export function predictedClass(pBad: number | null): { imclass: 'good' | 'bad' | 'NA'; confidence: number | null } {
  if (pBad === null) return { imclass: 'NA', confidence: null };
  return pBad >= 0.5 ? { imclass: 'bad', confidence: pBad } : { imclass: 'good', confidence: 1 - pBad };
}

/**
 * The `confidence` cell of a final tag: the model's probability of the tag's class when the model
 * decided the tag (p(bad) for `bad`, 1 − p(bad) for `NA`; not the predicted class's, which under a
 * threshold below 0.5 is good's for a row tagged bad), empty when a curator did or nothing was
 * predicted.
 */
export function finalConfidence(pBad: number | null, tag: { imclass: FinalClass; source: TagSource }): string {
  if (tag.source !== 'model' || pBad === null) return '';
  return formatConfidence(tag.imclass === 'bad' ? pBad : 1 - pBad);
}

/** Chunk suffixes: a, b, …, z, aa, ab, … */
export function chunkSuffix(index: number): string {
  let s = '';
  for (let i = index + 1; i > 0; i = Math.floor((i - 1) / 26)) s = String.fromCharCode(97 + ((i - 1) % 26)) + s;
  return s;
}

/** Cells safe for TSV: no row or field breaks, no formulas, no row-merging quotes (tsv.ts). */
export { tsvCell, tsvLine } from './tsv';

export const CONFIDENCE_DECIMALS = 6;

export function roundConfidence(p: number): number {
  return Number(p.toFixed(CONFIDENCE_DECIMALS));
}

export function formatConfidence(p: number | null): string {
  return p === null ? '' : p.toFixed(CONFIDENCE_DECIMALS);
}
