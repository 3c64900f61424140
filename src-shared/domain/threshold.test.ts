import { describe, expect, it } from 'vitest';
import {
  clopperPearsonUpper,
  clopperPearsonUpperAtMost,
  formatClassThreshold,
  formatPercent,
  formatProbability,
  formatThreshold,
  leastFlaggedToProve,
  inverseRegularizedIncompleteBeta,
  logGamma,
  regularizedIncompleteBeta,
  ThresholdIndex,
  type ThresholdStats,
} from './threshold';
import fc from 'fast-check';
import { mulberry32 } from './random';
import { sketchGrid } from './thresholdSketch';
import { roundConfidence } from './tags';


// ---------------------------------------------------------------------------------------------
// Brute force: one pass over the raw data per question, written from the definitions.
// ---------------------------------------------------------------------------------------------

function bruteAt(scores: number[], positives: boolean[], t: number, confidence = 0.95): ThresholdStats {
  let flagged = 0;
  let tp = 0;
  let totalPositives = 0;
  for (let i = 0; i < scores.length; i++) {
    if (positives[i]) totalPositives++;
    if (scores[i]! >= t) {
      flagged++;
      if (positives[i]) tp++;
    }
  }
  const fp = flagged - tp;
  return {
    threshold: t,
    flagged,
    tp,
    fp,
    coverage: totalPositives === 0 ? 0 : tp / totalPositives,
    error: flagged === 0 ? 0 : fp / flagged,
    error_upper: clopperPearsonUpper(fp, flagged, confidence),
  };
}

function bruteRecommend(scores: number[], positives: boolean[], targetError: number, confidence: number): ThresholdStats | null {
  const distinct = [...new Set(scores)].sort((a, b) => a - b);
  for (const t of distinct) {
    const s = bruteAt(scores, positives, t, confidence);
    if (s.error_upper! <= targetError) return s;
  }
  return null;
}

function expectSameStats(actual: ThresholdStats, expected: ThresholdStats): void {
  expect(actual.threshold).toBe(expected.threshold);
  expect(actual.flagged).toBe(expected.flagged);
  expect(actual.tp).toBe(expected.tp);
  expect(actual.fp).toBe(expected.fp);
  for (const key of ['coverage', 'error', 'error_upper'] as const) {
    expect(Math.abs(actual[key]! - expected[key]!), key).toBeLessThanOrEqual(1e-12);
  }
}

// ---------------------------------------------------------------------------------------------
// Random data sets.
// ---------------------------------------------------------------------------------------------

interface Case {
  scores: number[];
  positives: boolean[];
  kind: string;
}

function randomCase(rng: () => number): Case {
  const sizeRoll = rng();
  const n = sizeRoll < 0.1 ? Math.floor(rng() * 4) : Math.floor(rng() * 301); // 0..300, often tiny
  const scoreKinds = ['grid10', 'grid100', 'continuous', 'mixed', 'extremes'] as const;
  const scoreKind = scoreKinds[Math.floor(rng() * scoreKinds.length)]!;
  const labelKinds = ['random', 'calibrated', 'allPositive', 'allNegative', 'mostlyPositive'] as const;
  const labelKind = labelKinds[Math.floor(rng() * labelKinds.length)]!;
  const scores: number[] = [];
  const positives: boolean[] = [];
  for (let i = 0; i < n; i++) {
    let s: number;
    if (scoreKind === 'grid10') s = Math.round(rng() * 10) / 10;
    else if (scoreKind === 'grid100') s = Math.round(rng() * 100) / 100;
    else if (scoreKind === 'continuous') s = rng();
    else if (scoreKind === 'mixed') s = rng() < 0.5 ? Math.round(rng() * 20) / 20 : rng();
    else s = rng() < 0.3 ? 0 : rng() < 0.4 ? 1 : rng();
    scores.push(s);
    let p: boolean;
    if (labelKind === 'random') p = rng() < 0.5;
    else if (labelKind === 'calibrated') p = rng() < s;
    else if (labelKind === 'allPositive') p = true;
    else if (labelKind === 'allNegative') p = false;
    else p = rng() < 0.85 + 0.15 * s; // mostly the class, errors concentrated at low scores
    positives.push(p);
  }
  return { scores, positives, kind: `${scoreKind}/${labelKind}/n=${n}` };
}

