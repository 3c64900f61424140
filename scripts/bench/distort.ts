/**
 * `npm run bench:distort`: milliseconds per distortion and benign edit on one dev photo at its
 * native size (580 px long side), level 4. Augmented training pays this once per synthetic copy.
 */
import path from 'node:path';
import { decodeRgb } from '../../src-main/core/ml/backbone/preprocess';
import { BENIGN_EDITS, BENIGN_KINDS, benignEdit, distort, DISTORTIONS } from '../../src-main/core/ml/distort';
import { repoRoot } from './fixtures';

/** `--table`: the README's markdown table of kinds, parameters per level and what they model. */
function table(): void {
  console.log('| Kind | Family | Parameters, levels 1–5 | What it models |\n|---|---|---|---|');
  for (const d of DISTORTIONS) console.log(`| \`${d.kind}\` | ${d.family} | ${d.levels} | ${d.models} |`);
  console.log('\n| Benign edit (stays good) | Parameters | What it models |\n|---|---|---|');
  for (const b of BENIGN_EDITS) console.log(`| \`${b.kind}\` | ${b.params} | ${b.models} |`);
}

async function main(): Promise<void> {
  if (process.argv.includes('--table')) return table();
  const img = await decodeRgb(path.resolve(repoRoot, '../shared/datasets/quality-dev/images/9000003.jpg'));
  console.log(`photo ${img.width}x${img.height}; ms per call (best of 2, after a warm-up pass over every kind)`);
  const time = (f: () => void) => Math.min(...[0, 1].map(() => ((t) => (f(), performance.now() - t))(performance.now())));
  // One untimed pass over every kind first: the first calls of shared helpers (blurs, noise, JPEG)
  // would otherwise be timed with the JIT still compiling them.
  for (const d of DISTORTIONS) distort(img, { kind: d.kind, level: 4, seed: 1 });
  for (const k of BENIGN_KINDS) benignEdit(img, { kind: k, seed: 1 });
  const rows: [string, number][] = [];
  for (const d of DISTORTIONS) rows.push([d.kind, time(() => distort(img, { kind: d.kind, level: 4, seed: 1 }))]);
  for (const k of BENIGN_KINDS) rows.push([`benign:${k}`, time(() => benignEdit(img, { kind: k, seed: 1 }))]);
  for (const [k, ms] of rows) console.log(`${k.padEnd(28)} ${ms.toFixed(1).padStart(7)}`);
  console.log(`mean ${(rows.reduce((s, r) => s + r[1], 0) / rows.length).toFixed(1)} ms`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
