/**
 * The sandboxed preload: exposes exactly `window.bridge` = { call, cancel, listen } over the IPC
 * channels qc:call, qc:cancel and qc:message, carrying the ClientMessage/ServerMessage wire format.
 * Nothing of Electron or Node reaches the page; the IPC event object is never passed on.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ClientMessage, ServerMessage } from '../../src-shared/contract/transport';

const bridge = {
  /** Start call `id`; its progress, result or error arrive through `listen`. */
  call(id: number, method: string, args: unknown): void {
    ipcRenderer.send('qc:call', { type: 'call', id, method, args } as ClientMessage);
  },
  cancel(id: number): void {
    ipcRenderer.send('qc:cancel', { type: 'cancel', id } satisfies ClientMessage);
  },
  /** Every ServerMessage (progress, result, error, event); returns a function that stops listening. */
  listen(cb: (msg: ServerMessage) => void): () => void {
    const handler = (_event: IpcRendererEvent, msg: ServerMessage) => cb(msg);
    ipcRenderer.on('qc:message', handler);
    return () => {
      ipcRenderer.removeListener('qc:message', handler);
    };
  },
};

export type Bridge = typeof bridge;

contextBridge.exposeInMainWorld('bridge', bridge);
