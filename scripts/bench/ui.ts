/**
 * `npm run bench:ui -- --n 1000000 [--data DIR] [--keep] [--sizes 100000,1000000] [--cases-only]`:
 * first the scale cases (uiCases.ts: unscored images, a bundle filter, an import filter, sort by id
 * with a filter, label + origin, the Issues screen's 5,000-row list) through the core at two sizes
 * (default N/10 and N) and their ratio; then (unless --cases-only) the review screen in real Chromium
 * against the real server (`qc serve`'s), over a generated library (gen:library: N images with one
 * run's predictions and labels; thumbnails repeat; reused from --data or os.tmpdir()/qc-scale-N).
 * Prints, with the targets beside them: first paint (navigation to the first thumbnail loaded, timed in the page),
 * frame times while scrolling, the slider's update time, filter changes as a curator makes them
 * (predicted, false positives, a taxon typed, the source picker on a bundle and an import), a jump
 * to the last row, and the peak RSS of the
 * server (this process) and of the page (Chromium's renderer). Needs `npm run build:app` and
 * Chromium (CHROMIUM_PATH, default /usr/bin/chromium).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { createCore } from '../../src-main/core/app';
import { startServer } from '../../src-main/server/server';
import { CHROMIUM_ARGS } from '../../e2e/playwright.config';
import { argValue, mb, repoRoot, sampleRss, scaleLibraryFromArgs, warmRead } from './fixtures';
import { casesLibrary, casesTable, timeCases, type CaseTiming } from './uiCases';

/** What scripts/bench/ui-page.js defines in the page. */
interface Bench {
  qcBench: {
    firstTileReady(): boolean;
    firstTileAt(): number | null;
    scroll(ms: number, px: number): Promise<number[]>;
    slider(moves: number): Promise<{ updates: number[]; frames: number[] }>;
    filter(name: string, value: string): Promise<{ ms: number; tilesMs: number; total: number }>;
    toBottom(): Promise<{ ms: number; reached: boolean }>;
  };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
};

const parentOf = (pid: number): number => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
};

/** Peak RSS (VmHWM) of the Chromium renderer processes started by this process, in bytes (Linux; 0 elsewhere). */
function rendererPeakRss(): number {
  if (!fs.existsSync('/proc')) return 0;
  let peak = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number)) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      let up = pid;
      for (let k = 0; k < 6 && up > 1 && up !== process.pid; k++) up = parentOf(up);
      if (up !== process.pid) continue;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (hwm) peak = Math.max(peak, Number(hwm[1]) * 1024);
    } catch {
      // The process ended while we looked.
    }
  }
  return peak;
}

