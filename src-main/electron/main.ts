/**
 * The desktop app: one window over the same core as `qc` and `qc serve`. The renderer is loaded
 * from app://renderer/index.html and talks to the core only through the preload's bridge (IPC).
 *
 * Desktop conventions: one instance (a second launch focuses the first window, and says so when it
 * named another library: secondLaunch.ts), the window's size,
 * place and maximised state remembered (windowState.ts), an application menu (menu.ts), the
 * library folder chosen in File → Change Library Folder… (desktopSettings.ts; QC_DATA_DIR or
 * --data DIR override it; the About box shows which one is open), native dialogs for the page's
 * pickers (dialogs.ts), and a quit that stops running calls and closes the library cleanly.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, dialog, Menu, screen, session, shell, type BrowserWindow } from 'electron';
import { describeError, toErrorShape } from '../../src-shared/contract/errors';
import { createCore, type Core } from '../core/app';
import { checkLibraryFolder } from '../core/library/store';
import { defaultDataDir } from '../core/paths';
import { loadDesktopSettings, resolveLibraryDir, SETTINGS_FILE, trySaveDesktopSettings, type DesktopSettings, type LibrarySource } from './desktopSettings';
import { nativeDialogs } from './dialogs';
import { registerIpc, type IpcBridge } from './ipc';
import { changeLibraryFolder as changeLibraryFolderFlow, type MessageOptions } from './libraryFolder';
import { menuTemplate } from './menu';
import { QuitGuard, quitQuestion } from './quitGuard';
import { goneText, watchRendererGone } from './rendererGone';
import { launchRequest, SecondLaunches } from './secondLaunch';
import { handleAppProtocol, registerAppScheme } from './protocol';
import { RENDERER_URL } from './resolve';
import { appResources, missingResources, type AppResources } from './resources';
import { devRendererOrigin, secureAllWebContents, secureSession } from './security';
import { createMainWindow } from './window';
import { captureWindowState, restoreWindowState } from './windowState';

const APP_NAME = 'Quality Curator';
const here = path.dirname(fileURLToPath(import.meta.url));
/** electron-vite's layout: out/main/main.js, out/preload/preload.cjs, out/renderer/. */
const RENDERER_DIR = path.resolve(here, '..', 'renderer');
const PRELOAD = path.resolve(here, '..', 'preload', 'preload.cjs');

let core: Core | null = null;
let ipc: IpcBridge | null = null;
let win: BrowserWindow | null = null;
let shutDown = false;
let settingsFile = '';
let settings: DesktopSettings = {};
let library: { dir: string; source: LibrarySource } = { dir: '', source: 'default' };
let resources: AppResources | null = null;

/** Second launches: bring the window forward, and say so when one asked for another library. */
const secondLaunches = new SecondLaunches({
  appName: APP_NAME,
  libraryDir: () => (core ? library.dir : null),
  window: () => win,
  openWindow: () => {
    if (app.isReady()) openWindow();
  },
  notify: (text, w) => {
    const opts = { type: 'info' as const, title: APP_NAME, message: `${APP_NAME} is already open`, detail: text, buttons: ['OK'] };
    void (w === win && win ? dialog.showMessageBox(win, opts) : dialog.showMessageBox(opts));
  },
});

/** Closing the window or quitting while calls run asks first (Stop / Keep Working). */
const quitGuard = new QuitGuard({
  inFlight: () => ipc?.inFlight ?? 0,
  ask: async (kind, running) => {
    const q = quitQuestion(kind, running);
    const opts = { type: 'warning' as const, title: APP_NAME, message: q.message, detail: q.detail, buttons: q.buttons, defaultId: 1, cancelId: 1, noLink: true };
    const r = win && !win.isDestroyed() ? await dialog.showMessageBox(win, opts) : await dialog.showMessageBox(opts);
    return r.response === 0;
  },
});

/** Write desktop.json; false (logged) when it could not be written. */
function saveSettings(): { ok: true } | { ok: false; error: string } {
  const r = trySaveDesktopSettings(settingsFile, settings);
  if (!r.ok) console.error(`[qc] cannot save ${settingsFile}: ${r.error}`);
  return r;
}

/** Remember where the window is (its normal bounds, and whether it is maximised). */
function rememberWindow(w: BrowserWindow): void {
  if (w.isDestroyed() || w.isMinimized()) return;
  settings.window = captureWindowState(w.getNormalBounds(), w.isMaximized(), w.isFullScreen());
}

