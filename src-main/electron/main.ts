/**
 * The desktop app: one window over the same core as `qc` and `qc serve`, on the same library
 * folder as the command line (`defaultDataDir()`, or QC_DATA_DIR). The renderer is loaded from
 * app://renderer/index.html and talks to the core only through the preload's bridge (IPC).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, dialog, session, type BrowserWindow } from 'electron';
import { describeError, toErrorShape } from '../../src-shared/contract/errors';
import { createCore, type Core } from '../core/app';
import { defaultDataDir } from '../core/paths';
import { registerIpc, type IpcBridge } from './ipc';
import { handleAppProtocol, registerAppScheme } from './protocol';
import { RENDERER_URL } from './resolve';
import { devRendererOrigin, secureAllWebContents, secureSession } from './security';
import { createMainWindow } from './window';

const here = path.dirname(fileURLToPath(import.meta.url));
/** electron-vite's layout: out/main/main.js, out/preload/preload.cjs, out/renderer/. */
const RENDERER_DIR = path.resolve(here, '..', 'renderer');
const PRELOAD = path.resolve(here, '..', 'preload', 'preload.cjs');

/** The ONNX backbones: resources/models of the app (in a packaged app, under process.resourcesPath). */
function modelsDir(): string {
  const packaged = path.join(process.resourcesPath ?? '', 'models');
  if (app.isPackaged && fs.existsSync(packaged)) return packaged;
  return path.join(app.getAppPath(), 'resources', 'models');
}

let core: Core | null = null;
let ipc: IpcBridge | null = null;
let win: BrowserWindow | null = null;
let shutDown = false;

function openWindow(): void {
  if (!core || !ipc) return;
  const dev = devRendererOrigin();
  win = createMainWindow({ preload: PRELOAD, url: dev ? process.env.ELECTRON_RENDERER_URL! : RENDERER_URL, devTools: !app.isPackaged });
  ipc.attach(win);
  win.on('closed', () => (win = null));
}

async function start(): Promise<void> {
  secureSession(session.defaultSession);
  const dataDir = defaultDataDir();
  try {
    core = createCore({ dataDir, modelsDir: modelsDir() });
  } catch (e) {
    dialog.showErrorBox('Quality Curator cannot open its library', `${dataDir}\n\n${describeError(toErrorShape(e))}`);
    shutDown = true;
    app.exit(1);
    return;
  }
  handleAppProtocol({ rendererDir: RENDERER_DIR, core });
  ipc = registerIpc(core);
  openWindow();
}

// Before ready: one instance per library, the sandbox for every renderer, app:// as a secure scheme,
// Chromium's own profile kept apart from the library files.
if (!app.requestSingleInstanceLock()) {
  shutDown = true;
  app.quit();
} else {
  app.enableSandbox();
  registerAppScheme();
  secureAllWebContents();
  app.setPath('sessionData', path.join(app.getPath('userData'), 'electron-session'));

  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (!win && app.isReady()) openWindow();
  });
  // Abort running calls, let them wind down, then close the library before quitting.
  app.on('will-quit', (event) => {
    if (shutDown) return;
    event.preventDefault();
    shutDown = true;
    void (async () => {
      try {
        await ipc?.dispose();
        await core?.close();
      } finally {
        app.quit();
      }
    })();
  });

  app
    .whenReady()
    .then(start)
    .catch((e: unknown) => {
      dialog.showErrorBox('Quality Curator could not start', describeError(toErrorShape(e)));
      shutDown = true;
      app.exit(1);
    });
}
