/** The large preview of the focused image with everything `images.get` knows about it. */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { isHttpUrl, type ImageDetail, type ImageSource } from '../../../src-shared/domain/library';
import { useApp, useAppStore, useClient } from '../../stores/app';
import { fmtBytes, fmtDate, fmtP, fmtPAt, fmtT } from '../../components/format';
import { formatSignals, imageLabel } from '../../components/signals';
import { countOf } from '../../../src-shared/domain/words';
import { PreviewIssueWhy } from '../issues/issueWhyLine';

/** How far one arrow key pans the original at 1:1, in CSS pixels. */
const PAN_STEP = 40;
const PAN: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

/**
 * The preview picture, a toggle button: a click, Enter or Space shows the original at 1:1 (pan by
 * scrolling, dragging or the arrow keys), another fits it again.
 */
/**
 * Formats of originals a browser cannot show (Chromium decodes neither TIFF nor a HEIF container):
 * their 1:1 view is the preview at its own size (≤1024 px), said so, not a broken picture said to be
 * "missing or cannot be read" (hostile audit 2, M3).
 */
const NOT_SHOWN_BY_BROWSERS = new Set(['tiff', 'heif']);

/**
 * `name`: the image as its tile and the exports name it (imageLabel: "EOL 9000561", else "#301");
 * `format`: its original's, once the detail has loaded.
 */
function ZoomableImage({ imageId, name, format }: { imageId: number; name: string; format?: string }) {
  const client = useClient();
  const [zoom, setZoom] = useState(false);
  const [shown, setShown] = useState(imageId);
  // The picture that could not be loaded (its file missing or unreadable), by its address.
  const [failed, setFailed] = useState<string | null>(null);
  if (shown !== imageId) {
    setShown(imageId);
    setZoom(false);
    setFailed(null);
  }
  const previewAtOwnSize = format !== undefined && NOT_SHOWN_BY_BROWSERS.has(format);
  const src = client.fileUrl(zoom && !previewAtOwnSize ? 'original' : 'preview', imageId);
  const drag = useRef<{ x: number; y: number; left: number; top: number } | null>(null);
  return (
    <>
      <div
        className={`preview__img${zoom ? ' preview__img--zoom' : ''}`}
        data-testid="preview-image"
        data-zoom={zoom ? '1:1' : 'fit'}
        role="button"
        tabIndex={0}
        aria-pressed={zoom}
        aria-label={`${name} at original size (1:1)`}
        title={zoom ? 'Original at 1:1: drag, scroll or use the arrow keys to pan; click, Enter or Space to fit' : 'Click, Enter or Space for the original at 1:1'}
        onKeyDown={(e) => {
          // Its own keys, kept from the gallery's (Enter there opens a preview, arrows move the focus).
          if (e.key === 'Enter' || e.key === ' ') setZoom((z) => !z);
          else if (zoom && PAN[e.key]) {
            const [dx, dy] = PAN[e.key]!;
            e.currentTarget.scrollLeft += dx * PAN_STEP;
            e.currentTarget.scrollTop += dy * PAN_STEP;
          } else return;
          e.preventDefault();
          e.stopPropagation();
        }}
        onPointerDown={(e) => {
          if (!zoom) return;
          const el = e.currentTarget;
          drag.current = { x: e.clientX, y: e.clientY, left: el.scrollLeft, top: el.scrollTop };
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (!d) return;
          e.currentTarget.scrollLeft = d.left - (e.clientX - d.x);
          e.currentTarget.scrollTop = d.top - (e.clientY - d.y);
        }}
        onPointerUp={(e) => {
          const d = drag.current;
          drag.current = null;
          // A click (no drag) toggles between fit and 1:1.
          if (!d || (Math.abs(e.clientX - d.x) < 4 && Math.abs(e.clientY - d.y) < 4)) setZoom((z) => !z);
        }}
      >
        <img key={`${imageId}-${zoom}`} src={src} alt={name} draggable={false} onError={() => setFailed(src)} />
      </div>
      {zoom && previewAtOwnSize && (
        <p className="muted small" role="status" data-testid="preview-zoom-preview">
          A browser cannot show a {format!.toUpperCase()} original: this is its preview at its own size (at most 1,024 px a side); the original is kept in the library as it came.
        </p>
      )}
      {failed === src && (
        <p className="error small" role="status" data-testid="preview-image-failed">
          {zoom ? 'The original' : 'The picture'} could not be shown: its file in the library is missing or cannot be read. Its details below still hold.
        </p>
      )}
    </>
  );
}

