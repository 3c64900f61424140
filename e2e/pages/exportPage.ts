import { expect, type Locator, type Page } from '@playwright/test';
import type { Mirror } from './library';

export interface ExportResult {
  files: string[];
  rows: number;
  taggedBad: number;
}

export class ExportPage {
  readonly root: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('screen-export');
  }

  /** The threshold in force and where it comes from (`curator`, `recommended`, `default`). */
  async thresholdInForce(): Promise<{ value: number; source: string }> {
    const el = this.root.getByTestId('export-threshold');
    await expect(el).toBeVisible();
    return { value: Number(await el.getAttribute('data-value')), source: (await el.getAttribute('data-source')) ?? '' };
  }

  /** Export the library (or a bundle) to `outDir`; returns the written files and counts. */
  async exportTags(outDir: string, opts: { bundleId?: number; timeout?: number } = {}): Promise<ExportResult> {
    await this.root.getByTestId('export-outdir').fill(outDir);
    if (opts.bundleId !== undefined) {
      await this.root.getByTestId('export-scope').selectOption('bundle');
      await this.root.getByTestId('export-bundle').fill(String(opts.bundleId));
    } else {
      await this.root.getByTestId('export-scope').selectOption('library');
    }
    await this.root.getByTestId('export-start').click();
    await expect(this.root.getByTestId('export-start')).toBeEnabled({ timeout: opts.timeout ?? 120_000 });
    return this.result('export-result');
  }

  /** Classify a bundle file into `outDir` (with mirrors); returns the written files and counts. */
  async classify(source: string, outDir: string, mirrors: Mirror[] = [], timeout = 300_000): Promise<ExportResult> {
    await this.root.getByTestId('classify-source').fill(source);
    await this.root.getByTestId('classify-outdir').fill(outDir);
    for (let i = 0; i < mirrors.length; i++) {
      if (i > 0) await this.root.getByTestId('classify-mirror-add').click();
      await this.root.getByTestId(`classify-mirror-prefix-${i}`).fill(mirrors[i]!.prefix);
      await this.root.getByTestId(`classify-mirror-dir-${i}`).fill(mirrors[i]!.dir);
    }
    await this.root.getByTestId('classify-start').click();
    await expect(this.root.getByTestId('classify-start')).toBeEnabled({ timeout });
    return this.result('classify-result');
  }

  private async result(testId: string): Promise<ExportResult> {
    const r = this.root.getByTestId(testId);
    await expect(r).toBeVisible();
    const files = await this.root.getByTestId(`${testId}-files`).locator('li').allInnerTexts();
    return { files: files.map((f) => f.trim()), rows: Number(await r.getAttribute('data-rows')), taggedBad: Number(await r.getAttribute('data-tagged-bad')) };
  }
}
