/**
 * Playwright: the browser-mode suite runs in real Chromium (Debian's, at /usr/bin/chromium, or
 * CHROMIUM_PATH) against `qc serve`; the Electron spec runs where an Electron binary exists and
 * skips itself otherwise. `npm run build:app` must have built out/ first (npm test does).
 */
import path from 'node:path';
import { defineConfig } from '@playwright/test';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export default defineConfig({
  testDir: '.',
  timeout: 240_000,
  expect: { timeout: 30_000 },
  workers: 1,
  reporter: [['list']],
  outputDir: path.join(import.meta.dirname, '..', 'test-results', 'e2e'),
  use: {
    viewport: { width: 1400, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
  },
  projects: [
    { name: 'browser-mode', testIgnore: /electron\.spec\.ts/ },
    { name: 'electron', testMatch: /electron\.spec\.ts/ },
  ],
});
