/**
 * Keyboard focus after an action that removes or disables the control that ran it (Archive, Make
 * active, Train, Cancel): the browser drops focus to <body>, and the next Tab starts over from the
 * top or lands on a toast. These say when focus has nowhere meaningful left, so it can be moved.
 */

/** Focus is on <body>, on a removed or disabled element, or still on `from` (the control that acted). */
export function focusLost(from?: Element | null): boolean {
  const a = document.activeElement;
  if (!a || a === document.body || !a.isConnected) return true;
  if (from && a === from) return true;
  return (a as Partial<HTMLButtonElement>).disabled === true;
}
