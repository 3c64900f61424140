/** The app's one window: sandboxed, context-isolated, no Node in the page, only the preload's bridge. */
import { BrowserWindow } from 'electron';

export function createMainWindow(opts: { preload: string; url: string; devTools: boolean }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Quality Curator',
    autoHideMenuBar: true,
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
  win.once('ready-to-show', () => win.show());
  void win.loadURL(opts.url);
  return win;
}
