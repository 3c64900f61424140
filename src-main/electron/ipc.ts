/**
 * The API over IPC: `qc:call` and `qc:cancel` in, `qc:message` out, carrying the same
 * ClientMessage/ServerMessage shapes as `qc serve`'s WebSocket. Only our window's main frame,
 * showing our own renderer, is heard; every other sender is ignored.
 */
import { ipcMain, type BrowserWindow, type IpcMainEvent } from 'electron';
import { CORE_EVENTS, type EventMap, type EventName, type MenuCommand } from '../../src-shared/contract/events';
import type { HandlersOf } from '../../src-shared/contract/handlers';
import type { ShellApi } from '../../src-shared/contract/shell';
import { IPC_CHANNELS, type ServerMessage } from '../../src-shared/contract/transport';
import type { Core } from '../core/app';
import { CallSession } from '../core/session';
import { withShell } from './dispatch';
import { isTrustedRendererUrl } from './security';

const { call: IPC_CALL, cancel: IPC_CANCEL, message: IPC_MESSAGE } = IPC_CHANNELS;

export interface IpcBridge {
  /** Serve this window (its calls are aborted when it closes, reloads or crashes). */
  attach(win: BrowserWindow): void;
  /** Tell the page to carry out a menu item (the `app.menu` event). */
  menu(command: MenuCommand): void;
  /** Calls still running (a quit waits for them to stop). */
  readonly inFlight: number;
  /** Stop listening, abort every call and wait (bounded) for them to end. */
  dispose(): Promise<void>;
}

/** `shell`: the desktop's own methods (native dialogs) in place of the core's `not_available` ones. */
export function registerIpc(core: Core, shell?: HandlersOf<ShellApi>): IpcBridge {
  const dispatcher = shell ? withShell(core, shell) : core;
  let win: BrowserWindow | null = null;
  let session: CallSession | null = null;
  const retiring = new Set<Promise<void>>();

  const retire = () => {
    if (!session) return;
    const p = session.dispose();
    retiring.add(p);
    void p.finally(() => retiring.delete(p));
    session = null;
  };

  const currentSession = (): CallSession | null => {
    if (!win || win.isDestroyed()) return null;
    if (!session) {
      const contents = win.webContents;
      session = new CallSession(dispatcher, (msg: ServerMessage) => {
        if (!contents.isDestroyed()) contents.send(IPC_MESSAGE, msg);
      });
    }
    return session;
  };

  /** Only our window's top frame, on our own renderer page. */
  const trusted = (event: IpcMainEvent): boolean => {
    if (!win || win.isDestroyed() || event.sender !== win.webContents) return false;
    const frame = event.senderFrame;
    if (!frame || frame !== event.sender.mainFrame) return false;
    return isTrustedRendererUrl(frame.url);
  };

  const onCall = (event: IpcMainEvent, msg: unknown) => {
    if (trusted(event)) currentSession()?.call(msg);
  };
  const onCancel = (event: IpcMainEvent, msg: unknown) => {
    if (trusted(event)) session?.cancel(msg);
  };
  ipcMain.on(IPC_CALL, onCall);
  ipcMain.on(IPC_CANCEL, onCancel);

  const forward = <E extends EventName>(name: E, payload: EventMap[E]) => {
    if (!win || win.isDestroyed() || !isTrustedRendererUrl(win.webContents.getURL())) return;
    currentSession()?.event({ type: 'event', name, payload } as Extract<ServerMessage, { type: 'event' }>);
  };
  const unsubscribe = CORE_EVENTS.map((name) => core.events.on(name, (p) => forward(name, p)));

  return {
    attach(w) {
      retire();
      win = w;
      const contents = w.webContents;
      // A new document (reload, navigation) cannot receive the old one's results: abort its calls.
      contents.on('did-start-navigation', (details) => {
        if (details.isMainFrame && !details.isSameDocument) retire();
      });
      contents.on('render-process-gone', () => retire());
      contents.on('destroyed', () => retire());
      w.on('closed', () => {
        retire();
        if (win === w) win = null;
      });
    },
    menu(command) {
      forward('app.menu', { command });
    },
    get inFlight() {
      return session?.inFlight ?? 0;
    },
    async dispose() {
      ipcMain.off(IPC_CALL, onCall);
      ipcMain.off(IPC_CANCEL, onCancel);
      for (const off of unsubscribe) off();
      retire();
      await Promise.allSettled([...retiring]);
    },
  };
}
