/** Window placement between runs, and the desktop settings file that stores it (no Electron needed). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDesktopSettings, resolveLibraryDir, saveDesktopSettings } from './desktopSettings';
import { captureWindowState, DEFAULT_SIZE, MIN_SIZE, parseWindowState, restoreWindowState, type Rect } from './windowState';

const laptop: Rect = { x: 0, y: 0, width: 1920, height: 1050 }; // primary work area (taskbar below)
const right: Rect = { x: 1920, y: 0, width: 2560, height: 1400 }; // a second monitor to its right
const small: Rect = { x: 0, y: 0, width: 1280, height: 700 };

describe('restoreWindowState', () => {
  it('opens at the default size, centred on the primary display, the first time', () => {
    expect(restoreWindowState(null, [laptop, right])).toEqual({ bounds: { x: 240, y: 75, width: DEFAULT_SIZE.width, height: DEFAULT_SIZE.height }, maximized: false });
  });

  it('never opens larger than the display, nor below the minimum size the display allows', () => {
    const r = restoreWindowState(null, [small]);
    expect(r.bounds).toEqual({ x: 0, y: 0, width: 1280, height: 700 });
    expect(restoreWindowState({ bounds: { x: 10, y: 10, width: 200, height: 100 }, maximized: false }, [laptop]).bounds).toMatchObject({ width: MIN_SIZE.width, height: MIN_SIZE.height });
  });

  it('keeps a window where it was when it is fully on a display', () => {
    const saved = { bounds: { x: 2100, y: 50, width: 1600, height: 1000 }, maximized: true };
    expect(restoreWindowState(saved, [laptop, right])).toEqual(saved);
  });

  it('moves a window from a monitor that is gone onto the primary display', () => {
    const saved = { bounds: { x: 2100, y: 50, width: 1600, height: 1000 }, maximized: false };
    const r = restoreWindowState(saved, [laptop]);
    expect(r.bounds).toEqual({ x: 160, y: 25, width: 1600, height: 1000 });
  });

  it('pulls a partly off-screen window back inside the display it overlaps most', () => {
    // Title bar above the top edge and the right side past the edge.
    const r = restoreWindowState({ bounds: { x: 1000, y: -200, width: 1200, height: 800 }, maximized: false }, [laptop]);
    expect(r.bounds).toEqual({ x: 720, y: 0, width: 1200, height: 800 });
    // Mostly on the second monitor: lands there, shrunk to fit.
    const r2 = restoreWindowState({ bounds: { x: 1800, y: 100, width: 3000, height: 900 }, maximized: false }, [laptop, right]);
    expect(r2.bounds).toEqual({ x: 1920, y: 100, width: 2560, height: 900 });
  });

  it('handles displays left of and above the primary one (negative coordinates)', () => {
    const left: Rect = { x: -1680, y: -300, width: 1680, height: 1050 };
    const saved = { bounds: { x: -1500, y: -200, width: 1200, height: 800 }, maximized: false };
    expect(restoreWindowState(saved, [laptop, left]).bounds).toEqual(saved.bounds);
  });

  it('centres a saved size without a position', () => {
    expect(restoreWindowState({ bounds: { width: 1000, height: 700 }, maximized: true }, [laptop])).toEqual({ bounds: { x: 460, y: 175, width: 1000, height: 700 }, maximized: true });
  });
});

describe('parseWindowState / captureWindowState', () => {
  it('reads a saved state and refuses junk', () => {
    expect(parseWindowState({ bounds: { x: 1.4, y: 2, width: 1000, height: 700 }, maximized: true })).toEqual({ bounds: { x: 1, y: 2, width: 1000, height: 700 }, maximized: true });
    expect(parseWindowState({ bounds: { x: 'a', y: 2, width: 1000, height: 700 } })).toEqual({ bounds: { width: 1000, height: 700 }, maximized: false });
    for (const bad of [null, 'x', {}, { bounds: { width: -1, height: 700 } }, { bounds: { width: Infinity, height: 700 } }, { bounds: { width: 1e9, height: 700 } }]) expect(parseWindowState(bad)).toBeNull();
  });

  it('remembers the normal bounds and a maximised or full-screen window as maximised', () => {
    const b = { x: 5, y: 6, width: 1200, height: 800 };
    expect(captureWindowState(b, false)).toEqual({ bounds: b, maximized: false });
    expect(captureWindowState(b, true)).toEqual({ bounds: b, maximized: true });
    expect(captureWindowState(b, false, true).maximized).toBe(true);
  });
});

describe('desktop settings', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-desktop-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'sub', 'desktop.json');

  it('round-trips and survives a missing or damaged file', async () => {
    expect(await loadDesktopSettings(file)).toEqual({});
    const s = { libraryDir: path.join(dir, 'lib'), window: { bounds: { x: 1, y: 2, width: 1000, height: 700 }, maximized: false } };
    saveDesktopSettings(file, s);
    expect(await loadDesktopSettings(file)).toEqual(s);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['desktop.json']);
    fs.writeFileSync(file, '{"libraryDir": "relative/path", "window": {"bounds": 3}');
    expect(await loadDesktopSettings(file)).toEqual({});
    fs.writeFileSync(file, JSON.stringify({ libraryDir: 'relative/path', window: s.window }));
    expect(await loadDesktopSettings(file)).toEqual({ window: s.window });
  });

  it('opens --data, else QC_DATA_DIR, else the chosen folder, else the default (the order qc uses)', () => {
    const settings = { libraryDir: '/chosen' };
    const fallback = '/default';
    expect(resolveLibraryDir({ env: { QC_DATA_DIR: 'env-lib' }, argv: ['--data', '/x'], settings, fallback })).toEqual({ dir: path.resolve('/x'), source: '--data' });
    expect(resolveLibraryDir({ env: { QC_DATA_DIR: 'env-lib' }, argv: ['app', '--data'], settings, fallback })).toEqual({ dir: path.resolve('env-lib'), source: 'QC_DATA_DIR' });
    expect(resolveLibraryDir({ env: { QC_DATA_DIR: 'env-lib' }, argv: [], settings, fallback })).toEqual({ dir: path.resolve('env-lib'), source: 'QC_DATA_DIR' });
    expect(resolveLibraryDir({ env: {}, argv: ['app', '--data', '/x'], settings, fallback })).toEqual({ dir: path.resolve('/x'), source: '--data' });
    expect(resolveLibraryDir({ env: {}, argv: ['app', '--data=/y'], settings, fallback })).toEqual({ dir: path.resolve('/y'), source: '--data' });
    expect(resolveLibraryDir({ env: {}, argv: ['app', '--data'], settings, fallback })).toEqual({ dir: '/chosen', source: 'settings' });
    expect(resolveLibraryDir({ env: {}, argv: [], settings: {}, fallback })).toEqual({ dir: '/default', source: 'default' });
  });
});
