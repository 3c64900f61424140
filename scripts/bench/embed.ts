/**
 * `npm run bench:embed`: embedding throughput on real JPEGs, with the limit computed from its parts
 * measured in the same run.
 *
 * The set: the dev photos (../shared/datasets/quality-dev/images) copied until there are at least
 * --n files (default 2,000), each copy made distinct by a JPEG comment segment (same pixels,
 * different bytes and sha256), in a temp folder, imported as a flat folder into a fresh library.
 *
 * Parts, each alone on one thread over --sample images (default 120), as CPU time per image:
 * file read + sharp decode, whole-image resize, the five crops, quality signals, perceptual hash,
 * onnxruntime on batches (one intra-op thread, CPU_BATCH images per call), and the SQLite write of the vectors. The limit on C
 * cores is C / (sum of the per-image CPU costs of the parts a feature set needs): what a perfect
 * pipeline could reach with every core to itself. Then `ml.embed` end to end (whole;
 * crops+signals), each with images/s, the ratio to its limit, peak RSS, its own CPU per image, and
 * the share of the cores the process actually got (on a machine shared with other work the ratio
 * understates the pipeline; CPU per image against the parts' sum is its overhead).
 *
 * --backbone ID measures another backbone of resources/models/backbones.json (e.g. mobilenet_v2_nsfwjs_int8).
 *
 *   npm run bench:embed -- [--n 2000] [--sample 120] [--only whole|crops] [--backbone ID] [--keep] [--json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore, defaultModelsDir } from '../../src-main/core/app';
import { openDatabase } from '../../src-main/core/db/open';
import { DEFAULT_BACKBONE } from '../../src-shared/domain/ml';
import { CPU_BATCH, openBackbone } from '../../src-main/core/ml/backbone/runtime';
import { decodeRgb, resizeToInput, type Decoded } from '../../src-main/core/ml/backbone/preprocess';
import { dHash } from '../../src-main/core/ml/dhash';
import { CROP_COUNT, nativeCrops } from '../../src-main/core/ml/features/crops';
import { qualitySignals, signalVector } from '../../src-main/core/ml/features/signals';
import { FeatureStore } from '../../src-main/core/ml/featureStore';
import { argValue, DATASET_IMAGES_DIR, intArg, mb, sampleRss } from './fixtures';
import { withComment } from './jpegCopies';

function makeSet(n: number, dir: string): string[] {
  const sources = fs
    .readdirSync(DATASET_IMAGES_DIR)
    .filter((f) => /\.jpe?g$/i.test(f))
    .sort();
  if (!sources.length) throw new Error(`no JPEGs in ${DATASET_IMAGES_DIR}`);
  const bytes = sources.map((f) => fs.readFileSync(path.join(DATASET_IMAGES_DIR, f)));
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % sources.length;
    const file = path.join(dir, `${String(i).padStart(5, '0')}-${sources[k]}`);
    fs.writeFileSync(file, withComment(bytes[k]!, `qc bench:embed copy ${Math.floor(i / sources.length)}`));
    files.push(file);
  }
  return files;
}

/** CPU milliseconds this process has used (every thread: sharp's, onnxruntime's). */
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const msPer = (t0: number, count: number) => (cpuNow() - t0) / count;

interface Parts {
  decodeMs: number;
  resizeMs: number;
  cropsMs: number;
  signalsMs: number;
  dhashMs: number;
  ortWholeMs: number;
  ortCropsMs: number;
  sqliteWholeMs: number;
  sqliteCropsSignalsMs: number;
}

