/**
 * The desktop app as a user starts it: the built main process (out/main/main.js) opens one
 * sandboxed window on app://renderer/index.html that shows the app and reaches the core only
 * through `window.bridge`.
 *
 * Skipped, with the reason printed, where the Electron binary is not installed (machines without
 * internet access: `npm start` uses browser mode there). Needs `npm run build` first.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test } from '@playwright/test';
import { DEV_DIR } from './support/serve';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = path.join(ROOT, 'out', 'main', 'main.js');

/** The Electron executable (what `require('electron')` returns in Node), or why there is none. */
function findElectron(): { executable: string } | { reason: string } {
  let executable: unknown;
  try {
    executable = createRequire(import.meta.url)('electron');
  } catch (e) {
    return { reason: `the Electron binary is not installed (${(e as Error).message.split('\n')[0]})` };
  }
  if (typeof executable !== 'string' || !fs.existsSync(executable)) return { reason: `the Electron binary is not installed (${String(executable)} does not exist)` };
  return { executable };
}

/**
 * QC_ELECTRON_E2E=skip: skip (the release workflow's `npm test` step, whose native modules are
 * built for Node; its next step rebuilds them for Electron and runs this spec with =require).
 * QC_ELECTRON_E2E=require: a missing Electron binary fails instead of skipping.
 */
const mode = process.env.QC_ELECTRON_E2E ?? '';
const found = findElectron();
const skipReason =
  mode === 'skip'
    ? 'electron e2e skipped: QC_ELECTRON_E2E=skip (the release workflow runs it in its own step, after install-app-deps rebuilds native modules for Electron)'
    : 'reason' in found && mode !== 'require'
      ? `electron e2e skipped: ${found.reason}; run node node_modules/electron/install.js with internet access to get it`
      : null;
if (skipReason) console.log(skipReason);

/** What the page sees of its globals (evaluated in the renderer; the node typings have no DOM). */
interface PageGlobals {
  bridge?: { call(id: number, method: string, args: unknown): void; listen(cb: (m: { type: string; id?: number }) => void): () => void };
  require?: unknown;
  process?: unknown;
  document: { title: string; body: { innerText: string } };
  /** The last app.menu event the page saw (set by the test). */
  menuSeen?: unknown;
}

