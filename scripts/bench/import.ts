/**
 * Import benchmark: N distinct JPEGs served over local HTTP (keep-alive), imported as an EOL
 * ratings file into a fresh library with `library.import`; prints wall time, images/s, peak RSS,
 * CPU time and request counts, then re-imports the same file (must make no network request).
 *
 *   npm run bench:import -- [--n 2000] [--concurrency 8] [--keep] [--json] [--profile [K]]
 *
 * Image generation (cached in os.tmpdir()) and the HTTP server run in child processes, so the
 * CPU and RSS reported are the importing process's own. `--profile K` then times the stages of
 * the per-image pipeline (fetch, hash, decode, preview, thumbnail, store) and some alternatives
 * on the first K images (default 200). Exits non-zero when an image fails or the re-import
 * touches the network.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { createCore } from '../../src-main/core/app';
import { fetchBytes } from '../../src-main/core/library/fetch';
import { ImageStore } from '../../src-main/core/library/store';
import { PREVIEW_SIZE, THUMB_SIZE, verifyImage } from '../../src-main/core/library/verify';
import { libraryPaths } from '../../src-main/core/paths';
import { forkGenerate, forkImageServer, intArg, machineBusySeconds, mb, sampleRss, writeRatingsFile } from './fixtures';

const TARGET_IMAGES_PER_S = 150;
const TARGET_PEAK_RSS_MB = 400;

interface Options {
  n: number;
  concurrency: number;
  keep: boolean;
  json: boolean;
  profile: number;
}

function parseArgs(argv: string[]): Options {
  const known = new Set(['--n', '--concurrency', '--keep', '--json', '--profile']);
  for (const a of argv) {
    if (a.startsWith('--') && !known.has(a.split('=')[0] as string)) throw new Error(`unknown option ${a} (options: ${[...known].join(' ')})`);
  }
  let profile = 0;
  const pi = argv.findIndex((a) => a === '--profile' || a.startsWith('--profile='));
  if (pi >= 0) {
    const next = argv[pi]?.includes('=') ? argv[pi]?.split('=')[1] : argv[pi + 1];
    profile = next && /^\d+$/.test(next) ? Number(next) : 200;
  }
  return { n: intArg(argv, 'n', 2000), concurrency: intArg(argv, 'concurrency', 8), keep: argv.includes('--keep'), json: argv.includes('--json'), profile };
}

const round = (x: number, digits = 1) => Number(x.toFixed(digits));

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const cores = os.availableParallelism();
  const log = (s: string) => {
    if (!opts.json) process.stderr.write(`${s}\n`);
  };

  // 1. Images (not timed as part of the import).
  log(`preparing ${opts.n} benchmark images…`);
  const genStart = performance.now();
  const images = await forkGenerate(opts.n);
  const genSeconds = (performance.now() - genStart) / 1000;
  log(images.generated ? `generated ${opts.n} images in ${images.seconds.toFixed(1)} s → ${images.dir}` : `using cached images in ${images.dir}`);

  const server = await forkImageServer(images.dir);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-bench-import-'));
  const ratingsFile = path.join(tmp, 'image_ratings.txt');
  const dataDir = path.join(tmp, 'data');
  const urls = images.files.map((f) => server.baseUrl + f);
  writeRatingsFile(ratingsFile, urls);

  let exitCode = 0;
  try {
    const core = createCore({ dataDir });
    const baselineRss = process.memoryUsage.rss();

    // 2. First import: everything is new.
    log(`importing ${opts.n} images at concurrency ${opts.concurrency}…`);
    const req0 = await server.requests();
    const serverCpu0 = await server.cpuSeconds();
    const sampler = sampleRss(50);
    const busy0 = machineBusySeconds();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const first = await core.call('library.import', { source: ratingsFile, concurrency: opts.concurrency });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const busy = machineBusySeconds() - busy0;
    const sampledPeak = sampler.stop();
    const maxRssMb = process.resourceUsage().maxRSS / 1024; // kB → MB
    const served = (await server.requests()) - req0;
    const serverCpu = (await server.cpuSeconds()) - serverCpu0;
    const ownCpuS = (cpu.user + cpu.system) / 1e6;
    const cpuMsPerImage = (ownCpuS * 1000) / Math.max(1, first.images_new);
    const peakRssMb = Math.max(mb(sampledPeak), maxRssMb);
    const stored = first.images_new + first.images_existing;
    const imagesPerS = first.images_new / seconds;

    // 3. Second import of the same file: all stored, so no request at all.
    const req1 = await server.requests();
    const t1 = performance.now();
    const second = await core.call('library.import', { source: ratingsFile, concurrency: opts.concurrency });
    const seconds2 = (performance.now() - t1) / 1000;
    const served2 = (await server.requests()) - req1;
    core.close();

    const result = {
      n: opts.n,
      concurrency: opts.concurrency,
      cores,
      node: process.version,
      sharp: { version: sharp.versions.sharp, vips: sharp.versions.vips, concurrency: sharp.concurrency(), uv_threadpool: Number(process.env.UV_THREADPOOL_SIZE ?? 4) },
      images: { dir: images.dir, total_mb: round(mb(images.totalBytes)), cached: !images.generated, generate_s: round(images.generated ? images.seconds : genSeconds, 2) },
      import: {
        seconds: round(seconds, 2),
        images_per_s: round(imagesPerS),
        images_new: first.images_new,
        images_stored: stored,
        failed: first.failed,
        failures_by_reason: first.failures_by_reason,
        requests_served: served,
        network_requests: first.network_requests,
        cpu_user_s: round(cpu.user / 1e6, 2),
        cpu_sys_s: round(cpu.system / 1e6, 2),
        cpu_ms_per_image: round(cpuMsPerImage, 2),
        /** Throughput if this process had every core to itself and stayed CPU-bound: cores / CPU per image. */
        cpu_bound_ceiling_images_per_s: round((cores * 1000) / cpuMsPerImage),
        server_cpu_s: round(serverCpu, 2),
        /** CPU the rest of the machine used meanwhile (other processes; the image server is counted separately). */
        other_cpu_s: round(Math.max(0, busy - ownCpuS - serverCpu), 1),
        machine_busy_pct: round((100 * busy) / (cores * seconds)),
        baseline_rss_mb: round(mb(baselineRss)),
        peak_rss_sampled_mb: round(mb(sampledPeak)),
        max_rss_mb: round(maxRssMb),
        peak_rss_mb: round(peakRssMb),
      },
      reimport: { seconds: round(seconds2, 2), images_existing: second.images_existing, failed: second.failed, network_requests: second.network_requests, requests_served: served2 },
      targets: {
        images_per_s: { target: TARGET_IMAGES_PER_S, value: round(imagesPerS), met: imagesPerS >= TARGET_IMAGES_PER_S },
        peak_rss_mb: { target: TARGET_PEAK_RSS_MB, value: round(peakRssMb), met: peakRssMb <= TARGET_PEAK_RSS_MB },
      },
      data_dir: opts.keep ? dataDir : null,
      profile: null as ProfileResult | null,
    };

    const problems: string[] = [];
    if (first.failed > 0 || first.row_problems > 0) problems.push(`${first.failed} failed images, ${first.row_problems} row problems: ${JSON.stringify(first.failures_by_reason)}`);
    if (stored !== opts.n) problems.push(`${stored} images stored, expected ${opts.n}`);
    if (second.network_requests !== 0 || served2 !== 0) problems.push(`re-import made ${second.network_requests} network requests (server saw ${served2}), expected 0`);
    if (second.images_existing !== opts.n) problems.push(`re-import found ${second.images_existing} stored images, expected ${opts.n}`);

    if (opts.profile > 0) {
      log(`profiling the per-image pipeline on ${Math.min(opts.profile, opts.n)} images…`);
      result.profile = await profile(urls.slice(0, opts.profile), opts.concurrency, tmp);
    }

    if (opts.json) console.log(JSON.stringify(result, null, 2));
    else printTable(result, problems);
    if (problems.length) {
      for (const p of problems) console.error(`FAIL: ${p}`);
      exitCode = 1;
    }
  } finally {
    await server.close();
    if (!opts.keep) fs.rmSync(tmp, { recursive: true, force: true });
    else log(`kept ${tmp}`);
  }
  return exitCode;
}

