/**
 * The runs table fits a 1280-px window, as the README says, with what makes its rows widest: six
 * runs, one cancelled, an MLP on every feature set, a "best bound" in force, three-digit snapshot
 * counts with synthetic copies and labels left out, and the deltas. In real Chromium (layout).
 */
import { expect, test } from '@playwright/test';
import { RunStore } from '../src-main/core/ml/runs';
import { seedLibrary } from '../test-support/seedLibrary';
import { AppPage } from './pages/app';
import { TrainPage } from './pages/train';
import { startServe, type Served } from './support/serve';

let served: Served;

test.beforeAll(async () => {
  const lib = seedLibrary({ runs: 5, recommended: null, bestBound: 0.998292 });
  const { db } = lib.core.context;
  const runs = new RunStore(db);
  const ids = runs.list().map((r) => r.run_id);
  const snapshot = {
    hash: 'wide',
    train: { bad: 119, good: 186 },
    validation: { bad: 17, good: 112 },
    test: { bad: 34, good: 126 },
    synthetic: { bad: 476, good: 238 },
    groups: 420,
  };
  const params = (id: number) => ({ ...runs.list().find((r) => r.run_id === id)!.params, features: ['whole', 'crops', 'signals', 'defects'], hidden: 64 });
  for (const id of ids) {
    db.prepare('UPDATE runs SET snapshot = ?, params = ?, seconds = ? WHERE id = ?').run(JSON.stringify(snapshot), JSON.stringify(params(id)), 126.9, id);
    // Labels noise-robust training left out.
    const images = lib.images.filter((im) => im.label).slice(0, 12);
    for (const im of images) db.prepare('INSERT INTO run_pruned (run_id, image_id, given, p_bad) VALUES (?, ?, ?, ?)').run(id, im.id, im.label, 0.5);
  }
  // A cancelled run among them.
  runs.fail(runs.create(params(ids[0]!) as Parameters<RunStore['create']>[0]), 'cancelled', 'cancelled', 44);
  db.pragma('wal_checkpoint(TRUNCATE)');
  await lib.core.close();
  served = await startServe({ dataDir: lib.dataDir });
});

test.afterAll(async () => {
  await served?.stop();
});

for (const [width, height] of [
  [1280, 800],
  [1400, 900],
] as const) {
  test(`the runs table fits a ${width}-px window without a horizontal scroll`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    const app = new AppPage(page);
    await app.openUrl(served.url);
    await app.goto('train');
    const train = new TrainPage(page);
    await expect(train.runRow(6)).toHaveAttribute('data-status', 'cancelled');
    await expect(train.runsTable.getByText('best bound').first()).toBeVisible();
    await expect(train.runsTable.getByText('12 left out').first()).toBeVisible();
    const fit = await train.runsTableFit();
    expect(fit.table, `the runs table is ${fit.table} px wide in ${fit.room} px`).toBeLessThanOrEqual(fit.room);
    // Every row's last cell (Archive) is on screen.
    const archive = await train.runsTable.getByTestId('run-archive-1').boundingBox();
    expect(archive!.x + archive!.width).toBeLessThanOrEqual(width);
  });
}
