/**
 * The Review screen at the CSS viewports a 1024×700 window has at 150% and 200% zoom (683×467,
 * 512×350): the gallery keeps a usable height, the screen scrolls to it, the label buttons can be
 * reached and clicked, nothing is cut off on the right, and the preview does not squeeze the gallery
 * away. At 1280×800 (100%) the screen does not scroll and the gallery fills what is left, as before.
 * The library: 80 dev photos imported through a mirror and a linear head trained on them, by the CLI.
 *
 * On the same library, what jsdom cannot check: the threshold's header wraps in a narrow window
 * instead of scrolling the screen sideways; forced colours (high contrast) still show the selection,
 * the active screen and the gallery's focus; reduced motion stops the indeterminate progress bar;
 * the toasts do not hide Export's last buttons.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { AppPage } from './pages/app';
import { ExportPage } from './pages/exportPage';
import { ReviewPage } from './pages/review';
import { DEV_DIR, DEV_URL_PREFIX, REPO_ROOT, startServe, type Served } from './support/serve';

function qc(dataDir: string, ...args: string[]): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src-main/cli/main.ts'), '--data', dataDir, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`qc ${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
}

/** The few page globals the checks below use in the page (this code is typed without the DOM library). */
interface PageEl {
  className: string;
  scrollLeft: number;
  getBoundingClientRect(): { x: number };
  closest(selector: string): PageEl | null;
  matches(selector: string): boolean;
  append(child: PageEl): void;
  remove(): void;
  focus(): void;
  blur(): void;
}
interface PageDom {
  document: { activeElement: PageEl | null; body: PageEl; createElement(tag: string): PageEl; elementFromPoint(x: number, y: number): PageEl | null };
  getComputedStyle(el: PageEl): { getPropertyValue(name: string): string; animationName: string; transitionDuration: string };
}

/** Computed style properties of the element `locator` points at. */
async function styleOf(locator: Locator, props: string[]): Promise<Record<string, string>> {
  return locator.evaluate((el, names) => {
    const cs = (globalThis as unknown as PageDom).getComputedStyle(el as unknown as PageEl);
    return Object.fromEntries(names.map((n) => [n, cs.getPropertyValue(n)]));
  }, props);
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
  // A target error these 80 photos can meet: the run has a point estimate, whose button makes the
  // threshold's header as long as a real library's.
  qc(path.join(dataDir, 'lib'), 'train', '--features', 'whole', '--hidden', '0', '--augment', '0', '--target-error', '0.3');
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

test("at 200% zoom of a 1280×800 window the threshold's header wraps: tabbing through it never scrolls the screen sideways", async ({ page }) => {
  const app = new AppPage(page);
  await page.setViewportSize({ width: 640, height: 400 });
  await app.openUrl(served.url);
  const head = page.locator('.threshold__head');
  // The long header of the audit: recommended, then the estimate with its error interval, then details.
  await expect(page.getByTestId('threshold-use-estimate')).toBeVisible();
  const screenBox = (await app.screen('review').boundingBox())!;
  for (const id of ['threshold-use-recommended', 'threshold-use-estimate', 'threshold-details-toggle']) {
    const control = page.getByTestId(id);
    await control.focus();
    const b = (await control.boundingBox())!;
    expect(b.x).toBeGreaterThanOrEqual(screenBox.x);
    expect(b.x + b.width).toBeLessThanOrEqual(screenBox.x + screenBox.width);
    expect(await app.screen('review').evaluate((el) => (el as unknown as PageEl).scrollLeft)).toBe(0);
  }
  // Tab on to the slider and the filters: still in place, nothing under the sidebar.
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    const b = await page.evaluate(() => (globalThis as unknown as PageDom).document.activeElement!.getBoundingClientRect().x);
    expect(b).toBeGreaterThanOrEqual(screenBox.x);
  }
  expect(await app.screen('review').evaluate((el) => (el as unknown as PageEl).scrollLeft)).toBe(0);
  const h = (await head.boundingBox())!;
  expect(h.x + h.width).toBeLessThanOrEqual(screenBox.x + screenBox.width);
});