type Result = {
  n: number;
  concurrency: number;
  cores: number;
  images: { total_mb: number; cached: boolean; generate_s: number; dir: string };
  import: {
    seconds: number;
    images_per_s: number;
    images_new: number;
    requests_served: number;
    failed: number;
    cpu_user_s: number;
    cpu_sys_s: number;
    cpu_ms_per_image: number;
    cpu_bound_ceiling_images_per_s: number;
    server_cpu_s: number;
    other_cpu_s: number;
    machine_busy_pct: number;
    baseline_rss_mb: number; peak_rss_sampled_mb: number; max_rss_mb: number; peak_rss_mb: number };
  reimport: { seconds: number; network_requests: number; requests_served: number };
  targets: { images_per_s: { target: number; value: number; met: boolean }; peak_rss_mb: { target: number; value: number; met: boolean } };
  sharp: { concurrency: number; uv_threadpool: number };
  profile: ProfileResult | null;
};

function printTable(r: Result, problems: string[]): void {
  const i = r.import;
  const mark = (met: boolean) => (met ? 'MET' : 'MISSED');
  const lines = [
    `images    ${r.n} JPEGs  ${r.images.total_mb} MB  ${r.images.cached ? 'cached' : `generated in ${r.images.generate_s} s (not counted)`}`,
    `import    ${i.images_new} images  ${i.seconds.toFixed(1)} s  ${Math.round(i.images_per_s)} images/s  peak RSS ${Math.round(i.peak_rss_mb)} MB  (concurrency ${r.concurrency}, ${r.cores} cores)`,
    `          CPU ${i.cpu_user_s.toFixed(1)} s user + ${i.cpu_sys_s.toFixed(1)} s sys = ${i.cpu_ms_per_image.toFixed(1)} ms/image  ` +
      `RSS sampled ${Math.round(i.peak_rss_sampled_mb)} MB, maxRSS ${Math.round(i.max_rss_mb)} MB (before import ${Math.round(i.baseline_rss_mb)} MB)  ` +
      `requests ${i.requests_served}  failures ${i.failed}`,
    `          ceiling at this CPU cost: ${Math.round(i.cpu_bound_ceiling_images_per_s)} images/s on ${r.cores} idle cores  ` +
      `(machine ${Math.round(i.machine_busy_pct)}% busy; image server ${i.server_cpu_s.toFixed(1)} s CPU, other processes ${i.other_cpu_s.toFixed(1)} s CPU)`,
    `reimport  ${r.n} images  ${r.reimport.seconds.toFixed(2)} s  network requests ${r.reimport.network_requests} (server saw ${r.reimport.requests_served})`,
    `targets   ≥ ${r.targets.images_per_s.target} images/s: ${mark(r.targets.images_per_s.met)} (${Math.round(r.targets.images_per_s.value)})   ` +
      `peak RSS ≤ ${r.targets.peak_rss_mb.target} MB: ${mark(r.targets.peak_rss_mb.met)} (${Math.round(r.targets.peak_rss_mb.value)})`,
  ];
  if (r.profile) lines.push('', ...formatProfile(r.profile, r.concurrency, r.sharp));
  if (problems.length) lines.push(`result    FAILED (${problems.length} problem${problems.length > 1 ? 's' : ''})`);
  console.log(lines.join('\n'));
}

