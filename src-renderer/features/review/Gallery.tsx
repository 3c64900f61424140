/**
 * The virtualised thumbnail grid. Rows of N tiles (N from the container width); the row count
 * comes from the query's total, so the scroll height is known before anything loads; only the
 * rows in view are in the DOM and only pages near them are fetched. Past the height a browser can
 * scroll (a million images), the scroll position maps onto the rows by a factor (gridScale.ts),
 * so the last row is still reachable. Tiles are plain `<img loading="lazy">` by URL.
 *
 * Scrolling renders nothing until the rows in view change: the rendered rows sit in one window
 * element, placed relative to its first row, and each scroll event only moves that window (one
 * transform, set directly: no React render, no layout of the rows). When another row comes into
 * view React renders the new range, and the window is placed before the frame is painted.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type MouseEvent, type RefObject } from 'react';
import { gridLayout, scrollTopForRow, visibleRows, type GridLayout } from './gridScale';
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
const OVERSCAN = 3;

const rowIndices = (first: number, last: number) => Array.from({ length: Math.max(0, last - first + 1) }, (_, k) => first + k);

export function columnsFor(width: number): number {
  return Math.max(1, Math.floor((width - 2 * PAD + GAP) / (TILE_W + GAP)));
}

/** The element's client size (FALLBACK where it has no layout), kept current. */
function useElementSize(ref: RefObject<HTMLElement | null>): { width: number; height: number } {
  const [size, setSize] = useState(FALLBACK);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () =>
      setSize((old) => {
        const next = { width: el.clientWidth > 0 ? el.clientWidth : FALLBACK.width, height: el.clientHeight > 0 ? el.clientHeight : FALLBACK.height };
        return next.width === old.width && next.height === old.height ? old : next;
      });
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return size;
}

interface RowRange {
  first: number;
  last: number;
}

/**
 * The rows to render for the current scroll position, changing only when a row enters or leaves;
 * between those changes each scroll event moves `windowRef` (holding the rows) into place itself.
 */
