/**
 * The curator's culling habits that are not library data, kept in localStorage: move to the next
 * image after B/G (off until turned on in the selection bar) and whether the Review screen shows
 * the threshold's histogram and guide (until the curator chooses: on, except in a window under
 * DETAILS_MIN_WINDOW_HEIGHT, where the gallery needs their room). Plus what
 * shows now (key help, compare). A tiny external store for React.
 */
import { useSyncExternalStore } from 'react';
import { perPage } from '../../stores/perPage';

/** The kept habits and their localStorage keys. */
const KEPT = { autoAdvance: 'qc.autoAdvance', thresholdDetails: 'qc.thresholdDetails' } as const;
type Kept = keyof typeof KEPT;

interface Prefs {
  autoAdvance: boolean;
  /** The held-out histogram and the threshold's guide on the Review screen. */
  thresholdDetails: boolean;
  helpOpen: boolean;
  /** Image ids shown side by side (2–4), or null. */
  compare: number[] | null;
}

/** The curator's kept choice, or null when they have not made one. */
function kept(key: Kept): boolean | null {
  try {
    const v = globalThis.localStorage?.getItem(KEPT[key]);
    return v === 'true' ? true : v === 'false' ? false : null;
  } catch {
    return null;
  }
}

/**
 * Below this window height the threshold's details start hidden (until the curator shows them):
 * at 1024×700 they and the filters left the gallery one row of tiles (and an open preview a 240 px box).
 */
export const DETAILS_MIN_WINDOW_HEIGHT = 760;

/** The threshold's details when the curator has not chosen: shown unless the window is short. */
function detailsByHeight(): boolean {
  const h = (globalThis as { innerHeight?: number }).innerHeight;
  return typeof h !== 'number' || !(h > 0) || h >= DETAILS_MIN_WINDOW_HEIGHT;
}

interface Page {
  state: Prefs;
  listeners: Set<() => void>;
}

const page = perPage<Page>(() => {
  const p: Page = {
    state: { autoAdvance: kept('autoAdvance') ?? false, thresholdDetails: kept('thresholdDetails') ?? detailsByHeight(), helpOpen: false, compare: null },
    listeners: new Set(),
  };
  // Until the curator chooses, the details follow the window's height as it is resized.
  (globalThis as { addEventListener?: (type: string, fn: () => void) => void }).addEventListener?.('resize', () => {
    if (kept('thresholdDetails') !== null) return;
    const shown = detailsByHeight();
    if (shown === p.state.thresholdDetails) return;
    p.state = { ...p.state, thresholdDetails: shown };
    for (const fn of [...p.listeners]) fn();
  });
  return p;
});

export function prefs(): Prefs {
  return page().state;
}

export function setPrefs(patch: Partial<Prefs>): void {
  const p = page();
  p.state = { ...p.state, ...patch };
  for (const key of Object.keys(KEPT) as Kept[]) {
    if (patch[key] === undefined) continue;
    try {
      globalThis.localStorage?.setItem(KEPT[key], String(patch[key]));
    } catch {
      // Private mode: the choice lasts for this page only.
    }
  }
  for (const fn of [...p.listeners]) fn();
}

export function usePrefs(): Prefs {
  return useSyncExternalStore(
    (fn) => {
      const { listeners } = page();
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    () => page().state,
  );
}

/** Every key of the gallery, for the `?` help. */
export const KEY_HELP: readonly [string, string][] = [
  ['← → ↑ ↓', 'move (Shift extends the selection)'],
  ['PageUp / PageDown, Home / End', 'move by a screen, to the first / last image'],
  ['B / G / U', 'label bad / good / remove the label (then move to the next image, if on)'],
  ['Z', 'undo the last label change or issue verdict (Confirm/Dismiss)'],
  ['Shift+Z', 'redo what the last undo reverted'],
  ['Ctrl+A', 'select every image of the view (up to 20,000)'],
  ['Enter or Space', 'preview: signals, sources, label history; 1:1 zoom with a click'],
  ['C', 'compare the selected images side by side (2–4)'],
  ['Escape', 'close the preview / compare, else clear the selection'],
  ['?', 'show or hide this help'],
];
