/**
 * `npm run report:ml`: what each feature set and head buys on the dev set, measured with splits by
 * source photo (truth.tsv's source_file: crops of one photo never straddle train and test).
 * Prints held-out ROC AUC (test split and out-of-fold) and the coverage of `bad` at the
 * recommended threshold. Options: --seeds 1 (more seeds average out split luck), --keep.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FeatureSet, RunSummary } from '../../src-shared/domain/ml';
import { createCore } from '../../src-main/core/app';
import { intArg, repoRoot } from './fixtures';

const DEV = path.resolve(repoRoot, '../shared/datasets/quality-dev');
const COMBOS: FeatureSet[][] = [['whole'], ['crops'], ['signals'], ['defects'], ['whole', 'crops'], ['whole', 'crops', 'signals'], ['whole', 'crops', 'signals', 'defects']];
const fmt = (x: number | null | undefined, d = 3) => (x === null || x === undefined || Number.isNaN(x) ? '  —  ' : x.toFixed(d));
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '  —  ' : `${(x * 100).toFixed(0)}%`);

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--noise')) return (await import('./noise-report')).noiseReport(argv);
  if (argv.includes('--leave-kind-out')) return (await import('./kind-report')).leaveKindOutReport(argv);
  const seeds = intArg(argv, 'seeds', 1);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-ml-report-'));
  const core = createCore({ dataDir });
  try {
    await core.call('library.import', { source: path.join(DEV, 'image_ratings.txt'), mirrors: [{ prefix: 'https://content.eol.org/data/media/qc/', dir: path.join(DEV, 'images') }] });
    const e = await core.call('ml.embed', {});
    console.log(`dev set: 486 labelled images from 81 source photos; embedded in ${e.seconds.toFixed(1)} s (${e.provider})`);
    console.log('features                 head     test AUC  OOF AUC  test acc  bad threshold  bad coverage (test)  error (test)  seconds');
    for (const features of COMBOS) {
      for (const hidden of [0, 64]) {
        const rows: RunSummary[] = [];
        for (let seed = 1; seed <= seeds; seed++) {
          rows.push(await core.call('ml.train', { features, hidden, seed, groups: { file: path.join(DEV, 'truth.tsv'), groupColumn: 'source_file' } }));
        }
        const mean = (f: (r: RunSummary) => number | null | undefined) => {
          const v = rows.map(f).filter((x): x is number => typeof x === 'number' && !Number.isNaN(x));
          return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
        };
        const bad = (r: RunSummary) => r.thresholds?.bad;
        const threshold = (r: RunSummary) => bad(r)?.threshold ?? bad(r)?.best_bound?.threshold;
        const testStats = (r: RunSummary) => bad(r)?.on_test ?? bad(r)?.best_bound?.on_test;
        const proven = rows.filter((r) => bad(r)?.threshold !== null).length;
        console.log(
          [
            features.join('+').padEnd(24),
            (hidden ? `mlp${hidden}` : 'linear').padEnd(8),
            fmt(mean((r) => r.metrics?.test_auc)).padEnd(9),
            fmt(mean((r) => r.metrics?.oof_auc)).padEnd(8),
            pct(mean((r) => r.metrics?.test_accuracy)).padEnd(9),
            `${fmt(mean(threshold), 3)}${proven < rows.length ? '*' : ' '}`.padEnd(14),
            pct(mean((r) => testStats(r)?.coverage)).padEnd(20),
            pct(mean((r) => testStats(r)?.error)).padEnd(13),
            fmt(mean((r) => r.seconds), 1),
          ].join(' '),
        );
      }
    }
    console.log('* no threshold proved ≤ 5% error at 95% confidence for some seed; the lowest-bound threshold is shown instead');
  } finally {
    await core.close();
    if (!argv.includes('--keep')) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
