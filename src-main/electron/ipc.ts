/**
 * The API over IPC in the app: ipcBridge.ts's bridge over Electron's ipcMain, hearing only our
 * own renderer's pages (security.ts).
 */
import { ipcMain } from 'electron';
import type { HandlersOf } from '../../src-shared/contract/handlers';
import type { ShellApi } from '../../src-shared/contract/shell';
import type { Core } from '../core/app';
import { createIpcBridge, type IpcBridge, type IpcMainLike } from './ipcBridge';
import { isTrustedRendererUrl } from './security';

export type { IpcBridge } from './ipcBridge';

/** `shell`: the desktop's own methods (native dialogs) in place of the core's `not_available` ones. */
export function registerIpc(core: Core, shell?: HandlersOf<ShellApi>): IpcBridge {
  return createIpcBridge(core, { ipcMain: ipcMain as unknown as IpcMainLike, isTrusted: isTrustedRendererUrl, shell });
}
