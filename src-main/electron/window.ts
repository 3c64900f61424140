/** The app's one window: sandboxed, context-isolated, no Node in the page, only the preload's bridge. */
import { BrowserWindow } from 'electron';
import { MIN_SIZE, type Rect } from './windowState';

/** `bounds` and `maximized` come from restoreWindowState (the place the window had last time). */
export function createMainWindow(opts: { preload: string; url: string; devTools: boolean; bounds: Rect; maximized: boolean }): BrowserWindow {
  const win = new BrowserWindow({
    ...opts.bounds,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    title: 'Quality Curator',
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: opts.devTools,
    },
  });
  win.once('ready-to-show', () => {
    if (opts.maximized) win.maximize();
    win.show();
  });
  void win.loadURL(opts.url);
  return win;
}
