/**
 * Row windowing for a grid taller than a browser can scroll. Browsers cap an element's height
 * (Chromium about 33.5 million px, Firefox about 17.9 million): a million images in rows of
 * 184 px is past that at 5 columns. The grid's scrollable height is capped at MAX_SCROLL_PX and
 * the scroll position maps linearly onto the real content, so the top of the scrollbar is the
 * first row and its bottom shows the last; rows are placed where the real content would be,
 * relative to the viewport. Below the cap the mapping is the identity.
 */

/** Scrollable height that every current browser renders faithfully. */
export const MAX_SCROLL_PX = 8_000_000;

export interface GridLayout {
  rows: number;
  rowHeight: number;
  pad: number;
  viewport: number;
  /** Height of all rows with padding, unscaled. */
  realHeight: number;
  /** Height of the scrollable content (≤ max). */
  scrollHeight: number;
  /** Real pixels per scrolled pixel (1 below the cap). */
  scale: number;
}

export function gridLayout(rows: number, rowHeight: number, pad: number, viewport: number, max = MAX_SCROLL_PX): GridLayout {
  const realHeight = 2 * pad + rows * rowHeight;
  if (realHeight <= max || realHeight <= viewport) return { rows, rowHeight, pad, viewport, realHeight, scrollHeight: realHeight, scale: 1 };
  const scrollHeight = Math.max(max, viewport + 1);
  return { rows, rowHeight, pad, viewport, realHeight, scrollHeight, scale: (realHeight - viewport) / (scrollHeight - viewport) };
}

/** Real content offset at the top of the viewport for a scroll position. */
export function realOffset(g: GridLayout, scrollTop: number): number {
  const max = Math.max(0, g.scrollHeight - g.viewport);
  return Math.min(Math.max(0, scrollTop), max) * g.scale;
}

/** Rows to render (with overscan) and where each one goes in the scrollable content. */
export function visibleRows(g: GridLayout, scrollTop: number, overscan = 3): { first: number; last: number; top: (row: number) => number } {
  const offset = realOffset(g, scrollTop);
  const clampedTop = g.scale === 1 ? 0 : Math.min(Math.max(0, scrollTop), Math.max(0, g.scrollHeight - g.viewport));
  const firstVisible = Math.floor((offset - g.pad) / g.rowHeight);
  const lastVisible = Math.floor((offset + g.viewport - g.pad) / g.rowHeight);
  const first = Math.max(0, firstVisible - overscan);
  const last = Math.min(g.rows - 1, lastVisible + overscan);
  // Unscaled: the row's own position. Scaled: its distance from the real offset, below the scroll position.
  const top = (row: number) => (g.scale === 1 ? g.pad + row * g.rowHeight : clampedTop + (g.pad + row * g.rowHeight - offset));
  return { first, last: Math.max(first - 1, last), top };
}

/** The scroll position that brings `row` fully into view, moving as little as possible ('auto') or to the top ('start'). */
export function scrollTopForRow(g: GridLayout, row: number, scrollTop: number, align: 'auto' | 'start' = 'auto'): number {
  const rowTop = g.pad + row * g.rowHeight;
  const offset = realOffset(g, scrollTop);
  let target = offset;
  if (align === 'start' || rowTop < offset) target = rowTop - g.pad;
  else if (rowTop + g.rowHeight > offset + g.viewport) target = rowTop + g.rowHeight - g.viewport + g.pad;
  target = Math.min(Math.max(0, target), Math.max(0, g.realHeight - g.viewport));
  return target === offset ? scrollTop : target / g.scale;
}
