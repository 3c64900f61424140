/**
 * One instance per user: a second launch hands what it asked for to the first and quits. It names
 * a library only when started with QC_DATA_DIR or --data (otherwise it would open the one the first
 * has open); if that is another library, the first says so ("X is open; quit it to open Y") rather
 * than silently showing X. A launch that arrives before the first has a window (still starting, or
 * macOS with none) is held until one has shown. Without Electron: main.ts passes the window in.
 */
import path from 'node:path';
import { resolveLibraryDir } from './desktopSettings';

/** What a launch asked for (sent as requestSingleInstanceLock's additionalData). */
export interface LaunchRequest {
  dataDir: string;
  source: 'QC_DATA_DIR' | '--data';
}

/** The library this launch names on its command line or in QC_DATA_DIR (resolved against its own folder), or null. */
export function launchRequest(env: NodeJS.ProcessEnv, argv: readonly string[]): LaunchRequest | null {
  const r = resolveLibraryDir({ env, argv, settings: {}, fallback: '' });
  return r.source === 'QC_DATA_DIR' || r.source === '--data' ? { dataDir: r.dir, source: r.source } : null;
}

/** Another process's additionalData, checked (it is not ours to trust). */
export function readLaunchRequest(data: unknown): LaunchRequest | null {
  if (!data || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  if (typeof d.dataDir !== 'string' || !path.isAbsolute(d.dataDir) || (d.source !== 'QC_DATA_DIR' && d.source !== '--data')) return null;
  return { dataDir: d.dataDir, source: d.source };
}

/** What to tell the user about a second launch, or null when it asked for the library that is open. */
export function secondLaunchNotice(openDir: string, data: unknown, appName: string): string | null {
  const req = readLaunchRequest(data);
  if (!req || path.resolve(req.dataDir) === path.resolve(openDir)) return null;
  return `${appName} is already open with the library in\n${openDir}\n\nQuit it to open the library in\n${req.dataDir}\n(asked for by ${req.source}).`;
}

export interface FocusableWindow {
  isDestroyed(): boolean;
  isMinimized(): boolean;
  restore(): void;
  show(): void;
  focus(): void;
}

export interface SecondLaunchDeps {
  appName: string;
  /** The library open in this instance, or null while it starts. */
  libraryDir(): string | null;
  /** The window, or null when there is none (yet). */
  window(): FocusableWindow | null;
  /** Open a window if the app can now (it shows later: {@link SecondLaunches.windowShown}). */
  openWindow(): void;
  notify(text: string, win: FocusableWindow): void;
}

export class SecondLaunches {
  private readonly held: unknown[] = [];

  constructor(private readonly d: SecondLaunchDeps) {}

  /** The `second-instance` event's additionalData. */
  arrived(data: unknown): void {
    const w = this.d.window();
    if (!w || w.isDestroyed()) {
      if (this.held.length < 8) this.held.push(data);
      this.d.openWindow();
      return;
    }
    this.bringForward(w);
    this.tell(data, w);
  }

  /** A window has shown: bring it forward for the launches that came before it, and tell them. */
  windowShown(w: FocusableWindow): void {
    const held = this.held.splice(0);
    if (!held.length || w.isDestroyed()) return;
    this.bringForward(w);
    for (const data of held) this.tell(data, w);
  }

  private bringForward(w: FocusableWindow): void {
    if (w.isMinimized()) w.restore();
    w.show();
    w.focus();
  }

  private tell(data: unknown, w: FocusableWindow): void {
    const open = this.d.libraryDir();
    const text = open ? secondLaunchNotice(open, data, this.d.appName) : null;
    if (text) this.d.notify(text, w);
  }
}