/** Ancestry is JSON from EOL: a list of names or of taxon objects; shown as `A › B › C`. */
export function formatAncestry(raw: string | null): string | null {
  if (!raw) return null;
  try {
    const v: unknown = JSON.parse(raw);
    const name = (x: unknown): string | null => {
      if (typeof x === 'string') return x;
      if (x && typeof x === 'object') {
        const o = x as Record<string, unknown>;
        for (const k of ['scientificName', 'canonicalName', 'name', 'canonical_form', 'taxon', 'title']) if (typeof o[k] === 'string') return o[k] as string;
      }
      return null;
    };
    if (Array.isArray(v)) {
      const names = v.map(name).filter((s): s is string => !!s);
      if (names.length) return names.join(' › ');
    }
    if (v && typeof v === 'object') {
      const names = Object.values(v as Record<string, unknown>).map(name).filter((s): s is string => !!s);
      if (names.length) return names.join(' › ');
    }
    return raw;
  } catch {
    return raw;
  }
}

function Sources({ sources }: { sources: ImageSource[] }) {
  if (!sources.length) return <p className="muted">No source rows.</p>;
  return (
    <ul className="preview__sources">
      {sources.map((s, i) => {
        const ancestry = formatAncestry(s.ancestry);
        const web = isHttpUrl(s.url);
        return (
          <li key={i}>
            {web ? (
              <a href={s.url} target="_blank" rel="noreferrer noopener" className="preview__url">
                {s.url}
              </a>
            ) : (
              <span className="preview__url">{s.url}</span>
            )}
            <div className="muted small">
              {s.kind}
              {s.eol_id ? ` · EOL ${s.eol_id}` : ''} · {s.origin}:{s.line}
            </div>
            {ancestry && <div className="preview__ancestry small">{ancestry}</div>}
          </li>
        );
      })}
    </ul>
  );
}

/**
 * Whether a folder import put the image in a folder that labels it so: the seed layout's `agg/bad`,
 * `agg/good`, or a top-level `Bad/`, `Good/` (stored as `bad`, `good`).
 */
function labelledByFolder(d: ImageDetail): boolean {
  return d.label !== null && d.sources.some((s) => s.kind === 'folder' && (s.raw.folder === d.label || s.raw.folder === `agg/${d.label}`));
}

/**
 * Where the label comes from, in words: an unlabelled image's origin says whether the import gave it
 * none (its ratings between the classes, or disagreeing) or a curator removed one ("none import" read
 * as if the import had labelled it "none").
 */
export function labelSource(label: ImageDetail['label'], origin: ImageDetail['origin']): string {
  if (origin === 'curator') return label === null ? 'label removed by a curator' : 'set by a curator';
  return label === null ? 'no label from its import' : 'from its import';
}

/**
 * What a label weight rests on, in a few words (src-shared/domain/labelWeight.ts); the ratings
 * counted as the label-issue why-line counts them (rating rows: one per source row with a rating).
 */
