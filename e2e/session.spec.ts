/**
 * A restarted `qc serve` has a new token: an open tab shows the no-session page once (with what to
 * do), instead of reconnecting forever and stacking red toasts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { AppPage } from './pages/app';
import { startServe } from './support/serve';

test('a server restart ends the session with the no-session page, not a pile of toasts', async ({ page }) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-e2e-session-'));
  const first = await startServe({ dataDir });
  const app = new AppPage(page);
  let second: Awaited<ReturnType<typeof startServe>> | null = null;
  try {
    await app.openUrl(first.url);
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'open');
    const port = Number(new URL(first.origin).port);
    await first.stop();
    second = await startServe({ dataDir, port });
    expect(second.token).not.toBe(first.token);
    await expect(page.getByTestId('no-session')).toHaveAttribute('data-expired', 'true', { timeout: 60_000 });
    await expect(page.getByTestId('session-expired')).toContainText('new link');
    expect(await page.getByTestId('toast').count()).toBe(0);
    // The new link works (a fresh load: only the hash differs).
    await page.goto('about:blank');
    await app.openUrl(second.url);
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'open');
  } finally {
    await second?.stop();
    if (second === null) await first.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a tab reloaded after a restart shows "The session ended", and the new link pasted into it opens the app', async ({ page }) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-e2e-session-'));
  const first = await startServe({ dataDir });
  const app = new AppPage(page);
  let second: Awaited<ReturnType<typeof startServe>> | null = null;
  try {
    await app.openUrl(first.url);
    const port = Number(new URL(first.origin).port);
    await first.stop();
    second = await startServe({ dataDir, port });
    // Reloaded at once: the tab's kept token is the old one, which the new server refuses.
    await page.reload();
    await expect(page.getByTestId('no-session')).toHaveAttribute('data-expired', 'true', { timeout: 30_000 });
    // It stays there, never back to "reconnecting…".
    await page.waitForTimeout(3_000);
    await expect(page.getByTestId('no-session')).toHaveAttribute('data-expired', 'true');
    // The new link pasted into the tab: only the hash changes, and the app opens with it.
    await app.pasteLink(second.url);
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'open');
  } finally {
    await second?.stop();
    if (second === null) await first.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