async function main(argv: string[]): Promise<void> {
  const { n, dataDir: generated, given, generatedSeconds } = await scaleLibraryFromArgs(argv, 100_000);
  const load0 = os.loadavg()[0]!;
  if (generatedSeconds !== null) console.log(`library generated in ${generatedSeconds.toFixed(1)} s`);
  // The scale cases at two sizes (the smaller one generated in the temp folder), then the browser on N's cases library.
  const sizes = (argValue(argv, 'sizes') ?? `${Math.max(112, Math.round(n / 10))},${n}`).split(',').map(Number);
  const timings: CaseTiming[][] = [];
  const made: string[] = [];
  let dataDir = generated;
  for (const size of sizes) {
    const src = size === n ? { dataDir: generated, given } : await scaleLibraryFromArgs(['--n', String(size)], size);
    if (!src.given) made.push(src.dataDir);
    const lib = await casesLibrary(src.dataDir, size);
    made.push(lib.dataDir);
    if (size === n) dataDir = lib.dataDir;
    const c = createCore({ dataDir: lib.dataDir });
    try {
      timings.push(await timeCases(c, lib));
    } finally {
      await c.close();
    }
    process.stderr.write(`  scale cases at ${size.toLocaleString('en')} images measured\n`);
  }
  const cases = casesTable(sizes, timings);
  const sources = JSON.parse(fs.readFileSync(path.join(dataDir, 'bench-cases.json'), 'utf8')) as { bundleId: number; importId: number };
  if (argv.includes('--cases-only')) {
    console.log(`\nbench:ui scale cases (through the core, as the screens call it)\n${cases}`);
    console.log(`(${os.cpus().length} cores, load average ${load0.toFixed(1)} at start, ${os.loadavg()[0]!.toFixed(1)} at end)`);
    if (!argv.includes('--keep')) for (const d of made) fs.rmSync(d, { recursive: true, force: true });
    return;
  }
  const rss = sampleRss(20);
  const t0 = performance.now();
  // As `qc serve` opens it: the database file warms in the background (core/db/warm.ts).
  const core = createCore({ dataDir, warm: true });
  const server = await startServer({ core, rendererDir: path.join(repoRoot, 'out', 'renderer'), port: 0 });
  const openMs = performance.now() - t0;
  let warmedAt = NaN;
  let filtersAt = NaN;
  void core.warmed?.then(() => (warmedAt = performance.now() - t0));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const rows: [string, string, string, boolean | null][] = [];
  const add = (what: string, value: string, target: string, met: boolean | null) => {
    rows.push([what, value, target, met]);
    process.stderr.write(`  ${what}: ${value}\n`);
  };
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.addInitScript({ path: path.join(repoRoot, 'scripts', 'bench', 'ui-page.js') });
    add('open the library and start the server', `${openMs.toFixed(0)} ms`, '', null);
    // First paint: from navigation to the first thumbnail decoded in the grid.
    const start = Date.now();
    await page.goto(server.url);
    await page.waitForFunction(() => (globalThis as unknown as Bench).qcBench.firstTileReady(), undefined, { timeout: 120_000 });
    const seenFromNode = Date.now() - start;
    // The page's own clock: Node's poll shares its event loop with the server here, so it can
    // answer late while the server runs a long synchronous query (the slider's sketch).
    const firstPaint = Math.round((await page.evaluate(() => (globalThis as unknown as Bench).qcBench.firstTileAt())) ?? seenFromNode);
    const total = Number(await page.getByTestId('gallery').getAttribute('data-total'));
    const scale = Number(await page.getByTestId('gallery').getAttribute('data-scale'));
    add(`first paint (${total.toLocaleString('en')} predicted bad; Node saw it at ${seenFromNode} ms)`, `${firstPaint} ms`, '≤ 1500 ms', firstPaint <= 1500);
    await page.waitForSelector('[data-testid="threshold-slider"]', { timeout: 120_000 });
    const sliderReady = Date.now() - start;
    add('slider ready (sketch loaded)', `${sliderReady} ms`, '', null);
    // 3 s of continuous scrolling at ~2,000 px/s, then 120 slider moves.
    const scrollFrames = await page.evaluate(() => (globalThis as unknown as Bench).qcBench.scroll(3000, 35));
    const p95Scroll = pct(scrollFrames, 0.95);
    const longFrames = scrollFrames.filter((f) => f > 20).length;
    add(`scroll, ${scrollFrames.length} frames (median ${pct(scrollFrames, 0.5).toFixed(1)} ms, ${longFrames} over 20 ms)`, `p95 ${p95Scroll.toFixed(1)} ms`, 'p95 ≤ 20 ms', p95Scroll <= 20);
    const slider = await page.evaluate(() => (globalThis as unknown as Bench).qcBench.slider(120));
    const p95Slider = pct(slider.updates, 0.95);
    add(`slider, ${slider.updates.length} moves (median ${pct(slider.updates, 0.5).toFixed(1)} ms)`, `p95 ${p95Slider.toFixed(1)} ms`, 'p95 ≤ 50 ms', p95Slider <= 50);
    // Let the last slider move settle (its refetch) before timing filters.
    await page.waitForTimeout(1500);
    const filters: [string, string, string][] = [
      ['predicted: all', 'predicted', 'all'],
      ['predicted: bad', 'predicted', 'bad'],
      ['outcome: false positives', 'outcome', 'fp'],
      ['outcome: all', 'outcome', 'all'],
      ['taxon typed: "Genus1234" (rare)', 'taxon', 'Genus1234'],
      ['taxon typed: "Aves" (common)', 'taxon', 'Aves'],
      ['taxon cleared', 'taxon', ''],
      ['from: the bundle', 'source', `bundle:${sources.bundleId}`],
      ['from: a second import', 'source', `import:${sources.importId}`],
      ['from: every import', 'source', ''],
    ];
    filtersAt = performance.now() - t0;
    for (const [what, name, value] of filters) {
      const r = await page.evaluate(([nm, v]) => (globalThis as unknown as Bench).qcBench.filter(nm!, v!), [name, value]);
      add(`filter ${what} (${r.total.toLocaleString('en')} match; tiles in ${r.tilesMs.toFixed(0)} ms)`, `${r.ms.toFixed(0)} ms`, '≤ 300 ms', r.ms <= 300);
    }
    const bottom = await page.evaluate(() => (globalThis as unknown as Bench).qcBench.toBottom());
    add(`jump to the last row (scroll scale ${scale.toFixed(2)})`, `${bottom.ms.toFixed(0)} ms${bottom.reached ? '' : ', NOT reached'}`, 'reached', bottom.reached);
    const pagePeak = rendererPeakRss();
    add('peak RSS of the page (renderer)', `${mb(pagePeak).toFixed(0)} MB`, '', null);
  } finally {
    await browser.close();
    await server.close();
    await core.close();
  }
  const serverPeak = rss.stop();
  const warm = await core.warmed;
  add(
    'database file read into the page cache in the background',
    `${warmRead(warm)}${warm && !warm.skipped ? `, done ${(warmedAt / 1000).toFixed(1)} s after opening (filters began at ${(filtersAt / 1000).toFixed(1)} s)` : ''}`,
    '',
    null,
  );
  add('peak RSS of the server (this process)', `${mb(serverPeak).toFixed(0)} MB`, '≤ 1536 MB', mb(serverPeak) <= 1536);
  const w = Math.max(...rows.map((r) => r[0].length));
  const v = Math.max(...rows.map((r) => r[1].length));
  console.log(`\nbench:ui on ${dataDir}`);
  for (const [what, value, target, met] of rows) console.log(`${what.padEnd(w)}  ${value.padEnd(v)}  ${target ? `target ${target}` : ''}${met === null ? '' : met ? '  MET' : '  MISSED'}`);
  console.log(`(Chromium ${browser.version()}, headless, software rendering, ${os.cpus().length} cores, load average ${load0.toFixed(1)} at start, ${os.loadavg()[0]!.toFixed(1)} at end)`);
  console.log(`\nscale cases (through the core, as the screens call it)\n${cases}`);
  if (!argv.includes('--keep')) for (const d of made) fs.rmSync(d, { recursive: true, force: true });
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
