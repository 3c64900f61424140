/**
 * Render synthetic copies of the dev set's good photos to files, for training a distortion
 * classifier outside the product (`scripts/bench/feature-screen.py cnn`; docs/ML-EXPERIMENTS.md).
 *
 * Each good image of ../shared/datasets/quality-dev gets --per distortion kinds (distinct, drawn at
 * random, each at a random level 1–5) and --benign benign edits, rendered by the distortion library
 * exactly as training copies are (applySynthetic) and saved as JPEG quality 90 (render.ts's
 * SAVE_QUALITY, as a copy is embedded). `index.tsv` lists id, kind, level (0 = benign edit), file.
 * --part K/N renders every N-th image starting at K (run N processes for N cores); the choice of
 * kinds and seeds does not depend on it.
 *
 *   npx tsx scripts/bench/render-copies.ts --out DIR [--per 14] [--benign 3] [--seed 12345] [--part 0/2]
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { decodeRgb } from '../../src-main/core/ml/backbone/preprocess';
import { applySynthetic, BENIGN_KINDS, DISTORTION_KINDS, MAX_LEVEL, type SyntheticSpec } from '../../src-main/core/ml/distort';
import { SAVE_QUALITY } from '../../src-main/core/ml/distort/render';
import { shuffleInPlace } from '../../src-main/core/ml/train/rng';
import { mulberry32 } from '../../src-shared/domain/random';
import { argValue, DATASET_IMAGES_DIR, intArg, readDevTruth } from './fixtures';

async function main(argv: string[]): Promise<void> {
  const out = argValue(argv, 'out');
  if (!out) throw new Error('--out DIR is required');
  const per = Math.min(intArg(argv, 'per', 14), DISTORTION_KINDS.length);
  const benign = Math.min(intArg(argv, 'benign', 3, 0), BENIGN_KINDS.length);
  const seed = intArg(argv, 'seed', 12345);
  const [part, parts] = (argValue(argv, 'part') ?? '0/1').split('/').map(Number) as [number, number];
  if (!(Number.isInteger(part) && Number.isInteger(parts) && part >= 0 && part < parts)) throw new Error('--part wants K/N with 0 ≤ K < N');
  fs.mkdirSync(out, { recursive: true });
  const goods = readDevTruth()
    .filter((t) => t.label === 'good')
    .map((t) => t.id);
  const rng = mulberry32(seed);
  /** `k` distinct entries of `from`, drawn with `rng`. */
  const pick = (from: readonly string[], k: number) => shuffleInPlace([...from], rng).slice(0, k);
  const lines: string[] = [];
  for (const [i, id] of goods.entries()) {
    // Drawn for every image, rendered only for this part's, so the copies do not depend on --part.
    const specs: SyntheticSpec[] = [
      ...pick(DISTORTION_KINDS, per).map((kind, k) => ({ kind, level: 1 + Math.floor(rng() * MAX_LEVEL), seed: i * 100 + k })),
      ...pick(BENIGN_KINDS, benign).map((kind, k) => ({ kind, level: 0, seed: i * 100 + 50 + k })),
    ];
    if (i % parts !== part) continue;
    const img = await decodeRgb(path.join(DATASET_IMAGES_DIR, `${id}.jpg`));
    for (const s of specs) {
      const copy = applySynthetic(img, s);
      const file = path.join(out, `${id}_${s.kind}_${s.level}.jpg`);
      await sharp(copy.data, { raw: { width: copy.width, height: copy.height, channels: 3 } }).jpeg({ quality: SAVE_QUALITY }).toFile(file);
      lines.push([id, s.kind, s.level, file].join('\t'));
    }
  }
  fs.writeFileSync(path.join(out, parts > 1 ? `index${part}.tsv` : 'index.tsv'), `${lines.join('\n')}\n`);
  console.log(`${lines.length} copies of ${goods.length} good images (part ${part}/${parts}) → ${out}`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
