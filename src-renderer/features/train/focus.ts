/**
 * Keyboard focus after an action that removes or disables the control that ran it (Archive, Make
 * active, Train, Cancel): the browser drops focus to <body>, and the next Tab starts over from the
 * top or lands on a toast. These say when focus has nowhere meaningful left, so it can be moved.
 */
import { useLayoutEffect, useRef } from 'react';

/** Focus is on <body>, on a removed or disabled element, or still on `from` (the control that acted). */
export function focusLost(from?: Element | null): boolean {
  const a = document.activeElement;
  if (!a || a === document.body || !a.isConnected) return true;
  if (from && a === from) return true;
  return (a as Partial<HTMLButtonElement>).disabled === true;
}

/**
 * A start button that disables itself while its job runs and a Cancel that goes when it ends (Train,
 * Import): focus moves to Cancel when the job starts with focus lost or still on the start button, and
 * back to the start button when it ends, never left on <body> or on a disabled button.
 */
export function useStartCancelFocus(running: boolean) {
  const startRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const wasRunning = useRef(running);
  useLayoutEffect(() => {
    if (running === wasRunning.current) return;
    wasRunning.current = running;
    if (running && focusLost(startRef.current)) cancelRef.current?.focus();
    if (!running && focusLost(cancelRef.current)) startRef.current?.focus();
  }, [running]);
  return { startRef, cancelRef };
}

/**
 * Focus the shown screen's heading, else <main> (made focusable from script only, tabindex -1): where
 * focus goes when the control that acted has nothing better left to offer (the job bar's Cancel).
 */
export function focusScreenHeading(): void {
  const target = document.querySelector<HTMLElement>('main h1, main h2') ?? document.querySelector<HTMLElement>('main');
  if (!target) return;
  if (!target.hasAttribute('tabindex')) target.tabIndex = -1;
  target.focus();
}

/** Controls whose action is under way and will place the focus itself when it ends (RunsTable's Archive, Make active). */
const placing = new WeakSet<Element>();

/** While `action` runs, `from` places the focus itself: a guard that restores lost focus leaves it be. */
export async function placingFocus<T>(from: Element, action: () => Promise<T>): Promise<T> {
  placing.add(from);
  try {
    return await action();
  } finally {
    placing.delete(from);
  }
}

/** Whether `el`'s action is under way and will place the focus itself. */
export function placesFocus(el: Element): boolean {
  return placing.has(el);
}
