/**
 * A curator's day in real Chromium against `qc serve`, in a 1280-px window: first run → the demo
 * library → review (guidance on the slider, keys without a click) → the evaluation panel, whose
 * confusion cell opens those images → fix labels → retrain (the new run takes over only if better)
 * → compare two runs → choose the export threshold explicitly → export and check the file.
 * A screenshot of each step goes to test-results/e2e/screens/day-*.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { AppPage } from './pages/app';
import { ExportPage } from './pages/exportPage';
import { LibraryPage } from './pages/library';
import { ReviewPage } from './pages/review';
import { TrainPage } from './pages/train';
import { REPO_ROOT, startServe, type Served } from './support/serve';

const SCREENS = path.join(REPO_ROOT, 'test-results', 'e2e', 'screens');

test.describe.configure({ mode: 'serial' });
test.use({ viewport: { width: 1280, height: 800 } });

let served: Served;
test.beforeAll(async () => {
  fs.mkdirSync(SCREENS, { recursive: true });
  served = await startServe();
});
test.afterAll(async () => served?.stop());

test("a curator's day on the demo library", async ({ page }) => {
  // The demo loads 302 photos, embeds and trains them: minutes on a busy two-core machine.
  test.setTimeout(1_800_000);
  const app = new AppPage(page);
  const library = new LibraryPage(page);
  const train = new TrainPage(page);
  const review = new ReviewPage(page);
  const exporter = new ExportPage(page);
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENS, `day-${name}.png`), fullPage: true });

  await app.openUrl(served.url);
  expect(await app.currentScreen()).toBe('library');
  await shot('0-first-run');

  await test.step('load the demo library', async () => {
    await library.loadDemo(1_500_000);
    await review.waitForTiles();
    await shot('1-demo-review');
  });

  await test.step('review: guidance in words, a histogram by label, keys without clicking a tile', async () => {
    await expect(page.getByTestId('threshold-guide')).toContainText('would be tagged bad');
    await expect(page.getByTestId('threshold-guide')).toContainText('Recommended');
    await expect(page.getByTestId('threshold-histogram')).toBeVisible();
    const first = (await review.visibleIds())[0]!;
    await expect(review.tile(first)).toHaveAttribute('data-focused', 'true');
    await page.keyboard.press('ArrowRight');
    await expect(review.tile(first)).toHaveAttribute('data-focused', 'false');
    // EOL's id on tiles, not the library's.
    expect(await review.tile(first).getAttribute('title')).toMatch(/^EOL 9\d{6}/);
  });

  let fixed: number[] = [];
  await test.step('evaluation panel: a confusion cell opens those images', async () => {
    await app.goto('train');
    await train.waitForRun(1, 'done');
    await expect(train.evaluation).toBeVisible();
    const counts = await train.confusion();
    expect(counts.tp + counts.fn).toBeGreaterThan(100);
    await expect(train.evaluation.getByTestId('roc-chart-marker')).toBeAttached();
    await train.evaluation.getByTestId('roc-chart').scrollIntoViewIfNeeded();
    await shot('2-evaluation');
    await train.openConfusionCell('fp');
    await expect(page.getByTestId('gallery-total')).toHaveAttribute('data-value', String(counts.fp));
    expect(new URLSearchParams(new URL(page.url()).hash.slice(1)).get('review')).toContain('outcome=fp');
    await shot('3-false-positives');
    fixed = (await review.visibleIds()).slice(0, 2);
    expect(fixed.length).toBeGreaterThan(0);
  });

  await test.step('fix labels: the flagged images labelled good are bad', async () => {
    for (const id of fixed) {
      await review.focusTile(id);
      await review.pressLabel('B');
      await review.expectLabel(id, 'bad', 'curator');
    }
    await app.goto('issues');
    await shot('4-label-issues');
  });

  await test.step('retrain: the new run takes over only if it is better on held-out data', async () => {
    await app.goto('train');
    await train.start({ augment: 0 }); // real images only: augmentation's extra embedding would dominate the flow's time
    await train.waitForRun(2, 'done', 900_000);
    expect((await train.isActive(1)) !== (await train.isActive(2))).toBe(true);
    // The runs table fits the 1280-px window: every "Make active" button is on screen.
    const inactive = (await train.isActive(2)) ? 1 : 2;
    const box = await page.getByTestId(`run-activate-${inactive}`).boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x + box!.width).toBeLessThanOrEqual(1280);
    await shot('5-retrain');
  });

  await test.step('compare the two runs side by side', async () => {
    const warning = await train.compareRuns(1, 2);
    // The demo's labels changed between the runs (the fixes above), so the panel says so.
    expect(warning).toMatch(/labels changed|test splits differ/);
    await expect(train.evaluation.getByTestId('compare-roc')).toBeVisible();
    await train.evaluation.getByTestId('compare-roc').scrollIntoViewIfNeeded();
    await shot('6-compare');
    if (!(await train.isActive(2))) await train.makeActive(2);
  });

  let threshold = 0;
  await test.step('choose the export threshold explicitly', async () => {
    await app.goto('review');
    // The filters still show the false positives opened from the panel (now fixed): show all again.
    await review.setFilter('outcome', 'all');
    await review.waitForTiles();
    // Filters live in the URL, so a reload keeps them.
    expect(new URLSearchParams(new URL(page.url()).hash.slice(1)).get('review')).toContain('predicted=all');
    const before = await review.exportThreshold();
    expect(before.source).not.toBe('curator');
    const browsed = await review.setThreshold(0.9);
    expect(browsed).toBeCloseTo(0.9, 2);
    // Browsing does not change what exports use.
    expect(await review.exportThreshold()).toEqual(before);
    threshold = await review.useThresholdForExport();
    expect(threshold).toBe(browsed);
    await shot('7-export-threshold');
  });

  await test.step('export: the threshold in force is the one chosen, and the file agrees', async () => {
    await app.goto('export');
    expect(await exporter.thresholdInForce()).toEqual({ value: threshold, source: 'curator' });
    const out = path.join(served.outDir, 'export');
    const result = await exporter.exportTags(out);
    expect(result.rows).toBe(302);
    const [header, ...rows] = fs.readFileSync(path.join(out, 'library_finaltags.tsv'), 'utf8').trimEnd().split('\n');
    const cols = header!.split('\t');
    const get = (r: string, c: string) => r.split('\t')[cols.indexOf(c)]!;
    for (const r of rows) {
      if (get(r, 'source') === 'model') expect(get(r, 'imclass') === 'bad').toBe(Number(get(r, 'p_bad')) >= threshold);
      if (get(r, 'source') === 'curator') expect(get(r, 'confidence')).toBe('');
    }
    for (const id of fixed) expect(get(rows.find((r) => get(r, 'image_id') === String(id))!, 'imclass')).toBe('bad');
    await shot('8-export');
  });

  expect(await app.toastTexts('error')).toEqual([]);
});
