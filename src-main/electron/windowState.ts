/**
 * The window's size, position and maximised state, remembered between runs. Pure: the shell
 * passes in the displays (`screen.getAllDisplays()` work areas) and the saved state, and gets
 * back bounds that are on a display that exists now: a window saved on a monitor that is gone,
 * or partly off-screen, is moved (and if need be shrunk) onto the display it overlaps most, or
 * the primary one.
 */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  /** The normal (not maximised) bounds; x/y absent: let the OS place it. */
  bounds: { x?: number; y?: number; width: number; height: number };
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1440, height: 900 } as const;
export const MIN_SIZE = { width: 900, height: 600 } as const;
/** How much of the title bar must be on a display for the window to count as reachable. */
const MIN_VISIBLE = 100;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 1e6;

/** A saved state from untrusted JSON (a file a user may have edited), or null when it is not one. */
export function parseWindowState(data: unknown): WindowState | null {
  if (!data || typeof data !== 'object') return null;
  const d = data as { bounds?: Record<string, unknown>; maximized?: unknown };
  const b = d.bounds;
  if (!b || typeof b !== 'object' || !isInt(b.width) || !isInt(b.height) || b.width <= 0 || b.height <= 0) return null;
  const hasPos = isInt(b.x) && isInt(b.y);
  return {
    bounds: { ...(hasPos && { x: Math.round(b.x as number), y: Math.round(b.y as number) }), width: Math.round(b.width), height: Math.round(b.height) },
    maximized: d.maximized === true,
  };
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Whether enough of the window's top strip (where the title bar is) lies on `area` to grab it. */
function titleBarReachable(win: Rect, area: Rect): boolean {
  const bar = { x: win.x, y: win.y, width: win.width, height: 32 };
  const w = Math.min(bar.x + bar.width, area.x + area.width) - Math.max(bar.x, area.x);
  return w >= Math.min(MIN_VISIBLE, win.width) && win.y >= area.y && win.y < area.y + area.height - 32;
}

const clampSize = (want: number, min: number, max: number) => Math.max(Math.min(want, max), Math.min(min, max));

/**
 * The bounds to open the window with. `displays` are work areas (primary first). Without a saved
 * state: the default size, centred on the primary display (and never larger than it).
 */
export function restoreWindowState(saved: WindowState | null, displays: readonly Rect[]): WindowState & { bounds: Rect } {
  const primary = displays[0] ?? { x: 0, y: 0, width: DEFAULT_SIZE.width, height: DEFAULT_SIZE.height };
  const centreOn = (area: Rect, width: number, height: number): Rect => {
    const w = clampSize(width, MIN_SIZE.width, area.width);
    const h = clampSize(height, MIN_SIZE.height, area.height);
    return { x: area.x + Math.round((area.width - w) / 2), y: area.y + Math.round((area.height - h) / 2), width: w, height: h };
  };
  if (!saved) return { bounds: centreOn(primary, DEFAULT_SIZE.width, DEFAULT_SIZE.height), maximized: false };

  const { width, height } = saved.bounds;
  if (saved.bounds.x === undefined || saved.bounds.y === undefined) return { bounds: centreOn(primary, width, height), maximized: saved.maximized };
  const win: Rect = { x: saved.bounds.x, y: saved.bounds.y, width, height };

  // The display the window overlaps most (else the primary one).
  let area = primary;
  let best = 0;
  for (const d of displays) {
    const o = overlap(win, d);
    if (o > best) {
      best = o;
      area = d;
    }
  }
  if (best === 0) return { bounds: centreOn(primary, width, height), maximized: saved.maximized };

  // Keep it where it was when it fits and its title bar can be grabbed; else pull it inside that display.
  const w = clampSize(width, MIN_SIZE.width, area.width);
  const h = clampSize(height, MIN_SIZE.height, area.height);
  if (w === width && h === height && titleBarReachable(win, area) && win.x >= area.x && win.y >= area.y && win.x + w <= area.x + area.width && win.y + h <= area.y + area.height) {
    return { bounds: win, maximized: saved.maximized };
  }
  const x = Math.min(Math.max(win.x, area.x), area.x + area.width - w);
  const y = Math.min(Math.max(win.y, area.y), area.y + area.height - h);
  return { bounds: { x, y, width: w, height: h }, maximized: saved.maximized };
}

/**
 * What to remember when the window closes or moves: its normal bounds (while maximised or
 * full-screen, `getNormalBounds()`, so un-maximising next time returns to them) and whether it was
 * maximised. A minimised window is remembered as it was before.
 */
export function captureWindowState(normalBounds: Rect, maximized: boolean, fullScreen = false): WindowState {
  return { bounds: { x: normalBounds.x, y: normalBounds.y, width: normalBounds.width, height: normalBounds.height }, maximized: maximized || fullScreen };
}
