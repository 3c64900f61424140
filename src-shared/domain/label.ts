/**
 * Labels and how EOL ratings turn into them.
 *
 * A rating is a fractional user score 1–5. It is rounded to a class 1–5 the way the seed
 * notebooks did (Python's `round`, i.e. half to even), and classes are aggregated to a label
 * by a {@link LabelRule} that lives in the library's settings, not in code.
 */

import { countOf } from './words';

export const LABELS = ['good', 'bad'] as const;
export type Label = (typeof LABELS)[number];
/** The current label of an image: good, bad, or none (unlabelled). */
export type LabelValue = Label | null;
export type LabelOrigin = 'import' | 'curator';

export type RatingClass = 1 | 2 | 3 | 4 | 5;
export const RATING_CLASSES: readonly RatingClass[] = [1, 2, 3, 4, 5];

export interface LabelRule {
  /** Rating classes that aggregate to `bad`. */
  bad: RatingClass[];
  /** Rating classes that aggregate to `good`. */
  good: RatingClass[];
  /** Label given to images selected as exemplars (the seed: good). */
  exemplar: LabelValue;
}

/** The seed's rule: 1–2 → bad, 4–5 and exemplars → good, 3 unlabelled. */
export const DEFAULT_LABEL_RULE: LabelRule = { bad: [1, 2], good: [4, 5], exemplar: 'good' };

/** Python 3 `round()`: halves go to the even neighbour (2.5 → 2, 3.5 → 4). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

export function isValidRating(value: number): boolean {
  return Number.isFinite(value) && value >= 1 && value <= 5;
}

/** The class (1–5) of a fractional rating; throws on a value outside 1..5. */
export function ratingClass(value: number): RatingClass {
  if (!isValidRating(value)) throw new RangeError(`rating ${value} is outside 1..5`);
  return roundHalfEven(value) as RatingClass;
}

/** Evidence about one image gathered from every source row that points at it. */
export interface LabelEvidence {
  /** Fractional ratings (EOL ratings file, or the class of a `images/1..5` folder). */
  ratings: number[];
  /** Whether any source selected it as an exemplar. */
  exemplar: boolean;
  /** Labels given by a labelled folder layout (`images/agg/bad|good`). */
  folderLabels: Label[];
}

export interface DerivedRating {
  /** Mean of the raw ratings, or null when the image has none. */
  value: number | null;
  /** Class of the image: 5 for exemplars, else the rounded mean, else null. */
  ratingClass: RatingClass | null;
  /** The label that the import side proposes under the rule. */
  label: LabelValue;
}

/**
 * Derive an image's rating class and import label. Precedence: exemplar, then an explicit
 * folder label, then the rounded mean rating under the rule.
 */
export function deriveLabel(evidence: LabelEvidence, rule: LabelRule): DerivedRating {
  const value = evidence.ratings.length
    ? evidence.ratings.reduce((a, b) => a + b, 0) / evidence.ratings.length
    : null;
  const cls: RatingClass | null = evidence.exemplar ? 5 : value === null ? null : ratingClass(value);
  let label: LabelValue = null;
  if (evidence.exemplar) label = rule.exemplar;
  else if (evidence.folderLabels.length) label = agreeingLabel(evidence.folderLabels);
  else if (cls !== null) label = labelForClass(cls, rule);
  return { value, ratingClass: cls, label };
}

/**
 * Whether {@link deriveLabel} leaves an image unlabelled because its evidence disagrees: no
 * exemplar, and its folder labels (where it has any: they win over ratings) or else its ratings,
 * each by its own class, say both bad and good under the rule, and the outcome is no label (a
 * rating 1 and a 5 average to class 3; folders `agg/bad` and `agg/good` cancel out). Only a report
 * (an import's summary counts them): the rule itself is {@link deriveLabel}'s.
 */
export function unlabelledByDisagreement(evidence: LabelEvidence, rule: LabelRule): boolean {
  if (evidence.exemplar) return false;
  const says = evidence.folderLabels.length
    ? evidence.folderLabels
    : evidence.ratings.filter(isValidRating).map((r) => labelForClass(ratingClass(r), rule));
  return says.includes('bad') && says.includes('good') && deriveLabel(evidence, rule).label === null;
}

export function labelForClass(cls: RatingClass, rule: LabelRule): LabelValue {
  if (rule.bad.includes(cls)) return 'bad';
  if (rule.good.includes(cls)) return 'good';
  return null;
}

/** All folder labels agree → that label; a conflict leaves the image unlabelled. */
function agreeingLabel(labels: Label[]): LabelValue {
  const first = labels[0] ?? null;
  return labels.every((l) => l === first) ? first : null;
}

/** Validate a rule read from settings or a user; returns a list of problems (empty when valid). */
export function labelRuleProblems(rule: LabelRule): string[] {
  const problems: string[] = [];
  for (const cls of [...rule.bad, ...rule.good]) {
    if (!RATING_CLASSES.includes(cls)) problems.push(`class ${cls} is not one of 1..5`);
  }
  const overlap = rule.bad.filter((c) => rule.good.includes(c));
  if (overlap.length) problems.push(`classes ${overlap.join(',')} are both bad and good`);
  if (rule.exemplar !== null && !LABELS.includes(rule.exemplar)) problems.push(`exemplar label ${String(rule.exemplar)} is not good, bad or null`);
  return problems;
}

/** A rule as it is stored and shown: each list of classes without repeats, in order (`[2, 1, 2]` is `[1, 2]`). */
export function normalizeLabelRule(rule: LabelRule): LabelRule {
  const tidy = (cs: readonly RatingClass[]) => [...new Set(cs)].sort((a, b) => a - b);
  return { ...rule, bad: tidy(rule.bad), good: tidy(rule.good) };
}

/** Whether two rules give the same labels (class order and repeats do not matter). */
export function sameRule(a: LabelRule, b: LabelRule): boolean {
  const key = (r: LabelRule) => {
    const n = normalizeLabelRule(r);
    return JSON.stringify([n.bad, n.good, n.exemplar]);
  };
  return key(a) === key(b);
}

export function parseLabelValue(text: string): LabelValue {
  if (text === 'good' || text === 'bad') return text;
  if (text === 'none' || text === 'null') return null;
  // Empty is refused, not read as none: an unset shell variable (`--as "$L"`) would otherwise make
  // every label a curator's "no label", which imports never touch again.
  if (text === '') throw new RangeError('label must be good, bad or none, got an empty value (say none to clear labels)');
  throw new RangeError(`label must be good, bad or none, got "${text}"`);
}

/**
 * What a rule change says of the import labels a folder decides (LabelService.folderDecided): an
 * imported `agg/bad|good` folder wins over ratings, so the rule changed none of them (concepts audit 4).
 */
export function folderDecidedText(n: number): string {
  return `${countOf(n, 'import label')} ${n === 1 ? 'comes' : 'come'} from an imported training folder (images/agg/bad|good), which decides ${n === 1 ? 'it' : 'them'} over ratings: no rule changes ${n === 1 ? 'it' : 'them'} (a curator label does).`;
}