function useRowWindow(scrollRef: RefObject<HTMLElement | null>, windowRef: RefObject<HTMLElement | null>, layout: GridLayout): RowRange {
  const layoutRef = useRef(layout);
  layoutRef.current = layout;
  const rendered = useRef<RowRange>({ first: 0, last: -1 });
  const compute = useCallback(() => {
    const v = visibleRows(layoutRef.current, scrollRef.current?.scrollTop ?? 0, OVERSCAN);
    return { v, range: { first: v.first, last: Math.max(v.first, v.last) } };
  }, [scrollRef]);
  const [range, setRange] = useState<RowRange>(() => compute().range);
  /** Put the window where its first rendered row belongs for the current scroll position. */
  const place = useCallback(() => {
    const { v } = compute();
    const w = windowRef.current;
    if (w) w.style.transform = `translateY(${v.top(rendered.current.first)}px)`;
  }, [compute, windowRef]);
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const onScroll = () => {
      const { range: next } = compute();
      const cur = rendered.current;
      if (next.first === cur.first && next.last === cur.last) place();
      else setRange((old) => (old.first === next.first && old.last === next.last ? old : next));
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, [scrollRef, compute, place]);
  // A new layout (total, width, height) can change the rows in view without a scroll.
  useLayoutEffect(() => {
    const { range: next } = compute();
    setRange((old) => (old.first === next.first && old.last === next.last ? old : next));
  }, [layout, compute]);
  // After every render of a range: place the window before the browser paints.
  useLayoutEffect(() => {
    rendered.current = range;
    place();
  });
  return range;
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
  // A refresh's old tiles, shown (and clicked) until the new pages replace them.
  const previous = useApp((s) => s.views[view].previous);
  const shownAt = (i: number) => {
    const page = Math.floor(i / PAGE_SIZE);
    return (pages.get(page) ?? previous.get(page))?.[i % PAGE_SIZE];
  };
  const selection = useApp((s) => s.views[view].selection);
  const focus = useApp((s) => s.views[view].focus);
  const version = useApp((s) => s.views[view].version);
  const loadError = useApp((s) => s.views[view].loadError);
  const resetScroll = useApp((s) => s.views[view].resetScroll);
  const scrollRef = useRef<HTMLDivElement>(null);
  const windowRef = useRef<HTMLDivElement>(null);
  const size = useElementSize(scrollRef);
  const cols = columnsFor(size.width);
  const count = Math.ceil((total ?? 0) / cols);
  const layout = useMemo(() => gridLayout(count, ROW_HEIGHT, PAD, size.height), [count, size.height]);
  const { first, last } = useRowWindow(scrollRef, windowRef, layout);
  const viewportRows = Math.max(1, Math.floor(size.height / ROW_HEIGHT));
  const known = total !== null;

  // New filters: back to the first row, before the new range is rendered or fetched.
  const seenReset = useRef(resetScroll);
  useLayoutEffect(() => {
    if (seenReset.current === resetScroll) return;
    seenReset.current = resetScroll;
    const el = scrollRef.current;
    if (el && el.scrollTop !== 0) el.scrollTop = 0;
  }, [resetScroll]);

  useEffect(() => {
    store.getState().setLayout(view, cols, viewportRows);
  }, [store, view, cols, viewportRows]);

  // Fetch the pages for the rows in view once scrolling rests for a moment (at once when nothing is shown yet).
  useEffect(() => {
    const fetch = () => store.getState().ensureRange(view, first * cols, (last + 1) * cols - 1);
    if (!known) {
      fetch();
      return;
    }
    const t = setTimeout(fetch, FETCH_DELAY_MS);
    return () => clearTimeout(t);
  }, [store, view, first, last, cols, version, known]);

  // The first thumbnail loaded (load events do not bubble: caught on the way down).
  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const onLoad = (e: Event) => {
      if ((e.target as Element | null)?.tagName !== 'IMG') return;
      el.removeEventListener('load', onLoad, true);
      store.getState().tilesShown(view);
    };
    el.addEventListener('load', onLoad, true);
    return () => el.removeEventListener('load', onLoad, true);
  }, [store, view]);

  // Keep the focused tile in view when the keyboard moves it.
  const lastFocus = useRef(focus);
  useEffect(() => {
    if (lastFocus.current === focus) return;
    lastFocus.current = focus;
    const el = scrollRef.current;
    if (count > 0 && el) {
      const target = scrollTopForRow(layout, Math.floor(focus / cols), el.scrollTop);
      if (target !== el.scrollTop) el.scrollTop = target;
    }
  }, [focus, cols, count, layout]);

  const onTileClick = useCallback(
    (index: number, e: MouseEvent) => {
      scrollRef.current?.focus({ preventScroll: true });
      void store.getState().clickTile(view, index, { shift: e.shiftKey, toggle: e.ctrlKey || e.metaKey });
    },
    [store, view],
  );

  const focusedItem = shownAt(focus);

  // With no rows (nothing matches, still loading, or the load failed) it is no grid (a grid must hold
  // rows): a labelled group that the words in it describe, so the focus landing on it hears them.
  const empty = count === 0;
  const emptyId = `gallery-empty-${view}`;
  return (
    <div
      ref={scrollRef}
      className="gallery"
      tabIndex={0}
      role={empty ? 'group' : 'grid'}
      aria-label={label}
      aria-rowcount={empty ? undefined : count}
      // Shift+arrows, Ctrl/Shift+click and Ctrl+A select many tiles.
      aria-multiselectable={empty ? undefined : true}
      aria-describedby={empty ? emptyId : undefined}
      aria-activedescendant={focusedItem ? `tile-${focusedItem.image_id}` : undefined}
      data-testid="gallery"
      data-view={view}
      data-total={total ?? ''}
      data-cols={cols}
      data-scale={layout.scale}
    >
      {empty && (
        <div id={emptyId} className={`gallery__empty${total === null ? ' muted' : ''}`} role="status" data-testid="gallery-empty">
          {total === null ? 'Loading…' : (loadError ?? emptyText)}
        </div>
      )}
      <div className="gallery__inner" style={{ height: layout.scrollHeight }}>
        <div ref={windowRef} className="gallery__window">
          {rowIndices(first, Math.min(last, count - 1)).map((row) => {
            const tiles = [];
            for (let c = 0; c < cols; c++) {
              const i = row * cols + c;
              if (total === null || i >= total) break;
              const item = shownAt(i);
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
              <div key={row} className="gallery__row" role="row" aria-rowindex={row + 1} style={{ transform: `translateY(${(row - first) * ROW_HEIGHT}px)`, height: ROW_HEIGHT - GAP }}>
                {tiles}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
