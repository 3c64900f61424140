import { useApp, useAppStore } from '../stores/app';

export function Toasts() {
  const toasts = useApp((s) => s.toasts);
  const store = useAppStore();
  return (
    <div className="toasts" aria-live="polite">
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
    </div>
  );
}