async function measureParts(backboneId: string, files: string[], modelsDir: string): Promise<Parts> {
  // Read + decode, one at a time (what one core does).
  let t = cpuNow();
  const imgs: Decoded[] = [];
  for (const f of files) {
    const buf = await fs.promises.readFile(f);
    imgs.push({ img: await decodeRgb(buf), bytes: buf.length });
  }
  const decodeMs = msPer(t, files.length);
  const px = 224 * 224 * 3;
  const whole = new Float32Array(imgs.length * px);
  t = cpuNow();
  imgs.forEach((d, i) => resizeToInput(d.img, 224, whole, i * px));
  const resizeMs = msPer(t, imgs.length);
  const cropBuf = new Float32Array(4 * CROP_COUNT * px);
  t = cpuNow();
  imgs.forEach((d, i) => nativeCrops(d.img, { size: 224 }, cropBuf, (i % 4) * CROP_COUNT * px));
  const cropsMs = msPer(t, imgs.length);
  for (const d of imgs.slice(0, 8)) qualitySignals(d.img, { bytes: d.bytes }); // warm-up (JIT), as the backbone's below
  t = cpuNow();
  const sig = imgs.map((d) => signalVector(qualitySignals(d.img, { bytes: d.bytes })));
  const signalsMs = msPer(t, imgs.length);
  t = cpuNow();
  imgs.forEach((d) => dHash(d.img));
  const dhashMs = msPer(t, imgs.length);

  const backbone = await openBackbone(backboneId, { modelsDir, providers: ['cpu'], intraOpNumThreads: 1 });
  let ortWholeMs: number;
  let ortCropsMs: number;
  let vectors: Float32Array;
  try {
    const batch = 16; // what embedBatches hands the backbone (it runs them CPU_BATCH at a time)
    await backbone.embed(whole.subarray(0, batch * px), batch); // warm-up
    t = cpuNow();
    const outs: Float32Array[] = [];
    for (let s = 0; s + batch <= imgs.length; s += batch) outs.push(await backbone.embed(whole.subarray(s * px, (s + batch) * px), batch));
    ortWholeMs = msPer(t, outs.length * batch);
    vectors = outs[0]!;
    // Crops: 4 images (20 crops) per call, as embedBatches; warmed up with that shape first (a
    // first call with a new shape plans its memory and is several times slower).
    const cropImages = Math.min(32, imgs.length - (imgs.length % 4));
    const fill = (from: number) => {
      for (let i = 0; i < 4; i++) nativeCrops(imgs[from + i]!.img, { size: 224 }, cropBuf, i * CROP_COUNT * px);
    };
    fill(0);
    await backbone.embed(cropBuf, 4 * CROP_COUNT);
    let ortCrops = 0;
    for (let s = 0; s < cropImages; s += 4) {
      fill(s);
      t = cpuNow();
      await backbone.embed(cropBuf, 4 * CROP_COUNT);
      ortCrops += cpuNow() - t;
    }
    ortCropsMs = ortCrops / cropImages;
  } finally {
    await backbone.close();
  }

  // SQLite: the vectors of one image per feature set, in one transaction per batch, as ml.embed stores them.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-bench-embed-db-'));
  try {
    const db = openDatabase(path.join(dir, 'library.db'));
    const store = new FeatureStore(db);
    const dim = vectors.length / 16;
    const w = vectors.subarray(0, dim);
    const c = new Float32Array(dim * 2);
    const rows = 2000;
    t = cpuNow();
    for (let s = 0; s < rows; s += 16) db.transaction(() => { for (let i = s; i < s + 16; i++) store.put(`w${i}`, { extractor: 'bench/whole', version: '1' }, w); })();
    const sqliteWholeMs = msPer(t, rows);
    t = cpuNow();
    for (let s = 0; s < rows; s += 16) {
      db.transaction(() => {
        for (let i = s; i < s + 16; i++) {
          store.put(`c${i}`, { extractor: 'bench/crops', version: '1' }, c);
          store.put(`c${i}`, { extractor: 'bench/signals', version: '1' }, sig[i % sig.length]!);
        }
      })();
    }
    const sqliteCropsSignalsMs = msPer(t, rows);
    db.close();
    return { decodeMs, resizeMs, cropsMs, signalsMs, dhashMs, ortWholeMs, ortCropsMs, sqliteWholeMs, sqliteCropsSignalsMs };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  const known = new Set(['--n', '--sample', '--only', '--backbone', '--keep', '--json']);
  for (const a of argv) if (a.startsWith('--') && !known.has(a.split('=')[0]!)) throw new Error(`unknown option ${a} (options: ${[...known].join(' ')})`);
  const n = intArg(argv, 'n', 2000);
  const sample = intArg(argv, 'sample', 120, 16);
  const json = argv.includes('--json');
  const only = argValue(argv, 'only');
  const backboneId = argValue(argv, 'backbone') ?? DEFAULT_BACKBONE;
  if (only !== undefined && only !== 'whole' && only !== 'crops') throw new Error(`--only wants whole or crops, got "${only}"`);
  const log = (s: string) => (json ? process.stderr : process.stdout).write(`${s}\n`);
  const cores = os.availableParallelism();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-bench-embed-'));
  const imagesDir = path.join(work, 'images');
  fs.mkdirSync(imagesDir);
  const results: Record<string, unknown> = { n, cores, loadavgStart: os.loadavg().map((l) => Number(l.toFixed(2))) };
  try {
    const files = makeSet(n, imagesDir);
    results.backbone = backboneId;
    log(`backbone ${backboneId}`);
    log(`${files.length} distinct JPEGs (the dev set repeated, comment-tagged) in ${imagesDir}; ${cores} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    const modelsDir = defaultModelsDir();

    const p = await measureParts(backboneId, files.slice(0, sample), modelsDir);
    const f = (x: number) => x.toFixed(2);
    log(
      `parts, CPU-ms per image, one thread each (${sample} images): read+decode ${f(p.decodeMs)}, resize ${f(p.resizeMs)}, crops ${f(p.cropsMs)}, signals ${f(p.signalsMs)}, dhash ${f(p.dhashMs)}, ` +
        `onnxruntime whole ${f(p.ortWholeMs)} (calls of ${CPU_BATCH}), crops ${f(p.ortCropsMs)} (5 per image), SQLite whole ${f(p.sqliteWholeMs)}, crops+signals ${f(p.sqliteCropsSignalsMs)}`,
    );
    const wholeCost = p.decodeMs + p.resizeMs + p.dhashMs + p.ortWholeMs + p.sqliteWholeMs;
    const cropsCost = p.decodeMs + p.cropsMs + p.signalsMs + p.dhashMs + p.ortCropsMs + p.sqliteCropsSignalsMs;
    const limitWhole = (1000 * cores) / wholeCost;
    const limitCrops = (1000 * cores) / cropsCost;
    log(`limit from parts on ${cores} cores: whole ${limitWhole.toFixed(0)} images/s (${wholeCost.toFixed(1)} CPU-ms each), crops+signals ${limitCrops.toFixed(0)} images/s (${cropsCost.toFixed(1)} CPU-ms each)`);
    results.parts = p;
    results.limit = { whole: limitWhole, cropsSignals: limitCrops };

    const dataDir = path.join(work, 'library');
    const core = createCore({ dataDir, modelsDir });
    try {
      const imported = await core.call('library.import', { source: imagesDir, kind: 'folder' });
      if (imported.images_new !== n) throw new Error(`imported ${imported.images_new} of ${n} images`);
      const runs: Record<string, unknown> = {};
      for (const [name, features, limit, target] of [
        ['whole', ['whole'], limitWhole, 120],
        ['crops+signals', ['crops', 'signals'], limitCrops, 45],
      ] as const) {
        if (only && (only === 'whole') !== (name === 'whole')) continue;
        const rss = sampleRss();
        const cpu0 = process.cpuUsage();
        const s = await core.call('ml.embed', { features: [...features], backbone: backboneId });
        const peak = rss.stop();
        const cpu = process.cpuUsage(cpu0);
        const ratio = s.images_per_second / limit;
        // Under other load the process gets only part of the cores: what it got, and the rate that share implies for all of them.
        const cpuS = (cpu.user + cpu.system) / 1e6;
        const share = cpuS / (s.seconds * cores);
        const cpuMsPerImage = (1000 * cpuS) / Math.max(1, s.embedded);
        log(
          `embed ${name.padEnd(14)} ${s.embedded} images in ${s.seconds.toFixed(1)} s: ${s.images_per_second} images/s = ${(100 * ratio).toFixed(0)}% of the limit from parts (${limit.toFixed(0)}); ` +
            `target ${target}: ${s.images_per_second >= target ? 'MET' : 'MISSED'}; peak RSS ${mb(peak).toFixed(0)} MB (${s.provider})\n` +
            `  CPU ${cpuMsPerImage.toFixed(1)} ms per image (the parts: ${(name === 'whole' ? wholeCost : cropsCost).toFixed(1)}); the process got ${(100 * share).toFixed(0)}% of ${cores} cores, ` +
            `so with all of them: ~${(s.images_per_second / Math.max(share, 1e-9)).toFixed(0)} images/s`,
        );
        runs[name] = { imagesPerSecond: s.images_per_second, seconds: s.seconds, ratioToLimit: ratio, peakRssMb: mb(peak), cpuMsPerImage, coreShare: share, target, met: s.images_per_second >= target };
      }
      results.embed = runs;
    } finally {
      await core.close();
    }
    results.loadavgEnd = os.loadavg().map((l) => Number(l.toFixed(2)));
    if (json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } finally {
    if (!argv.includes('--keep')) fs.rmSync(work, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
