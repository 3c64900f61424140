/**
 * Keyboard control of a gallery: arrows move the focus (up/down by a row, shift extends the
 * selection), B bad, G good, U unlabel, Z undo, Enter/Space open the preview, Escape closes it.
 */
import type { KeyboardEvent } from 'react';
import type { AppStore } from '../../stores/app';
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

/** Handle a keydown for `view`; returns whether it was used (and then prevents the default). */
export function handleGalleryKey(e: KeyboardEvent, store: AppStore, view: ViewKey): boolean {
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
