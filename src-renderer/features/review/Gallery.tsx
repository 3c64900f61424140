/**
 * The virtualised thumbnail grid. Rows of N tiles (N from the container width); the row count
 * comes from the query's total, so the scroll height is known before anything loads; only pages
 * near the viewport are fetched. Tiles are plain `<img loading="lazy">` by URL.
 */
import { elementScroll, observeElementRect, useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type MouseEvent, type RefObject } from 'react';
import { PAGE_SIZE, type ViewKey } from '../../stores/review';
import { useApp, useAppStore, useClient } from '../../stores/app';
import { Tile, TILE_SIZE } from '../../components/Tile';

export const GAP = 8;
export const TILE_W = TILE_SIZE + 6;
export const ROW_HEIGHT = TILE_SIZE + 6 + 22 + GAP;
const PAD = 10;
/** Used when the container reports no size (hidden, or a DOM without layout such as jsdom). */
const FALLBACK = { width: 1200, height: 800 };
const FETCH_DELAY_MS = 40;

export function columnsFor(width: number): number {
  return Math.max(1, Math.floor((width - 2 * PAD + GAP) / (TILE_W + GAP)));
}

const observeRectWithFallback: typeof observeElementRect = (instance, cb) =>
  observeElementRect(instance, (rect) => cb(rect.width > 0 && rect.height > 0 ? rect : FALLBACK));

/** Scroll with `scrollTo` where the DOM has it (jsdom lacks it on elements). */
const scrollElement: typeof elementScroll = (offset, options, instance) => {
  const el = instance.scrollElement;
  if (el && typeof el.scrollTo === 'function') elementScroll(offset, options, instance);
  else if (el) el.scrollTop = offset;
};

function useElementWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(FALLBACK.width);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(el.clientWidth > 0 ? el.clientWidth : FALLBACK.width);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return width;
}

interface Props {
  view: ViewKey;
  emptyText: string;
  label: string;
}

export function Gallery({ view, emptyText, label }: Props) {
  const store = useAppStore();
  const client = useClient();
  const total = useApp((s) => s.views[view].total);
  const pages = useApp((s) => s.views[view].pages);
  const selection = useApp((s) => s.views[view].selection);
  const focus = useApp((s) => s.views[view].focus);
  const version = useApp((s) => s.views[view].version);
  const loadError = useApp((s) => s.views[view].loadError);
  const scrollRef = useRef<HTMLDivElement>(null);
  const width = useElementWidth(scrollRef);
  const cols = columnsFor(width);
  const count = Math.ceil((total ?? 0) / cols);

  const virtualizer: Virtualizer<HTMLDivElement, Element> = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 3,
    paddingStart: PAD,
    paddingEnd: PAD,
    initialRect: FALLBACK,
    observeElementRect: observeRectWithFallback,
    scrollToFn: scrollElement,
  });
  const rows = virtualizer.getVirtualItems();
  const first = rows[0]?.index ?? 0;
  const last = rows[rows.length - 1]?.index ?? 0;
  const viewportRows = Math.max(1, Math.floor((scrollRef.current?.clientHeight || FALLBACK.height) / ROW_HEIGHT));
  const known = total !== null;

  useEffect(() => {
    store.getState().setLayout(view, cols, viewportRows);
  }, [store, view, cols, viewportRows]);

  // Fetch the pages for the rows in view once scrolling rests for a moment.
  useEffect(() => {
    const t = setTimeout(() => store.getState().ensureRange(view, first * cols, (last + 1) * cols - 1), FETCH_DELAY_MS);
    return () => clearTimeout(t);
  }, [store, view, first, last, cols, version, known]);

  // Keep the focused tile in view when the keyboard moves it.
  const lastFocus = useRef(focus);
  useEffect(() => {
    if (lastFocus.current === focus) return;
    lastFocus.current = focus;
    if (count > 0) virtualizer.scrollToIndex(Math.floor(focus / cols), { align: 'auto' });
  }, [focus, cols, count, virtualizer]);

  const onTileClick = useCallback(
    (index: number, e: MouseEvent) => {
      scrollRef.current?.focus({ preventScroll: true });
      void store.getState().clickTile(view, index, { shift: e.shiftKey, toggle: e.ctrlKey || e.metaKey });
    },
    [store, view],
  );

  const focusedItem = pages.get(Math.floor(focus / PAGE_SIZE))?.[focus % PAGE_SIZE];

  return (
    <div
      ref={scrollRef}
      className="gallery"
      tabIndex={0}
      role="grid"
      aria-label={label}
      aria-rowcount={count}
      aria-activedescendant={focusedItem ? `tile-${focusedItem.image_id}` : undefined}
      data-testid="gallery"
      data-view={view}
      data-total={total ?? ''}
      data-cols={cols}
    >
      {total === 0 && <div className="gallery__empty">{loadError ?? emptyText}</div>}
      {total === null && <div className="gallery__empty muted">Loading…</div>}
      <div className="gallery__inner" style={{ height: virtualizer.getTotalSize() }}>
        {rows.map((row) => {
          const tiles = [];
          for (let c = 0; c < cols; c++) {
            const i = row.index * cols + c;
            if (total === null || i >= total) break;
            const item = pages.get(Math.floor(i / PAGE_SIZE))?.[i % PAGE_SIZE];
            tiles.push(
              item ? (
                <Tile
                  key={i}
                  item={item}
                  index={i}
                  src={client.fileUrl('thumb', item.image_id)}
                  selected={selection.has(item.image_id)}
                  focused={i === focus}
                  onTileClick={onTileClick}
                />
              ) : (
                <div key={i} className={`tile tile--placeholder${i === focus ? ' tile--focused' : ''}`} data-index={i} />
              ),
            );
          }
          return (
            <div key={row.key} className="gallery__row" role="row" style={{ transform: `translateY(${row.start}px)`, height: ROW_HEIGHT - GAP }}>
              {tiles}
            </div>
          );
        })}
      </div>
    </div>
  );
}
