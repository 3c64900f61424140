/**
 * The whole curator flow in real Chromium against `qc serve` with a fresh library: import the dev
 * dataset, train, review with the slider, relabel a false positive with the keyboard, undo,
 * retrain, export and check the file. A screenshot of each screen goes to test-results/e2e/screens.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { AppPage } from './pages/app';
import { ExportPage } from './pages/exportPage';
import { LibraryPage } from './pages/library';
import { ReviewPage } from './pages/review';
import { TrainPage } from './pages/train';
import { DEV_DIR, DEV_URL_PREFIX, REPO_ROOT, startServe, type Served } from './support/serve';

const SCREENS = path.join(REPO_ROOT, 'test-results', 'e2e', 'screens');
const mirrors = [{ prefix: DEV_URL_PREFIX, dir: path.join(DEV_DIR, 'images') }];

/** `qc status --json` on the same library, read by a second process while the server runs. */
function status(dataDir: string): { images: number; labels: { good: number; bad: number; unlabeled: number }; labels_by_origin: { curator: number } } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src-main/cli/main.ts'), '--data', dataDir, 'status', '--json'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return JSON.parse(r.stdout);
}

test.describe.configure({ mode: 'serial' });

let served: Served;
test.beforeAll(async () => {
  fs.mkdirSync(SCREENS, { recursive: true });
  served = await startServe();
});
test.afterAll(async () => served?.stop());

test('import, train, review, relabel, undo, retrain, export', async ({ page }) => {
  // The first training embeds all 567 photos (whole image, crops and quality signals) on two cores.
  test.setTimeout(900_000);
  const app = new AppPage(page);
  const library = new LibraryPage(page);
  const train = new TrainPage(page);
  const review = new ReviewPage(page);
  const exporter = new ExportPage(page);
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENS, `${name}.png`) });

  await app.openUrl(served.url);
  // An empty library lands on Library and offers the demo.
  expect(await app.currentScreen()).toBe('library');
  await expect(page.getByTestId('demo-load')).toBeVisible();

  await test.step('import the dev dataset through a mirror', async () => {
    await library.import(path.join(DEV_DIR, 'image_ratings.txt'), mirrors, { timeout: 180_000 });
    expect(await library.count('images')).toBe(567);
    expect(await library.count('good')).toBe(243);
    expect(await library.count('bad')).toBe(243);
    expect(await library.count('unlabeled')).toBe(81);
    await shot('1-library');
  });

  await test.step('train a first run with the defaults', async () => {
    await app.goto('train');
    await train.start({ augment: 0 }); // real images only: augmentation's extra embedding would dominate the flow's time
    await train.waitForRun(1, 'done', 300_000);
    expect(await train.isActive(1)).toBe(true);
    // The loss chart reads the stored epochs once the run is done: poll, it may still be loading.
    await expect.poll(() => train.lossPoints()).toBeGreaterThan(1);
    await shot('2-train');
  });

  let falsePositive = 0;
  await test.step('review: the slider changes the counts live', async () => {
    await app.goto('review');
    await review.waitForTiles();
    // The thumbnails load, by URLs that carry the image key, never the session token.
    const thumbs = await review.thumbnails();
    expect(thumbs.loaded).toBeGreaterThan(0);
    for (const src of thumbs.srcs) {
      expect(src).toMatch(/\/files\/thumb\/\d+\?f=[A-Za-z0-9_-]{43}$/);
      expect(src).not.toContain(served.token);
    }
    await review.setThreshold(0.9);
    const strict = await review.flaggedCount();
    await review.setThreshold(0.3);
    const loose = await review.flaggedCount();
    expect(loose).toBeGreaterThan(strict);
    const coverage = await review.coverage();
    expect(coverage).not.toBeNull();
    await expect(review.gallery).toHaveAttribute('data-total', String(loose));
    await shot('3-review');

    // Scrolled down, then a new filter: its results start at their first row.
    await review.scrollTo(1);
    await expect.poll(() => review.scrollTop()).toBeGreaterThan(0);
    // False positives: predicted bad, labelled good.
    await review.setFilter('outcome', 'fp');
    await review.waitForTiles();
    expect(await review.scrollTop()).toBe(0);
    const ids = await review.visibleIds();
    expect(ids.length).toBeGreaterThan(0);
    falsePositive = ids[0]!;
    await review.expectLabel(falsePositive, 'good', 'import');
  });

  await test.step('relabel the false positive with the keyboard, then undo', async () => {
    await review.focusTile(falsePositive);
    await review.pressLabel('B');
    await review.expectLabel(falsePositive, 'bad', 'curator');
    await expect.poll(() => status(served.dataDir).labels_by_origin.curator).toBe(1);
    await review.openPreview();
    await expect(page.getByTestId('preview')).toHaveAttribute('data-image-id', String(falsePositive));
    await expect(page.getByTestId('preview-history')).toContainText('curator');
    await shot('4-preview');
    await review.closePreview();
    await review.pressLabel('Z');
    await review.expectLabel(falsePositive, 'good', 'import');
    await expect.poll(() => status(served.dataDir).labels_by_origin.curator).toBe(0);
    // Fix it for real before retraining.
    await review.focusTile(falsePositive);
    await review.pressLabel('B');
    await review.expectLabel(falsePositive, 'bad', 'curator');
  });

  await test.step('label issues list the suspicious images', async () => {
    await app.goto('issues');
    const issues = new ReviewPage(page, 'issues');
    await issues.waitForTiles();
    expect(await issues.total()).toBeGreaterThan(0);
    await shot('5-issues');
  });

  await test.step('retrain and see the new run next to the old one', async () => {
    await app.goto('train');
    await train.start({ augment: 0 }); // real images only: augmentation's extra embedding would dominate the flow's time
    await train.waitForRun(2, 'done', 300_000);
    expect(await train.runIds()).toEqual([2, 1]); // newest first
    // The new run takes over only when it is better on the shared held-out data; the curator can pick it.
    expect((await train.isActive(1)) !== (await train.isActive(2))).toBe(true);
    if (!(await train.isActive(2))) await train.makeActive(2);
    const cmp = await train.comparison();
    expect(cmp).toMatchObject({ current: 2, previous: 1 });
    expect(cmp.accuracy).not.toBeNull();
    await shot('6-retrain');
  });

  await test.step('export final tags and check the file', async () => {
    await app.goto('export');
    const out = path.join(served.outDir, 'export');
    const threshold = await exporter.thresholdInForce();
    const result = await exporter.exportTags(out);
    expect(result.rows).toBe(567);
    const file = path.join(out, 'library_finaltags.tsv');
    expect(fs.existsSync(file)).toBe(true);
    const [header, ...rows] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    const cols = header!.split('\t');
    expect(cols).toEqual(expect.arrayContaining(['eolMediaURL', 'imclass', 'confidence', 'source']));
    expect(rows).toHaveLength(567);
    const get = (r: string, c: string) => r.split('\t')[cols.indexOf(c)]!;
    const mine = rows.find((r) => get(r, 'image_id') === String(falsePositive))!;
    expect(get(mine, 'imclass')).toBe('bad');
    expect(get(mine, 'source')).toBe('curator');
    for (const r of rows) if (get(r, 'source') === 'model' && get(r, 'imclass') === 'bad') expect(Number(get(r, 'confidence'))).toBeGreaterThanOrEqual(threshold.value);
    await shot('7-export');
  });

  expect(await app.toastTexts('error')).toEqual([]);
});