function openWindow(): void {
  if (!core || !ipc) return;
  const dev = devRendererOrigin();
  const displays = [screen.getPrimaryDisplay(), ...screen.getAllDisplays().filter((d) => d.id !== screen.getPrimaryDisplay().id)].map((d) => d.workArea);
  const placed = restoreWindowState(settings.window ?? null, displays);
  const w = createMainWindow({ preload: PRELOAD, url: dev ? process.env.ELECTRON_RENDERER_URL! : RENDERER_URL, devTools: !app.isPackaged, bounds: placed.bounds, maximized: placed.maximized });
  win = w;
  ipc.attach(w);
  w.once('ready-to-show', () => secondLaunches.windowShown(w));
  // A crashed page would leave a dead window: offer to reload it (its calls were ended) or quit.
  watchRendererGone(w.webContents, {
    ask: async (details) => {
      if (w.isDestroyed()) return false;
      const r = await dialog.showMessageBox(w, { type: 'error', title: APP_NAME, message: 'The window stopped working', detail: goneText(details), buttons: ['Reload', 'Quit'], defaultId: 0, cancelId: 1, noLink: true });
      return r.response === 0;
    },
    quit: () => app.quit(),
    log: (line) => console.error(line),
  });
  let timer: NodeJS.Timeout | undefined;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(() => rememberWindow(w), 500);
  };
  for (const e of ['resize', 'move', 'maximize', 'unmaximize'] as const) w.on(e as 'resize', later);
  w.on('close', (event) => {
    quitGuard.onClose(event, () => w.close());
    if (event.defaultPrevented) return;
    clearTimeout(timer);
    rememberWindow(w);
    saveSettings();
  });
  w.on('closed', () => {
    if (win === w) win = null;
  });
}

function showAbout(): void {
  const models = resources ? resources.modelsDir : '?';
  const where = { QC_DATA_DIR: ' (from QC_DATA_DIR)', '--data': ' (from --data)', settings: ' (chosen in File → Change Library Folder…)', default: ' (the default)' }[library.source];
  const detail = [
    `Version ${app.getVersion()}`,
    `Electron ${process.versions.electron}, Chromium ${process.versions.chrome}, Node ${process.versions.node}`,
    '',
    `Library folder${where}:`,
    library.dir,
    '',
    `Models: ${models}`,
  ].join('\n');
  const opts = { type: 'info' as const, title: `About ${APP_NAME}`, message: APP_NAME, detail, buttons: ['OK', 'Open Library Folder'], defaultId: 0, noLink: true };
  void (win ? dialog.showMessageBox(win, opts) : dialog.showMessageBox(opts)).then((r) => {
    if (r.response === 1) void shell.openPath(library.dir);
  });
}

