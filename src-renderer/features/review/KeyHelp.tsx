/** `?`: every gallery key in one overlay (Escape, `?` or C closes it). */
import { useLayoutEffect, useRef, type KeyboardEvent } from 'react';
import { KEY_HELP, setPrefs, usePrefs } from './prefs';

/** What a Tab can reach inside a dialog. */
const TABBABLE = 'button:not([disabled]), a[href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A modal overlay's keyboard focus: on open its Close button takes the focus, Tab and Shift+Tab go
 * round inside it, Escape closes it wherever the focus is inside, and on close the focus goes to the
 * gallery, whatever had it before (given back to a button, say "details", the next Enter would
 * press that button instead of previewing).
 */
export function useModalFocus(open: boolean, close: () => void, gallery = '.gallery') {
  const dialogRef = useRef<HTMLDivElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  useLayoutEffect(() => {
    if (!open) return;
    const dialog = dialogRef.current;
    closeRef.current?.focus();
    return () => {
      const now = document.activeElement;
      // Only a focus the overlay took, or lost with it: a click elsewhere keeps its own.
      if (now !== null && now !== document.body && !dialog?.contains(now)) return;
      document.querySelector<HTMLElement>(gallery)?.focus({ preventScroll: true });
    };
  }, [open, gallery]);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close();
    } else if (e.key === 'Tab') {
      const all = [...(dialogRef.current?.querySelectorAll<HTMLElement>(TABBABLE) ?? [])];
      if (!all.length) return;
      const at = all.indexOf(document.activeElement as HTMLElement);
      const to = e.shiftKey ? (at <= 0 ? all.length - 1 : at - 1) : at === -1 || at === all.length - 1 ? 0 : at + 1;
      e.preventDefault();
      all[to]!.focus();
    }
  };
  return { dialogRef, closeRef, onKeyDown };
}

export function KeyHelp() {
  const { helpOpen } = usePrefs();
  const { dialogRef, closeRef, onKeyDown } = useModalFocus(helpOpen, () => setPrefs({ helpOpen: false }));
  if (!helpOpen) return null;
  return (
    <div
      ref={dialogRef}
      className="overlay"
      role="dialog"
      aria-modal="true"
      aria-label="Keyboard shortcuts"
      data-testid="key-help"
      onClick={() => setPrefs({ helpOpen: false })}
      onKeyDown={onKeyDown}
    >
      <div className="overlay__card" onClick={(e) => e.stopPropagation()}>
        <h3>Keys</h3>
        <table className="table table--compact">
          <tbody>
            {KEY_HELP.map(([k, what]) => (
              <tr key={k}>
                <th scope="row">
                  <kbd>{k}</kbd>
                </th>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button ref={closeRef} type="button" className="btn btn--small" onClick={() => setPrefs({ helpOpen: false })}>
          Close
        </button>
      </div>
    </div>
  );
}

/** The "move to the next image after B/G" toggle. */
export function AdvanceToggle() {
  const { autoAdvance } = usePrefs();
  return (
    <label className="small muted check selbar__advance" title="After labelling one image with B, G or U, move to the next">
      <input type="checkbox" checked={autoAdvance} onChange={(e) => setPrefs({ autoAdvance: e.target.checked })} data-testid="auto-advance" /> next after B/G
    </label>
  );
}
