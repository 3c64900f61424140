/**
 * `npm run bench:classify`: does `qc classify` memory stay flat in bundle size? A trained library
 * (the demo), then `qc classify` in a child process on bundles of different sizes whose URLs are
 * served by a local HTTP server (127.0.0.1) that repeats a few thousand distinct images (query
 * strings make every URL distinct; the images dedupe by content, so embedding work stays bounded
 * and the rows are what grows). Prints per size: rows, seconds, rows/s and the child's peak RSS
 * (VmRSS sampled from /proc every 100 ms: Linux), then the ratio of the largest to the smallest
 * peak (target ≤ 1.2). `--mirror` also times one bundle end to end from a local mirror.
 *
 *   npm run bench:classify -- [--sizes 20000,200000] [--distinct 2000] [--mirror-rows 20000] [--keep]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore } from '../../src-main/core/app';
import { withComment } from './jpegCopies';
import { argValue, DATASET_IMAGES_DIR, intArg, mb, repoRoot, startImageServer } from './fixtures';

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Run the qc CLI in a child; returns its exit status, wall seconds and peak RSS (bytes). */
function runQc(args: string[]): Promise<{ status: number | null; seconds: number; peak: number; stderr: string }> {
  return new Promise((resolve) => {
    const t = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src-main/cli/main.ts'), ...args], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let peak = 0;
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const timer = setInterval(() => (peak = Math.max(peak, rssOf(child.pid!))), 100);
    child.on('exit', (status) => {
      clearInterval(timer);
      resolve({ status, seconds: (performance.now() - t) / 1000, peak, stderr });
    });
  });
}

async function main(argv: string[]): Promise<void> {
  const sizes = (argValue(argv, 'sizes') ?? '20000,200000').split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--sizes wants comma-separated positive integers');
  const distinct = intArg(argv, 'distinct', 2000);
  const mirrorRows = argv.includes('--mirror') ? intArg(argv, 'mirror-rows', 20000) : 0;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-bench-classify-'));
  const imagesDir = path.join(work, 'images');
  fs.mkdirSync(imagesDir);
  const sources = fs.readdirSync(DATASET_IMAGES_DIR).filter((f) => f.endsWith('.jpg')).sort();
  const names: string[] = [];
  for (let i = 0; i < distinct; i++) {
    const name = `${String(i).padStart(5, '0')}.jpg`;
    fs.writeFileSync(path.join(imagesDir, name), withComment(fs.readFileSync(path.join(DATASET_IMAGES_DIR, sources[i % sources.length]!)), `qc bench:classify ${i}`));
    names.push(name);
  }
  const server = await startImageServer(imagesDir);
  try {
    console.log(`${distinct} distinct images served at ${server.baseUrl}; ${os.availableParallelism()} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    const base = path.join(work, 'lib');
    const core = createCore({ dataDir: base });
    await core.call('demo.load', {});
    await core.close();
    const peaks: number[] = [];
    for (const n of sizes) {
      // A URL list (no header) for every size: one line per row.
      const list = path.join(work, `urls-${n}.txt`);
      const out = fs.createWriteStream(list);
      for (let i = 0; i < n; i++) out.write(`${server.baseUrl}${names[i % distinct]}?row=${i}\n`);
      await new Promise<void>((r) => out.end(() => r()));
      const data = path.join(work, `lib-${n}`);
      fs.cpSync(base, data, { recursive: true });
      const r = await runQc(['--data', data, '--json', 'classify', list, '--out', path.join(work, `out-${n}`), '--threshold', '0.5']);
      if (r.status !== 0) throw new Error(`qc classify on ${n} rows failed (${r.status}): ${r.stderr}`);
      peaks.push(r.peak);
      console.log(`classify ${n} rows: ${r.seconds.toFixed(1)} s, ${(n / r.seconds).toFixed(0)} rows/s, peak RSS ${mb(r.peak).toFixed(0)} MB`);
    }
    const ratio = Math.max(...peaks) / Math.min(...peaks);
    console.log(`peak RSS largest/smallest: ${ratio.toFixed(2)} (target <= 1.20: ${ratio <= 1.2 ? 'MET' : 'MISSED'})`);
    if (mirrorRows) {
      const bundle = path.join(work, 'mirror-bundle.txt');
      const prefix = 'https://content.example.org/media/';
      fs.writeFileSync(bundle, ['eolMediaURL\tidentifier', ...Array.from({ length: mirrorRows }, (_, i) => `${prefix}${names[i % distinct]}\t${i}`)].join('\n') + '\n');
      const data = path.join(work, 'lib-mirror');
      fs.cpSync(base, data, { recursive: true });
      const r = await runQc(['--data', data, '--json', 'classify', bundle, '--out', path.join(work, 'out-mirror'), '--mirror', `${prefix}=${imagesDir}`, '--threshold', '0.5']);
      if (r.status !== 0) throw new Error(`qc classify from a mirror failed (${r.status}): ${r.stderr}`);
      console.log(`classify ${mirrorRows} rows from a local mirror (${distinct} distinct images; the active run's features): ${r.seconds.toFixed(1)} s, peak RSS ${mb(r.peak).toFixed(0)} MB`);
    }
  } finally {
    await server.close();
    if (!argv.includes('--keep')) fs.rmSync(work, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
