import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LABEL_RULE,
  deriveLabel,
  labelForClass,
  labelRuleProblems,
  parseLabelValue,
  ratingClass,
  roundHalfEven,
  sameRule,
  unlabelledByDisagreement,
  type LabelEvidence,
  type LabelRule,
  type RatingClass,
} from './label';

const evidence = (e: Partial<LabelEvidence>): LabelEvidence => ({ ratings: [], exemplar: false, folderLabels: [], ...e });

describe('roundHalfEven', () => {
  // Expected values are Python 3's round() of the same numbers.
  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [3.5, 4],
    [4.5, 4],
    [2.49, 2],
    [2.51, 3],
    [1, 1],
    [5, 5],
    [1.0000001, 1],
    [4.9999999, 5],
  ])('round(%s) = %s as in Python', (x, expected) => {
    expect(roundHalfEven(x)).toBe(expected);
  });
});

describe('ratingClass', () => {
  it('rounds a fractional rating to its class, half to even', () => {
    expect(ratingClass(1)).toBe(1);
    expect(ratingClass(2.5)).toBe(2);
    expect(ratingClass(3.5)).toBe(4);
    expect(ratingClass(4.5)).toBe(4);
    expect(ratingClass(4.6)).toBe(5);
    expect(ratingClass(5)).toBe(5);
  });

  it.each([0, 0.99, -1, 5.01, 6, NaN, Infinity, -Infinity])('rejects %s', (x) => {
    expect(() => ratingClass(x)).toThrow(RangeError);
  });
});

describe('deriveLabel', () => {
  const rule = DEFAULT_LABEL_RULE;

  it('labels by the rounded class under the default rule', () => {
    const cases: [number, RatingClass, 'good' | 'bad' | null][] = [
      [1, 1, 'bad'],
      [2, 2, 'bad'],
      [2.5, 2, 'bad'],
      [3, 3, null],
      [3.5, 4, 'good'],
      [5, 5, 'good'],
    ];
    for (const [r, cls, label] of cases) {
      expect(deriveLabel(evidence({ ratings: [r] }), rule)).toEqual({ value: r, ratingClass: cls, label });
    }
  });

  it('uses the mean of several ratings', () => {
    // mean 2.5 → class 2 → bad (half to even), although one rating is a 4
    expect(deriveLabel(evidence({ ratings: [1, 4] }), rule)).toEqual({ value: 2.5, ratingClass: 2, label: 'bad' });
    // mean 3.5 → class 4 → good
    expect(deriveLabel(evidence({ ratings: [3, 4] }), rule)).toEqual({ value: 3.5, ratingClass: 4, label: 'good' });
    // mean 3 → class 3 → unlabelled
    expect(deriveLabel(evidence({ ratings: [1, 5] }), rule)).toEqual({ value: 3, ratingClass: 3, label: null });
  });

  it('gives no rating and no label without evidence', () => {
    expect(deriveLabel(evidence({}), rule)).toEqual({ value: null, ratingClass: null, label: null });
  });

  it('exemplar wins over folder labels and ratings, and makes the class 5', () => {
    const d = deriveLabel(evidence({ ratings: [1, 1], exemplar: true, folderLabels: ['bad'] }), rule);
    expect(d).toEqual({ value: 1, ratingClass: 5, label: 'good' });
  });

  it('the exemplar label comes from the rule', () => {
    expect(deriveLabel(evidence({ exemplar: true }), { ...rule, exemplar: 'bad' }).label).toBe('bad');
    expect(deriveLabel(evidence({ exemplar: true }), { ...rule, exemplar: null }).label).toBeNull();
  });

  it('a folder label wins over ratings', () => {
    expect(deriveLabel(evidence({ ratings: [5], folderLabels: ['bad'] }), rule)).toEqual({ value: 5, ratingClass: 5, label: 'bad' });
    expect(deriveLabel(evidence({ ratings: [1], folderLabels: ['good', 'good'] }), rule).label).toBe('good');
  });

  it('conflicting folder labels leave the image unlabelled (and do not fall back to the rating)', () => {
    expect(deriveLabel(evidence({ ratings: [5], folderLabels: ['good', 'bad'] }), rule).label).toBeNull();
    expect(deriveLabel(evidence({ folderLabels: ['bad', 'good'] }), rule).label).toBeNull();
  });

  it('a custom rule changes the outcome', () => {
    const strict: LabelRule = { bad: [1], good: [5], exemplar: 'good' };
    expect(deriveLabel(evidence({ ratings: [2] }), rule).label).toBe('bad');
    expect(deriveLabel(evidence({ ratings: [2] }), strict).label).toBeNull();
    expect(deriveLabel(evidence({ ratings: [4] }), rule).label).toBe('good');
    expect(deriveLabel(evidence({ ratings: [4] }), strict).label).toBeNull();
    expect(deriveLabel(evidence({ ratings: [1] }), strict).label).toBe('bad');
    expect(deriveLabel(evidence({ ratings: [5] }), strict).label).toBe('good');
    const wide: LabelRule = { bad: [1, 2, 3], good: [4, 5], exemplar: 'good' };
    expect(deriveLabel(evidence({ ratings: [3] }), wide).label).toBe('bad');
  });

  it('labelForClass consults bad, then good, else none', () => {
    expect(labelForClass(3, DEFAULT_LABEL_RULE)).toBeNull();
    expect(labelForClass(3, { bad: [], good: [3], exemplar: 'good' })).toBe('good');
  });
});