function randomThresholds(rng: () => number, scores: number[]): number[] {
  const ts = [-Infinity, -0.5, 0, 1, 1.5, Infinity, rng(), rng(), Math.round(rng() * 10) / 10];
  for (let k = 0; k < 6 && scores.length; k++) {
    const s = scores[Math.floor(rng() * scores.length)]!;
    ts.push(s, s + 1e-12, s - 1e-12); // exactly a score, and just either side of it
  }
  return ts;
}

// ---------------------------------------------------------------------------------------------

describe('ThresholdIndex against brute force', () => {
  const CASES = 400;

  it(`at(t) matches a per-query scan on ${CASES} seeded random sets`, () => {
    const rng = mulberry32(20240611);
    let queries = 0;
    for (let c = 0; c < CASES; c++) {
      const { scores, positives, kind } = randomCase(rng);
      // Alternate label encodings: booleans, 0/1 numbers, a typed array.
      const labels = c % 3 === 0 ? positives : c % 3 === 1 ? positives.map(Number) : Uint8Array.from(positives.map(Number));
      const index = new ThresholdIndex(c % 2 ? Float64Array.from(scores) : scores, labels);
      expect(index.size, kind).toBe(scores.length);
      expect(index.positiveCount, kind).toBe(positives.filter(Boolean).length);
      for (const t of randomThresholds(rng, scores)) {
        const confidence = [0.95, 0.9, 0.99, 0.5][queries % 4]!;
        expectSameStats(index.at(t, confidence), bruteAt(scores, positives, t, confidence));
        expect(index.flagged(t)).toBe(bruteAt(scores, positives, t).flagged);
        queries++;
      }
    }
    expect(queries).toBeGreaterThan(CASES * 9);
  });

  it(`recommend() matches a scan of all distinct scores on ${CASES} seeded random sets`, () => {
    const rng = mulberry32(7);
    let recommended = 0;
    let none = 0;
    for (let c = 0; c < CASES; c++) {
      const { scores, positives, kind } = randomCase(rng);
      const index = new ThresholdIndex(scores, positives);
      const targetError = [0.05, 0.1, 0.2, 0.3, 0.5, 0, 1][c % 7]!;
      const confidence = [0.95, 0.8, 0.99, 0.3][Math.floor(c / 7) % 4]!;
      const expected = bruteRecommend(scores, positives, targetError, confidence);
      const actual = index.recommend({ targetError, confidence });
      if (expected === null) {
        expect(actual, kind).toBeNull();
        none++;
      } else {
        expect(actual, kind).not.toBeNull();
        expectSameStats(actual!, expected);
        expect(actual!.error_upper).toBeLessThanOrEqual(targetError);
        recommended++;
      }
    }
    // Both outcomes must be exercised, or the comparison proves little.
    expect(recommended).toBeGreaterThan(CASES / 4);
    expect(none).toBeGreaterThan(CASES / 10);
  });

  it('recommend() matches the scan on a 20,000-image calibrated set (where pruning matters)', () => {
    const rng = mulberry32(99);
    const scores: number[] = [];
    const positives: boolean[] = [];
    for (let i = 0; i < 20_000; i++) {
      const s = Math.round(rng() * 1e4) / 1e4;
      scores.push(s);
      positives.push(rng() < s);
    }
    const index = new ThresholdIndex(scores, positives);
    for (const targetError of [0.05, 0.02]) {
      const expected = bruteRecommend(scores, positives, targetError, 0.95);
      expect(expected).not.toBeNull();
      expectSameStats(index.recommend({ targetError })!, expected!);
    }
  });

  it('candidates() are the distinct scores, ascending', () => {
    const rng = mulberry32(3);
    for (let c = 0; c < 100; c++) {
      const { scores, positives } = randomCase(rng);
      const expected = [...new Set(scores)].sort((a, b) => a - b);
      expect([...new ThresholdIndex(scores, positives).candidates()]).toEqual(expected);
      expect([...new ThresholdIndex(scores).candidates()]).toEqual(expected);
    }
  });

  it('curve() is at() over 0..1 in even steps', () => {
    const rng = mulberry32(5);
    const { scores, positives } = randomCase(rng);
    const index = new ThresholdIndex(scores, positives);
    const curve = index.curve();
    expect(curve).toHaveLength(101);
    curve.forEach((point, i) => {
      expect(point.threshold).toBe(i / 100);
      expectSameStats(point, bruteAt(scores, positives, i / 100));
    });
    expect(index.curve(2).map((p) => p.threshold)).toEqual([0, 1]);
    expect(() => index.curve(1)).toThrow(RangeError);
  });
});

