/** The application menu template, built without Electron, on each platform. */
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { accelerators, menuTemplate, type MenuActions } from './menu';

function build(platform: NodeJS.Platform, devTools = false) {
  const actions: MenuActions = { command: vi.fn(), openLibraryFolder: vi.fn(), changeLibraryFolder: vi.fn(), about: vi.fn() };
  return { t: menuTemplate({ platform, appName: 'Quality Curator', devTools, actions }), actions };
}

const sub = (item: MenuItemConstructorOptions | undefined) => (item?.submenu ?? []) as MenuItemConstructorOptions[];
const byLabel = (t: MenuItemConstructorOptions[], label: string) => t.find((i) => i.label?.replace('&', '') === label);
const find = (items: MenuItemConstructorOptions[], label: string) => items.find((i) => i.label === label);
/** Electron's click handler gets (item, window, event); the template's ignore them. */
const click = (i: MenuItemConstructorOptions | undefined) => (i!.click as () => void)();

describe('application menu', () => {
  it('has File, Edit, View, Window and Help on Windows and Linux, with the app menu first on macOS', () => {
    expect(build('linux').t.map((m) => m.label ?? m.role)).toEqual(['&File', '&Edit', '&View', '&Window', '&Help']);
    expect(build('win32').t.map((m) => m.label ?? m.role)).toEqual(['&File', '&Edit', '&View', '&Window', '&Help']);
    const mac = build('darwin').t;
    expect(mac.map((m) => m.label ?? m.role)).toEqual(['Quality Curator', '&File', '&Edit', '&View', 'windowMenu', '&Help']);
    expect(sub(mac[0]).map((i) => i.role ?? i.label)).toContain('quit');
  });

  it('File: Import…, Export… and Open Library Folder with their accelerators, wired to the page and the shell', () => {
    const { t, actions } = build('linux');
    const file = sub(byLabel(t, 'File'));
    expect(find(file, 'Import…')?.accelerator).toBe('CmdOrCtrl+O');
    expect(find(file, 'Export…')?.accelerator).toBe('CmdOrCtrl+E');
    expect(find(file, 'Open Library Folder')?.accelerator).toBe('CmdOrCtrl+Shift+L');
    click(find(file, 'Import…'));
    click(find(file, 'Export…'));
    click(find(file, 'Open Library Folder'));
    click(find(file, 'Change Library Folder…'));
    expect(vi.mocked(actions.command).mock.calls).toEqual([['import'], ['export']]);
    expect(actions.openLibraryFolder).toHaveBeenCalledOnce();
    expect(actions.changeLibraryFolder).toHaveBeenCalledOnce();
    expect(file.at(-1)).toMatchObject({ role: 'quit', accelerator: 'Ctrl+Q' });
    expect(build('darwin').t.some((m) => sub(m).some((i) => i.role === 'close'))).toBe(true);
  });

  it('Edit has the standard roles; View has Reload (packaged too) and zoom, and DevTools only in development', () => {
    const { t } = build('win32');
    expect(sub(byLabel(t, 'Edit')).map((i) => i.role).filter(Boolean)).toEqual(['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll']);
    const view = sub(byLabel(t, 'View'));
    expect(view.map((i) => i.role).filter(Boolean)).toEqual(['reload', 'resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen']);
    expect(view.find((i) => i.role === 'reload')?.accelerator).toBe('CmdOrCtrl+R');
    expect(view.find((i) => i.role === 'zoomIn')?.accelerator).toBe('CmdOrCtrl+=');
    expect(sub(byLabel(build('win32', true).t, 'View')).map((i) => i.role)).toContain('toggleDevTools');
  });

  it('Help: keyboard shortcuts to the page; About in Help (Windows, Linux) or the app menu (macOS)', () => {
    const { t, actions } = build('linux');
    const help = sub(byLabel(t, 'Help'));
    click(find(help, 'Keyboard Shortcuts'));
    expect(actions.command).toHaveBeenCalledWith('shortcuts');
    click(find(help, 'About Quality Curator'));
    expect(actions.about).toHaveBeenCalledOnce();
    const mac = build('darwin');
    expect(find(sub(byLabel(mac.t, 'Help')), 'About Quality Curator')).toBeUndefined();
    click(find(sub(mac.t[0]), 'About Quality Curator'));
    expect(mac.actions.about).toHaveBeenCalledOnce();
  });

  it('no accelerator is used twice', () => {
    for (const platform of ['linux', 'win32', 'darwin'] as const) {
      const list = accelerators(build(platform, true).t).map((a) => a.accelerator.replace('CmdOrCtrl', platform === 'darwin' ? 'Cmd' : 'Ctrl'));
      expect(new Set(list).size, platform).toBe(list.length);
      expect(list.length).toBeGreaterThanOrEqual(6);
    }
  });
});