// ---------------------------------------------------------------------------------------------
// --profile: where the time per image goes

interface StageTiming {
  name: string;
  /** Mean wall ms per image, one image at a time. */
  serial_ms: number;
  /** Throughput with `concurrency` images in flight (CPU-bound stages: all cores busy). */
  parallel_per_s: number;
  /** CPU ms (user + sys, all threads) per image in the parallel run. */
  cpu_ms: number;
  /** Mean output bytes (previews/thumbnails), when the stage makes any. */
  out_kb?: number;
}

interface ProfileResult {
  sample: number;
  mean_kb: number;
  stages: StageTiming[];
}

type Stage = (bytes: Buffer, i: number) => Promise<number | void>;

async function timeStage(name: string, inputs: Buffer[], concurrency: number, fn: Stage): Promise<StageTiming> {
  // Warm-up on a few images (sharp/libvips init, JIT), then one at a time, then in parallel.
  for (let i = 0; i < Math.min(5, inputs.length); i++) await fn(inputs[i] as Buffer, i);
  let out = 0;
  const s0 = performance.now();
  for (let i = 0; i < inputs.length; i++) out += (await fn(inputs[i] as Buffer, i)) ?? 0;
  const serial = (performance.now() - s0) / inputs.length;
  const limit = pLimit(concurrency);
  const c0 = process.cpuUsage();
  const p0 = performance.now();
  await Promise.all(inputs.map((b, i) => limit(() => fn(b, i))));
  const wall = (performance.now() - p0) / 1000;
  const cpu = process.cpuUsage(c0);
  return {
    name,
    serial_ms: round(serial, 2),
    parallel_per_s: round(inputs.length / wall),
    cpu_ms: round((cpu.user + cpu.system) / 1e3 / inputs.length, 2),
    ...(out > 0 && { out_kb: round(out / inputs.length / 1024) }),
  };
}

