/**
 * Keyboard control of a gallery: arrows move the focus (up/down by a row, shift extends the
 * selection), B bad, G good, U unlabel, Z undo, Enter/Space open the preview, Escape closes it.
 */
import { useEffect } from 'react';
import { useAppStore, type AppStore } from '../../stores/app';
import type { ViewKey } from '../../stores/review';

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || typeof el.closest !== 'function') return false;
  return el.closest('input, textarea, select, [contenteditable="true"]') !== null;
}

function isActivatable(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && typeof el.closest === 'function' && el.closest('button, a[href], summary') !== null;
}

/** What the handler reads of a keydown: React's and the DOM's events both fit. */
export interface KeyLike {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  target: EventTarget | null;
  defaultPrevented: boolean;
  preventDefault(): void;
}

/** Handle a keydown for `view`; returns whether it was used (and then prevents the default). */
export function handleGalleryKey(e: KeyLike, store: AppStore, view: ViewKey): boolean {
  if (e.defaultPrevented || isTyping(e.target)) return false;
  const s = store.getState();
  const v = s.views[view];
  const { cols, rows } = s.layout[view];
  const mod = e.ctrlKey || e.metaKey;
  const move = (to: number) => s.focusIndex(view, to, { extend: e.shiftKey });
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
      if (k === 'z' && !e.shiftKey) void s.undo();
      else if (mod) used = false;
      else if (k === 'b') void s.setLabel(view, 'bad');
      else if (k === 'g') void s.setLabel(view, 'good');
      else if (k === 'u') void s.setLabel(view, null);
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
 * The gallery's keys work as soon as the screen shows, without clicking a tile first: keydowns that
 * reach the window while nothing else has the focus go to `view`'s gallery.
 */
export function useGalleryKeys(view: ViewKey): void {
  const store = useAppStore();
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (nothingFocused(e.target)) handleGalleryKey(e, store, view);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store, view]);
}
