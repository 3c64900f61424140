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
  /** Show an error as a toast (a cancellation becomes a quiet note). */
  reportError(e: unknown, context?: string): void;
}

const LIFETIME_MS: Record<ToastKind, number> = { error: 12_000, info: 5_000, success: 5_000 };
const ACTION_LIFETIME_MS = 30_000;
const MAX_TOASTS = 3;

export const toastSlice: Slice<ToastSlice> = (set, get) => {
  let seq = 0;
  return {
    toasts: [],
    toast(kind, text, opts) {
      const id = ++seq;
      const action = opts?.action;
      // The same message again replaces the earlier one (no stack of identical toasts).
      set((s) => ({ toasts: [...s.toasts.filter((t) => t.kind !== kind || t.text !== text), { id, kind, text, ...(action && { action }) }].slice(-MAX_TOASTS) }));
      setTimeout(() => get().dismissToast(id), action ? ACTION_LIFETIME_MS : LIFETIME_MS[kind]);
      return id;
    },
    dismissToast(id) {
      if (!get().toasts.some((t) => t.id === id)) return;
      set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
    },
    reportError(e, context) {
      if (isCancelled(e)) {
        get().toast('info', context ? `${context}: cancelled` : 'Cancelled');
        return;
      }
      // While the connection is down every call fails the same way; the connection state says it once.
      if (get().connection !== 'open') return;
      const text = errorText(e);
      get().toast('error', context ? `${context}: ${text}` : text);
    },
  };
};