const decodeOpts = { failOn: 'warning' as const, animated: false, limitInputPixels: 50_000_000 };
const resizeInside = (size: number) => ({ width: size, height: size, fit: 'inside' as const, withoutEnlargement: true });

/** The preview/thumbnail pipeline of verify.ts with knobs, to compare alternatives on the same bytes. */
async function pipeline(bytes: Buffer, o: { previewEffort?: number; thumbEffort?: number; thumbFrom: 'preview' | 'original'; skipSmallJpegPreview?: boolean; previewJpeg?: boolean }): Promise<number> {
  const meta = await sharp(bytes, decodeOpts).metadata();
  const small = Math.max(meta.width ?? 0, meta.height ?? 0) <= PREVIEW_SIZE && meta.format === 'jpeg' && (meta.orientation ?? 1) === 1;
  let preview: Buffer;
  if (o.skipSmallJpegPreview && small) preview = bytes; // the original serves as its own preview
  else if (o.previewJpeg) preview = await sharp(bytes, decodeOpts).rotate().resize(resizeInside(PREVIEW_SIZE)).jpeg({ quality: 82 }).toBuffer();
  else preview = await sharp(bytes, decodeOpts).rotate().resize(resizeInside(PREVIEW_SIZE)).webp({ quality: 82, effort: o.previewEffort ?? 4 }).toBuffer();
  const thumbSrc = o.thumbFrom === 'preview' ? sharp(preview) : sharp(bytes, decodeOpts).rotate();
  const thumb = await thumbSrc.resize(resizeInside(THUMB_SIZE)).webp({ quality: 75, effort: o.thumbEffort ?? 4 }).toBuffer();
  return (preview === bytes ? 0 : preview.length) + thumb.length;
}