describe('ThresholdIndex semantics', () => {
  it('flags scores exactly equal to the threshold', () => {
    const index = new ThresholdIndex([0.2, 0.5, 0.5, 0.8], [false, true, false, true]);
    expect(index.at(0.5)).toMatchObject({ flagged: 3, tp: 2, fp: 1, coverage: 1, error: 1 / 3 });
    expect(index.at(0.5000001)).toMatchObject({ flagged: 1, tp: 1, fp: 0, coverage: 0.5, error: 0 });
  });

  it('with nothing flagged: error 0, upper bound 1', () => {
    const index = new ThresholdIndex([0.2, 0.4], [true, false]);
    expect(index.at(2)).toEqual({ threshold: 2, flagged: 0, tp: 0, fp: 0, coverage: 0, error: 0, error_upper: 1 });
  });

  it('an empty index answers and recommends nothing', () => {
    const index = new ThresholdIndex([], []);
    expect(index.at(0.5)).toMatchObject({ flagged: 0, error: 0, error_upper: 1 });
    expect(index.recommend()).toBeNull();
    expect(index.candidates()).toHaveLength(0);
  });

  it('without labels, counts flagged images and leaves the label stats null', () => {
    const scores = [0.1, 0.5, 0.5, 0.9, 0.3];
    const index = new ThresholdIndex(scores);
    expect(index.labelled).toBe(false);
    expect(index.positiveCount).toBeNull();
    expect(index.at(0.5)).toEqual({ threshold: 0.5, flagged: 3, tp: null, fp: null, coverage: null, error: null, error_upper: null });
    expect(index.flagged(0)).toBe(5);
    expect(index.flagged(0.95)).toBe(0);
    expect(index.curve(3).map((p) => p.flagged)).toEqual([5, 3, 0]);
    expect(() => index.recommend()).toThrow(/needs labels/);
  });

  it('rejects NaN scores with the offending index, and NaN thresholds', () => {
    expect(() => new ThresholdIndex([0.1, 0.2, NaN], [true, false, true])).toThrow(/index 2 is NaN/);
    expect(() => new ThresholdIndex(Float64Array.of(NaN))).toThrow(/index 0 is NaN/);
    expect(() => new ThresholdIndex([0.1]).at(NaN)).toThrow(/NaN/);
  });

  it('rejects labels of another length and bad options', () => {
    expect(() => new ThresholdIndex([0.1, 0.2], [true])).toThrow(/2 scores but 1 labels/);
    const index = new ThresholdIndex([0.1], [true]);
    expect(() => index.recommend({ targetError: 1.5 })).toThrow(RangeError);
    expect(() => index.recommend({ confidence: 1 })).toThrow(RangeError);
    expect(() => index.at(0.5, 0)).toThrow(RangeError);
  });

  it('recommends the lowest score that proves 5% at 95%: 59 clean images do, 58 do not', () => {
    const clean = (n: number) => Array.from({ length: n }, (_, i) => 0.9 + i / 1000);
    // 59 positives above 0.9, one negative at 0.5: cutting at 0.9 flags 59 with 0 errors.
    const s59 = [0.5, ...clean(59)];
    const r = new ThresholdIndex(s59, [false, ...clean(59).map(() => true)]).recommend();
    expect(r).toMatchObject({ threshold: 0.9, flagged: 59, fp: 0, coverage: 1 });
    expect(r!.error_upper).toBeCloseTo(0.04951, 5);
    const s58 = [0.5, ...clean(58)];
    expect(new ThresholdIndex(s58, [false, ...clean(58).map(() => true)]).recommend()).toBeNull();
  });

  it('recommend() may skip a failing threshold for a lower one that passes (not monotone)', () => {
    // High scores: 10 positives then 1 negative on top; below them, 200 clean positives.
    const scores = [0.99, ...Array.from({ length: 10 }, () => 0.9), ...Array.from({ length: 200 }, () => 0.6)];
    const positives = [false, ...scores.slice(1).map(() => true)];
    const r = new ThresholdIndex(scores, positives).recommend();
    expect(r).toMatchObject({ threshold: 0.6, flagged: 211, fp: 1 });
  });
});

