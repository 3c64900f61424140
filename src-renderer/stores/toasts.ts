/** Toasts: short messages at the corner; errors show `errorText` (file:line: message; a wrong value in words). */
import { isCancelled } from '../api/client';
import { errorText } from '../api/errorText';
import type { Slice } from './types';

export type ToastKind = 'error' | 'info' | 'success';

/** One button on a toast (e.g. carry a threshold over to the new active run); clicking it also dismisses the toast. */
export interface ToastAction {
  label: string;
  run(): void;
}

export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
  action?: ToastAction;
}

export interface ToastSlice {
  toasts: Toast[];
  /** A toast with an action stays longer (ACTION_LIFETIME_MS), so there is time to read it and choose. */
  toast(kind: ToastKind, text: string, opts?: { action?: ToastAction }): number;
  dismissToast(id: number): void;
  /**
   * While the pointer is over the toasts or the focus is in one (Toasts.tsx), none expires: each
   * keeps the time it had left and counts it down again once released (at least HELD_GRACE_MS).
   */
  holdToasts(held: boolean): void;
  /** Show an error as a toast (a cancellation becomes a quiet note); the toast's id, or null when none is shown. */
  reportError(e: unknown, context?: string): number | null;
}

const LIFETIME_MS: Record<ToastKind, number> = { error: 12_000, info: 5_000, success: 5_000 };
const ACTION_LIFETIME_MS = 30_000;
const MAX_TOASTS = 3;
/** A held toast, released, stays at least this long: time to move the pointer back or read the end. */
const HELD_GRACE_MS = 2_000;

/**
 * At most MAX_TOASTS, the newest kept: when one must go, the oldest that is not an error goes first,
 * so an unread error is not pushed out by the notes that follow it.
 */
function capped(toasts: Toast[]): Toast[] {
  const out = [...toasts];
  while (out.length > MAX_TOASTS) {
    const i = out.findIndex((t, k) => t.kind !== 'error' && k < out.length - 1);
    out.splice(i >= 0 ? i : 0, 1);
  }
  return out;
}

export const toastSlice: Slice<ToastSlice> = (set, get) => {
  let seq = 0;
  let held = false;
  /** Each shown toast's timer, or, while held, the time it has left. */
  const clocks = new Map<number, { timer: ReturnType<typeof setTimeout> | null; due: number; left: number }>();
  const start = (id: number, ms: number) => {
    clocks.set(id, { timer: held ? null : setTimeout(() => get().dismissToast(id), ms), due: Date.now() + ms, left: ms });
  };
  const forget = (id: number) => {
    const c = clocks.get(id);
    if (c?.timer) clearTimeout(c.timer);
    clocks.delete(id);
  };
  return {
    toasts: [],
    toast(kind, text, opts) {
      const id = ++seq;
      const action = opts?.action;
      // The same message again replaces the earlier one (no stack of identical toasts).
      const next = capped([...get().toasts.filter((t) => t.kind !== kind || t.text !== text), { id, kind, text, ...(action && { action }) }]);
      for (const t of get().toasts) if (!next.includes(t)) forget(t.id);
      set({ toasts: next });
      start(id, action ? ACTION_LIFETIME_MS : LIFETIME_MS[kind]);
      return id;
    },
    dismissToast(id) {
      forget(id);
      if (!get().toasts.some((t) => t.id === id)) return;
      set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
    },
    holdToasts(hold) {
      if (hold === held) return;
      held = hold;
      for (const [id, c] of clocks) {
        if (hold) {
          if (c.timer) clearTimeout(c.timer);
          clocks.set(id, { timer: null, due: c.due, left: Math.max(0, c.due - Date.now()) });
        } else start(id, Math.max(HELD_GRACE_MS, c.left));
      }
    },
    reportError(e, context) {
      if (isCancelled(e)) return get().toast('info', context ? `${context}: cancelled` : 'Cancelled');
      // While the connection is down every call fails the same way; the connection state says it once.
      if (get().connection !== 'open') return null;
      const text = errorText(e);
      return get().toast('error', context ? `${context}: ${text}` : text);
    },
  };
};