function labelWeightWhy(d: ImageDetail, c: NonNullable<ImageDetail['label_confidence']>): string {
  if (c.basis === 'curator') return 'a curator set it';
  if (c.basis === 'confirmed') return 'confirmed by a curator';
  if (c.basis === 'exemplar') return 'an exemplar';
  if (c.basis === 'no ratings') return labelledByFolder(d) ? 'label from its folder' : 'no ratings behind it';
  const spread = c.ratingSpread !== null ? `, spread ±${c.ratingSpread.toFixed(2)}` : '';
  return `mean rating ${c.ratingMean!.toFixed(2)} from ${countOf(c.ratingCount, 'rating row')}${spread}, ${c.boundaryDistance!.toFixed(2)} from the class boundary`;
}

/**
 * The label history's rows that changed something: an import that found no label for an image it
 * brought in records "none → none (import)", which changed nothing (a row whose origin changed, such
 * as a curator's removal given back to the import, stays).
 */
export function labelChanges(history: ImageDetail['history']): ImageDetail['history'] {
  return history.filter((h) => !(h.old_label === h.new_label && (h.old_origin === null || h.old_origin === h.new_origin)));
}

function Details({ d }: { d: ImageDetail }) {
  const store = useAppStore();
  const history = labelChanges(d.history);
  const view = useApp((s) => s.preview.view);
  // The threshold the tiles use (the grid's filters), so the preview's p(bad) reads as the tile's.
  const threshold = useApp((s) => (s.scoresStatus === 'ready' ? s.threshold : null));
  const noModel = useApp((s) => s.scoresStatus === 'none');
  const signals = d.signals ? formatSignals(d.signals) : [];
  // Closed: a verdict holds on the label, or the label changed since the run listed it (the
  // gallery row's issue_open, here and kept up to date by label changes and verdicts made here).
  const rowOpen = useApp((s) => {
    const it = s.itemAt(view, s.views[view].focus);
    return it?.image_id === d.image_id ? it.issue_open : undefined;
  });
  const issueClosed = d.issue_rank !== null && (rowOpen != null ? rowOpen === 0 : d.issue_open === 0 || d.issue_review != null);
  const eolId = d.sources.find((s) => s.eol_id)?.eol_id ?? null;
  return (
    <>
      <dl className="kv">
        <dt>Image</dt>
        <dd>
          <span data-testid="preview-eol-id">{imageLabel({ image_id: d.image_id, eol_id: eolId })}</span> · {d.width}×{d.height} · {d.format} · {fmtBytes(d.bytes)}
        </dd>
        <dt>p(bad)</dt>
        <dd data-testid="preview-pbad">
          {fmtPAt(d.p_bad, threshold)}
          {threshold !== null && d.p_bad !== null && Number.isFinite(d.p_bad) && (
            <span className="muted" data-testid="preview-flagged" data-flagged={d.p_bad >= threshold ? 'true' : 'false'}>
              {' '}
              ({d.p_bad >= threshold ? 'flagged' : 'not flagged'} at {fmtT(threshold)})
            </span>
          )}
          {(d.p_bad === null || !Number.isFinite(d.p_bad)) && (
            <span className="muted" data-testid="preview-unscored">
              {' '}
              ({noModel ? 'no model yet' : 'not scored by the active run'})
            </span>
          )}
        </dd>
        <dt>Label</dt>
        <dd>
          <span className={`chip chip--${d.label ?? 'none'}`} data-testid="preview-label" data-label={d.label ?? 'none'} data-origin={d.origin}>
            {d.label ?? 'none'}
          </span>{' '}
          <span className="muted" data-testid="preview-label-source">
            {labelSource(d.label, d.origin)}
          </span>
          <span className="preview__actions">
            <button type="button" className="btn btn--small btn--bad" onClick={() => void store.getState().setLabel(view, 'bad', [d.image_id])} title="B">
              Bad
            </button>
            <button type="button" className="btn btn--small btn--good" onClick={() => void store.getState().setLabel(view, 'good', [d.image_id])} title="G">
              Good
            </button>
            <button type="button" className="btn btn--small" onClick={() => void store.getState().setLabel(view, null, [d.image_id])} title="U">
              Unlabel
            </button>
          </span>
        </dd>
        <dt>Rating</dt>
        <dd>
          {d.rating === null ? '–' : d.rating.toFixed(2)} {d.rating_class !== null && <span className="muted">(class {d.rating_class})</span>}
          {d.exemplar && <span className="chip chip--good">exemplar</span>}
        </dd>
        {d.label_confidence && (
          <>
            <dt>Label weight</dt>
            <dd data-testid="preview-label-weight" data-value={d.label_confidence.weight.toFixed(3)}>
              {d.label_confidence.weight.toFixed(2)} <span className="muted">({labelWeightWhy(d, d.label_confidence)})</span>
            </dd>
          </>
        )}
        {d.issue_rank !== null && (
          <>
            <dt>Label issue</dt>
            <dd data-testid="preview-issue" data-open={issueClosed ? 'false' : 'true'}>
              rank #{d.issue_rank}
              {issueClosed && (
                <span className="muted" data-testid="preview-issue-closed">
                  {' '}
                  (closed: {d.issue_review ? `${d.issue_review} by a curator` : 'relabelled since the run listed it'})
                </span>
              )}
              {!issueClosed && Boolean(d.issue_beyond_estimate) && (
                <span className="muted" data-testid="preview-issue-beyond">
                  {' '}
                  · beyond the estimate of wrong labels (the model still disagrees, less surely)
                </span>
              )}
              {/* Why it is suspected, with the issue's own p(bad), which is not the run's p(bad) above. */}
              {!issueClosed && <PreviewIssueWhy imageId={d.image_id} rank={d.issue_rank} p={d.p_bad} threshold={threshold} />}

            </dd>
          </>
        )}
      </dl>
      <h4>Quality</h4>
      {d.reasons.length ? (
        <div className="chips" data-testid="preview-reasons">
          {d.reasons.map((r) => (
            <span key={r} className="chip chip--bad">
              {r}
            </span>
          ))}
        </div>
      ) : (
        <p className="muted small">No quality problem detected by the signals.</p>
      )}
      {d.attribution && d.attribution.parts.length > 0 && <WhyThisScore attribution={d.attribution} shown={fmtPAt(d.p_bad, threshold)} />}
      {signals.length > 0 && (
        <table className="table table--compact">
          <tbody>
            {signals.map((s) => (
              <tr key={s.key} title={s.hint}>
                <th scope="row">{s.name}</th>
                <td className="num" data-testid={`signal-${s.key}`}>
                  {s.value}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h4>Sources</h4>
      <Sources sources={d.sources} />
      <h4>Label history</h4>
      {history.length ? (
        <table className="table table--compact" data-testid="preview-history">
          <thead>
            <tr>
              <th>when</th>
              <th>by</th>
              <th>change</th>
            </tr>
          </thead>
          <tbody>
            {history.map((h, i) => (
              <tr key={i}>
                <td>{fmtDate(h.created_at)}</td>
                <td>{h.actor}</td>
                <td>
                  {h.old_label ?? 'none'} → {h.new_label ?? 'none'} <span className="muted">({h.new_origin})</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted small">No changes.</p>
      )}
    </>
  );
}

/** The stacked layout (app.css): the preview below the gallery, in narrow windows or at 150–200% zoom. */
export const STACKED_LAYOUT = '(max-width: 760px)';

export function PreviewPane() {
  const store = useAppStore();
  const preview = useApp((s) => s.preview);
  // Closed by its × or by Escape inside it, the preview takes the focus away with it: it goes to
  // the gallery it previewed (a focus elsewhere stays where it is).
  const { open, view } = preview;
  useLayoutEffect(() => {
    if (!open) return;
    return () => {
      const now = document.activeElement;
      if (now === null || now === document.body) document.querySelector<HTMLElement>(`.gallery[data-view="${view}"]`)?.focus({ preventScroll: true });
    };
  }, [open, view]);
  // Stacked below the gallery, a preview opened by Enter can be off screen: scroll it into view.
  const asideRef = useRef<HTMLElement>(null);
  useEffect(() => {
    if (open && globalThis.matchMedia?.(STACKED_LAYOUT).matches) asideRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, [open]);
  // The focused tile's EOL id, for the picture's name before its details come.
  const rowEolId = useApp((s) => {
    const it = s.itemAt(s.preview.view, s.views[s.preview.view].focus);
    return it && it.image_id === s.preview.imageId ? (it.eol_id ?? null) : null;
  });
  if (!preview.open) return null;
  const { detail, imageId } = preview;
  const detailEolId = detail && detail.image_id === imageId ? (detail.sources.find((x) => x.eol_id)?.eol_id ?? null) : null;
  return (
    <aside ref={asideRef} className="preview" data-testid="preview" data-image-id={imageId ?? ''} aria-label="Preview">
      <div className="preview__bar">
        {/* The preview's heading (its parts are h4 below it, under the screen's h2). */}
        <h3 className="preview__title" data-testid="preview-title">
          {imageId === null
            ? 'Nothing focused'
            : detail && detail.image_id === imageId
              ? imageLabel({ image_id: imageId, eol_id: detail.sources.find((x) => x.eol_id)?.eol_id ?? null })
              : `Image #${imageId}`}
        </h3>
        {preview.loading && <span className="muted small">loading…</span>}
        <button type="button" className="btn btn--ghost btn--small" onClick={() => store.getState().closePreview()} data-testid="preview-close" title="Close (Escape)">
          ×
        </button>
      </div>
      <div className="preview__body">
        {imageId !== null && (
          <ZoomableImage imageId={imageId} name={imageLabel({ image_id: imageId, eol_id: detailEolId ?? rowEolId })} format={detail && detail.image_id === imageId ? detail.format : undefined} />
        )}
        {preview.error && <p className="error">{preview.error}</p>}
        {detail && detail.image_id === imageId && <Details d={detail} />}
      </div>
    </aside>
  );
}

/**
 * The active run's per-image attribution: which groups of features pushed p(bad) up or down. It
 * explains the run's final model; when the p(bad) shown above is another score (out of fold for a
 * train or validation image: core/ml/scoreAttribution.ts), it says so and names both, so the "why"
 * never reads as the reason for a score it does not explain. `shown`: the p(bad) above, as printed there.
 */
function WhyThisScore({ attribution, shown }: { attribution: NonNullable<ImageDetail['attribution']>; shown: string }) {
  const strong = attribution.parts.filter((p) => Math.abs(p.logit) >= 0.1);
  const words = (name: string) => name.replace(/_/g, ' ');
  const from = attribution.shown_score === 'out_of_fold' ? 'is out of fold (the mean of fold models trained without this image, which the run does not keep)' : 'was stored from elsewhere (imported tags)';
  return (
    <div data-testid="preview-attribution" data-shown-score={attribution.shown_score}>
      <p className="small" data-testid="preview-attribution-what">
        {attribution.shown_score === 'final_model'
          ? `Why p(bad) ${shown}: with each part set to a typical good image's values, the score moves by`
          : `Why the run's final model scores it ${fmtP(attribution.p_bad)}: the p(bad) above (${shown}), which the threshold and the tags use, ${from}, so it is not the score these parts explain. With each part set to a typical good image's values, the final model's score moves by`}
      </p>
      {strong.length ? (
        <table className="table table--compact">
          <tbody>
            {strong.map((p) => (
              <tr key={p.name} data-testid={`attribution-${p.name}`}>
                <th scope="row">{words(p.name)}</th>
                <td className="num">{p.logit > 0 ? `+${p.logit.toFixed(2)} towards bad` : `${p.logit.toFixed(2)} towards good`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted small">No single part moves it much (all under 0.1 in log-odds).</p>
      )}
    </div>
  );
}
