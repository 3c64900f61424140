/**
 * The sandboxed preload: exposes exactly `window.bridge` = { call, cancel, listen } over the IPC
 * channels qc:call, qc:cancel and qc:message, carrying the ClientMessage/ServerMessage wire format.
 * Nothing of Electron or Node reaches the page; the IPC event object is never passed on.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CHANNELS, type Bridge, type ClientMessage, type ServerMessage } from '../../src-shared/contract/transport';

const bridge: Bridge = {
  /** Start call `id`; its progress, result or error arrive through `listen`. */
  call(id, method, args): void {
    ipcRenderer.send(IPC_CHANNELS.call, { type: 'call', id, method, args } satisfies ClientMessage);
  },
  cancel(id: number): void {
    ipcRenderer.send(IPC_CHANNELS.cancel, { type: 'cancel', id } satisfies ClientMessage);
  },
  /** Every ServerMessage (progress, result, error, event); returns a function that stops listening. */
  listen(cb: (msg: ServerMessage) => void): () => void {
    const handler = (_event: IpcRendererEvent, msg: ServerMessage) => cb(msg);
    ipcRenderer.on(IPC_CHANNELS.message, handler);
    return () => {
      ipcRenderer.removeListener(IPC_CHANNELS.message, handler);
    };
  },
};

contextBridge.exposeInMainWorld('bridge', bridge);
