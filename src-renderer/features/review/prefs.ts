/**
 * The curator's culling habits that are not library data: move to the next image after B/G
 * (off until turned on in the selection bar; kept in localStorage) and whether the key help is showing. A tiny external store for React.
 */
import { useSyncExternalStore } from 'react';

const ADVANCE_KEY = 'qc.autoAdvance';

interface Prefs {
  autoAdvance: boolean;
  helpOpen: boolean;
  /** Image ids shown side by side (2–4), or null. */
  compare: number[] | null;
}

function load(): boolean {
  try {
    return globalThis.localStorage?.getItem(ADVANCE_KEY) === 'true';
  } catch {
    return false;
  }
}

let state: Prefs = { autoAdvance: load(), helpOpen: false, compare: null };
const listeners = new Set<() => void>();

export function prefs(): Prefs {
  return state;
}

export function setPrefs(patch: Partial<Prefs>): void {
  state = { ...state, ...patch };
  if (patch.autoAdvance !== undefined) {
    try {
      globalThis.localStorage?.setItem(ADVANCE_KEY, String(patch.autoAdvance));
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
