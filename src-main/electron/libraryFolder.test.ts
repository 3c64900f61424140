/** Changing the library folder: a restart is offered only when the choice was saved (real files). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { checkLibraryFolder } from '../core/library/store';
import { loadDesktopSettings, trySaveDesktopSettings, type DesktopSettings } from './desktopSettings';
import { changeLibraryFolder, type ChangeLibraryDeps, type MessageOptions } from './libraryFolder';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-library-folder-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function deps(settingsFile: string, chosen: string, settings: DesktopSettings = {}) {
  const shown: MessageOptions[] = [];
  const relaunch = vi.fn();
  const d: ChangeLibraryDeps = {
    appName: 'Quality Curator',
    library: { dir: path.join(dir, 'old'), source: 'default' },
    settings,
    settingsFile,
    choose: async () => chosen,
    check: checkLibraryFolder,
    describe: (e) => (e as Error).message,
    save: trySaveDesktopSettings,
    show: async (o) => {
      shown.push(o);
      return 0; // OK / Restart Now
    },
    relaunch,
  };
  return { d, shown, relaunch };
}

describe('File → Change Library Folder…', () => {
  it('saves the choice and restarts into it', async () => {
    const file = path.join(dir, 'ok', 'desktop.json');
    const chosen = path.join(dir, 'new-lib');
    const { d, shown, relaunch } = deps(file, chosen);
    expect(await changeLibraryFolder(d)).toBe('restarting');
    expect((await loadDesktopSettings(file)).libraryDir).toBe(chosen);
    expect(d.settings.libraryDir).toBe(chosen);
    expect(shown[0]!.message).toContain(chosen);
    expect(relaunch).toHaveBeenCalledOnce();
  });

  it('a settings file that cannot be written: says which file, keeps the old library, no restart', async () => {
    const blocker = path.join(dir, 'blocker');
    fs.writeFileSync(blocker, 'a file where the settings folder should be');
    const file = path.join(blocker, 'desktop.json');
    const settings: DesktopSettings = { libraryDir: path.join(dir, 'old') };
    const { d, shown, relaunch } = deps(file, path.join(dir, 'other-lib'), settings);
    expect(await changeLibraryFolder(d)).toBe('not-saved');
    expect(relaunch).not.toHaveBeenCalled();
    expect(shown).toHaveLength(1);
    expect(shown[0]!.type).toBe('error');
    expect(shown[0]!.detail).toContain(file);
    expect(settings.libraryDir).toBe(path.join(dir, 'old'));
  });

  it('a folder that cannot hold a library is refused before anything is saved', async () => {
    const file = path.join(dir, 'refused', 'desktop.json');
    const notAFolder = path.join(dir, 'plain-file');
    fs.writeFileSync(notAFolder, 'x');
    const { d, shown, relaunch } = deps(file, notAFolder);
    expect(await changeLibraryFolder(d)).toBe('refused');
    expect(shown[0]!.message).toBe('This folder cannot hold the library');
    expect(fs.existsSync(file)).toBe(false);
    expect(relaunch).not.toHaveBeenCalled();
  });
});
