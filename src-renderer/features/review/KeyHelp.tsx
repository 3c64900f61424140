/** `?`: every gallery key in one overlay (Escape or `?` closes it). */
import { KEY_HELP, setPrefs, usePrefs } from './prefs';

export function KeyHelp() {
  const { helpOpen } = usePrefs();
  if (!helpOpen) return null;
  return (
    <div className="overlay" role="dialog" aria-label="Keyboard shortcuts" data-testid="key-help" onClick={() => setPrefs({ helpOpen: false })}>
      <div className="overlay__card" onClick={(e) => e.stopPropagation()}>
        <h3>Keys</h3>
        <table className="table table--compact">
          <tbody>
            {KEY_HELP.map(([k, what]) => (
              <tr key={k}>
                <td>
                  <kbd>{k}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="button" className="btn btn--small" onClick={() => setPrefs({ helpOpen: false })}>
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
