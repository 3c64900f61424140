/**
 * The application menu as a pure template (Electron's MenuItemConstructorOptions; only the type is
 * imported), so it is unit-tested without Electron. main.ts builds it with
 * `Menu.buildFromTemplate(menuTemplate(…))`. Items that the renderer carries out (Import…,
 * Export…, Keyboard shortcuts) go to the page as an `app.menu` event; the rest are shell actions
 * or Electron roles (Edit, reload, zoom, window).
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../src-shared/contract/events';

export interface MenuActions {
  /** Ask the renderer to do something (its import or export picker, the shortcuts sheet). */
  command(command: MenuCommand): void;
  openLibraryFolder(): void;
  changeLibraryFolder(): void;
  about(): void;
}

export interface MenuOptions {
  platform: NodeJS.Platform;
  appName: string;
  /** The DevTools item (unpackaged builds only; Reload is always there: a page that broke can be reloaded). */
  devTools: boolean;
  actions: MenuActions;
}

export function menuTemplate(o: MenuOptions): MenuItemConstructorOptions[] {
  const mac = o.platform === 'darwin';
  const a = o.actions;
  const about: MenuItemConstructorOptions = { label: `About ${o.appName}`, click: () => a.about() };

  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      { label: 'Import…', accelerator: 'CmdOrCtrl+O', click: () => a.command('import') },
      { label: 'Export…', accelerator: 'CmdOrCtrl+E', click: () => a.command('export') },
      { type: 'separator' },
      { label: 'Open Library Folder', accelerator: 'CmdOrCtrl+Shift+L', click: () => a.openLibraryFolder() },
      { label: 'Change Library Folder…', click: () => a.changeLibraryFolder() },
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit', label: 'E&xit', accelerator: 'Ctrl+Q' },
    ],
  };

  const edit: MenuItemConstructorOptions = {
    label: '&Edit',
    submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
  };

  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      { role: 'reload', accelerator: 'CmdOrCtrl+R' },
      ...(o.devTools ? ([{ role: 'toggleDevTools' }] as MenuItemConstructorOptions[]) : []),
      { type: 'separator' },
      { role: 'resetZoom', accelerator: 'CmdOrCtrl+0' },
      { role: 'zoomIn', accelerator: 'CmdOrCtrl+=' },
      { role: 'zoomOut', accelerator: 'CmdOrCtrl+-' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };

  const window: MenuItemConstructorOptions = mac ? { role: 'windowMenu' } : { label: '&Window', submenu: [{ role: 'minimize' }, { role: 'close', accelerator: 'Ctrl+W' }] };

  const help: MenuItemConstructorOptions = {
    role: 'help',
    label: '&Help',
    submenu: [{ label: 'Keyboard Shortcuts', accelerator: 'CmdOrCtrl+/', click: () => a.command('shortcuts') }, ...(mac ? [] : [{ type: 'separator' } as const, about])],
  };

  const appMenu: MenuItemConstructorOptions = {
    label: o.appName,
    submenu: [about, { type: 'separator' }, { role: 'services' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }],
  };

  return [...(mac ? [appMenu] : []), file, edit, view, window, help];
}

/** Every accelerator in a template, with the label or role it belongs to (for clash checks and the shortcuts sheet). */
export function accelerators(template: readonly MenuItemConstructorOptions[]): { accelerator: string; item: string }[] {
  const out: { accelerator: string; item: string }[] = [];
  const walk = (items: readonly MenuItemConstructorOptions[]) => {
    for (const i of items) {
      if (i.accelerator) out.push({ accelerator: String(i.accelerator), item: i.label ?? i.role ?? '?' });
      if (Array.isArray(i.submenu)) walk(i.submenu);
    }
  };
  walk(template);
  return out;
}