async function changeLibraryFolder(): Promise<void> {
  const show = async (o: MessageOptions) => (win ? await dialog.showMessageBox(win, o) : await dialog.showMessageBox(o)).response;
  await changeLibraryFolderFlow({
    appName: APP_NAME,
    library,
    settings,
    settingsFile,
    choose: async () => {
      const opts = { title: 'Choose the library folder', defaultPath: library.dir, properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'>, buttonLabel: 'Use This Folder' };
      const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
      return r.canceled ? undefined : r.filePaths[0];
    },
    check: checkLibraryFolder,
    describe: (e) => describeError(toErrorShape(e)),
    save: trySaveDesktopSettings,
    show,
    relaunch: () => {
      app.relaunch();
      app.quit();
    },
  });
}

function installMenu(): void {
  const template = menuTemplate({
    platform: process.platform,
    appName: APP_NAME,
    devTools: !app.isPackaged,
    actions: {
      command: (c) => {
        if (!win) openWindow();
        ipc?.menu(c);
      },
      openLibraryFolder: () => void shell.openPath(library.dir),
      changeLibraryFolder: () => void changeLibraryFolder(),
      about: showAbout,
    },
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/**
 * The library folder the app would open (chosen earlier or the default) cannot be opened: offer to
 * choose another one, checked before it is saved, rather than leave the curator with a start that
 * fails every time. True when a new folder was saved (the caller restarts).
 */
async function chooseAnotherLibrary(reason: string): Promise<boolean> {
  for (;;) {
    const ask = await dialog.showMessageBox({ type: 'error', title: `${APP_NAME} cannot open its library`, message: `${APP_NAME} cannot open its library`, detail: reason, buttons: ['Choose Another Folder…', 'Quit'], defaultId: 0, cancelId: 1 });
    if (ask.response !== 0) return false;
    const r = await dialog.showOpenDialog({ title: 'Choose the library folder', properties: ['openDirectory', 'createDirectory'], buttonLabel: 'Use This Folder' });
    const chosen = r.canceled ? undefined : r.filePaths[0];
    if (!chosen) return false;
    try {
      checkLibraryFolder(path.resolve(chosen));
    } catch (e) {
      reason = `${path.resolve(chosen)}\n\n${describeError(toErrorShape(e))}`;
      continue;
    }
    const previous = settings.libraryDir;
    settings.libraryDir = path.resolve(chosen);
    const saved = saveSettings();
    if (!saved.ok) {
      settings.libraryDir = previous;
      dialog.showErrorBox(`${APP_NAME} cannot save its settings`, `The library folder was not saved: ${settingsFile} could not be written (${saved.error}).`);
      return false;
    }
    return true;
  }
}

async function start(): Promise<void> {
  secureSession(session.defaultSession);
  settingsFile = path.join(app.getPath('userData'), SETTINGS_FILE);
  settings = await loadDesktopSettings(settingsFile);
  library = resolveLibraryDir({ env: process.env, argv: process.argv.slice(1), settings, fallback: defaultDataDir({ ...process.env, QC_DATA_DIR: '' }) });
  resources = appResources({ isPackaged: app.isPackaged, resourcesPath: process.resourcesPath, appPath: app.getAppPath() });
  const missing = missingResources(resources);
  if (missing.length) console.error(`[qc] bundled resources missing: ${missing.join(', ')}`);
  try {
    core = createCore({ dataDir: library.dir, modelsDir: resources.modelsDir, demoDir: resources.demoDir, warm: true });
  } catch (e) {
    const reason = `${library.dir}\n\n${describeError(toErrorShape(e))}`;
    if (library.source === 'QC_DATA_DIR' || library.source === '--data') {
      dialog.showErrorBox(`${APP_NAME} cannot open its library`, `${reason}\n\nStart it with another folder in ${library.source}.`);
    } else if (await chooseAnotherLibrary(reason)) {
      app.relaunch();
    }
    shutDown = true;
    app.exit(1);
    return;
  }
  handleAppProtocol({ rendererDir: RENDERER_DIR, core });
  ipc = registerIpc(core, nativeDialogs(() => win));
  installMenu();
  openWindow();
}

// Before ready: one instance per user (a second launch tells the first which library it names),
// the sandbox for every renderer, app:// as a secure scheme, Chromium's own profile kept apart
// from the library files.
if (!app.requestSingleInstanceLock({ ...launchRequest(process.env, process.argv.slice(1)) })) {
  console.error(`[qc] ${APP_NAME} is already running: its window is brought forward`);
  shutDown = true;
  app.quit();
} else {
  app.enableSandbox();
  registerAppScheme();
  secureAllWebContents();
  app.setPath('sessionData', path.join(app.getPath('userData'), 'electron-session'));

  // A second launch (double-click, file manager, `quality-curator`) brings this window forward, or
  // the one still to come; one that named another library is told to quit this one first.
  app.on('second-instance', (_event, _argv, _cwd, additionalData) => secondLaunches.arrived(additionalData));
  app.on('before-quit', (event) => quitGuard.onBeforeQuit(event, () => app.quit()));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (!win && app.isReady()) openWindow();
  });
  // A clean quit: abort running calls and let them wind down (imports keep what is stored, the ML
  // worker stops), then close the library (SQLite checkpoints its WAL on close), then exit.
  app.on('will-quit', (event) => {
    if (shutDown) return;
    event.preventDefault();
    shutDown = true;
    void (async () => {
      try {
        const running = ipc?.inFlight ?? 0;
        if (running) console.error(`[qc] quitting: stopping ${running} running call(s)`);
        await ipc?.dispose();
        await core?.close();
      } catch (e) {
        console.error(`[qc] while closing the library: ${describeError(toErrorShape(e))}`);
      } finally {
        app.quit();
      }
    })();
  });

  app
    .whenReady()
    .then(start)
    .catch((e: unknown) => {
      dialog.showErrorBox(`${APP_NAME} could not start`, describeError(toErrorShape(e)));
      shutDown = true;
      app.exit(1);
    });
}
