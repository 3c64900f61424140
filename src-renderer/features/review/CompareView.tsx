/**
 * 2–4 selected images side by side at preview size (C toggles, Escape or Close closes), with p(bad)
 * and label. A modal dialog: the focus goes to Close, stays inside and returns to the gallery.
 */
import { useApp, useClient } from '../../stores/app';
import type { ViewKey } from '../../stores/review';
import { fmtPAt } from '../../components/format';
import { imageLabel } from '../../components/signals';
import { setPrefs, usePrefs } from './prefs';
import { useModalFocus } from './KeyHelp';

export function CompareView({ view }: { view: ViewKey }) {
  const { compare } = usePrefs();
  const client = useClient();
  const items = useApp((s) => s.views[view].pages);
  const previous = useApp((s) => s.views[view].previous);
  // The tiles' threshold: p(bad) reads as on the tile (never 1.000 for an unflagged image).
  const threshold = useApp((s) => (s.scoresStatus === 'ready' ? s.threshold : null));
  const { dialogRef, closeRef, onKeyDown } = useModalFocus(compare !== null, () => setPrefs({ compare: null }), `.gallery[data-view="${view}"]`);
  if (!compare) return null;
  const byId = new Map<number, { p_bad: number | null; label: string | null; eol_id?: string | null }>();
  for (const pages of [previous, items]) for (const page of pages.values()) for (const it of page) if (compare.includes(it.image_id)) byId.set(it.image_id, it);
  const cols = compare.length <= 2 ? compare.length : 2;
  return (
    <div
      ref={dialogRef}
      className="overlay"
      role="dialog"
      aria-modal="true"
      aria-label="Compare images"
      data-testid="compare-view"
      data-ids={compare.join(',')}
      onClick={() => setPrefs({ compare: null })}
      onKeyDown={onKeyDown}
    >
      <div className="compare-view" style={{ gridTemplateColumns: `repeat(${cols}, 1fr)` }} onClick={(e) => e.stopPropagation()}>
        <div className="compare-view__bar">
          <button ref={closeRef} type="button" className="btn btn--small" onClick={() => setPrefs({ compare: null })} data-testid="compare-close" title="Close (Escape or C)">
            Close
          </button>
        </div>
        {compare.map((id) => {
          const it = byId.get(id);
          // Named as its tile is (imageLabel), so it can be matched to the tile and to the exports.
          const name = imageLabel({ image_id: id, eol_id: it?.eol_id ?? null });
          return (
            <figure key={id} className="compare-view__cell" data-testid={`compare-cell-${id}`}>
              <img src={client.fileUrl('preview', id)} alt={name} />
              <figcaption className="compare-view__cap">
                {name} · p(bad) {fmtPAt(it?.p_bad ?? null, threshold)} · {it?.label ?? 'no label'}
              </figcaption>
            </figure>
          );
        })}
      </div>
    </div>
  );
}
