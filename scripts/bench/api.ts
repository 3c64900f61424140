/**
 * API argument checking benchmark: microseconds per `parseArgs` (the zod schemas every call goes
 * through in Core.call) for typical calls, accepted and refused. Prints numbers, asserts nothing.
 *
 *   npx tsx scripts/bench/api.ts [--n 200000]
 */
import { parseArgs } from '../../src-shared/contract/schemas';
import type { Method } from '../../src-shared/contract/handlers';

const n = Number(process.argv[process.argv.indexOf('--n') + 1]) || 200_000;
const cases: [string, Method, unknown][] = [
  ['library.import (6 fields, a mirror)', 'library.import', { source: '/data/image_ratings.txt', kind: 'ratings', mirrors: [{ prefix: 'https://content.eol.org/', dir: '/m' }], concurrency: 8, retries: 2, timeoutMs: 30_000 }],
  ['review.page (a gallery page)', 'review.page', { predicted: 'bad', threshold: 0.5, sort: 'confidence', order: 'desc', offset: 0, limit: 200, taxon: 'Aves' }],
  ['labels.set (200 ids)', 'labels.set', { imageIds: Array.from({ length: 200 }, (_, i) => i + 1), label: 'bad' }],
  ['library.status (no arguments)', 'library.status', {}],
  ['ml.setThreshold refused ([0.5])', 'ml.setThreshold', { threshold: [0.5] }],
];

for (const [name, method, args] of cases) {
  const once = () => {
    try {
      parseArgs(method, args);
    } catch {
      // refused calls are timed too
    }
  };
  for (let i = 0; i < Math.min(n, 10_000); i++) once();
  const runs = name.includes('refused') ? Math.max(1, Math.floor(n / 10)) : n;
  const t = performance.now();
  for (let i = 0; i < runs; i++) once();
  const us = ((performance.now() - t) * 1000) / runs;
  console.log(`${name.padEnd(38)} ${us.toFixed(2).padStart(8)} µs per call  (${Math.round(1e6 / us).toLocaleString('en')} calls/s)`);
}
