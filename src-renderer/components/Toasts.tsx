import { useEffect, useLayoutEffect, useRef, type RefObject } from 'react';
import { useApp, useAppStore } from '../stores/app';
import { focusLost, focusScreenHeading } from '../features/train/focus';

/**
 * Where focus goes when the toast that had it goes (its × or action pressed, or pushed out by a newer
 * one): back to where it came from when that is still there, else the shown screen's gallery, else its
 * heading. The browser would leave it on <body>: the next Tab starts over and a screen reader says nothing.
 */
function returnFocus(from: HTMLElement | null): void {
  if (from && from.isConnected && !(from as Partial<HTMLButtonElement>).disabled && from !== document.body) {
    from.focus();
    if (!focusLost()) return;
  }
  const gallery = document.querySelector<HTMLElement>('main [data-testid="gallery"]');
  if (gallery) gallery.focus();
  else focusScreenHeading();
}

/** The toasts' bottom offset and the room kept above them (styles/app.css .toasts). */
const TOASTS_BOTTOM_PX = 14;
const TOASTS_GAP_PX = 8;

/**
 * The height the toasts take at the bottom of the window, as `--toasts-space` on the page (0px with
 * none): a scrolling screen adds it below its content and to its scroll padding, so its last
 * buttons (Export's, at the bottom right) can be scrolled out from under a toast, and a control
 * the focus scrolls to is not left under one.
 */
function useToastsSpace(ref: RefObject<HTMLElement | null>, count: number) {
  useLayoutEffect(() => {
    const el = ref.current;
    const root = document.documentElement;
    if (!el) return;
    const measure = () => {
      const h = count ? el.getBoundingClientRect().height : 0;
      root.style.setProperty('--toasts-space', h > 0 ? `${Math.ceil(h) + TOASTS_BOTTOM_PX + TOASTS_GAP_PX}px` : '0px');
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref, count]);
  useEffect(
    () => () => {
      document.documentElement.style.removeProperty('--toasts-space');
    },
    [],
  );
}

export function Toasts() {
  const toasts = useApp((s) => s.toasts);
  const store = useAppStore();
  const sectionRef = useRef<HTMLElement>(null);
  /** Whether the focus is in a toast, and what had it before. */
  const focusIn = useRef(false);
  const cameFrom = useRef<HTMLElement | null>(null);
  const pointerIn = useRef(false);
  useToastsSpace(sectionRef, toasts.length);
  useLayoutEffect(() => {
    if (!focusIn.current || sectionRef.current?.contains(document.activeElement)) return;
    // The focused toast was removed: no blur came (the browser sends none for a removed element), so
    // the toasts are released here, and the focus put back.
    focusIn.current = false;
    if (!pointerIn.current) store.getState().holdToasts(false);
    if (focusLost()) returnFocus(cameFrom.current);
  }, [toasts, store]);
  return (
    // A landmark of its own (each toast is a live region itself: an error an alert, the rest a
    // status; no live region around them, which made screen readers announce some twice). While
    // the pointer is over it or the focus in it, no toast expires (holdToasts).
    <section
      ref={sectionRef}
      className="toasts"
      aria-label="Notifications"
      onPointerEnter={() => {
        pointerIn.current = true;
        store.getState().holdToasts(true);
      }}
      onPointerLeave={() => {
        pointerIn.current = false;
        if (!focusIn.current) store.getState().holdToasts(false);
      }}
      onFocus={(e) => {
        if (!focusIn.current) cameFrom.current = e.relatedTarget instanceof HTMLElement && !e.currentTarget.contains(e.relatedTarget) ? e.relatedTarget : null;
        focusIn.current = true;
        store.getState().holdToasts(true);
      }}
      onBlur={(e) => {
        if (e.currentTarget.contains(e.relatedTarget as Node | null)) return;
        focusIn.current = false;
        if (!pointerIn.current) store.getState().holdToasts(false);
      }}
    >
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast--${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'} data-testid="toast" data-kind={t.kind}>
          <span className="toast__text" data-testid="toast-text">
            {t.text}
          </span>
          {t.action && (
            <button
              type="button"
              className="btn btn--small toast__action"
              data-testid="toast-action"
              onClick={() => {
                store.getState().dismissToast(t.id);
                t.action!.run();
              }}
            >
              {t.action.label}
            </button>
          )}
          {/* Named apart from the buttons of the screens (Label issues' Dismiss changes data). */}
          <button type="button" className="toast__close" onClick={() => store.getState().dismissToast(t.id)} aria-label="Close notification" title="Close notification">
            ×
          </button>
        </div>
      ))}
    </section>
  );
}
