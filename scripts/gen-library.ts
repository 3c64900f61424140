/**
 * `npm run gen:library -- --n 1000000 --out DIR`: a synthetic library of N images (the demo's
 * real thumbnails reused) with one finished run's predictions, labels and label issues, for the
 * scale benchmarks (`bench:scale`, `bench:ui --data DIR`). Options: --seed N. DIR must be empty.
 */
import path from 'node:path';
import { generateScaleLibrary, isFreshDir } from '../test-support/scaleLibrary';
import { argValue, intArg } from './bench/fixtures';

async function main(argv: string[]): Promise<void> {
  const n = intArg(argv, 'n', 1_000_000, 112);
  const out = argValue(argv, 'out');
  if (!out) throw new Error('gen:library wants --out DIR (an empty or new folder)');
  const dir = path.resolve(out);
  if (!isFreshDir(dir)) throw new Error(`${dir} is not empty; give a new folder`);
  const lib = await generateScaleLibrary(dir, { n, seed: intArg(argv, 'seed', 7, 0), log: (s) => process.stderr.write(`${s}\n`) });
  console.log(`${lib.images.toLocaleString('en')} images, run ${lib.runId}, in ${dir}: ${lib.seconds.toFixed(1)} s`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
