/**
 * The backbone converter's command line (run at postinstall): a thin wrapper over
 * src-main/core/ml/backbone/convert.ts, which holds the converter itself. Then, unless --no-int8 or
 * --out, the int8 copy the manifest lists (quantize.ts), from the committed calibrated ranges beside
 * it (`*.ranges.json`); `--calibrate` measures those ranges again on the demo photos first (a
 * maintainer's step: commit the file it writes).
 *
 *   npx tsx scripts/convert-backbone.ts [--out FILE] [--source DIR] [--output-layer NAME] [--force] [--no-int8] [--calibrate]
 */
import path from 'node:path';
import { convertBackbone, DEFAULT_OUT_FILE, type ConvertOptions } from '../src-main/core/ml/backbone/convert';
import { loadManifest } from '../src-main/core/ml/backbone/manifest';
import { calibrateToFile, calibrationDir, ensureQuantized, folderCalibration, rangesFileFor } from '../src-main/core/ml/backbone/quantize';

function parseArgs(argv: string[]): ConvertOptions & { int8: boolean; calibrate: boolean } {
  const opts: ConvertOptions & { int8: boolean; calibrate: boolean } = { int8: true, calibrate: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`convert-backbone: ${a} needs a value`);
      return v;
    };
    if (a === '--force') opts.force = true;
    else if (a === '--no-int8') opts.int8 = false;
    else if (a === '--calibrate') opts.calibrate = true;
    else if (a === '--out') opts.outFile = next();
    else if (a === '--source') opts.sourceDir = next();
    else if (a === '--output-layer') opts.outputLayer = next();
    else throw new Error(`convert-backbone: unknown argument ${a}\nusage: tsx scripts/convert-backbone.ts [--out FILE] [--source DIR] [--output-layer NAME] [--force] [--no-int8] [--calibrate]`);
  }
  return opts;
}

async function main(): Promise<void> {
  const started = performance.now();
  const opts = parseArgs(process.argv.slice(2));
  const r = await convertBackbone(opts);
  const ms = Math.round(performance.now() - started);
  const rel = path.relative(process.cwd(), r.outFile);
  if (r.cached) console.log(`${rel} is up to date (converter ${r.converterSha256.slice(0, 12)}, source ${r.sourceSha256.slice(0, 12)}); ${ms} ms`);
  else console.log(`wrote ${rel}: ${r.nodeCount} nodes, ${r.dim}-d output, ${((r.bytes ?? 0) / 1e6).toFixed(1)} MB in ${ms} ms`);
  if (!opts.int8 || opts.outFile) return;
  const modelsDir = path.dirname(DEFAULT_OUT_FILE);
  const entry = (await loadManifest(modelsDir)).backbones.find((b) => b.generator === 'nsfwjs-mobilenet_v2-int8');
  if (!entry) return;
  const int8 = path.join(modelsDir, entry.file);
  const rel8 = path.relative(process.cwd(), int8);
  const t = performance.now();
  if (opts.calibrate) {
    const c = await calibrateToFile(r.outFile, rangesFileFor(int8), folderCalibration(calibrationDir(modelsDir)));
    console.log(`${path.relative(process.cwd(), rangesFileFor(int8))}: ${Object.keys(c.ranges).length} ranges from ${c.calibration}; ${Math.round(performance.now() - t)} ms`);
  }
  const q = await ensureQuantized(r.outFile, int8);
  console.log(`${rel8} ${q.cached ? 'is up to date' : `written (int8, ${q.tensors} activations from ${path.basename(rangesFileFor(int8))})`}; ${Math.round(performance.now() - t)} ms`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
