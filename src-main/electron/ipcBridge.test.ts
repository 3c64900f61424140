/**
 * The IPC bridge's sessions, over stand-ins of ipcMain, a window and its frames
 * (test-support/fakeElectron.ts): which page document a message belongs to, and when its calls end.
 */
import { describe, expect, it } from 'vitest';
import { IPC_CHANNELS } from '../../src-shared/contract/transport';
import type { Core } from '../core/app';
import { FakeFrame, FakeIpcMain, FakeWindow } from '../../test-support/fakeElectron';
import { createIpcBridge } from './ipcBridge';

/** A dispatcher with a call that runs until aborted or released, and one that answers at once. */
function fakeCore() {
  const started: Array<{ signal: AbortSignal; release: (v: unknown) => void }> = [];
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const core = {
    handlers: { 'library.status': () => undefined, 'library.import': () => undefined },
    events: {
      on(name: string, cb: (p: unknown) => void) {
        if (!listeners.has(name)) listeners.set(name, new Set());
        listeners.get(name)!.add(cb);
        return () => listeners.get(name)!.delete(cb);
      },
    },
    call(method: string, _args: unknown, o: { signal: AbortSignal }) {
      if (method === 'library.status') return Promise.resolve({ method });
      return new Promise((resolve, reject) => {
        started.push({ signal: o.signal, release: resolve });
        o.signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { code: 'cancelled' })));
      });
    },
  };
  return { core: core as unknown as Core, started };
}

const isTrusted = (url: string) => url.startsWith('app://renderer/');
const tick = () => new Promise((r) => setTimeout(r, 10));
const messages = (f: FakeFrame) => f.sent.filter((s) => s.channel === IPC_CHANNELS.message).map((s) => s.msg as { type: string; id?: number });

function setup() {
  const { core, started } = fakeCore();
  const ipcMain = new FakeIpcMain();
  const bridge = createIpcBridge(core, { ipcMain, isTrusted });
  const win = new FakeWindow();
  bridge.attach(win);
  const contents = win.webContents;
  const call = (id: number, method: string, frame: FakeFrame | null = contents.mainFrame) => ipcMain.deliver(IPC_CHANNELS.call, { contents, frame }, { type: 'call', id, method, args: {} });
  return { bridge, win, contents, ipcMain, started, call };
}

describe('IPC bridge sessions', () => {
  it('a navigation that starts but never commits (refused by security.ts) leaves the page and its calls running', async () => {
    const { bridge, contents, started, call } = setup();
    const page = contents.mainFrame;
    call(1, 'library.import');
    await tick();
    contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false, url: 'https://example.com/' });
    expect(started[0]!.signal.aborted).toBe(false);
    expect(bridge.inFlight).toBe(1);
    started[0]!.release({ done: true });
    await tick();
    expect(messages(page)).toEqual([{ type: 'result', id: 1, result: { done: true } }]);
    await bridge.dispose();
  });

  it('a reload ends the old page’s calls when it commits; a late message of the old page never reaches the new page’s session', async () => {
    const { bridge, contents, started, call } = setup();
    const oldPage = contents.mainFrame;
    contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false, url: oldPage.url });
    call(1, 'library.import', oldPage); // sent by the old document while the reload starts
    await tick();
    const newPage = contents.commit();
    expect(started[0]!.signal.aborted).toBe(true);
    call(1, 'library.status', oldPage); // later still: the old frame is no longer the main frame
    call(1, 'library.status', newPage); // the new page's first call reuses id 1
    await tick();
    expect(messages(newPage)).toEqual([{ type: 'result', id: 1, result: { method: 'library.status' } }]);
    expect(messages(oldPage)).toEqual([]);
    expect(bridge.inFlight).toBe(0);
    await bridge.dispose();
  });

  it('hears only the frame that opened the session, and its cancels', async () => {
    const { bridge, contents, started, call, ipcMain } = setup();
    const first = contents.mainFrame;
    call(1, 'library.import');
    await tick();
    const other = new FakeFrame(first.url);
    contents.mainFrame = other; // a new main frame whose commit was not (yet) seen
    call(2, 'library.status', other);
    ipcMain.deliver(IPC_CHANNELS.cancel, { contents, frame: other }, { type: 'cancel', id: 1 });
    ipcMain.deliver(IPC_CHANNELS.call, { contents, frame: null }, { type: 'call', id: 3, method: 'library.status', args: {} });
    await tick();
    expect(started[0]!.signal.aborted).toBe(false);
    expect(messages(other)).toEqual([]);
    contents.mainFrame = first;
    ipcMain.deliver(IPC_CHANNELS.cancel, { contents, frame: first }, { type: 'cancel', id: 1 });
    expect(started[0]!.signal.aborted).toBe(true);
    await bridge.dispose();
  });

  it('a renderer crash and a closed window end the calls', async () => {
    const { bridge, contents, win, started, call } = setup();
    call(1, 'library.import');
    await tick();
    contents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 1 });
    expect(started[0]!.signal.aborted).toBe(true);
    call(2, 'library.import');
    await tick();
    win.close();
    expect(started[1]!.signal.aborted).toBe(true);
    expect(bridge.inFlight).toBe(0);
    await bridge.dispose();
  });
});

describe('menu commands', () => {
  it('a command given with no window (macOS) is held and reaches the new window’s page when it has loaded', async () => {
    const { core } = fakeCore();
    const bridge = createIpcBridge(core, { ipcMain: new FakeIpcMain(), isTrusted });
    bridge.menu('import');
    const win = new FakeWindow();
    bridge.attach(win);
    const page = win.webContents.mainFrame;
    expect(messages(page)).toEqual([]);
    win.webContents.emit('did-finish-load');
    expect(messages(page)).toEqual([{ type: 'event', name: 'app.menu', payload: { command: 'import' } }]);
    bridge.menu('export'); // once loaded, at once
    expect(messages(page).at(-1)).toEqual({ type: 'event', name: 'app.menu', payload: { command: 'export' } });
    win.close();
    bridge.menu('shortcuts');
    const next = new FakeWindow();
    bridge.attach(next);
    next.webContents.emit('did-finish-load');
    expect(messages(next.webContents.mainFrame)).toEqual([{ type: 'event', name: 'app.menu', payload: { command: 'shortcuts' } }]);
    await bridge.dispose();
  });
});
