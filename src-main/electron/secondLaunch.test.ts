/** A second launch: what it asks for, and what the first instance does with it (stand-in window). */
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { launchRequest, readLaunchRequest, SecondLaunches, secondLaunchNotice, type FocusableWindow } from './secondLaunch';

const OPEN = path.resolve('/libs/open');
const OTHER = path.resolve('/libs/other');

function fakeWindow(minimized = false) {
  const calls: string[] = [];
  const w: FocusableWindow = {
    isDestroyed: () => false,
    isMinimized: () => minimized,
    restore: () => calls.push('restore'),
    show: () => calls.push('show'),
    focus: () => calls.push('focus'),
  };
  return { w, calls };
}

describe('second launch', () => {
  it('names a library only from QC_DATA_DIR or --data, resolved where it was started', () => {
    expect(launchRequest({}, ['app'])).toBeNull();
    expect(launchRequest({}, ['app', '--data', 'rel'])).toEqual({ dataDir: path.resolve('rel'), source: '--data' });
    expect(launchRequest({ QC_DATA_DIR: OTHER }, [])).toEqual({ dataDir: OTHER, source: 'QC_DATA_DIR' });
    expect(readLaunchRequest({ dataDir: 'relative', source: '--data' })).toBeNull();
    expect(readLaunchRequest({ dataDir: OTHER, source: 'elsewhere' })).toBeNull();
    expect(readLaunchRequest('x')).toBeNull();
  });

  it('another library: brings the window forward and says which is open and which was asked for', () => {
    const notify = vi.fn();
    const { w, calls } = fakeWindow(true);
    const launches = new SecondLaunches({ appName: 'Quality Curator', libraryDir: () => OPEN, window: () => w, openWindow: vi.fn(), notify });
    launches.arrived(launchRequest({}, ['--data', OTHER]));
    expect(calls).toEqual(['restore', 'show', 'focus']);
    expect(notify).toHaveBeenCalledOnce();
    const text = notify.mock.calls[0]![0] as string;
    expect(text).toContain(OPEN);
    expect(text).toContain(`Quit it to open the library in\n${OTHER}`);
    launches.arrived(launchRequest({}, ['--data', OPEN]));
    launches.arrived(launchRequest({}, []));
    expect(notify).toHaveBeenCalledOnce();
    expect(secondLaunchNotice(OPEN, { dataDir: `${OPEN}/`, source: '--data' }, 'Q')).toBeNull();
  });

  it('no window yet: asks for one, and brings it forward and tells once it has shown', () => {
    const notify = vi.fn();
    const openWindow = vi.fn();
    let current: FocusableWindow | null = null;
    const launches = new SecondLaunches({ appName: 'Quality Curator', libraryDir: () => OPEN, window: () => current, openWindow, notify });
    launches.arrived({ dataDir: OTHER, source: 'QC_DATA_DIR' });
    expect(openWindow).toHaveBeenCalledOnce();
    expect(notify).not.toHaveBeenCalled();
    const { w, calls } = fakeWindow();
    current = w;
    launches.windowShown(w);
    expect(calls).toEqual(['show', 'focus']);
    expect(notify).toHaveBeenCalledWith(expect.stringContaining(OTHER), w);
    launches.windowShown(w); // told once
    expect(notify).toHaveBeenCalledOnce();
  });
});
