import { memo, type MouseEvent } from 'react';
import type { GalleryItem } from '../../src-shared/domain/library';
import { useApp } from '../stores/app';
import { imageLabel } from './signals';
import { fmtP } from './format';

export const TILE_SIZE = 148;

interface Props {
  item: GalleryItem;
  index: number;
  src: string;
  selected: boolean;
  focused: boolean;
  onTileClick(index: number, e: MouseEvent): void;
}

/** A number as fmtP writes it (`0.999974`, `3.0e-9`, `1 − 2.0e-9`), read back. */
function readBack(text: string): number {
  return text.startsWith('1 − ') ? 1 - Number(text.slice(4)) : Number(text);
}

/**
 * p(bad) beside threshold t: fmtP's digits, or more until the text falls on p's side of t and of
 * t as fmtP shows it (beside a threshold shown as 0.999979, an unflagged 0.9999788 reads 0.9999788,
 * never 0.999979 or 1.00). Without a threshold, fmtP(p).
 */
export function fmtPAt(p: number | null, t: number | null): string {
  if (p === null || !Number.isFinite(p)) return '–';
  const plain = fmtP(p);
  if (t === null || !Number.isFinite(t)) return plain;
  const flagged = p >= t;
  const shownT = readBack(fmtP(t));
  const onSide = (text: string, against: number) => readBack(text) >= against === flagged;
  const decimals = /^\d\.(\d+)$/.exec(plain)?.[1]?.length ?? 3;
  const candidates = [plain];
  for (let d = decimals + 1; d <= 12; d++) candidates.push(p.toFixed(d));
  return candidates.find((c) => onSide(c, t) && onSide(c, shownT)) ?? candidates.find((c) => onSide(c, t)) ?? plain;
}

/** What a screen reader says for a tile: which image, its label, p(bad) and whether it is flagged. */
export function tileName(item: GalleryItem, threshold: number | null): string {
  const label = item.label ? `labelled ${item.label}${item.origin === 'curator' ? ' by a curator' : ''}` : 'not labelled';
  const p = item.p_bad;
  const parts = [imageLabel(item), label];
  if (p === null || !Number.isFinite(p)) parts.push('no p(bad)');
  else if (threshold === null) parts.push(`p(bad) ${fmtP(p)}`);
  else parts.push(`p(bad) ${fmtPAt(p, threshold)}`, p >= threshold ? `flagged bad at ${fmtP(threshold)}` : `not flagged at ${fmtP(threshold)}`);
  if (item.issue_rank !== null) parts.push(`label issue ${item.issue_rank}${item.issue_beyond_estimate ? ' (beyond the estimate)' : ''}`);
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
      title={`${imageLabel(item)} · p(bad) ${fmtPAt(p, threshold)}${threshold === null ? '' : flagged ? ' (flagged)' : ' (not flagged)'} · ${label}${item.origin === 'curator' ? ' (curator)' : ''}${item.issue_rank !== null ? ` · issue #${item.issue_rank}${item.issue_beyond_estimate ? ' (beyond the estimate)' : ''}` : ''}`}
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
        {item.issue_rank !== null && (
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