describe('Clopper–Pearson upper bound', () => {
  // Reference quantiles: scipy.stats.beta.ppf(confidence, k + 1, n - k) (agrees with mpmath
  // bisection at 40 digits).
  it.each([
    [0, 59, 0.95, 0.04950760988822693],
    [0, 58, 0.95, 0.050339338330420105],
    [0, 10, 0.95, 0.2588655508930522],
    [1, 20, 0.95, 0.2161061642068473],
    [5, 100, 0.95, 0.1022533776432745],
    [50, 1000, 0.95, 0.06286340351237973],
    [3, 7, 0.95, 0.7746784159675522],
    [6, 7, 0.95, 0.9926991680209853],
    [500, 10000, 0.95, 0.05373317819066032],
    [5, 100, 0.99, 0.12585173069767863],
    [12, 40, 0.9, 0.411601000485115],
    [0, 1, 0.95, 0.95],
    [0, 1_000_000, 0.95, 2.9957277863525433e-6],
    [50_000, 1_000_000, 0.95, 0.05035995136217609],
    [250_000, 1_000_000, 0.95, 0.25071327670785687],
  ])('k=%i of n=%i at %f → %f', (k, n, c, expected) => {
    const upper = clopperPearsonUpper(k, n, c);
    expect(Math.abs(upper - expected) / expected).toBeLessThan(1e-10);
  });

  it('0 errors in 59 proves 5% at 95%, 0 in 58 does not', () => {
    expect(clopperPearsonUpper(0, 59)).toBeLessThan(0.05);
    expect(clopperPearsonUpper(0, 58)).toBeGreaterThan(0.05);
  });

  it('matches the closed form 1 − (1 − c)^(1/n) when there are no errors', () => {
    for (const c of [0.5, 0.8, 0.9, 0.95, 0.99, 0.999]) {
      for (let n = 1; n <= 300; n += n < 20 ? 1 : 7) {
        expect(Math.abs(clopperPearsonUpper(0, n, c) - (1 - Math.pow(1 - c, 1 / n)))).toBeLessThan(1e-12);
      }
    }
  });

  it('puts the beta CDF at the confidence for random k, n', () => {
    const rng = mulberry32(11);
    for (let i = 0; i < 300; i++) {
      const n = 1 + Math.floor(rng() * (rng() < 0.8 ? 500 : 200_000));
      const k = Math.floor(rng() * n); // k < n
      const c = 0.5 + rng() * 0.499;
      const upper = clopperPearsonUpper(k, n, c);
      expect(upper).toBeGreaterThan(k / n);
      expect(Math.abs(regularizedIncompleteBeta(upper, k + 1, n - k) - c)).toBeLessThan(1e-10);
      // The CDF-only decision agrees away from the boundary.
      expect(clopperPearsonUpperAtMost(k, n, upper * 1.0001, c)).toBe(true);
      expect(clopperPearsonUpperAtMost(k, n, upper * 0.9999, c)).toBe(false);
    }
  });

  it('is 1 when nothing was tried or everything failed, rises with errors, falls with trials', () => {
    expect(clopperPearsonUpper(0, 0)).toBe(1);
    expect(clopperPearsonUpper(7, 7)).toBe(1);
    for (const n of [1, 2, 7, 50, 301]) {
      let last = 0;
      for (let k = 0; k <= n; k++) {
        const u = clopperPearsonUpper(k, n);
        expect(u, `k=${k} n=${n}`).toBeGreaterThan(last);
        if (k < n) expect(u, `k=${k} n=${n}`).toBeGreaterThan(clopperPearsonUpper(k, n + 1)); // more trials, tighter
        last = u;
      }
    }
  });

  it('rejects impossible counts and confidences', () => {
    expect(() => clopperPearsonUpper(3, 2)).toThrow(RangeError);
    expect(() => clopperPearsonUpper(-1, 2)).toThrow(RangeError);
    expect(() => clopperPearsonUpper(0.5, 2)).toThrow(RangeError);
    expect(() => clopperPearsonUpper(0, 2, 1.2)).toThrow(RangeError);
  });
});

