import { memo, type MouseEvent } from 'react';
import type { GalleryItem } from '../../src-shared/domain/library';
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

/**
 * One thumbnail: the picture (fixed size, lazy, by URL), p(bad) as a small bar, the label as the
 * border colour (bad red, good green, none grey) and a marker when a curator set it.
 */
export const Tile = memo(function Tile({ item, index, src, selected, focused, onTileClick }: Props) {
  const label = item.label ?? 'none';
  const p = item.p_bad;
  const cls = `tile tile--${label}${selected ? ' tile--selected' : ''}${focused ? ' tile--focused' : ''}`;
  return (
    <div
      id={`tile-${item.image_id}`}
      className={cls}
      role="gridcell"
      aria-selected={selected}
      data-testid={`tile-${item.image_id}`}
      data-index={index}
      data-label={label}
      data-origin={item.origin}
      data-pbad={p === null ? '' : String(p)}
      data-selected={selected ? 'true' : 'false'}
      data-focused={focused ? 'true' : 'false'}
      data-eol-id={item.eol_id ?? ''}
      title={`${imageLabel(item)} · p(bad) ${fmtP(p)} · ${label}${item.origin === 'curator' ? ' (curator)' : ''}${item.issue_rank !== null ? ` · issue #${item.issue_rank}${item.issue_beyond_estimate ? ' (beyond the estimate)' : ''}` : ''}`}
      onClick={(e) => onTileClick(index, e)}
    >
      <div className="tile__img">
        <img src={src} loading="lazy" decoding="async" width={TILE_SIZE} height={TILE_SIZE} alt="" draggable={false} />
      </div>
      <div className="tile__meta">
        <div className="tile__bar" aria-hidden="true">
          {p !== null && <div className="tile__barfill" style={{ width: `${(p * 100).toFixed(1)}%` }} />}
        </div>
        <span className="tile__p">{p === null ? '–' : p.toFixed(2)}</span>
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