async function profile(urls: string[], concurrency: number, tmp: string): Promise<ProfileResult> {
  const inputs = await Promise.all(urls.map((u) => fetchBytes(u)));
  const store = new ImageStore(libraryPaths(path.join(tmp, 'profile-store')));
  let storeRound = 0;
  const stages: StageTiming[] = [];
  const add = async (name: string, fn: Stage) => stages.push(await timeStage(name, inputs, concurrency, fn));

  await add('fetch (undici, keep-alive)', async (_b, i) => void (await fetchBytes(urls[i] as string)));
  await add('sha256', async (b) => void createHash('sha256').update(b).digest());
  await add('sharp metadata (header only)', async (b) => void (await sharp(b, decodeOpts).metadata()));
  await add('decode only (raw pixels)', async (b) => void (await sharp(b, decodeOpts).rotate().raw().toBuffer()));
  await add('preview webp q82 effort 4 (as now)', async (b) => (await sharp(b, decodeOpts).rotate().resize(resizeInside(PREVIEW_SIZE)).webp({ quality: 82 }).toBuffer()).length);
  const previews = await Promise.all(inputs.map((b) => sharp(b, decodeOpts).rotate().resize(resizeInside(PREVIEW_SIZE)).webp({ quality: 82 }).toBuffer()));
  await add('thumb from webp preview, effort 4 (as now)', async (_b, i) => (await sharp(previews[i] as Buffer).resize(resizeInside(THUMB_SIZE)).webp({ quality: 75 }).toBuffer()).length);
  await add('thumb from original JPEG, effort 4', async (b) => (await sharp(b, decodeOpts).rotate().resize(resizeInside(THUMB_SIZE)).webp({ quality: 75 }).toBuffer()).length);
  await add('store.write (3 files, tmp+rename)', async (b) => {
    const h = createHash('sha256').update(b).update(String(++storeRound)).digest('hex');
    await store.write(h, 'jpeg', b, { ownPreview: false, preview: b.subarray(0, 20_000), thumb: b.subarray(0, 6_000) });
  });
  await add('verifyImage (as now)', async (b) => {
    const v = await verifyImage(b);
    return (v.preview?.length ?? 0) + (v.thumb?.length ?? 0);
  });
  await add("verifyImage, thumbnail and preview later (as classify)", async (b) => void (await verifyImage(b, undefined, 'later')));
  await add('alt: effort 2 (preview + thumb)', (b) => pipeline(b, { previewEffort: 2, thumbEffort: 2, thumbFrom: 'preview' }));
  await add('alt: effort 0 (preview + thumb)', (b) => pipeline(b, { previewEffort: 0, thumbEffort: 0, thumbFrom: 'preview' }));
  await add('alt: thumb from original (effort 4)', (b) => pipeline(b, { thumbFrom: 'original' }));
  await add('alt: no preview for JPEG ≤1024 px, thumb e4', (b) => pipeline(b, { skipSmallJpegPreview: true, thumbFrom: 'original' }));
  await add('alt: no preview for JPEG ≤1024 px, thumb e2', (b) => pipeline(b, { skipSmallJpegPreview: true, thumbFrom: 'original', thumbEffort: 2 }));
  await add('alt: no preview for JPEG ≤1024 px, thumb e0', (b) => pipeline(b, { skipSmallJpegPreview: true, thumbFrom: 'original', thumbEffort: 0 }));
  await add('alt: JPEG q82 preview, thumb from original e4', (b) => pipeline(b, { previewJpeg: true, thumbFrom: 'original' }));
  // End to end without SQLite: fetch → decode/preview/thumb → hash → store, as now and with the cheapest variant.
  const e2e = (make: (b: Buffer) => Promise<{ preview: Buffer | null; thumb: Buffer | null }>): Stage => async (_b, i) => {
    const bytes = await fetchBytes(urls[i] as string);
    const { preview, thumb } = await make(bytes);
    const hash = createHash('sha256').update(bytes).update(String(++storeRound)).digest('hex');
    await store.write(hash, 'jpeg', bytes, { ownPreview: preview === null, preview, thumb });
    return (preview?.length ?? 0) + (thumb?.length ?? 0);
  };
  await add('e2e as now: fetch+verifyImage+sha+store', e2e((b) => verifyImage(b)));
  await add('e2e alt: fetch+no preview, thumb e2+sha+store', e2e(async (b) => {
    await sharp(b, decodeOpts).metadata();
    const thumb = await sharp(b, decodeOpts).rotate().resize(resizeInside(THUMB_SIZE)).webp({ quality: 75, effort: 2 }).toBuffer();
    return { preview: Buffer.alloc(0), thumb };
  }));
  return { sample: inputs.length, mean_kb: round(inputs.reduce((s, b) => s + b.length, 0) / inputs.length / 1024), stages };
}

function formatProfile(p: ProfileResult, concurrency: number, sh: { concurrency: number; uv_threadpool: number }): string[] {
  const w = Math.max(...p.stages.map((s) => s.name.length));
  return [
    `profile   ${p.sample} images (mean ${p.mean_kb} KB); serial = one at a time; parallel = ${concurrency} in flight (sharp concurrency ${sh.concurrency}, UV_THREADPOOL_SIZE ${sh.uv_threadpool})`,
    `          ${'stage'.padEnd(w)}  serial ms/img  parallel img/s  CPU ms/img  out KB`,
    ...p.stages.map(
      (s) => `          ${s.name.padEnd(w)}  ${s.serial_ms.toFixed(2).padStart(13)}  ${s.parallel_per_s.toFixed(0).padStart(14)}  ${s.cpu_ms.toFixed(2).padStart(10)}  ${s.out_kb !== undefined ? s.out_kb.toFixed(1).padStart(6) : ''}`,
    ),
  ];
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