describe('special functions', () => {
  it('logGamma matches log factorials and Γ(1/2) = √π', () => {
    let logFactorial = 0;
    for (let n = 1; n <= 170; n++) {
      expect(Math.abs(logGamma(n) - logFactorial)).toBeLessThan(1e-12 * Math.max(1, logFactorial));
      logFactorial += Math.log(n);
    }
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(logGamma(0.1)).toBeCloseTo(2.252712651734206, 12); // ln Γ(0.1)
    expect(() => logGamma(0)).toThrow(RangeError);
  });

  // Reference values: scipy.special.betainc(a, b, x).
  it.each([
    [0.3, 3.5, 7.25, 0.45994987721650343],
    [0.34, 1000, 2000, 0.7812150911606441],
    [0.1, 0.5, 0.5, 0.20483276469913345],
  ])('I_%f(%f, %f) = %f', (x, a, b, expected) => {
    expect(Math.abs(regularizedIncompleteBeta(x, a, b) - expected)).toBeLessThan(1e-12);
  });

  it('for whole a, b equals a binomial tail: I_x(k+1, n−k) = P(Bin(n, x) > k)', () => {
    const rng = mulberry32(13);
    for (let i = 0; i < 300; i++) {
      const n = 1 + Math.floor(rng() * 60);
      const k = Math.floor(rng() * n);
      const x = rng();
      let tail = 0;
      for (let j = k + 1; j <= n; j++) tail += Math.exp(logChoose(n, j) + j * Math.log(x) + (n - j) * Math.log1p(-x));
      expect(Math.abs(regularizedIncompleteBeta(x, k + 1, n - k) - tail)).toBeLessThan(1e-12);
    }
  });

  it('is symmetric, I_x(a, b) = 1 − I_{1−x}(b, a), and inverts', () => {
    const rng = mulberry32(17);
    for (let i = 0; i < 300; i++) {
      const a = 0.2 + rng() * (rng() < 0.5 ? 10 : 5000);
      const b = 0.2 + rng() * (rng() < 0.5 ? 10 : 5000);
      const x = rng();
      const v = regularizedIncompleteBeta(x, a, b);
      expect(Math.abs(v - (1 - regularizedIncompleteBeta(1 - x, b, a)))).toBeLessThan(1e-12);
      const p = 0.001 + 0.998 * rng();
      const q = inverseRegularizedIncompleteBeta(p, a, b);
      // Within 1e-12 (relative) of the root: the CDF brackets p there. (Where the CDF is steep,
      // one unit in the last place of q moves it by more than 1e-10, so test x, not the CDF.)
      expect(regularizedIncompleteBeta(q * (1 - 1e-12), a, b)).toBeLessThanOrEqual(p + 1e-14);
      expect(regularizedIncompleteBeta(Math.min(1, q * (1 + 1e-12)), a, b)).toBeGreaterThanOrEqual(p - 1e-14);
    }
  });
});

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

