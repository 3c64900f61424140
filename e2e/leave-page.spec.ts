/**
 * Leaving the page cancels its jobs (qc serve cancels a closed socket's calls). In real Chromium:
 * while this tab trains, a reload asks first ("Leave site?"); staying keeps the training; leaving
 * cancels it, and the reloaded page says so instead of calling the run another window's.
 */
import { expect, test } from '@playwright/test';
import { seedLibrary } from '../test-support/seedLibrary';
import { AppPage } from './pages/app';
import { TrainPage } from './pages/train';
import { startServe, type Served } from './support/serve';

let served: Served;

test.beforeAll(async () => {
  const lib = seedLibrary({ runs: 2 });
  lib.core.context.db.pragma('wal_checkpoint(TRUNCATE)');
  await lib.core.close();
  served = await startServe({ dataDir: lib.dataDir });
});

test.afterAll(async () => {
  await served?.stop();
});

test('a reload while this tab trains asks first; leaving cancels the training and the reloaded page says so', async ({ page }) => {
  const app = new AppPage(page);
  const train = new TrainPage(page);
  await app.openUrl(served.url);
  // No job: a reload asks nothing.
  expect(await app.reloadAnswering(true)).toBeNull();
  await app.goto('train');
  // A training long enough to reload during it (the seeded library's cached signals, no pictures).
  await train.start({ features: ['signals'], hidden: 0, epochs: 10_000, augment: 0 });
  await train.waitForRun(3, 'running', 60_000);

  // Stay: the training goes on.
  expect(await app.reloadAnswering(false)).toBe('beforeunload');
  await expect(train.root.getByTestId('train-cancel')).toBeVisible();
  await expect(train.runRow(3)).toHaveAttribute('data-status', 'running');

  // Leave: the reloaded page says what was cancelled, and never that another window trains run 3.
  expect(await app.reloadAnswering(true)).toBe('beforeunload');
  await expect.poll(() => app.toastTexts('error')).toContainEqual(expect.stringContaining('Training (run 3)): leaving the page cancels its jobs, so it was cancelled'));
  await app.goto('train');
  await expect(page.getByText('started in another window')).toHaveCount(0);
  await train.waitForRun(3, 'cancelled', 60_000);
  await expect(train.root.getByTestId('train-start')).toBeEnabled();
});
