/**
 * The curator's culling habits that are not library data, kept in localStorage: move to the next
 * image after B/G (off until turned on in the selection bar) and whether the Review screen shows
 * the threshold's histogram and guide (on until hidden: the gallery gets their room). Plus what
 * shows now (key help, compare). A tiny external store for React.
 */
import { useSyncExternalStore } from 'react';

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

function load(key: Kept, fallback: boolean): boolean {
  try {
    const v = globalThis.localStorage?.getItem(KEPT[key]);
    return v === 'true' ? true : v === 'false' ? false : fallback;
  } catch {
    return fallback;
  }
}

let state: Prefs = { autoAdvance: load('autoAdvance', false), thresholdDetails: load('thresholdDetails', true), helpOpen: false, compare: null };
const listeners = new Set<() => void>();

export function prefs(): Prefs {
  return state;
}

export function setPrefs(patch: Partial<Prefs>): void {
  state = { ...state, ...patch };
  for (const key of Object.keys(KEPT) as Kept[]) {
    if (patch[key] === undefined) continue;
    try {
      globalThis.localStorage?.setItem(KEPT[key], String(patch[key]));
    } catch {
      // Private mode: the choice lasts for this page only.
    }
  }
  for (const fn of [...listeners]) fn();
}

export function usePrefs(): Prefs {
  return useSyncExternalStore(
    (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    () => state,
  );
}

/** Every key of the gallery, for the `?` help. */
export const KEY_HELP: readonly [string, string][] = [
  ['← → ↑ ↓', 'move (Shift extends the selection)'],
  ['PageUp / PageDown, Home / End', 'move by a screen, to the first / last image'],
  ['B / G / U', 'label bad / good / remove the label (then move to the next image, if on)'],
  ['Z', 'undo the last label change'],
  ['Shift+Z', 'redo what the last undo reverted'],
  ['Ctrl+A', 'select every image of the view (up to 20,000)'],
  ['Enter or Space', 'preview: signals, sources, label history; 1:1 zoom with a click'],
  ['C', 'compare the selected images side by side (2–4)'],
  ['Escape', 'close the preview / compare, else clear the selection'],
  ['?', 'show or hide this help'],
];