describe('formatProbability', () => {
  it('shows three decimals in the middle and two digits of the distance to 0 or 1 near the ends', () => {
    expect(formatProbability(0.5)).toBe('0.500');
    expect(formatProbability(0.9)).toBe('0.900');
    expect(formatProbability(0.99941)).toBe('0.99941');
    expect(formatProbability(0.9999842643737793)).toBe('0.999984');
    expect(formatProbability(0.00012)).toBe('0.00012');
    expect(formatProbability(0.9999)).toBe('0.99990');
    expect(formatProbability(0.99)).toBe('0.990');
    expect(formatProbability(0)).toBe('0.000');
    expect(formatProbability(1)).toBe('1.000');
  });

  it('tells apart thresholds that three decimals print alike, and never prints a p inside 0..1 as an end', () => {
    const near1 = [0.9991, 0.9994, 0.99998, 0.999999, 0.99999994, 1 - 1e-12];
    const texts = near1.map((p) => formatProbability(p));
    expect(new Set(texts).size).toBe(near1.length);
    expect(texts.at(-1)).toBe('1 − 1.0e-12');
    // Near 0 the number itself, which reads back as that number (no "0 + …").
    expect(formatProbability(3.5e-12)).toBe('3.5e-12');
    expect(Number(formatProbability(2.04e-9))).toBeCloseTo(2.0e-9, 18);
    for (const p of [1e-15, 3e-9, 0.2, 0.7, 1 - 3e-9]) {
      const t = formatProbability(p);
      expect(t).not.toBe('0.000');
      expect(t).not.toBe('1.000');
      // The printed number is within half a unit of its last decimal (or the ± form is exact to two digits).
      if (!t.includes('e')) expect(Math.abs(Number(t) - p)).toBeLessThanOrEqual(0.5 * 10 ** -(t.split('.')[1]!.length) + 1e-15);
    }
  });
});

