/**
 * The Review screen at the CSS viewports a 1024×700 window has at 150% and 200% zoom (683×467,
 * 512×350): the gallery keeps a usable height, the screen scrolls to it, the label buttons can be
 * reached and clicked, nothing is cut off on the right, and the preview does not squeeze the gallery
 * away. At 1280×800 (100%) the screen does not scroll and the gallery fills what is left, as before.
 * The library: 80 dev photos imported through a mirror and a linear head trained on them, by the CLI.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { AppPage } from './pages/app';
import { ReviewPage } from './pages/review';
import { DEV_DIR, DEV_URL_PREFIX, REPO_ROOT, startServe, type Served } from './support/serve';

function qc(dataDir: string, ...args: string[]): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src-main/cli/main.ts'), '--data', dataDir, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`qc ${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
}

/** The Review screen's scroll box and the page's widths. */
async function overflow(page: Page): Promise<{ scrollHeight: number; clientHeight: number; scrollWidth: number; clientWidth: number; docWidth: number }> {
  return page.getByTestId('screen-review').evaluate((el) => {
    const box = el as unknown as { scrollHeight: number; clientHeight: number; scrollWidth: number; clientWidth: number; ownerDocument: { documentElement: { scrollWidth: number } } };
    return { scrollHeight: box.scrollHeight, clientHeight: box.clientHeight, scrollWidth: box.scrollWidth, clientWidth: box.clientWidth, docWidth: box.ownerDocument.documentElement.scrollWidth };
  });
}

let served: Served;
let dataDir: string;
test.beforeAll(async () => {
  test.setTimeout(300_000);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-e2e-zoom-'));
  const [head, ...rows] = fs.readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'utf8').trim().split('\n');
  const ratings = path.join(dataDir, 'ratings.txt');
  fs.writeFileSync(ratings, `${[head, ...rows.slice(0, 80)].join('\n')}\n`);
  qc(path.join(dataDir, 'lib'), 'import', ratings, '--mirror', `${DEV_URL_PREFIX}=${path.join(DEV_DIR, 'images')}`);
  qc(path.join(dataDir, 'lib'), 'train', '--features', 'whole', '--hidden', '0', '--augment', '0');
  served = await startServe({ dataDir: path.join(dataDir, 'lib') });
});
test.afterAll(async () => {
  await served?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

test('Review stays usable at 100%, 150% and 200% zoom of a 1024×700 window', async ({ page }) => {
  const app = new AppPage(page);
  const review = new ReviewPage(page);

  await test.step('1280×800: no scrolling, the gallery fills the rest of the screen', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await app.openUrl(served.url);
    expect(await app.currentScreen()).toBe('review');
    await expect(page.getByTestId('threshold-histogram')).toBeVisible();
    await review.waitForTiles();
    // The "From" filter lists the library's imports (its longest option is what could run off a narrow screen).
    await expect.poll(() => page.getByTestId('filter-source').locator('option').count()).toBeGreaterThan(1);
    const o = await overflow(page);
    expect(o.scrollHeight).toBeLessThanOrEqual(o.clientHeight);
    const g = (await review.gallery.boundingBox())!;
    expect(g.height).toBeGreaterThanOrEqual(300);
    expect(g.y + g.height).toBeGreaterThan(800 - 30); // down to the screen's padding
  });

  for (const [width, height, zoom] of [
    [683, 467, 150],
    [512, 350, 200],
  ] as const) {
    await test.step(`${width}×${height} (${zoom}%): the gallery keeps its height, scrolls into view, and its label buttons work`, async () => {
      await page.setViewportSize({ width, height });
      await review.waitForTiles();
      const g = (await review.gallery.boundingBox())!;
      expect(g.height).toBeGreaterThanOrEqual(200);
      expect(g.width).toBeGreaterThanOrEqual(154); // at least one tile wide
      // Nothing is cut off on the right: the screen does not overflow sideways, nor does the page
      // (once the resize has settled: the gallery measures its width again when the screen's
      // scroll bar appears).
      await expect.poll(async () => { const o = await overflow(page); return o.scrollWidth - o.clientWidth; }).toBeLessThanOrEqual(0);
      expect((await overflow(page)).docWidth).toBeLessThanOrEqual(width);
      for (const kind of ['bad', 'good', 'none', 'undo'] as const) {
        const b = (await review.labelButton(kind).boundingBox())!;
        expect(b.x + b.width).toBeLessThanOrEqual(width);
      }
      // A window this short starts with the threshold's details hidden (prefs.ts); shown, the guide fits too.
      if (!(await page.getByTestId('threshold-guide').count())) await page.getByTestId('threshold-details-toggle').click();
      const guide = (await page.getByTestId('threshold-guide').boundingBox())!;
      expect(guide.x + guide.width).toBeLessThanOrEqual(width);

      // The screen scrolls: the whole gallery comes into view, with the label buttons above it.
      await review.gallery.scrollIntoViewIfNeeded();
      await expect(review.gallery).toBeInViewport({ ratio: 1 });
      await expect(review.labelButton('good')).toBeInViewport({ ratio: 1 });
      await expect(review.labelButton('bad')).toBeInViewport({ ratio: 1 });

      // Label the first tile with the mouse, then undo.
      const id = (await review.visibleIds())[0]!;
      const before = (await review.tileLabel(id)) ?? 'none';
      const to = before === 'good' ? 'bad' : 'good';
      await review.focusTile(id);
      await review.labelButton(to).click();
      await review.expectLabel(id, to, 'curator');
      await review.labelButton('undo').click();
      await review.expectLabel(id, before as 'bad' | 'good' | 'none');

      // The preview (420 px beside the gallery in a wide window) goes below it in a narrow one,
      // instead of squeezing it out: the gallery keeps its size and its tiles can still be clicked.
      await review.focusTile(id);
      await review.openPreview();
      const p = (await review.preview.boundingBox())!;
      expect(p.x + p.width).toBeLessThanOrEqual(width);
      const withPreview = (await review.gallery.boundingBox())!;
      expect(withPreview.width).toBeGreaterThanOrEqual(154);
      expect(withPreview.height).toBeGreaterThanOrEqual(200);
      const next = (await review.visibleIds())[1]!;
      await review.focusTile(next);
      await expect(review.preview).toHaveAttribute('data-image-id', String(next));
      await review.closePreview();
    });
  }
});
