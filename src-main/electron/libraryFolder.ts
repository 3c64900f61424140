/**
 * File → Change Library Folder…, without Electron: main.ts passes the dialogs, the check and the
 * relaunch in. The choice is checked (an unusable folder, saved, would stop every later start),
 * then saved to the settings file; the app offers to restart only when it was saved, and says
 * which file could not be written otherwise (a restart would open the old library).
 */
import path from 'node:path';
import type { DesktopSettings, LibrarySource } from './desktopSettings';

export interface MessageOptions {
  type: 'info' | 'error';
  title: string;
  message: string;
  detail?: string;
  buttons: string[];
  defaultId?: number;
}

export interface ChangeLibraryDeps {
  appName: string;
  library: { dir: string; source: LibrarySource };
  /** The app's settings, changed in place only when they were saved. */
  settings: DesktopSettings;
  settingsFile: string;
  /** The folder picker: a folder, or undefined when cancelled. */
  choose(): Promise<string | undefined>;
  /** Throws when the folder cannot hold a library. */
  check(dir: string): void;
  /** Words for a thrown check. */
  describe(e: unknown): string;
  save(file: string, settings: DesktopSettings): { ok: true } | { ok: false; error: string };
  /** A message box: the index of the button chosen. */
  show(o: MessageOptions): Promise<number>;
  relaunch(): void;
}

export type ChangeOutcome = 'unchanged' | 'refused' | 'not-saved' | 'saved' | 'restarting';

export async function changeLibraryFolder(d: ChangeLibraryDeps): Promise<ChangeOutcome> {
  const picked = await d.choose();
  if (!picked) return 'unchanged';
  const chosen = path.resolve(picked);
  if (chosen === d.library.dir) return 'unchanged';
  try {
    d.check(chosen);
  } catch (e) {
    await d.show({ type: 'error', title: 'Library folder', message: 'This folder cannot hold the library', detail: d.describe(e), buttons: ['OK'] });
    return 'refused';
  }
  const next = { ...d.settings, libraryDir: chosen };
  const saved = d.save(d.settingsFile, next);
  if (!saved.ok) {
    await d.show({
      type: 'error',
      title: 'Library folder',
      message: 'The new library folder could not be saved',
      detail: `${d.appName} keeps its settings in\n${d.settingsFile}\nwhich could not be written: ${saved.error}\n\nThe library in ${d.library.dir} stays open.`,
      buttons: ['OK'],
    });
    return 'not-saved';
  }
  d.settings.libraryDir = chosen;
  const overridden = d.library.source === 'QC_DATA_DIR' || d.library.source === '--data';
  const message = overridden
    ? `Saved. This run was started with ${d.library.source}, which still takes precedence; start the app without it to open ${chosen}.`
    : `${d.appName} restarts to open the library in\n${chosen}`;
  const answer = await d.show({ type: 'info', title: 'Library folder', message, buttons: overridden ? ['OK'] : ['Restart Now', 'Later'], defaultId: 0 });
  if (overridden || answer !== 0) return 'saved';
  d.relaunch();
  return 'restarting';
}