describe('unlabelledByDisagreement', () => {
  const rule = DEFAULT_LABEL_RULE;
  const conflict = (e: Partial<LabelEvidence>, r: LabelRule = rule) => unlabelledByDisagreement(evidence(e), r);

  it('is true only where ratings say both bad and good and their mean is left unlabelled', () => {
    expect(conflict({ ratings: [1, 5] })).toBe(true); // mean 3
    expect(conflict({ ratings: [2, 4] })).toBe(true);
    expect(conflict({ ratings: [1, 1, 5] })).toBe(false); // mean 2.33: bad, a label after all
    expect(conflict({ ratings: [3, 3] })).toBe(false); // unlabelled, but nobody said bad or good
    expect(conflict({ ratings: [1, 3, 5, 3] })).toBe(true);
    expect(conflict({ ratings: [2, 2] })).toBe(false);
    expect(conflict({})).toBe(false);
  });

  it('folder labels that disagree count; an exemplar or an agreeing folder label settles it', () => {
    expect(conflict({ folderLabels: ['good', 'bad'] })).toBe(true);
    expect(conflict({ folderLabels: ['good', 'good'], ratings: [1, 5] })).toBe(false); // the folder label wins
    expect(conflict({ folderLabels: ['good', 'bad'], exemplar: true })).toBe(false);
    expect(conflict({ ratings: [1, 5], exemplar: true })).toBe(false);
  });

  it('reads the classes by the rule in force', () => {
    const strict: LabelRule = { bad: [1], good: [5], exemplar: 'good' };
    expect(conflict({ ratings: [2, 4] }, strict)).toBe(false); // neither class is bad or good
    expect(conflict({ ratings: [1, 5] }, strict)).toBe(true);
    expect(conflict({ ratings: [1, 4] }, { bad: [1, 2], good: [3, 4, 5], exemplar: 'good' })).toBe(false); // mean 2.5 → 2: bad
  });
});

describe('labelRuleProblems', () => {
  it('accepts the default rule and an empty rule', () => {
    expect(labelRuleProblems(DEFAULT_LABEL_RULE)).toEqual([]);
    expect(labelRuleProblems({ bad: [], good: [], exemplar: null })).toEqual([]);
  });

  it('flags classes that are both bad and good', () => {
    const problems = labelRuleProblems({ bad: [1, 2, 3], good: [3, 4], exemplar: 'good' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/3/);
    expect(problems[0]).toMatch(/both bad and good/);
  });

  it('flags classes outside 1..5', () => {
    const problems = labelRuleProblems({ bad: [0 as RatingClass], good: [6 as RatingClass, 2.5 as RatingClass], exemplar: 'good' });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/class 0 /);
    expect(problems.join('\n')).toMatch(/class 6 /);
    expect(problems.join('\n')).toMatch(/class 2\.5 /);
  });

  it('flags an exemplar label that is not good, bad or null', () => {
    expect(labelRuleProblems({ bad: [1], good: [5], exemplar: 'great' as unknown as 'good' })).toHaveLength(1);
  });
});

describe('parseLabelValue', () => {
  it('parses good, bad and the spellings of none', () => {
    expect(parseLabelValue('good')).toBe('good');
    expect(parseLabelValue('bad')).toBe('bad');
    expect(parseLabelValue('none')).toBeNull();
    expect(parseLabelValue('null')).toBeNull();
  });

  it('refuses an empty value (an unset shell variable) instead of reading it as none', () => {
    expect(() => parseLabelValue('')).toThrow(/got an empty value \(say none to clear labels\)/);
  });

  it.each(['Good', 'BAD', 'maybe', ' good'])('rejects %j', (text) => {
    expect(() => parseLabelValue(text)).toThrow(RangeError);
  });
});

describe('sameRule', () => {
  it('compares the labels two rules give: class order and repeats do not matter, every class list and the exemplar label do', () => {
    const rule: LabelRule = { bad: [1, 2], good: [4, 5], exemplar: 'good' };
    expect(sameRule(rule, { bad: [2, 1, 2], good: [5, 4], exemplar: 'good' })).toBe(true);
    expect(sameRule(rule, { ...rule, bad: [1, 2, 3] })).toBe(false);
    expect(sameRule(rule, { ...rule, good: [5] })).toBe(false);
    expect(sameRule(rule, { ...rule, exemplar: null })).toBe(false);
  });
});