describe('formatThreshold', () => {
  it('prints a stored threshold exactly, so typing it back flags the same images', () => {
    expect(formatThreshold(0.512345)).toBe('0.512345'); // formatProbability: 0.512
    expect(formatThreshold(0.995341)).toBe('0.995341'); // formatProbability: 0.9953
    expect(formatThreshold(0.999995)).toBe('0.9999950'); // formatProbability is exact: kept, never 1.000
    expect(formatThreshold(0.9)).toBe('0.900');
    expect(formatThreshold(0)).toBe('0.000');
    expect(formatThreshold(1)).toBe('1.000');
    expect(Number(formatThreshold(1 - 1e-12))).toBe(1 - 1e-12);
    // Two curator values three decimals print alike are told apart, as typed.
    expect(formatThreshold(0.9686)).toBe('0.9686');
    expect(formatThreshold(0.9691)).toBe('0.9691');
    expect(formatThreshold(0.95123456)).toBe('0.95123456');
    expect(formatThreshold(1e-9)).toBe('1.0e-9');
    const rand = mulberry32(7);
    // p(bad) as stored (6 decimals), and thresholds among them.
    const ps = Array.from({ length: 2000 }, () => roundConfidence(rand() ** (rand() < 0.5 ? 0.05 : 1)));
    for (const t of ps.slice(0, 300)) {
      const typed = Number(formatThreshold(t));
      expect(typed).toBe(t);
      expect(ps.filter((p) => p >= typed)).toEqual(ps.filter((p) => p >= t));
    }
  });

  it('prints a slider position (no short decimal) with the fewest digits that flag the same images', () => {
    // Between the stored values 0.968627 and 0.968628: one more decimal says it, 0.969 would not.
    expect(formatThreshold(0.9686274509803922)).toBe('0.9686275');
    expect(formatThreshold(0.9999842643737793)).toBe('0.9999843');
    // A class threshold 1 − 0.509832 lies a hair off 0.490168, where a stored p(bad) can be: typing 0.490168 would flag that image too.
    expect(Number(formatThreshold(1 - 0.509832))).toBe(1 - 0.509832);
    // Never the "1 − 2.0e-12" form, which no one can type back.
    expect(Number(formatThreshold(1 - 2e-12))).toBe(1 - 2e-12);
  });

  it('property: the text reads back as the threshold, or as a value on its side of every possible p(bad)', () => {
    // Possible p(bad): a 6-decimal stored value, or 1 − one (a tag file's imclass good, confidence c).
    const stored = fc.integer({ min: 0, max: 1_000_000 }).map((k) => k / 1_000_000);
    const pBad = fc.oneof(stored, stored.map((c) => 1 - c), stored.map(roundConfidence));
    const threshold = fc.oneof(
      fc.double({ min: 0, max: 1, noNaN: true }),
      stored,
      stored.map((c) => 1 - c),
      fc.integer({ min: 1, max: 400 }).map((k) => sketchGrid(400)[k]!),
      fc.double({ min: 0, max: 1e-6, noNaN: true }),
      fc.double({ min: 1 - 1e-6, max: 1, noNaN: true }),
    );
    fc.assert(
      fc.property(threshold, fc.array(pBad, { maxLength: 50 }), (t, ps) => {
        const text = formatThreshold(t);
        const typed = Number(text);
        expect(Number.isFinite(typed), text).toBe(true);
        expect(text.length).toBeLessThanOrEqual(24);
        // The stored value's neighbours are the images most likely to be crossed: test them too.
        const near = [Math.floor(t * 1e6) / 1e6, Math.ceil(t * 1e6) / 1e6].flatMap((g) => [g, 1 - (1 - g), 1 - roundConfidence(1 - g)]);
        // A threshold that is itself a possible p(bad) (a recommended one is an image's score) flags that image.
        const atT = Math.abs(t - roundConfidence(t)) <= 1e-12 ? [t] : [];
        for (const p of [...ps, ...near, ...atT]) expect(p >= typed, `p ${p}, t ${t}, shown ${text}`).toBe(p >= t);
        // Never rounded to an end it is not.
        if (t > 0 && t < 1) expect(typed > 0 && typed < 1 ? true : typed === t).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('leastFlaggedToProve', () => {
  it('is the fewest flagged images without a mistake whose Clopper–Pearson bound meets the target', () => {
    expect(leastFlaggedToProve(0.05)).toBe(59);
    expect(leastFlaggedToProve(0.1)).toBe(29);
    for (const target of [0.01, 0.02, 0.05, 0.1, 0.2]) {
      for (const confidence of [0.9, 0.95, 0.99]) {
        const n = leastFlaggedToProve(target, confidence);
        expect(clopperPearsonUpper(0, n, confidence)).toBeLessThanOrEqual(target);
        expect(clopperPearsonUpper(0, n - 1, confidence)).toBeGreaterThan(target);
      }
    }
    expect(() => leastFlaggedToProve(0)).toThrow(RangeError);
  });

  it('stays finite and right for tiny targets, where 1 − target rounds to 1', () => {
    expect(leastFlaggedToProve(1e-6)).toBe(2995731);
    expect(clopperPearsonUpper(0, leastFlaggedToProve(1e-6))).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(leastFlaggedToProve(1e-9) - 2995732273) / 2995732273).toBeLessThan(1e-8);
    for (const target of [1e-17, 1e-300, Number.MIN_VALUE]) {
      const n = leastFlaggedToProve(target);
      expect(Number.isSafeInteger(n)).toBe(true);
      expect(n).toBeGreaterThan(1e15);
    }
  });
});

describe('formatPercent and formatClassThreshold (one wording for the CLI, the stored notes and the Train screen)', () => {
  it('writes a target error with no float noise and keeps a half percent', () => {
    expect(formatPercent(0.07)).toBe('7%');
    expect(formatPercent(0.29)).toBe('29%');
    expect(formatPercent(0.075)).toBe('7.5%');
    expect(formatPercent(0.05)).toBe('5%');
  });
  it('names the class a threshold compares, a good one with the p(bad) it means', () => {
    expect(formatClassThreshold('bad', 0.83)).toBe(`p(bad) ≥ ${formatThreshold(0.83)}`);
    const good = formatClassThreshold('good', 0.490956);
    expect(good.startsWith(`p(good) ≥ ${formatThreshold(0.490956)} (p(bad) ≤ `)).toBe(true);
    expect(Number(/p\(bad\) ≤ ([0-9.]+)\)/.exec(good)![1])).toBeCloseTo(1 - 0.490956, 6);
  });
});
