/** The desktop shell's native dialogs, answering contract/shell.ts for the app's window. */
import { dialog, type BrowserWindow } from 'electron';
import type { HandlersOf } from '../../src-shared/contract/handlers';
import type { ShellApi } from '../../src-shared/contract/shell';
import { openDialogOptions, saveDialogOptions } from './dialogOptions';

export function nativeDialogs(window: () => BrowserWindow | null): HandlersOf<ShellApi> {
  return {
    async 'shell.openDialog'(args) {
      const w = window();
      const r = w ? await dialog.showOpenDialog(w, openDialogOptions(args)) : await dialog.showOpenDialog(openDialogOptions(args));
      return { paths: r.canceled ? [] : r.filePaths };
    },
    async 'shell.saveDialog'(args) {
      const w = window();
      const r = w ? await dialog.showSaveDialog(w, saveDialogOptions(args)) : await dialog.showSaveDialog(saveDialogOptions(args));
      return { path: r.canceled || !r.filePath ? null : r.filePath };
    },
  };
}
