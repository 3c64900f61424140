/**
 * Shared helpers for benchmarks: a deterministic set of distinct JPEGs made from the real photos
 * of the quality-dev data set (cached in the temp dir), an EOL ratings file pointing at them, a
 * local keep-alive HTTP server that serves them and counts requests, and an RSS sampler.
 *
 * Generation and the server can run in a child process (`forkGenerate`, `forkImageServer`) so
 * that their memory and CPU do not show up in the numbers of the process being measured. The
 * child is this file run with the parent's tsx loader:
 *
 *   npx tsx scripts/bench/fixtures.ts generate --n 2000     # prints {"dir", ...} as JSON
 *   npx tsx scripts/bench/fixtures.ts serve --dir DIR       # IPC only (started by forkImageServer)
 */
import type { WarmResult } from '../../src-main/core/db/warm';
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { mulberry32 } from '../../src-shared/domain/random';

const thisFile = fileURLToPath(import.meta.url);
export const repoRoot = path.resolve(path.dirname(thisFile), '..', '..');
/** The real photos (567 JPEGs, long side 580 px) that benchmark images are cut from. */
export const DATASET_IMAGES_DIR = path.resolve(repoRoot, '../shared/datasets/quality-dev/images');

/** One row of the dev set's truth.tsv: its id, label, degradation kind ('none' for the good ones) and source photo. */
export interface DevTruth {
  id: string;
  label: string;
  kind: string;
  source: string;
}

/** The dev set's truth.tsv, in file order. */
export function readDevTruth(): DevTruth[] {
  const [header, ...lines] = fs.readFileSync(path.join(DATASET_IMAGES_DIR, '..', 'truth.tsv'), 'utf8').trim().split('\n');
  const cols = header!.split('\t');
  const at = (name: string) => cols.indexOf(name);
  return lines.map((l) => {
    const c = l.split('\t');
    return { id: c[at('id')]!, label: c[at('label')]!, kind: c[at('degradation')]!, source: c[at('source_file')]! };
  });
}

/** Bump when the generated images change (the cache folder name carries it). */
const GENERATOR_VERSION = 1;
const MANIFEST = 'manifest.json';

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/** A seeded PRNG returning floats in [0, 1). */
export const prng = mulberry32;

// ---------------------------------------------------------------------------------------------
// Image generation

export interface BenchImageSet {
  dir: string;
  /** File names (relative to dir), in order. */
  files: string[];
  totalBytes: number;
  /** False when the set came from the cache. */
  generated: boolean;
  /** Time spent generating (0 when cached). */
  seconds: number;
}

interface Manifest {
  version: number;
  n: number;
  files: string[];
  totalBytes: number;
}

export function benchImageDir(n: number): string {
  return path.join(os.tmpdir(), `qc-bench-images-${n}-v${GENERATOR_VERSION}`);
}

function readManifest(dir: string, n: number): Manifest | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), 'utf8')) as Manifest;
    if (m.version !== GENERATOR_VERSION || m.n !== n || m.files.length !== n) return null;
    if (!m.files.every((f) => fs.existsSync(path.join(dir, f)))) return null;
    return m;
  } catch {
    return null;
  }
}

export function listSourcePhotos(sourceDir = DATASET_IMAGES_DIR): string[] {
  if (!fs.existsSync(sourceDir)) throw new Error(`benchmark photos not found: ${sourceDir}`);
  const files = fs
    .readdirSync(sourceDir)
    .filter((f) => /\.jpe?g$/i.test(f))
    .sort();
  if (files.length === 0) throw new Error(`no JPEGs in ${sourceDir}`);
  return files.map((f) => path.join(sourceDir, f));
}

/**
 * Image i: photo i % photos, a seeded random crop of 60–100 % of its area (aspect jittered
 * ±10 %), resized so the long side is 480–640 px, JPEG quality 85. Distinct crops make distinct
 * bytes; a hash check guarantees it (a collision re-rolls the crop).
 */
