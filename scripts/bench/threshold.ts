/**
 * Threshold benchmark: builds a ThresholdIndex over N random predictions with labels and times
 * the build, `at(t)` per query (mean and p99 over random thresholds; the target for a slider is
 * ≤ 1 ms), `curve()`, `candidates()` and `recommend()`; also the unlabelled build. Prints
 * numbers and makes no assertions.
 *
 *   npx tsx scripts/bench/threshold.ts [--n 1000000] [--queries 10000] [--seed 1]
 *
 * The data are calibrated: scores uniform on 0..1 with a label drawn as positive with
 * probability equal to the score, so the error at t is about (1 − t)/2 and recommend() has a
 * real answer near t = 0.9 to find.
 */
import { ThresholdIndex } from '../../src-shared/domain/threshold';
import { mulberry32 } from '../../src-shared/domain/random';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v)) throw new Error(`${name} needs a number`);
  return v;
}


function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const out = fn();
  return [out, performance.now() - t0];
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const ms = (x: number) => `${x.toFixed(3)} ms`;

function main(): void {
  const n = arg('--n', 1_000_000);
  const queries = arg('--queries', 10_000);
  const rng = mulberry32(arg('--seed', 1));

  const scores = new Float64Array(n);
  const positives = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    scores[i] = rng();
    positives[i] = rng() < scores[i]! ? 1 : 0;
  }
  console.log(`node ${process.version}, n = ${n.toLocaleString('en')}, ${queries.toLocaleString('en')} queries`);

  const [index, buildMs] = time(() => new ThresholdIndex(scores, positives));
  console.log(`build (labelled):      ${ms(buildMs)}`);
  const [, buildUnlabelledMs] = time(() => new ThresholdIndex(scores));
  console.log(`build (unlabelled):    ${ms(buildUnlabelledMs)}`);

  // Warm the JIT with a separate stream of thresholds, then time each query on its own.
  for (let i = 0; i < 1000; i++) index.at(rng());
  const thresholds = Float64Array.from({ length: queries }, () => rng());
  const perQuery = new Float64Array(queries);
  let checksum = 0;
  for (let i = 0; i < queries; i++) {
    const t0 = performance.now();
    const s = index.at(thresholds[i]!);
    perQuery[i] = performance.now() - t0;
    checksum += s.flagged + (s.error_upper ?? 0);
  }
  const total = perQuery.reduce((a, b) => a + b, 0);
  perQuery.sort();
  console.log(`at(t) mean:            ${ms(total / queries)}`);
  console.log(`at(t) p50 / p99 / max: ${ms(quantile(perQuery, 0.5))} / ${ms(quantile(perQuery, 0.99))} / ${ms(perQuery[queries - 1]!)}`);

  const [, flaggedMs] = time(() => {
    for (let i = 0; i < queries; i++) checksum += index.flagged(thresholds[i]!);
  });
  console.log(`flagged(t) mean:       ${ms(flaggedMs / queries)} (counts only, no error bound)`);

  const [, curveMs] = time(() => index.curve());
  console.log(`curve(101):            ${ms(curveMs)}`);
  const [candidates, candidatesMs] = time(() => index.candidates());
  console.log(`candidates():          ${ms(candidatesMs)} (${candidates.length.toLocaleString('en')} distinct scores)`);

  const [best, recommendMs] = time(() => index.recommend());
  console.log(`recommend():           ${ms(recommendMs)}`);
  console.log(
    best
      ? `  → threshold ${best.threshold.toFixed(6)}: flagged ${best.flagged}, fp ${best.fp}, coverage ${best.coverage.toFixed(4)}, error ${best.error.toFixed(5)}, error_upper ${best.error_upper.toFixed(5)}`
      : '  → none qualifies',
  );
  const [strict, recommendStrictMs] = time(() => index.recommend({ targetError: 0.01, confidence: 0.99 }));
  console.log(`recommend(1% @ 99%):   ${ms(recommendStrictMs)} → ${strict ? `threshold ${strict.threshold.toFixed(6)}, error_upper ${strict.error_upper.toFixed(5)}` : 'none qualifies'}`);
  console.log(`(checksum ${checksum.toFixed(3)})`);
}

main();
