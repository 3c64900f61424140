/**
 * The backbone converter's command line (run at postinstall): a thin wrapper over
 * src-main/core/ml/backbone/convert.ts, which holds the converter itself.
 *
 *   npx tsx scripts/convert-backbone.ts [--out FILE] [--source DIR] [--output-layer NAME] [--force]
 */
import path from 'node:path';
import { convertBackbone, type ConvertOptions } from '../src-main/core/ml/backbone/convert';

function parseArgs(argv: string[]): ConvertOptions {
  const opts: ConvertOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`convert-backbone: ${a} needs a value`);
      return v;
    };
    if (a === '--force') opts.force = true;
    else if (a === '--out') opts.outFile = next();
    else if (a === '--source') opts.sourceDir = next();
    else if (a === '--output-layer') opts.outputLayer = next();
    else throw new Error(`convert-backbone: unknown argument ${a}\nusage: tsx scripts/convert-backbone.ts [--out FILE] [--source DIR] [--output-layer NAME] [--force]`);
  }
  return opts;
}

async function main(): Promise<void> {
  const started = performance.now();
  const r = await convertBackbone(parseArgs(process.argv.slice(2)));
  const ms = Math.round(performance.now() - started);
  const rel = path.relative(process.cwd(), r.outFile);
  if (r.cached) console.log(`${rel} is up to date (converter ${r.converterSha256.slice(0, 12)}, source ${r.sourceSha256.slice(0, 12)}); ${ms} ms`);
  else console.log(`wrote ${rel}: ${r.nodeCount} nodes, ${r.dim}-d output, ${((r.bytes ?? 0) / 1e6).toFixed(1)} MB in ${ms} ms`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
