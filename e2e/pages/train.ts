import { attributes } from './attributes';
import { expect, type Locator, type Page } from '@playwright/test';

export interface TrainFields {
  features?: ('whole' | 'crops' | 'signals' | 'defects')[];
  hidden?: number;
  dropout?: number;
  l2?: number;
  learningRate?: number;
  epochs?: number;
  batchSize?: number;
  seed?: number;
  targetError?: number;
  /** Synthetic distorted copies per good image (the Train screen's default is 4; 0 trains on real images only). */
  augment?: number;
  classWeighting?: boolean;
}

const FIELD_IDS: Record<Exclude<keyof TrainFields, 'features' | 'classWeighting'>, string> = {
  hidden: 'train-hidden',
  dropout: 'train-dropout',
  l2: 'train-l2',
  learningRate: 'train-lr',
  epochs: 'train-epochs',
  batchSize: 'train-batch',
  seed: 'train-seed',
  targetError: 'train-target-error',
  augment: 'train-augment',
};

export class TrainPage {
  readonly root: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('screen-train');
  }

  /** Fill the form (fields not given keep their values). */
  async fill(fields: TrainFields): Promise<void> {
    // The form is ready once the runs are in (Train waits for them, and the form starts from the
    // active run's settings then): filled before, a value can land while the screen still settles.
    await expect(this.root.getByTestId('train-start')).toBeEnabled({ timeout: 60_000 });
    if (fields.features) {
      for (const f of ['whole', 'crops', 'signals', 'defects'] as const) {
        const box = this.root.getByTestId(`train-feature-${f}`);
        const want = fields.features.includes(f);
        // Checked again until it holds: on a loaded CI machine one click was seen not to change a box.
        await expect(async () => {
          await box.setChecked(want);
          await expect(box).toBeChecked({ checked: want, timeout: 1000 });
        }).toPass({ timeout: 15_000 });
      }
    }
    for (const [k, id] of Object.entries(FIELD_IDS) as [keyof typeof FIELD_IDS, string][]) {
      const v = fields[k];
      if (v !== undefined) await this.root.getByTestId(id).fill(String(v));
    }
    if (fields.classWeighting !== undefined) await this.root.getByTestId('train-classweighting').setChecked(fields.classWeighting);
  }

  async resetDefaults(): Promise<void> {
    await this.root.getByTestId('train-defaults').click();
  }

  /** Start training (optionally after filling the form). */
  async start(fields?: TrainFields): Promise<void> {
    if (fields) await this.fill(fields);
    await this.root.getByTestId('train-start').click();
    await expect(this.root.getByTestId('train-start')).toBeDisabled();
  }

  async cancel(): Promise<void> {
    await this.root.getByTestId('train-cancel').click();
  }

  /** Whether a training job is running. */
  async isTraining(): Promise<boolean> {
    return this.root.getByTestId('train-progress').isVisible();
  }

  /** Wait for the current training to end (the Train button is enabled again). */
  async waitForIdle(timeout = 300_000): Promise<void> {
    await expect(this.root.getByTestId('train-start')).toBeEnabled({ timeout });
  }

  get runsTable(): Locator {
    return this.root.getByTestId('runs-table');
  }

  /** The runs table's width beside the width its card gives it (it fits when `table` ≤ `room`), in CSS px. */
  async runsTableFit(): Promise<{ table: number; room: number }> {
    await this.runsTable.scrollIntoViewIfNeeded();
    return this.runsTable.evaluate((t) => ({ table: Math.ceil(t.getBoundingClientRect().width), room: t.parentElement!.clientWidth }));
  }

  runRow(runId: number): Locator {
    return this.root.getByTestId(`run-row-${runId}`);
  }

  /** Wait until run `runId` is listed with the status (default `done`). */
  async waitForRun(runId: number, status: 'running' | 'done' | 'failed' | 'cancelled' = 'done', timeout = 300_000): Promise<void> {
    await expect(this.runRow(runId)).toHaveAttribute('data-status', status, { timeout });
  }

  /** Run ids in the table, newest first. */
  async runIds(): Promise<number[]> {
    const ids = (await attributes(this.runsTable.locator('[data-testid^="run-row-"]'), 'data-testid')).map((t) => Number(t.slice('run-row-'.length)));
    return ids;
  }

  /** The newest run id, or null. */
  async latestRunId(): Promise<number | null> {
    return (await this.runIds())[0] ?? null;
  }

  async isActive(runId: number): Promise<boolean> {
    return (await this.runRow(runId).getAttribute('data-active')) === 'true';
  }

  async makeActive(runId: number): Promise<void> {
    await this.root.getByTestId(`run-activate-${runId}`).click();
    await expect(this.runRow(runId)).toHaveAttribute('data-active', 'true');
  }

  /** Test accuracy text of a run (e.g. `91.2%`). */
  async accuracyText(runId: number): Promise<string> {
    return this.root.getByTestId(`run-acc-${runId}`).innerText();
  }

  get compare(): Locator {
    return this.root.getByTestId('run-compare');
  }

  /** The comparison after a retrain: run ids and the signed changes (accuracy and coverage in 0..1 units). */
  async comparison(): Promise<{ current: number; previous: number; accuracy: number | null; auc: number | null; coverage: number | null }> {
    const num = async (id: string) => {
      const v = await this.compare.getByTestId(id).getAttribute('data-value');
      return v ? Number(v) : null;
    };
    return {
      current: Number(await this.compare.getAttribute('data-current')),
      previous: Number(await this.compare.getAttribute('data-previous')),
      accuracy: await num('compare-delta-accuracy'),
      auc: await num('compare-delta-auc'),
      coverage: await num('compare-delta-coverage'),
    };
  }

  get evaluation(): Locator {
    return this.root.getByTestId('evaluation-panel');
  }

  /** The active run's confusion counts at the browsed threshold. */
  async confusion(): Promise<{ tp: number; fp: number; fn: number; tn: number }> {
    const cell = async (o: string) => {
      const el = this.evaluation.getByTestId(`confusion-${o}`);
      await expect(el).not.toHaveAttribute('data-value', '');
      return Number(await el.getAttribute('data-value'));
    };
    return { tp: await cell('tp'), fp: await cell('fp'), fn: await cell('fn'), tn: await cell('tn') };
  }

  /** Open a confusion cell's images in the Review gallery. */
  async openConfusionCell(outcome: 'tp' | 'fp' | 'fn' | 'tn'): Promise<void> {
    await this.evaluation.getByTestId(`confusion-${outcome}`).click();
    await expect(this.page.getByTestId('screen-review')).toBeVisible();
  }

  /** Compare two runs side by side; returns the split warning, if any. */
  async compareRuns(left: number, right: number): Promise<string | null> {
    await this.evaluation.getByTestId('compare-left').selectOption(String(left));
    await this.evaluation.getByTestId('compare-right').selectOption(String(right));
    const box = this.evaluation.getByTestId('run-compare-any');
    await expect(box).toHaveAttribute('data-left', String(left));
    await expect(box).toHaveAttribute('data-right', String(right));
    const warning = box.getByTestId('compare-warning');
    return (await warning.count()) ? warning.innerText() : null;
  }

  /** Points drawn in the loss chart (epochs). */
  async lossPoints(): Promise<number> {
    return Number(await this.root.getByTestId('loss-chart').getAttribute('data-points'));
  }
}
