/**
 * `npm run bench:ui`: the review screen in real Chromium over a library of 100,000 synthetic
 * predictions (thumbnails repeat: the demo library's real thumbnails, reused). Prints the time to
 * first gallery paint, frame times while scrolling the grid and while dragging the threshold slider,
 * and the slider's update time. Targets: first paint ≤ 1.5 s, p95 frame ≤ 20 ms while scrolling,
 * slider update ≤ 50 ms. Options: --n 100000, --keep. Needs `npm run build:app` and Chromium.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { createCore, DEMO_URL_PREFIX, defaultResourcesDir } from '../../src-main/core/app';
import { DEFAULT_TRAIN_PARAMS } from '../../src-main/core/ml/trainService';
import { startServer } from '../../src-main/server/server';
import { CHROMIUM_ARGS } from '../../e2e/playwright.config';
import { intArg, prng, repoRoot } from './fixtures';

/** What scripts/bench/ui-page.js defines in the page. */
interface Bench {
  qcBench: { firstTileReady(): boolean; scroll(ms: number, px: number): Promise<number[]>; slider(moves: number): Promise<{ updates: number[]; frames: number[] }> };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
};

/** A library of `n` images whose thumbnails are the demo's, with one finished run scoring all of them. */
async function syntheticLibrary(dataDir: string, n: number): Promise<void> {
  const core = createCore({ dataDir, ml: 'in-process' });
  try {
    const demo = path.join(defaultResourcesDir(), 'demo');
    await core.call('library.import', { source: path.join(demo, 'image_ratings.txt'), mirrors: [{ prefix: DEMO_URL_PREFIX, dir: path.join(demo, 'images') }] });
    const db = core.context.db;
    const real = db.prepare('SELECT path, thumb_path, preview_path, width, height, bytes FROM images').all() as Record<string, string | number>[];
    const rand = prng(7);
    db.transaction(() => {
      const img = db.prepare('INSERT INTO images (sha256, path, format, width, height, bytes, thumb_path, preview_path, rating_class) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
      const lab = db.prepare("INSERT INTO labels (image_id, label, origin) VALUES (?, ?, 'import')");
      for (let i = real.length; i < n; i++) {
        const r = real[i % real.length]!;
        const id = Number(img.run(`synthetic-${i.toString(16).padStart(60, '0')}`, r.path, 'jpeg', r.width, r.height, r.bytes, r.thumb_path, r.preview_path, 1 + (i % 5)).lastInsertRowid);
        lab.run(id, rand() < 0.3 ? 'bad' : rand() < 0.6 ? 'good' : null);
      }
      const run = Number(
        db.prepare("INSERT INTO runs (status, params, backbone, provider, backend, seconds) VALUES ('done', ?, ?, 'cpu', 'wasm', 1)").run(JSON.stringify(DEFAULT_TRAIN_PARAMS), DEFAULT_TRAIN_PARAMS.backbone).lastInsertRowid,
      );
      const pred = db.prepare('INSERT INTO predictions (run_id, image_id, p_bad, heldout) VALUES (?, ?, ?, ?)');
      for (const row of db.prepare('SELECT i.id, l.label FROM images i JOIN labels l ON l.image_id = i.id').all() as { id: number; label: string | null }[]) {
        const base = row.label === 'bad' ? 0.7 : row.label === 'good' ? 0.3 : 0.5;
        pred.run(run, row.id, Math.min(1, Math.max(0, base + (rand() - 0.5) * 0.8)), row.label && rand() < 0.2 ? 1 : 0);
      }
    })();
  } finally {
    await core.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const n = intArg(argv, 'n', 100_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-bench-ui-'));
  const t0 = performance.now();
  await syntheticLibrary(dataDir, n);
  console.log(`library of ${n} images with predictions made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const core = createCore({ dataDir });
  const server = await startServer({ core, rendererDir: path.join(repoRoot, 'out', 'renderer'), port: 0 });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.addInitScript({ path: path.join(repoRoot, 'scripts', 'bench', 'ui-page.js') });
    // First paint: from navigation to the first thumbnail decoded in the grid.
    const start = Date.now();
    await page.goto(server.url);
    await page.waitForFunction(() => (globalThis as unknown as Bench).qcBench.firstTileReady(), undefined, { timeout: 60_000 });
    const firstPaint = Date.now() - start;
    const total = Number(await page.getByTestId('gallery').getAttribute('data-total'));
    // 3 s of continuous scrolling at ~2,000 px/s, then 120 slider moves.
    const scrollFrames = await page.evaluate(() => (globalThis as unknown as Bench).qcBench.scroll(3000, 35));
    const slider = await page.evaluate(() => (globalThis as unknown as Bench).qcBench.slider(120));

    const p95Scroll = pct(scrollFrames, 0.95);
    const p95Slider = pct(slider.updates, 0.95);
    console.log(`gallery   ${total} images; first paint ${firstPaint} ms (target ≤ 1500: ${firstPaint <= 1500 ? 'MET' : 'MISSED'})`);
    console.log(`scrolling ${scrollFrames.length} frames: median ${pct(scrollFrames, 0.5).toFixed(1)} ms, p95 ${p95Scroll.toFixed(1)} ms, max ${Math.max(...scrollFrames).toFixed(1)} ms (target p95 ≤ 20: ${p95Scroll <= 20 ? 'MET' : 'MISSED'})`);
    console.log(`slider    ${slider.updates.length} moves: update median ${pct(slider.updates, 0.5).toFixed(1)} ms, p95 ${p95Slider.toFixed(1)} ms (target ≤ 50: ${p95Slider <= 50 ? 'MET' : 'MISSED'}); frames while dragging p95 ${pct(slider.frames, 0.95).toFixed(1)} ms`);
    console.log(`(Chromium ${browser.version()}, headless, software rendering, ${os.cpus().length} cores)`);
  } finally {
    await browser.close();
    await server.close();
    await core.close();
    if (!argv.includes('--keep')) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
