/**
 * Keyboard control of a gallery: arrows move the focus (up/down by a row, shift extends the
 * selection), B bad, G good, U unlabel, Z undo, Enter/Space open the preview, Escape closes it.
 */
import { useEffect } from 'react';
import { useAppStore, type AppStore } from '../../stores/app';
import { prefs, setPrefs } from './prefs';
import type { ViewKey } from '../../stores/review';

/** The input types that take no typed text: a key pressed on one may be the gallery's. */
const NOT_TEXT_INPUTS = new Set(['checkbox', 'radio', 'range', 'button', 'submit', 'reset', 'file', 'color', 'image', 'hidden']);

/** The keys a range input (the threshold slider) moves its value with: those stay with it. */
const RANGE_KEYS = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'PageUp', 'PageDown', 'Home', 'End']);

/**
 * Whether the key belongs to the control it was pressed in: any key in a text entry (a text-like
 * input, a textarea, a select, an editable element), a moving key on a range input. A checkbox, the
 * slider or a button leaves B, G, U, Z, Escape and the rest to the gallery.
 */
function keptByControl(target: EventTarget | null, key: string): boolean {
  const el = target as HTMLElement | null;
  if (!el || typeof el.closest !== 'function') return false;
  if (el.closest('textarea, select, [contenteditable="true"], [contenteditable=""], [contenteditable="plaintext-only"]') !== null) return true;
  const input = el.closest('input');
  if (!input) return false;
  const type = input.type; // lower case; 'text' for a missing or unknown type
  if (type === 'range') return RANGE_KEYS.has(key);
  return !NOT_TEXT_INPUTS.has(type);
}

/** Whether Enter or Space activates the focused element itself (a button, a link, a checkbox). */
function isActivatable(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && typeof el.closest === 'function' && el.closest('button, a[href], summary, input[type="checkbox"], input[type="radio"]') !== null;
}

/** What the handler reads of a keydown: React's and the DOM's events both fit. */
export interface KeyLike {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** Sent again by the keyboard's auto-repeat while the key is held (absent: a plain press). */
  repeat?: boolean;
  target: EventTarget | null;
  defaultPrevented: boolean;
  preventDefault(): void;
}

/** Handle a keydown for `view`; returns whether it was used (and then prevents the default). */
export function handleGalleryKey(e: KeyLike, store: AppStore, view: ViewKey): boolean {
  if (e.defaultPrevented || keptByControl(e.target, e.key)) return false;
  const s = store.getState();
  const v = s.views[view];
  const { cols, rows } = s.layout[view];
  const mod = e.ctrlKey || e.metaKey;
  const move = (to: number) => s.focusIndex(view, to, { extend: e.shiftKey });
  // After B/G/U on one image, go to the next (a culling habit; toggled in the selection bar).
  const label = (value: 'bad' | 'good' | null) => {
    const single = v.selection.size <= 1;
    void s.setLabel(view, value);
    if (single && prefs().autoAdvance) s.focusIndex(view, v.focus + 1);
  };
  if (e.key === '?') {
    setPrefs({ helpOpen: !prefs().helpOpen });
    e.preventDefault();
    return true;
  }
  // A modal dialog is open (the key list, the comparison): the gallery behind it takes no key.
  // Escape and C close it (the key list first), Tab and Enter stay with the dialog's own controls.
  if (prefs().helpOpen || prefs().compare) {
    const closes = e.key === 'Escape' || (e.key.toLowerCase() === 'c' && !mod && !e.altKey);
    if (!closes) return false;
    if (prefs().helpOpen) setPrefs({ helpOpen: false });
    else setPrefs({ compare: null });
    e.preventDefault();
    return true;
  }
  let used = true;
  switch (e.key) {
    case 'ArrowRight':
      move(v.focus + 1);
      break;
    case 'ArrowLeft':
      move(v.focus - 1);
      break;
    case 'ArrowDown':
      move(v.focus + cols);
      break;
    case 'ArrowUp':
      move(v.focus - cols);
      break;
    case 'PageDown':
      move(v.focus + cols * Math.max(1, rows - 1));
      break;
    case 'PageUp':
      move(v.focus - cols * Math.max(1, rows - 1));
      break;
    case 'Home':
      move(0);
      break;
    case 'End':
      move((v.total ?? 1) - 1);
      break;
    case 'Enter':
    case ' ':
      if (isActivatable(e.target)) return false;
      s.openPreview(view);
      break;
    case 'Escape':
      if (s.preview.open) s.closePreview();
      else s.clearSelection(view);
      break;
    default: {
      if (e.altKey) return false;
      const k = e.key.toLowerCase();
      // A held key is one press: a held G with "next after B/G" labelled every image it ran over at
      // the key-repeat rate, most of them never seen, and a held Z undid as many. Its repeats do nothing.
      if (e.repeat && !mod && (k === 'b' || k === 'g' || k === 'u' || k === 'z')) break;
      if (k === 'z' && !e.shiftKey && !mod) void s.undo();
      else if (k === 'z' && e.shiftKey && !mod) void s.redo();
      else if (k === 'a' && mod) void s.selectRange(view, 0, Math.max(0, (v.total ?? 1) - 1));
      else if (mod) used = false;
      else if (k === 'c') {
        const ids = [...v.selection];
        if (ids.length >= 2 && ids.length <= 4) setPrefs({ compare: ids });
        else s.toast('info', 'Select 2 to 4 images (Ctrl-click or Shift+arrows), then press C to compare them side by side');
      } else if (k === 'b') label('bad');
      else if (k === 'g') label('good');
      else if (k === 'u') label(null);
      else used = false;
    }
  }
  if (used) e.preventDefault();
  return used;
}

/** Whether nothing in particular has the keyboard focus (the page itself). */
function nothingFocused(target: EventTarget | null): boolean {
  if (typeof document === 'undefined') return false;
  return target === null || target === document.body || target === document.documentElement || target === document;
}

/**
 * Whether the keyboard focus rests where no work is done: the page itself, or the sidebar of
 * screens (the button that changed screens keeps it).
 */
function focusIdle(target: EventTarget | null): boolean {
  if (nothingFocused(target)) return true;
  const el = target as Element | null;
  return !!el && typeof el.closest === 'function' && el.closest('nav') !== null;
}

/** Put the keyboard focus on `view`'s gallery (its grid then names the focused tile to a screen reader). */
export function focusGallery(view: ViewKey): void {
  if (typeof document === 'undefined') return;
  document.querySelector<HTMLElement>(`[data-testid="gallery"][data-view="${view}"]`)?.focus({ preventScroll: true });
}

/**
 * The gallery's keys work as soon as the screen shows, without clicking a tile first: when the
 * screen mounts with the focus on the page or in the sidebar (the sidebar's button, a button of the
 * screen left behind that went with it), the gallery takes the focus; keydowns that reach the window
 * while the focus rests there again go to `view`'s gallery.
 */
export function useGalleryKeys(view: ViewKey): void {
  const store = useAppStore();
  useEffect(() => {
    if (typeof document !== 'undefined' && focusIdle(document.activeElement)) focusGallery(view);
  }, [view]);
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (focusIdle(e.target)) handleGalleryKey(e, store, view);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store, view]);
}