async function makeImage(photo: Buffer, width: number, height: number, seed: number): Promise<Buffer> {
  const rnd = prng(seed);
  const area = 0.6 + 0.4 * rnd();
  const aspect = 0.9 + 0.2 * rnd();
  const cw = Math.max(16, Math.min(width, Math.round(width * Math.sqrt(area) * aspect)));
  const ch = Math.max(16, Math.min(height, Math.round(height * Math.sqrt(area) / aspect)));
  const left = Math.floor(rnd() * (width - cw + 1));
  const top = Math.floor(rnd() * (height - ch + 1));
  const longSide = 480 + Math.floor(rnd() * 161);
  const [w, h] = cw >= ch ? [longSide, Math.max(1, Math.round((ch * longSide) / cw))] : [Math.max(1, Math.round((cw * longSide) / ch)), longSide];
  return sharp(photo)
    .extract({ left, top, width: cw, height: ch })
    .resize(w, h, { fit: 'fill' })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/**
 * The set of N distinct benchmark JPEGs, generated once into os.tmpdir()/qc-bench-images-N-vV
 * (built in a sibling folder and renamed into place, so an interrupted run leaves no half set).
 */
export async function ensureBenchImages(n: number, opts: { sourceDir?: string; concurrency?: number; log?: (s: string) => void } = {}): Promise<BenchImageSet> {
  const dir = benchImageDir(n);
  const cached = readManifest(dir, n);
  if (cached) return { dir, files: cached.files, totalBytes: cached.totalBytes, generated: false, seconds: 0 };

  const started = performance.now();
  const photos = listSourcePhotos(opts.sourceDir);
  const build = `${dir}.build-${process.pid}`;
  fs.rmSync(build, { recursive: true, force: true });
  fs.mkdirSync(build, { recursive: true });
  const files = Array.from({ length: n }, (_, i) => `img-${String(i).padStart(6, '0')}.jpg`);
  const hashes = new Map<string, number>();
  const limit = pLimit(opts.concurrency ?? Math.max(2, os.availableParallelism()));
  const photoCache = new Map<string, Promise<{ data: Buffer; width: number; height: number }>>();
  const loadPhoto = (file: string) => {
    let p = photoCache.get(file);
    if (!p) {
      p = (async () => {
        const data = await fs.promises.readFile(file);
        const meta = await sharp(data).metadata();
        return { data, width: meta.width ?? 0, height: meta.height ?? 0 };
      })();
      photoCache.set(file, p);
    }
    return p;
  };
  let totalBytes = 0;
  let done = 0;
  await Promise.all(
    files.map((name, i) =>
      limit(async () => {
        const photo = await loadPhoto(photos[i % photos.length] as string);
        for (let attempt = 0; ; attempt++) {
          const bytes = await makeImage(photo.data, photo.width, photo.height, (i + 1) * 7919 + attempt * 104729);
          const hash = createHash('sha256').update(bytes).digest('hex');
          if (hashes.has(hash)) {
            if (attempt > 20) throw new Error(`cannot make image ${i} distinct from image ${hashes.get(hash)}`);
            continue;
          }
          hashes.set(hash, i);
          totalBytes += bytes.length;
          await fs.promises.writeFile(path.join(build, name), bytes);
          break;
        }
        if (++done % 500 === 0) opts.log?.(`generated ${done}/${n} images`);
      }),
    ),
  );
  const manifest: Manifest = { version: GENERATOR_VERSION, n, files, totalBytes };
  fs.writeFileSync(path.join(build, MANIFEST), JSON.stringify(manifest));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(build, dir);
  return { dir, files, totalBytes, generated: true, seconds: (performance.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------------
// EOL ratings file

/** Write an EOL ratings file (TSV with the export's header) whose obj_url column holds `urls`; ratings spread over 1..5. */
export function writeRatingsFile(file: string, urls: string[], seed = 1): void {
  const rnd = prng(seed);
  const lines = ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry'];
  urls.forEach((url, i) => {
    const rating = (1 + 4 * rnd()).toFixed(4);
    const ancestry = i % 3 === 0 ? '{}' : JSON.stringify({ kingdom: { name: i % 3 === 1 ? 'Animalia' : 'Plantae' } });
    lines.push(`${8_000_000 + i}\t${url}\t${rating}\t${ancestry}`);
  });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

// ---------------------------------------------------------------------------------------------
// HTTP server

export interface ImageServer {
  /** e.g. http://127.0.0.1:PORT/img/ — append a file name. */
  baseUrl: string;
  /** Requests received so far (any path, any status). */
  requests(): Promise<number>;
  /** CPU seconds (user + sys) the server's process has used so far: all of it when forked, 0 in-process (it is this process). */
  cpuSeconds(): Promise<number>;
  close(): Promise<void>;
}

/** Serve the files of `dir` under /img/NAME as image/jpeg, HTTP/1.1 keep-alive, on 127.0.0.1 (port 0). In this process. */
export async function startImageServer(dir: string): Promise<ImageServer & { count: () => number }> {
  let count = 0;
  const server = http.createServer((req, res) => {
    count++;
    const name = decodeURIComponent((req.url ?? '').split('?')[0] ?? '').replace(/^\/img\//, '');
    if (!name || name.includes('/') || name.includes('\\') || name.startsWith('.')) {
      res.writeHead(404).end();
      return;
    }
    fs.readFile(path.join(dir, name), (err, data) => {
      if (err) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': data.length, connection: 'keep-alive' }).end(data);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/img/`,
    count: () => count,
    requests: async () => count,
    cpuSeconds: async () => 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type ServerMessage = { type: 'ready'; baseUrl: string } | { type: 'count'; id: number; count: number; cpuSeconds: number };

/** The same server in a child process, so its CPU and memory are not counted in this one. */
export async function forkImageServer(dir: string): Promise<ImageServer> {
  const child = fork(thisFile, ['serve', '--dir', dir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters = new Map<number, (m: { count: number; cpuSeconds: number }) => void>();
  let nextId = 1;
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`image server exited early (code ${code})`)));
    child.on('message', (m: ServerMessage) => {
      if (m.type === 'ready') resolve(m.baseUrl);
      else if (m.type === 'count') waiters.get(m.id)?.(m);
    });
  });
  child.removeAllListeners('exit');
  const ask = () =>
    new Promise<{ count: number; cpuSeconds: number }>((resolve) => {
      const id = nextId++;
      waiters.set(id, (m) => {
        waiters.delete(id);
        resolve(m);
      });
      child.send({ type: 'count', id });
    });
  return {
    baseUrl,
    requests: async () => (await ask()).count,
    cpuSeconds: async () => (await ask()).cpuSeconds,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Measuring

export interface RssSampler {
  /** Stop sampling; returns the peak RSS seen (bytes). */
  stop(): number;
  peak(): number;
}

/** Sample process.memoryUsage.rss() every `everyMs` (the timer is unref'd). */
export function sampleRss(everyMs = 50): RssSampler {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  timer.unref();
  return {
    peak: () => peak,
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      return peak;
    },
  };
}

export const mb = (bytes: number) => bytes / (1024 * 1024);

/** What a core's background warm-up read (createCore({ warm: true }), core/db/warm.ts), in words. */
export function warmRead(w: WarmResult | null | undefined): string {
  if (!w) return 'not asked for';
  if (w.skipped === 'aborted') return `${mb(w.bytes).toFixed(0)} MB, stopped at close`;
  if (w.skipped) return `skipped (${w.skipped})`;
  return `${mb(w.bytes).toFixed(0)} MB${w.pausedMs ? `, stepped aside ${w.pausedMs} ms for calls` : ''}`;
}

/** Busy CPU seconds of the whole machine (all cores, all processes) since boot, from os.cpus(). */
export function machineBusySeconds(): number {
  return os.cpus().reduce((s, c) => s + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0) / 1000;
}

/** Value of `--name V` (or `--name=V`) in argv, else undefined. */
export function argValue(argv: string[], name: string): string | undefined {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const a = argv[i] as string;
  if (a.includes('=')) return a.slice(a.indexOf('=') + 1);
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} wants a value`);
  return v;
}

export function intArg(argv: string[], name: string, fallback: number, min = 1): number {
  const v = argValue(argv, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} wants an integer ≥ ${min}, got "${v}"`);
  return n;
}

/**
 * The generated library the scale benchmarks (bench:scale, bench:ui) run on: `--data DIR` when
 * given, else os.tmpdir()/qc-scale-N for `--n N`; made with gen:library when the folder holds no
 * library yet (and must then be empty). `generatedSeconds` is null when it was there already.
 */
export async function scaleLibraryFromArgs(argv: string[], defaultN: number): Promise<{ n: number; dataDir: string; given: boolean; generatedSeconds: number | null }> {
  const n = intArg(argv, 'n', defaultN, 112);
  const given = argValue(argv, 'data');
  const dataDir = path.resolve(given ?? path.join(os.tmpdir(), `qc-scale-${n}`));
  // Loaded here, not at the top: the other benchmarks that use this file need no core.
  const { libraryPaths } = await import('../../src-main/core/paths');
  if (fs.existsSync(libraryPaths(dataDir).db)) return { n, dataDir, given: given !== undefined, generatedSeconds: null };
  const { generateScaleLibrary, isFreshDir } = await import('../../test-support/scaleLibrary');
  if (!isFreshDir(dataDir)) throw new Error(`${dataDir} is neither a library nor empty`);
  const lib = await generateScaleLibrary(dataDir, { n, log: (s) => process.stderr.write(`${s}\r`) });
  return { n, dataDir, given: given !== undefined, generatedSeconds: lib.seconds };
}

/** Generate the set in a child process (so this process's peak RSS does not include it). */
export async function forkGenerate(n: number): Promise<BenchImageSet> {
  const child = fork(thisFile, ['generate', '--n', String(n), '--json'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  if (code !== 0) throw new Error(`image generation failed (exit code ${code})`);
  return JSON.parse(out.trim().split('\n').pop() ?? '') as BenchImageSet;
}

// ---------------------------------------------------------------------------------------------
// CLI (also the child-process entry point)

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === 'generate') {
    const n = intArg(rest, 'n', 2000);
    const set = await ensureBenchImages(n, { log: (s) => process.stderr.write(`${s}\n`) });
    if (rest.includes('--json')) process.stdout.write(`${JSON.stringify(set)}\n`);
    else console.log(`${set.files.length} images (${mb(set.totalBytes).toFixed(1)} MB) in ${set.dir}${set.generated ? `, generated in ${set.seconds.toFixed(1)} s` : ' (cached)'}`);
  } else if (cmd === 'serve') {
    const dir = argValue(rest, 'dir');
    if (!dir) throw new Error('serve wants --dir DIR');
    const server = await startImageServer(dir);
    if (process.send) {
      process.on('message', (m: { type: string; id: number }) => {
        if (m.type !== 'count') return;
        const cpu = process.cpuUsage();
        process.send?.({ type: 'count', id: m.id, count: server.count(), cpuSeconds: (cpu.user + cpu.system) / 1e6 } satisfies ServerMessage);
      });
      process.on('disconnect', () => void server.close().then(() => process.exit(0)));
      process.send({ type: 'ready', baseUrl: server.baseUrl } satisfies ServerMessage);
    } else {
      console.log(`serving ${dir} at ${server.baseUrl} (Ctrl-C to stop)`);
    }
  } else {
    console.error('usage: tsx scripts/bench/fixtures.ts generate --n N [--json] | serve --dir DIR');
    process.exit(2);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === thisFile) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
