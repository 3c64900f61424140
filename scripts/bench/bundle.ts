/**
 * `npm run bench:bundle`: `qc classify` on EOL bundles at scale, end to end, as the real command
 * line in a child process (its peak RSS is its own).
 *
 * An HTTP server on 127.0.0.1 serves JPEGs made on the fly from the dev photos: the URL names a
 * picture number c (0 ≤ c < --distinct) and the row; the bytes are dev photo (c mod 567) with a JPEG
 * comment "qc bench:bundle c", so every picture number has its own bytes (its own sha256) and no
 * file is written per row. `--distinct 0` makes every row its own picture. Bundles are EOL-format
 * TSVs (eolMediaURL, identifier, dataObjectVersionID, ancestry) with --rows rows, every URL distinct.
 *
 * A small run is trained once per feature mode on 40 dev photos (the bundle's pictures are all new
 * to the library, so each is downloaded, verified, embedded and scored): `whole` (the whole-image
 * embedding) and `crops` (the product's default feature sets: whole, crops, quality signals).
 * Each case prints rows, distinct pictures, wall seconds, when every picture was stored (the end of
 * the import; polled each second), rows/s, pictures/s, requests served, the child's CPU seconds
 * (all threads) and cores busy (CPU / wall), and the child's peak RSS (the max of VmRSS polled every 100 ms and the last VmHWM read). For the memory
 * check the ratio of the largest to the smallest peak among the `whole` cases (target ≤ 1.20).
 *
 * `--resume`: the first case once more in a fresh copy of the library, killed with SIGKILL once
 * half its pictures have features, then run again: what was stored at the kill, how many requests
 * and embeddings the second run needed, its time, and whether its tag files equal the uninterrupted
 * run's byte for byte.
 *
 * `--backbone ID`: the runs are trained on that backbone, so classification embeds with it.
 * `--cpu-prof DIR`: each `qc` child writes V8 CPU profiles (its main thread and worker threads) to DIR.
 * `--mirror`: the same pictures written as files first (`<work>/mirror-ROWS-DISTINCT/<c>/<row>.jpg`,
 * hard links for repeats) and read by `qc classify --mirror <server URL>=<folder>`: a local mirror,
 * no HTTP (the requests column then reads 0).
 *
 *   npm run bench:bundle -- [--rows 20000,200000] [--distinct 3000] [--modes whole,crops]
 *                           [--backbone ID] [--resume] [--work DIR] [--keep] [--cpu-prof DIR] [--mirror]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createCore } from '../../src-main/core/app';
import type { FeatureSet } from '../../src-shared/domain/ml';
import { miniDemo } from '../../test-support/seedLibrary';
import { argValue, DATASET_IMAGES_DIR, mb, repoRoot } from './fixtures';
import { withComment } from './jpegCopies';

const MODES: Record<string, FeatureSet[]> = { whole: ['whole'], crops: ['whole', 'crops', 'signals'] };
const ANCESTRIES = ['{}', '{"kingdom":{"name":"Plantae"}}', '{"kingdom":{"name":"Animalia"},"class":{"name":"Aves"}}', '{"kingdom":{"name":"Fungi"}}'];

interface PictureServer {
  baseUrl: string;
  requests: () => number;
  close: () => Promise<void>;
}

/** GET /p/<c>/<row>.jpg → dev photo (c mod n) with the comment "qc bench:bundle c". */
async function startPictureServer(): Promise<PictureServer> {
  const sources = fs
    .readdirSync(DATASET_IMAGES_DIR)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .map((f) => fs.readFileSync(path.join(DATASET_IMAGES_DIR, f)));
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    const m = /^\/p\/(\d+)\/\d+\.jpg$/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const c = Number(m[1]);
    const body = withComment(sources[c % sources.length]!, `qc bench:bundle ${c}`);
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.length }).end(body);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/p/`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The pictures the server would send for a bundle, as files: `dir/<c>/<row>.jpg` (rows of one
 * picture are hard links to one file), so `qc classify --mirror <base URL>=dir` reads them from disk.
 */
function writeMirror(dir: string, rows: number, distinct: number): void {
  const sources = fs
    .readdirSync(DATASET_IMAGES_DIR)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .map((f) => fs.readFileSync(path.join(DATASET_IMAGES_DIR, f)));
  fs.rmSync(dir, { recursive: true, force: true });
  const first = new Map<number, string>();
  for (let i = 0; i < rows; i++) {
    const c = distinct > 0 ? i % distinct : i;
    const file = path.join(dir, String(c), `${i}.jpg`);
    if (i % 1000 === 0 || !first.has(c)) fs.mkdirSync(path.dirname(file), { recursive: true });
    const earlier = first.get(c);
    if (earlier) fs.linkSync(earlier, file);
    else {
      fs.writeFileSync(file, withComment(sources[c % sources.length]!, `qc bench:bundle ${c}`));
      first.set(c, file);
    }
  }
}

/** An EOL-format bundle of `rows` rows; row i names picture i mod distinct (distinct 0: picture i). */
async function writeBundle(file: string, baseUrl: string, rows: number, distinct: number): Promise<void> {
  const out = fs.createWriteStream(file);
  const write = (s: string) => (out.write(s) ? undefined : new Promise<void>((r) => out.once('drain', () => r())));
  await write('eolMediaURL\tidentifier\tdataObjectVersionID\tancestry\n');
  for (let i = 0; i < rows; i++) {
    const c = distinct > 0 ? i % distinct : i;
    await write(`${baseUrl}${c}/${i}.jpg\t${30_000_000 + i}\t${130_000_000 + i}\t${ANCESTRIES[i % ANCESTRIES.length]}\n`);
  }
  await new Promise<void>((r) => out.end(() => r()));
}

/** A library with one small run trained on `features` (40 dev photos, linear head, no augmentation). */
async function trainedLibrary(dataDir: string, features: FeatureSet[], backbone: string | undefined): Promise<void> {
  if (fs.existsSync(path.join(dataDir, 'trained'))) return;
  fs.rmSync(dataDir, { recursive: true, force: true });
  const demoDir = miniDemo(20);
  const core = createCore({ dataDir, demoDir });
  try {
    await core.call('demo.load', { train: false });
    const run = await core.call('ml.train', { features, hidden: 0, augment: 0, ...(backbone && { backbone }) });
    if (run.status !== 'done') throw new Error(`training the ${features.join('+')} run ended ${run.status}`);
  } finally {
    await core.close();
    fs.rmSync(demoDir, { recursive: true, force: true });
  }
  fs.writeFileSync(path.join(dataDir, 'trained'), '');
}

function memoryOf(pid: number): { rss: number; hwm: number } {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/** User + system CPU seconds of a process, all its threads (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

interface QcResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  seconds: number;
  peak: number;
  /** The child's CPU seconds (user + system, all its threads), as last polled before it exited. */
  cpu: number;
  stdout: string;
  stderr: string;
}

/** Node options for the `qc` child: `--cpu-prof DIR` writes its CPU profiles there (main thread and workers). */
let nodeArgs: string[] = [];

/**
 * `qc` (scripts/qc.mjs: the prebuilt command line, in this child process) with its peak RSS.
 * `killWhen` is polled with the RSS: when it says so the child gets SIGKILL.
 */
function runQc(args: string[], killWhen?: () => boolean): Promise<QcResult> {
  return new Promise((resolve) => {
    const t = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, path.join(repoRoot, 'scripts/qc.mjs'), ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let peak = 0;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    let cpu = 0;
    const timer = setInterval(() => {
      const m = memoryOf(child.pid!);
      peak = Math.max(peak, m.rss, m.hwm);
      cpu = Math.max(cpu, cpuSecondsOf(child.pid!));
      if (killWhen?.()) child.kill('SIGKILL');
    }, 100);
    child.on('exit', (status, signal) => {
      clearInterval(timer);
      resolve({ status, signal, seconds: (performance.now() - t) / 1000, peak, cpu, stdout, stderr });
    });
  });
}

/** The largest image id (ids count up from 1 and the bench never deletes images: the number stored), or 0 when busy. */
function maxImageId(dataDir: string): number {
  try {
    return count(dataDir, 'SELECT COALESCE(MAX(id), 0) AS n FROM images');
  } catch {
    return 0;
  }
}

function count(dataDir: string, sql: string): number {
  const db = new Database(path.join(dataDir, 'library.sqlite'), { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 2000');
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

const FEATURE_ROWS = 'SELECT COUNT(*) AS n FROM features';

function sameFiles(a: string, b: string): { same: boolean; files: number; detail: string } {
  const names = fs.readdirSync(a).filter((f) => f.endsWith('.tsv')).sort();
  const other = fs.readdirSync(b).filter((f) => f.endsWith('.tsv')).sort();
  if (names.join() !== other.join()) return { same: false, files: names.length, detail: `files differ: ${names.join(',')} vs ${other.join(',')}` };
  for (const f of names) if (!fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f)))) return { same: false, files: names.length, detail: `${f} differs` };
  return { same: true, files: names.length, detail: '' };
}

async function main(argv: string[]): Promise<void> {
  const sizes = (argValue(argv, 'rows') ?? '20000,200000').split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--rows wants comma-separated positive integers');
  const distinct = Number(argValue(argv, 'distinct') ?? 3000);
  if (!Number.isInteger(distinct) || distinct < 0) throw new Error('--distinct wants an integer >= 0 (0: every row its own picture)');
  const modes = (argValue(argv, 'modes') ?? 'whole,crops').split(',');
  for (const m of modes) if (!MODES[m]) throw new Error(`--modes: unknown mode "${m}" (whole, crops)`);
  // The run's backbone (its classification embeds with it): e.g. mobilenet_v2_nsfwjs_int8.
  const backbone = argValue(argv, 'backbone');
  const given = argValue(argv, 'work');
  const useMirror = argv.includes('--mirror');
  const profDir = argValue(argv, 'cpu-prof');
  if (profDir) nodeArgs = ['--cpu-prof', '--cpu-prof-dir', path.resolve(profDir)];
  const work = given ? path.resolve(given) : fs.mkdtempSync(path.join(os.tmpdir(), 'qc-bench-bundle-'));
  fs.mkdirSync(work, { recursive: true });
  const baseOf = (mode: string) => path.join(work, `base-${mode}${backbone ? `-${backbone}` : ''}`);
  const load = () => `load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;

  const server = await startPictureServer();
  try {
    console.log(`${os.availableParallelism()} cores, ${load()}; pictures served at ${server.baseUrl}; work folder ${work}`);
    for (const mode of modes) {
      const t = performance.now();
      await trainedLibrary(baseOf(mode), MODES[mode]!, backbone);
      console.log(`run for ${mode} (${MODES[mode]!.join('+')}) ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    const peaks: { rows: number; peak: number }[] = [];
    let first: { bundle: string; out: string; mode: string; pictures: number; seconds: number } | null = null;
    console.log('\nmode\trows\tpictures\twall s\timported at s\trows/s\tpictures/s\trequests\tCPU s\tcores busy\tpeak RSS MB\tload after');
    for (const mode of modes) {
      for (const rows of sizes) {
        const pictures = distinct > 0 ? Math.min(distinct, rows) : rows;
        const bundle = path.join(work, `bundle-${rows}-${distinct}.txt`);
        await writeBundle(bundle, server.baseUrl, rows, distinct); // this server's port
        const data = path.join(work, `lib-${mode}-${rows}`);
        fs.rmSync(data, { recursive: true, force: true });
        fs.cpSync(baseOf(mode), data, { recursive: true });
        const out = path.join(work, `out-${mode}-${rows}`);
        fs.rmSync(out, { recursive: true, force: true });
        // --mirror: the same pictures as files, read through `qc classify --mirror` (no HTTP).
        const mirrorArgs: string[] = [];
        if (useMirror) {
          const dir = path.join(work, `mirror-${rows}-${distinct}`);
          const t = performance.now();
          writeMirror(dir, rows, distinct);
          console.log(`(mirror of ${rows} rows written in ${((performance.now() - t) / 1000).toFixed(1)} s: ${dir})`);
          mirrorArgs.push('--mirror', `${server.baseUrl}=${dir}`);
        }
        const before = server.requests();
        // When every picture is stored (the import's end; embedding and scoring follow), polled once a second.
        const stored = count(data, 'SELECT COUNT(*) AS n FROM images') + pictures;
        const started = performance.now();
        let importedAt = null as number | null;
        const poll = setInterval(() => {
          if (importedAt === null && maxImageId(data) >= stored) importedAt = (performance.now() - started) / 1000;
        }, 1000);
        const r = await runQc(['--data', data, '--json', 'classify', bundle, '--out', out, '--threshold', '0.5', ...mirrorArgs]).finally(() => clearInterval(poll));
        if (r.status !== 0) throw new Error(`qc classify (${mode}, ${rows} rows) failed (${r.status ?? r.signal}): ${r.stderr}`);
        const summary = JSON.parse(r.stdout) as { rows: number; images: number; predicted: number; failed: number };
        if (summary.rows !== rows || summary.predicted !== pictures || summary.failed) throw new Error(`unexpected summary: ${r.stdout}`);
        console.log(
          [
            mode,
            rows,
            pictures,
            r.seconds.toFixed(1),
            importedAt === null ? '?' : importedAt.toFixed(0),
            (rows / r.seconds).toFixed(0),
            (pictures / r.seconds).toFixed(1),
            server.requests() - before,
            r.cpu.toFixed(0),
            (r.cpu / r.seconds).toFixed(2),
            mb(r.peak).toFixed(0),
            load(),
          ].join('\t'),
        );
        if (mode === 'whole') peaks.push({ rows, peak: r.peak });
        first ??= { bundle, out, mode, pictures, seconds: r.seconds };
        if (!argv.includes('--keep')) fs.rmSync(data, { recursive: true, force: true });
      }
    }
    if (peaks.length > 1) {
      const lo = peaks.reduce((a, b) => (b.peak < a.peak ? b : a));
      const hi = peaks.reduce((a, b) => (b.peak > a.peak ? b : a));
      const ratio = hi.peak / lo.peak;
      console.log(`\npeak RSS, whole: largest ${mb(hi.peak).toFixed(0)} MB (${hi.rows} rows) / smallest ${mb(lo.peak).toFixed(0)} MB (${lo.rows} rows) = ${ratio.toFixed(2)} (target <= 1.20: ${ratio <= 1.2 ? 'MET' : 'MISSED'})`);
    }

    if (argv.includes('--resume') && first) {
      const { bundle, out, mode, pictures } = first;
      const data = path.join(work, `lib-${mode}-resume`);
      fs.rmSync(data, { recursive: true, force: true });
      fs.cpSync(baseOf(mode), data, { recursive: true });
      const base = count(data, FEATURE_ROWS);
      const baseImages = count(data, 'SELECT COUNT(*) AS n FROM images');
      const perPicture = MODES[mode]!.length;
      const resumedOut = path.join(work, `out-${mode}-resumed`);
      fs.rmSync(resumedOut, { recursive: true, force: true });
      const args = ['--data', data, '--json', 'classify', bundle, '--out', resumedOut, '--threshold', '0.5'];
      const req0 = server.requests();
      let lastCheck = 0;
      const killed = await runQc(args, () => {
        if (performance.now() - lastCheck < 500) return false;
        lastCheck = performance.now();
        try {
          return count(data, FEATURE_ROWS) - base >= (perPicture * pictures) / 2;
        } catch {
          return false; // the library is being created or is busy: ask again
        }
      });
      if (killed.signal !== 'SIGKILL') throw new Error(`the run to be killed ended by itself (${killed.status}): ${killed.stderr}`);
      const stored = {
        images: count(data, 'SELECT COUNT(*) AS n FROM images') - baseImages,
        featured: Math.floor((count(data, FEATURE_ROWS) - base) / perPicture),
        requests: server.requests() - req0,
      };
      console.log(
        `\nresume (${mode}, ${first.bundle.match(/bundle-(\d+)/)?.[1]} rows): killed with SIGKILL after ${killed.seconds.toFixed(1)} s with ${stored.images} of ${pictures} pictures stored, ${stored.featured} with features (${stored.requests} requests)`,
      );
      const req1 = server.requests();
      const again = await runQc(args);
      if (again.status !== 0) throw new Error(`the resumed run failed (${again.status ?? again.signal}): ${again.stderr}`);
      const summary = JSON.parse(again.stdout) as { scored: number; predicted: number };
      const embedded = Math.floor((count(data, FEATURE_ROWS) - base) / perPicture) - stored.featured;
      const same = sameFiles(out, resumedOut);
      console.log(
        `resumed run: ${again.seconds.toFixed(1)} s (uninterrupted ${first.seconds.toFixed(1)} s; killed + resumed ${(killed.seconds + again.seconds).toFixed(1)} s), ` +
          `${server.requests() - req1} requests (${pictures - stored.images} pictures were not stored), ${embedded} pictures embedded, ${summary.scored} scored, peak RSS ${mb(again.peak).toFixed(0)} MB; ` +
          `tag files (${same.files}) ${same.same ? 'byte-identical to the uninterrupted run' : `DIFFER from the uninterrupted run: ${same.detail}`}`,
      );
      if (!argv.includes('--keep')) fs.rmSync(data, { recursive: true, force: true });
    }
  } finally {
    await server.close();
    if (!argv.includes('--keep') && !given) fs.rmSync(work, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
