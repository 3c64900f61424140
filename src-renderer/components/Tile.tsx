import { memo, type MouseEvent } from 'react';
import type { GalleryItem } from '../../src-shared/domain/library';
import { useApp } from '../stores/app';
import { imageLabel } from './signals';
import { fmtP, fmtPAt, fmtT } from './format';

/** The tiles' p(bad) beside the threshold; the preview and compare view print it the same way. */
export { fmtPAt };

export const TILE_SIZE = 148;

interface Props {
  item: GalleryItem;
  index: number;
  src: string;
  selected: boolean;
  focused: boolean;
  onTileClick(index: number, e: MouseEvent): void;
}

/** A tile's label issue in words: `#rank`, beyond the estimate or closed (relabelled, confirmed or dismissed since the run listed it). */
function issueWords(item: GalleryItem): string {
  return `#${item.issue_rank}${item.issue_open === 0 ? ' (closed)' : item.issue_beyond_estimate ? ' (beyond the estimate)' : ''}`;
}

/** What a screen reader says for a tile: which image, its label, p(bad) and whether it is flagged. */
export function tileName(item: GalleryItem, threshold: number | null): string {
  const label = item.label ? `labelled ${item.label}${item.origin === 'curator' ? ' by a curator' : ''}` : item.origin === 'curator' ? 'label removed by a curator' : 'not labelled';
  const p = item.p_bad;
  const parts = [imageLabel(item), label];
  if (p === null || !Number.isFinite(p)) parts.push('no p(bad)');
  else if (threshold === null) parts.push(`p(bad) ${fmtP(p)}`);
  else parts.push(`p(bad) ${fmtPAt(p, threshold)}`, p >= threshold ? `flagged bad at ${fmtT(threshold)}` : `not flagged at ${fmtT(threshold)}`);
  if (item.issue_rank !== null) parts.push(`label issue ${issueWords(item)}`);
  return parts.join(', ');
}

/**
 * One thumbnail: the picture (fixed size, lazy, by URL), p(bad) as a small bar and as a number with
 * enough digits to tell it from the threshold (fmtPAt), the label as the border colour (bad red,
 * good green, none grey) and a mark (✗ / ✓), a marker when a curator set it, and an accessible name
 * that says all of it, flagged or not included (tileName).
 */
export const Tile = memo(function Tile({ item, index, src, selected, focused, onTileClick }: Props) {
  const label = item.label ?? 'none';
  const p = item.p_bad;
  // The threshold the grid's predicted/outcome filters use (null until the active run's scores load).
  const threshold = useApp((s) => (s.scoresStatus === 'ready' ? s.threshold : null));
  const flagged = p !== null && threshold !== null && p >= threshold;
  const cls = `tile tile--${label}${selected ? ' tile--selected' : ''}${focused ? ' tile--focused' : ''}`;
  return (
    <div
      id={`tile-${item.image_id}`}
      className={cls}
      role="gridcell"
      aria-selected={selected}
      aria-label={tileName(item, threshold)}
      data-testid={`tile-${item.image_id}`}
      data-index={index}
      data-label={label}
      data-origin={item.origin}
      data-pbad={p === null ? '' : String(p)}
      data-flagged={flagged ? 'true' : 'false'}
      data-selected={selected ? 'true' : 'false'}
      data-focused={focused ? 'true' : 'false'}
      data-eol-id={item.eol_id ?? ''}
      title={`${imageLabel(item)} · p(bad) ${fmtPAt(p, threshold)}${threshold === null ? '' : flagged ? ' (flagged)' : ' (not flagged)'} · ${label}${item.origin === 'curator' ? ' (curator)' : ''}${item.issue_rank !== null ? ` · issue ${issueWords(item)}` : ''}`}
      onClick={(e) => onTileClick(index, e)}
    >
      <div className="tile__img">
        <img src={src} loading="lazy" decoding="async" width={TILE_SIZE} height={TILE_SIZE} alt="" draggable={false} />
      </div>
      <div className="tile__meta">
        <div className="tile__bar" aria-hidden="true">
          {p !== null && <div className="tile__barfill" style={{ width: `${(p * 100).toFixed(1)}%` }} />}
        </div>
        <span className="tile__p" data-testid="tile-p">
          {fmtPAt(p, threshold)}
        </span>
        {item.label && (
          <span className={`tile__mark tile__mark--${item.label}`} aria-hidden="true">
            {item.label === 'bad' ? '✗' : '✓'}
          </span>
        )}
        {/* A closed issue shows no rank: it has left Label issues (the tooltip still names it). */}
        {item.issue_rank !== null && item.issue_open !== 0 && (
          <span className={item.issue_beyond_estimate ? 'tile__rank tile__rank--beyond' : 'tile__rank'} data-testid="tile-rank" data-beyond={item.issue_beyond_estimate ? 'true' : 'false'}>
            #{item.issue_rank}
          </span>
        )}
        {item.origin === 'curator' && (
          <span className="tile__curator" title="label set by a curator" data-testid="curator-marker">
            C
          </span>
        )}
      </div>
    </div>
  );
});
