import { attributes } from './attributes';
import { expect, type Locator, type Page } from '@playwright/test';

export interface Mirror {
  prefix: string;
  dir: string;
}

export type StatusCount = 'images' | 'good' | 'bad' | 'unlabeled' | 'curator' | 'failed';

export class LibraryPage {
  readonly root: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('screen-library');
  }

  /** Fill the import form and start; waits for the result unless `wait` is false. */
  async import(path: string, mirrors: Mirror[] = [], opts: { kind?: 'auto' | 'ratings' | 'exemplars' | 'bundle' | 'folder'; wait?: boolean; timeout?: number } = {}): Promise<void> {
    await this.root.getByTestId('import-path').fill(path);
    if (opts.kind) await this.root.getByTestId('import-kind').selectOption(opts.kind);
    await this.setMirrors(mirrors);
    await this.root.getByTestId('import-start').click();
    if (opts.wait !== false) await this.waitForImport(opts.timeout);
  }

  async setMirrors(mirrors: Mirror[]): Promise<void> {
    // Trim to one row, then add as many as needed.
    while ((await this.root.locator('[data-testid^="import-mirror-remove-"]').count()) > 1) await this.root.getByTestId('import-mirror-remove-1').click();
    if ((await this.root.locator('[data-testid^="import-mirror-remove-"]').count()) === 0) await this.root.getByTestId('import-mirror-add').click();
    for (let i = 0; i < mirrors.length; i++) {
      if (i > 0) await this.root.getByTestId('import-mirror-add').click();
      await this.root.getByTestId(`import-mirror-prefix-${i}`).fill(mirrors[i]!.prefix);
      await this.root.getByTestId(`import-mirror-dir-${i}`).fill(mirrors[i]!.dir);
    }
    if (!mirrors.length) {
      await this.root.getByTestId('import-mirror-prefix-0').fill('');
      await this.root.getByTestId('import-mirror-dir-0').fill('');
    }
  }

  async cancelImport(): Promise<void> {
    await this.root.getByTestId('import-cancel').click();
  }

  /** Wait until no import runs and its result shows. */
  async waitForImport(timeout = 120_000): Promise<void> {
    await expect(this.root.getByTestId('import-start')).toBeEnabled({ timeout });
    await expect(this.root.getByTestId('import-result')).toBeVisible({ timeout });
  }

  /** The last import's numbers. */
  async lastImport(): Promise<{ importId: number; imagesNew: number; failed: number; cancelled: boolean }> {
    const r = this.root.getByTestId('import-result');
    return {
      importId: Number(await r.getAttribute('data-import-id')),
      imagesNew: Number(await r.getAttribute('data-new')),
      failed: Number(await r.getAttribute('data-failed')),
      cancelled: (await r.getAttribute('data-cancelled')) === 'true',
    };
  }

  /** A status count: images, good, bad, unlabeled, curator, failed. */
  async count(name: StatusCount): Promise<number> {
    const el = this.root.getByTestId(`status-${name}`);
    await expect(el).toBeVisible();
    return Number(await el.getAttribute('data-value'));
  }

  get failuresTable(): Locator {
    return this.root.getByTestId('failures-table');
  }

  /** Reasons of the failure rows shown. */
  async failureReasons(): Promise<string[]> {
    return attributes(this.failuresTable.locator('tbody tr'), 'data-reason');
  }

  /** On an empty library: import the bundled demo, embed it and train (then the app shows Review). */
  async loadDemo(timeout = 240_000): Promise<void> {
    await this.root.getByTestId('demo-load').click();
    await expect(this.page.getByTestId('screen-review')).toBeVisible({ timeout });
    // The Load button is gone with the Library screen: the keyboard focus is on the gallery, not the page.
    await expect(this.page.getByTestId('gallery')).toBeFocused();
  }

  async retryFailed(wait = true): Promise<void> {
    await this.root.getByTestId('retry-failed').click();
    if (wait) await this.waitForImport();
  }
}
