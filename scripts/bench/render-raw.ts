/**
 * Render every distortion kind (each at a random level 1–5) and every benign edit of each picture
 * in a list, as raw RGB, for training the defect net where neither sharp nor the product runs
 * (`scripts/bench/defect-net-gpu.py` decodes and encodes the JPEGs; this script only distorts).
 * The copies are those of the distortion library (applySynthetic), exactly as training copies are.
 *
 * LIST is a TSV of id, width, height, with `<id>.rgb` (8-bit RGB, row-major) beside it; writes
 * OUT/<id>__<round>__<kind>__<level>.rgb and OUT/index<part>.tsv (id, kind, level, width, height,
 * file; level 0 = a benign edit). --part K/N renders every N-th picture starting at K (N processes
 * for N cores); the kinds, levels and seeds drawn do not depend on it.
 *
 *   npx esbuild scripts/bench/render-raw.ts --bundle --platform=node --outfile=render-raw.cjs
 *   node render-raw.cjs LIST OUT [--part 0/16] [--seed 12345] [--rounds 1]
 */
import fs from 'node:fs';
import path from 'node:path';
import { applySynthetic, BENIGN_KINDS, DISTORTION_KINDS, MAX_LEVEL } from '../../src-main/core/ml/distort';
import { mulberry32 } from '../../src-shared/domain/random';

function main(argv: string[]): void {
  const [list, out] = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
  if (!list || !out) throw new Error('usage: render-raw LIST OUT [--part K/N] [--seed S] [--rounds R]');
  const opt = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
  };
  const [part, parts] = opt('part', '0/1').split('/').map(Number) as [number, number];
  if (!(Number.isInteger(part) && Number.isInteger(parts) && part >= 0 && part < parts)) throw new Error('--part wants K/N with 0 ≤ K < N');
  const seed = Number(opt('seed', '12345'));
  const rounds = Number(opt('rounds', '1'));
  fs.mkdirSync(out, { recursive: true });
  const dir = path.dirname(list);
  const rows = fs
    .readFileSync(list, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'));
  const lines: string[] = [];
  rows.forEach(([id, w, h], i) => {
    const rng = mulberry32((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
    const specs = [];
    for (let r = 0; r < rounds; r++) {
      for (const kind of DISTORTION_KINDS) specs.push({ round: r, kind, level: 1 + Math.floor(rng() * MAX_LEVEL), seed: Math.floor(rng() * 2 ** 31) });
      for (const kind of BENIGN_KINDS) specs.push({ round: r, kind, level: 0, seed: Math.floor(rng() * 2 ** 31) });
    }
    if (i % parts !== part) return;
    const width = Number(w);
    const height = Number(h);
    const data = new Uint8Array(fs.readFileSync(path.join(dir, `${id}.rgb`)));
    if (data.length !== width * height * 3) throw new Error(`${id}.rgb: ${data.length} bytes, expected ${width}×${height}×3`);
    for (const s of specs) {
      const copy = applySynthetic({ width, height, data }, s);
      const file = `${id}__${s.round}__${s.kind}__${s.level}.rgb`;
      fs.writeFileSync(path.join(out, file), copy.data);
      lines.push([id, s.kind, s.level, copy.width, copy.height, file].join('\t'));
    }
  });
  fs.writeFileSync(path.join(out, `index${part}.tsv`), lines.length ? `${lines.join('\n')}\n` : '');
  console.log(`${lines.length} copies (part ${part}/${parts}) → ${out}`);
}

main(process.argv.slice(2));
