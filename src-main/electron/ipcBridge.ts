/**
 * The API over IPC, without Electron: `qc:call` and `qc:cancel` in, `qc:message` out, carrying the
 * same ClientMessage/ServerMessage shapes as `qc serve`'s WebSocket. ipc.ts passes Electron's
 * ipcMain and the trusted-URL rule in; tests pass stand-ins (test-support/fakeElectron.ts).
 *
 * One page document is one CallSession, tied to the frame that opened it: only our window's main
 * frame, showing our own renderer, is heard, and while a session lives only its frame. The session
 * ends (its calls aborted) when a main-frame navigation commits (`did-navigate`: a reload, a new
 * document), when the renderer process goes, or when the window closes; a navigation that only
 * starts (and may be refused by security.ts) leaves the page and its calls alone. A late message
 * from the old document, whose frame is no longer the session's, is dropped.
 *
 * A menu command given while no window's page has loaded (macOS keeps the app running with no
 * window; a menu click opens one) is held and sent when the page's load finishes.
 */
import { CORE_EVENTS, type EventMap, type EventName, type MenuCommand } from '../../src-shared/contract/events';
import type { HandlersOf } from '../../src-shared/contract/handlers';
import type { ShellApi } from '../../src-shared/contract/shell';
import { IPC_CHANNELS, type ServerMessage } from '../../src-shared/contract/transport';
import type { Core } from '../core/app';
import { CallSession } from '../core/session';
import { withShell } from './dispatch';

const { call: IPC_CALL, cancel: IPC_CANCEL, message: IPC_MESSAGE } = IPC_CHANNELS;
/** Menu commands kept for a page that has not loaded yet (more are clicks the user will repeat). */
const MAX_HELD_MENU = 8;

/** What the bridge uses of a WebFrameMain. */
export interface FrameLike {
  readonly url: string;
  send(channel: string, msg: unknown): void;
}

/** What the bridge uses of a webContents. */
export interface WebContentsLike {
  readonly mainFrame: FrameLike;
  isDestroyed(): boolean;
  getURL(): string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Electron's overloads give each event its own arguments
  on(event: string, listener: (...args: any[]) => void): unknown;
}

/** What the bridge uses of a BrowserWindow. */
export interface WindowLike {
  readonly webContents: WebContentsLike;
  isDestroyed(): boolean;
  on(event: 'closed', listener: () => void): unknown;
}

/** An IPC message's event: who sent it. */
export interface IpcEventLike {
  readonly sender: unknown;
  readonly senderFrame: FrameLike | null | undefined;
}

export interface IpcMainLike {
  on(channel: string, listener: (event: IpcEventLike, msg: unknown) => void): unknown;
  off(channel: string, listener: (event: IpcEventLike, msg: unknown) => void): unknown;
}

export interface IpcBridge {
  /** Serve this window (its calls are aborted when it closes, its page is replaced or crashes). */
  attach(win: WindowLike): void;
  /** Tell the page to carry out a menu item (the `app.menu` event); held until a window's page has loaded. */
  menu(command: MenuCommand): void;
  /** Calls still running (a quit waits for them to stop). */
  readonly inFlight: number;
  /** Stop listening, abort every call and wait (bounded) for them to end. */
  dispose(): Promise<void>;
}

export interface IpcBridgeOptions {
  ipcMain: IpcMainLike;
  /** Whether a URL is our own renderer's page (security.ts isTrustedRendererUrl). */
  isTrusted(url: string): boolean;
  /** The desktop's own methods (native dialogs) in place of the core's `not_available` ones. */
  shell?: HandlersOf<ShellApi>;
}

export function createIpcBridge(core: Core, opts: IpcBridgeOptions): IpcBridge {
  const dispatcher = opts.shell ? withShell(core, opts.shell) : core;
  let win: WindowLike | null = null;
  /** The page document being served: its frame and its calls. */
  let current: { frame: FrameLike; session: CallSession } | null = null;
  /** Whether the window's page has finished loading (it listens for menu commands from then on). */
  let loaded = false;
  /** Menu commands given while no page could take them (no window yet on macOS, a page still loading). */
  const heldMenu: MenuCommand[] = [];
  const retiring = new Set<Promise<void>>();

  const retire = () => {
    if (!current) return;
    const p = current.session.dispose();
    retiring.add(p);
    void p.finally(() => retiring.delete(p));
    current = null;
  };

  const live = (): WebContentsLike | null => (win && !win.isDestroyed() && !win.webContents.isDestroyed() ? win.webContents : null);

  /** The session of `frame`, opened for it if none is; null when another frame's session is open. */
  const sessionOf = (frame: FrameLike): CallSession | null => {
    if (current) return current.frame === frame ? current.session : null;
    const session = new CallSession(dispatcher, (msg: ServerMessage) => {
      if (live()) frame.send(IPC_MESSAGE, msg);
    });
    current = { frame, session };
    return session;
  };

  /** The sending frame, if it is our window's top frame on our own renderer page. */
  const trustedFrame = (event: IpcEventLike): FrameLike | null => {
    const contents = live();
    if (!contents || event.sender !== contents) return null;
    const frame = event.senderFrame;
    if (!frame || frame !== contents.mainFrame || !opts.isTrusted(frame.url)) return null;
    return frame;
  };

  const onCall = (event: IpcEventLike, msg: unknown) => {
    const frame = trustedFrame(event);
    if (frame) sessionOf(frame)?.call(msg);
  };
  const onCancel = (event: IpcEventLike, msg: unknown) => {
    const frame = trustedFrame(event);
    if (frame && current?.frame === frame) current.session.cancel(msg);
  };
  opts.ipcMain.on(IPC_CALL, onCall);
  opts.ipcMain.on(IPC_CANCEL, onCancel);

  const forward = <E extends EventName>(name: E, payload: EventMap[E]) => {
    const contents = live();
    if (!contents || !opts.isTrusted(contents.getURL())) return;
    sessionOf(contents.mainFrame)?.event({ type: 'event', name, payload } as Extract<ServerMessage, { type: 'event' }>);
  };
  const unsubscribe = CORE_EVENTS.map((name) => core.events.on(name, (p) => forward(name, p)));

  return {
    attach(w) {
      retire();
      win = w;
      loaded = false;
      const contents = w.webContents;
      contents.on('did-finish-load', () => {
        if (win !== w) return;
        loaded = true;
        for (const command of heldMenu.splice(0)) forward('app.menu', { command });
      });
      // A new document (reload, navigation) has committed: the old one cannot receive its results.
      // (did-navigate is main-frame only and never same-document.) A navigation that only starts
      // may still be refused (security.ts), and the page then stays with its calls.
      contents.on('did-navigate', () => {
        if (win === w) retire();
      });
      contents.on('render-process-gone', () => {
        if (win === w) retire();
      });
      contents.on('destroyed', () => {
        if (win === w) retire();
      });
      w.on('closed', () => {
        if (win !== w) return;
        retire();
        win = null;
        loaded = false;
      });
    },
    menu(command) {
      if (live() && loaded) forward('app.menu', { command });
      else if (heldMenu.length < MAX_HELD_MENU) heldMenu.push(command);
    },
    get inFlight() {
      return current?.session.inFlight ?? 0;
    },
    async dispose() {
      opts.ipcMain.off(IPC_CALL, onCall);
      opts.ipcMain.off(IPC_CANCEL, onCancel);
      for (const off of unsubscribe) off();
      retire();
      await Promise.allSettled([...retiring]);
    },
  };
}
