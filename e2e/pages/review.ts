import { attributes } from './attributes';
import { expect, type Locator, type Page } from '@playwright/test';
import { sketchGrid } from '../../src-shared/domain/thresholdSketch';

export type LabelKey = 'B' | 'G' | 'U' | 'Z';
export type Filter = 'predicted' | 'outcome' | 'label' | 'origin' | 'sort' | 'order';

/** The Review screen (and, with `screen: 'issues'`, the Label issues screen: same grid and keys). */
export class ReviewPage {
  readonly root: Locator;

  constructor(
    readonly page: Page,
    readonly screenName: 'review' | 'issues' = 'review',
  ) {
    this.root = page.getByTestId(`screen-${screenName}`);
  }

  get gallery(): Locator {
    return this.root.getByTestId('gallery');
  }

  tile(imageId: number): Locator {
    return this.root.getByTestId(`tile-${imageId}`);
  }

  /** Tiles in the DOM (the virtualised window, not the whole result). */
  get tiles(): Locator {
    return this.root.locator('[data-testid^="tile-"][data-index]');
  }

  /** Wait until the grid shows at least one tile. */
  async waitForTiles(): Promise<void> {
    await expect(this.tiles.first()).toBeVisible();
  }

  /** The tiles' thumbnails in the DOM: their addresses, and how many have loaded a picture (once any has). */
  async thumbnails(): Promise<{ srcs: string[]; loaded: number }> {
    type Img = { complete: boolean; naturalWidth: number; src: string };
    const read = () =>
      this.tiles.locator('img').evaluateAll((els) => {
        const imgs = els as unknown as Img[];
        return { srcs: imgs.map((i) => i.src), loaded: imgs.filter((i) => i.complete && i.naturalWidth > 0).length };
      });
    await expect.poll(async () => (await read()).loaded).toBeGreaterThan(0);
    return read();
  }

  /** Image ids of the tiles in the DOM, in grid order. */
  async visibleIds(): Promise<number[]> {
    const ids = (await attributes(this.tiles, 'data-testid')).map((t) => Number(t.slice(5)));
    return ids.filter((n) => Number.isFinite(n));
  }

  /** Items matching the query (the grid's total). */
  async total(): Promise<number> {
    await expect(this.gallery).not.toHaveAttribute('data-total', '');
    return Number(await this.gallery.getAttribute('data-total'));
  }

  /** Current label of a tile: `bad`, `good` or `none`. */
  async tileLabel(imageId: number): Promise<string | null> {
    return this.tile(imageId).getAttribute('data-label');
  }

  async tileOrigin(imageId: number): Promise<string | null> {
    return this.tile(imageId).getAttribute('data-origin');
  }

  async tilePBad(imageId: number): Promise<number | null> {
    const v = await this.tile(imageId).getAttribute('data-pbad');
    return v ? Number(v) : null;
  }

  async expectLabel(imageId: number, label: 'bad' | 'good' | 'none', origin?: 'import' | 'curator'): Promise<void> {
    await expect(this.tile(imageId)).toHaveAttribute('data-label', label);
    if (origin) await expect(this.tile(imageId)).toHaveAttribute('data-origin', origin);
  }

  /** Click a tile: it gets the focus and the selection, and the preview opens. */
  async focusTile(imageId: number): Promise<void> {
    await this.tile(imageId).click();
    await expect(this.tile(imageId)).toHaveAttribute('data-focused', 'true');
  }

  async shiftClick(imageId: number): Promise<void> {
    await this.tile(imageId).click({ modifiers: ['Shift'] });
  }

  async toggleClick(imageId: number): Promise<void> {
    await this.tile(imageId).click({ modifiers: ['ControlOrMeta'] });
  }

  /** Press B (bad), G (good), U (unlabel) or Z (undo) with the grid focused. */
  async pressLabel(key: LabelKey): Promise<void> {
    await this.page.keyboard.press(key.toLowerCase());
  }

  /** Arrow keys etc. (`ArrowRight`, `ArrowDown`, `Shift+ArrowRight`, `Enter`, `Escape`). */
  async press(key: string): Promise<void> {
    await this.page.keyboard.press(key);
  }