test.describe('desktop app (Electron)', () => {
  test.skip(skipReason !== null, skipReason ?? '');

  test('opens one secure window that shows the app and talks to the core', async () => {
    expect(fs.existsSync(MAIN), `${MAIN} is missing: run npm run build first`).toBe(true);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-e2e-electron-'));
    // Its own user-data folder: the user's desktop.json, window place and single-instance lock are
    // left alone (a Quality Curator the user has open would otherwise take this launch over).
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-e2e-electron-user-'));
    if ('reason' in found) throw new Error(`QC_ELECTRON_E2E=require but ${found.reason}`);
    const app = await electron.launch({
      executablePath: found.executable,
      args: [MAIN, `--user-data-dir=${userDataDir}`],
      cwd: ROOT,
      env: { ...process.env, QC_DATA_DIR: dataDir, ELECTRON_RENDERER_URL: '' },
    });
    try {
      const win = await app.firstWindow();
      await win.waitForLoadState('domcontentloaded');
      expect(win.url()).toBe('app://renderer/index.html');
      await expect(win).toHaveTitle(/Quality Curator/);
      await expect.poll(() => win.evaluate(() => (globalThis as unknown as PageGlobals).document.body.innerText.trim().length), { timeout: 15_000 }).toBeGreaterThan(0);

      // Only the bridge reaches the page: no Node, no Electron.
      const globals = await win.evaluate(() => {
        const g = globalThis as unknown as PageGlobals;
        return { bridge: Object.keys(g.bridge ?? {}).sort(), require: typeof g.require, process: typeof g.process };
      });
      expect(globals).toEqual({ bridge: ['call', 'cancel', 'listen'], require: 'undefined', process: 'undefined' });

      // A call through the bridge reaches the core (an empty library in the temp data dir).
      const reply = await win.evaluate(
        () =>
          new Promise((resolve) => {
            const bridge = (globalThis as unknown as PageGlobals).bridge!;
            const off = bridge.listen((m) => {
              if (m.id === 987_654 && (m.type === 'result' || m.type === 'error')) {
                off();
                resolve(m);
              }
            });
            bridge.call(987_654, 'library.status', {});
          }),
      );
      expect(reply).toMatchObject({ type: 'result', result: { images: 0, data_dir: path.resolve(dataDir) } });

      // An image imported through the bridge shows: its thumbnail loads from app://files into the
      // page at app://renderer (another origin: the protocol's headers and the CSP must allow it).
      const photos = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-e2e-photos-'));
      const devImages = path.join(DEV_DIR, 'images');
      for (const f of fs.readdirSync(devImages).filter((n) => n.endsWith('.jpg')).slice(0, 2)) fs.copyFileSync(path.join(devImages, f), path.join(photos, f));
      const imported = await win.evaluate(
        (folder) =>
          new Promise<unknown>((resolve) => {
            const bridge = (globalThis as unknown as PageGlobals).bridge!;
            const off = bridge.listen((m) => {
              if (m.id === 987_655 && (m.type === 'result' || m.type === 'error')) {
                off();
                resolve(m);
              }
            });
            bridge.call(987_655, 'library.import', { source: folder });
          }),
        photos,
      );
      expect(imported).toMatchObject({ type: 'result', result: { images_new: 2 } });
      const width = await win.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const img = new (globalThis as unknown as { Image: new () => { src: string; naturalWidth: number; onload: () => void; onerror: () => void } }).Image();
            img.onload = () => resolve(img.naturalWidth);
            img.onerror = () => resolve(-1);
            img.src = 'app://files/thumb/1';
          }),
      );
      expect(width).toBeGreaterThan(0);
      fs.rmSync(photos, { recursive: true, force: true });

      // One window, whose page is sandboxed and isolated (checked above from inside: no require, no process).
      expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);

      // The application menu, and a menu item reaching the page as an app.menu event.
      const menu = await app.evaluate(({ Menu }) => Menu.getApplicationMenu()?.items.map((i) => i.label.replace('&', '')) ?? []);
      expect(menu).toEqual(expect.arrayContaining(['File', 'Edit', 'View', 'Help']));
      // Listen first (in the page), then click the menu item in the main process, then look.
      await win.evaluate(() => {
        const g = globalThis as unknown as PageGlobals;
        g.menuSeen = null;
        g.bridge!.listen((m) => {
          const e = m as { type: string; name?: string; payload?: unknown };
          if (e.type === 'event' && e.name === 'app.menu') g.menuSeen = e.payload;
        });
      });
      await app.evaluate(({ Menu }) => {
        const file = Menu.getApplicationMenu()!.items.find((i) => i.label.replace('&', '') === 'File')!;
        file.submenu!.items.find((i) => i.label === 'Export…')!.click();
      });
      await expect.poll(() => win.evaluate(() => (globalThis as unknown as PageGlobals).menuSeen)).toEqual({ command: 'export' });

      // The window opened at its default (or remembered) size, never below the minimum.
      expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.getBounds().width)).toBeGreaterThanOrEqual(900);

      // Navigation away from the app and new windows are refused.
      await win.evaluate(() => {
        (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/';
      });
      await win.waitForTimeout(500);
      expect(win.url()).toBe('app://renderer/index.html');
      // Closing the window remembers where it was.
      const userData = await app.evaluate(({ app: a }) => a.getPath('userData'));
      expect(path.resolve(userData)).toBe(path.resolve(userDataDir));
      await app.close();
      const saved = JSON.parse(fs.readFileSync(path.join(userData, 'desktop.json'), 'utf8')) as { window?: { bounds: { width: number } } };
      expect(saved.window?.bounds.width).toBeGreaterThanOrEqual(900);
    } finally {
      await app.close().catch(() => undefined);
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(userDataDir, { recursive: true, force: true });
    }
  });
});
