/**
 * The error toasts about what a form holds (a field left empty, a relative path, a value the core
 * refused as an argument): they go as soon as the form is changed, instead of staying up for their
 * 12 s over a field the curator has already fixed. Other errors (a full disk, a cancel) stay.
 */
import { toQcError } from '../api/client';
import type { GetState } from './types';

export interface FormErrors {
  /** Show `text` as this form's error toast. */
  show(text: string): void;
  /** The toast `toastId` reported `e`: this form's when the core refused one of its values. */
  reported(e: unknown, toastId: number | null): void;
  /** The form changed: its error toasts go. */
  clear(): void;
}

export function formErrors(get: GetState): FormErrors {
  let ids: number[] = [];
  return {
    show(text) {
      ids.push(get().toast('error', text));
    },
    reported(e, toastId) {
      if (toastId !== null && toQcError(e).code === 'invalid_argument') ids.push(toastId);
    },
    clear() {
      if (!ids.length) return;
      for (const id of ids) get().dismissToast(id);
      ids = [];
    },
  };
}