test('forced colours show the selected tiles, the active screen and the focused gallery by outline, not by colour alone', async ({ page }) => {
  const app = new AppPage(page);
  const review = new ReviewPage(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ forcedColors: 'active' });
  await app.openUrl(served.url);
  await review.waitForTiles();
  const [a, b, c] = await review.visibleIds();
  await review.focusTile(a!);
  await review.press('Shift+ArrowRight');
  await expect(review.tile(b!)).toHaveAttribute('data-selected', 'true');
  // A selected tile (not the focused one) has a solid outline; one not selected has none.
  const selected = await styleOf(review.tile(a!), ['outline-style', 'outline-width']);
  expect(selected['outline-style']).toBe('solid');
  expect(parseFloat(selected['outline-width']!)).toBeGreaterThanOrEqual(3);
  expect((await styleOf(review.tile(c!), ['outline-style']))['outline-style']).toBe('none');
  // The focused and selected tile: dashed (the focus), still told apart from the others.
  expect((await styleOf(review.tile(b!), ['outline-style']))['outline-style']).toBe('dashed');
  // The active screen: outlined and marked at its start; the others not.
  const active = await styleOf(app.navButton('review'), ['outline-style', 'border-left-style', 'font-weight']);
  expect(active['outline-style']).toBe('solid');
  expect(active['border-left-style']).toBe('solid');
  expect((await styleOf(app.navButton('train'), ['outline-style']))['outline-style']).toBe('none');
  // The gallery focused from the keyboard: a solid ring.
  await page.keyboard.press('Shift');
  await review.gallery.evaluate((el) => {
    (el as unknown as PageEl).blur();
    (el as unknown as PageEl).focus();
  });
  expect(await review.gallery.evaluate((el) => el.matches(':focus-visible'))).toBe(true);
  expect((await styleOf(review.gallery, ['outline-style']))['outline-style']).toBe('solid');
  await page.emulateMedia({ forcedColors: 'none' });
  // Without forced colours the selection is the box-shadow it always was, with no outline.
  expect((await styleOf(review.tile(a!), ['outline-style']))['outline-style']).toBe('none');
});

test('reduced motion stops the indeterminate progress bar', async ({ page }) => {
  const app = new AppPage(page);
  await app.openUrl(served.url);
  // The markup ProgressBar renders for a phase without a count (embed, evaluate, starting).
  const fill = async () =>
    page.evaluate(() => {
      const { document, getComputedStyle } = globalThis as unknown as PageDom;
      const track = document.createElement('div');
      track.className = 'progress__track progress__track--indeterminate';
      const bar = document.createElement('div');
      bar.className = 'progress__fill';
      track.append(bar);
      document.body.append(track);
      const cs = getComputedStyle(bar);
      const out = { name: cs.animationName, transition: cs.transitionDuration };
      track.remove();
      return out;
    });
  expect((await fill()).name).toBe('indeterminate');
  await page.emulateMedia({ reducedMotion: 'reduce' });
  expect(await fill()).toEqual({ name: 'none', transition: '0s' });
});

test("error toasts do not hide Export's last buttons: the screen scrolls them out from under the toasts", async ({ page }) => {
  const app = new AppPage(page);
  const exportPage = new ExportPage(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await app.openUrl(served.url);
  await app.goto('export');
  // An error (a relative output folder is refused), which stays up for 12 s.
  await exportPage.root.getByTestId('export-outdir').fill('relative1');
  await exportPage.root.getByTestId('export-start').click();
  await expect(page.getByTestId('toast')).toHaveCount(1);
  await app.screen('export').evaluate((el) => el.scrollTo(0, el.scrollHeight));
  for (const button of [exportPage.root.getByRole('button', { name: 'Export model' }), exportPage.root.getByTestId('training-export-start')]) {
    const b = (await button.boundingBox())!;
    const hit = await page.evaluate(([x, y]) => ((globalThis as unknown as PageDom).document.elementFromPoint(x!, y!)?.closest('.toast') ? 'toast' : 'page'), [b.x + b.width / 2, b.y + b.height / 2]);
    expect(hit).toBe('page');
  }
});
