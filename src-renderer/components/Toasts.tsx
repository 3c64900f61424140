import { useApp, useAppStore } from '../stores/app';

export function Toasts() {
  const toasts = useApp((s) => s.toasts);
  const store = useAppStore();
  return (
    // A landmark of its own (each toast is a live region itself: an error an alert, the rest a
    // status; no live region around them, which made screen readers announce some twice). While
    // the pointer is over it or the focus in it, no toast expires (holdToasts).
    <section
      className="toasts"
      aria-label="Notifications"
      onPointerEnter={() => store.getState().holdToasts(true)}
      onPointerLeave={() => store.getState().holdToasts(false)}
      onFocus={() => store.getState().holdToasts(true)}
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) store.getState().holdToasts(false);
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
          <button type="button" className="toast__close" onClick={() => store.getState().dismissToast(t.id)} aria-label="Dismiss">
            ×
          </button>
        </div>
      ))}
    </section>
  );
}
