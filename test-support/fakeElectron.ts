/**
 * Minimal stand-ins for the parts of Electron that src-main/electron's logic takes as arguments
 * (ipcMain, a window, its webContents and frames), for tests where the Electron binary cannot run.
 * They are plain event emitters: a test emits what Electron would (`did-navigate`,
 * `render-process-gone`, an IPC message) and reads what was sent.
 */
import { EventEmitter } from 'node:events';

export class FakeFrame {
  readonly sent: Array<{ channel: string; msg: unknown }> = [];
  constructor(public url = 'app://renderer/index.html') {}
  send(channel: string, msg: unknown): void {
    this.sent.push({ channel, msg });
  }
}

export class FakeWebContents extends EventEmitter {
  destroyed = false;
  reloads = 0;
  constructor(public mainFrame: FakeFrame = new FakeFrame()) {
    super();
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  getURL(): string {
    return this.mainFrame.url;
  }
  send(channel: string, msg: unknown): void {
    this.mainFrame.send(channel, msg);
  }
  reload(): void {
    this.reloads++;
  }
  /** A committed main-frame navigation to a new document (a reload gives a new frame). */
  navigate(frame = new FakeFrame(this.mainFrame.url)): FakeFrame {
    this.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false, url: frame.url });
    return this.commit(frame);
  }
  /** The commit alone of a navigation whose `did-start-navigation` the test emitted itself. */
  commit(frame = new FakeFrame(this.mainFrame.url)): FakeFrame {
    this.mainFrame = frame;
    this.emit('did-navigate', {}, frame.url);
    return frame;
  }
}

export class FakeWindow extends EventEmitter {
  destroyed = false;
  constructor(public webContents = new FakeWebContents()) {
    super();
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  close(): void {
    const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    this.emit('close', event);
    if (event.defaultPrevented) return;
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

/** ipcMain: `on`/`off` listeners, and `deliver` to act as a page sending a message. */
export class FakeIpcMain extends EventEmitter {
  deliver(channel: string, from: { contents: FakeWebContents; frame?: FakeFrame | null }, msg: unknown): void {
    const frame = from.frame === undefined ? from.contents.mainFrame : from.frame;
    this.emit(channel, { sender: from.contents, senderFrame: frame }, msg);
  }
}