  /** The selection bar's buttons: Bad, Good, Unlabel, Undo (what B, G, U and Z do). */
  labelButton(kind: 'bad' | 'good' | 'none' | 'undo'): Locator {
    return this.root.getByTestId(`label-${kind}`);
  }

  async selectedCount(): Promise<number> {
    return Number(await this.root.getByTestId('selection-count').getAttribute('data-value'));
  }

  // ---- threshold ----

  get slider(): Locator {
    return this.root.getByTestId('threshold-slider');
  }

  /**
   * Set the slider as a release would (input + change) at the step of its grid nearest p(bad) = t
   * (the slider moves in even steps of log-odds): the numbers update and the grid refetches.
   * Returns that step's threshold.
   */
  async setThreshold(t: number): Promise<number> {
    const grid = sketchGrid();
    let k = 0;
    for (let i = 1; i < grid.length; i++) if (Math.abs(grid[i]! - t) < Math.abs(grid[k]! - t)) k = i;
    await this.slider.fill(String(k));
    await expect(this.root.getByTestId('threshold-value')).toHaveAttribute('data-value', String(grid[k]));
    return grid[k]!;
  }

  /** Make the browsed threshold the one exports use ("Use … for export"); waits for the core's answer. */
  async useThresholdForExport(): Promise<number> {
    const t = await this.threshold();
    await this.root.getByTestId('threshold-use-for-export').click();
    await expect(this.root.getByTestId('threshold-export')).toHaveAttribute('data-source', 'curator');
    await expect(this.root.getByTestId('threshold-export')).toHaveAttribute('data-value', String(t));
    return t;
  }

  /** The threshold exports use now, as the slider shows it. */
  async exportThreshold(): Promise<{ value: number; source: string }> {
    const el = this.root.getByTestId('threshold-export');
    return { value: Number(await el.getAttribute('data-value')), source: (await el.getAttribute('data-source')) ?? '' };
  }

  async threshold(): Promise<number> {
    return Number(await this.root.getByTestId('threshold-value').getAttribute('data-value'));
  }

  async recommendedThreshold(): Promise<number | null> {
    const m = this.root.getByTestId('threshold-recommended');
    if (!(await m.count())) return null;
    return Number(await m.getAttribute('data-value'));
  }

  async flaggedCount(): Promise<number> {
    return Number(await this.root.getByTestId('threshold-flagged').getAttribute('data-value'));
  }

  /** Held-out coverage of the bad class at the slider's threshold (0..1), or null. */
  async coverage(): Promise<number | null> {
    const v = await this.root.getByTestId('threshold-coverage').getAttribute('data-value');
    return v ? Number(v) : null;
  }

  /** Held-out error at the threshold and its 95% upper bound. */
  async error(): Promise<{ error: number | null; upper: number | null }> {
    const el = this.root.getByTestId('threshold-error');
    const e = await el.getAttribute('data-value');
    const u = await el.getAttribute('data-upper');
    return { error: e ? Number(e) : null, upper: u ? Number(u) : null };
  }

  // ---- filters ----

  async setFilter(name: Filter, value: string): Promise<void> {
    await this.root.getByTestId(`filter-${name}`).selectOption(value);
  }

  async setTaxon(text: string): Promise<void> {
    await this.root.getByTestId('filter-taxon').fill(text);
    await this.root.getByTestId('filter-taxon').press('Enter');
  }

  // ---- preview ----

  get preview(): Locator {
    return this.root.getByTestId('preview');
  }

  async openPreview(): Promise<void> {
    await this.page.keyboard.press('Enter');
    await expect(this.preview).toBeVisible();
  }

  async closePreview(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await expect(this.preview).toBeHidden();
  }

  async previewImageId(): Promise<number | null> {
    const v = await this.preview.getAttribute('data-image-id');
    return v ? Number(v) : null;
  }

  /** The grid's scroll position in pixels. */
  async scrollTop(): Promise<number> {
    return this.gallery.evaluate((el) => (el as unknown as { scrollTop: number }).scrollTop);
  }

  /** Scroll the grid to a fraction (0..1) of its height. */
  async scrollTo(fraction: number): Promise<void> {
    await this.gallery.evaluate((el, f) => {
      const box = el as unknown as { scrollTop: number; scrollHeight: number; clientHeight: number };
      box.scrollTop = (box.scrollHeight - box.clientHeight) * f;
    }, fraction);
  }
}
