import { describe, expect, it } from 'vitest';
import { gridLayout, MAX_SCROLL_PX, realOffset, scrollTopForRow, visibleRows } from './gridScale';

const ROW = 184;
const PAD = 10;
const VIEW = 900;

describe('grid taller than a browser can scroll', () => {
  it('below the cap, nothing is scaled: rows sit at their own offsets', () => {
    const g = gridLayout(1000, ROW, PAD, VIEW);
    expect(g.scale).toBe(1);
    expect(g.scrollHeight).toBe(2 * PAD + 1000 * ROW);
    const v = visibleRows(g, 5000, 0);
    expect(v.top(v.first)).toBe(PAD + v.first * ROW);
    expect(v.top(v.first)).toBeLessThanOrEqual(5000);
    expect(v.top(v.last) + ROW).toBeGreaterThanOrEqual(5000 + VIEW);
  });

  it('a million images in 5 columns: the scroll height is capped, and the bottom shows the last row', () => {
    const rows = Math.ceil(1_000_000 / 5);
    const g = gridLayout(rows, ROW, PAD, VIEW);
    expect(g.realHeight).toBeGreaterThan(33_554_432); // past Chromium's cap
    expect(g.scrollHeight).toBe(MAX_SCROLL_PX);
    expect(g.scale).toBeGreaterThan(1);
    const bottom = g.scrollHeight - VIEW;
    const v = visibleRows(g, bottom, 0);
    expect(v.last).toBe(rows - 1);
    // The last row is inside the viewport [bottom, bottom + VIEW] of the scrolled content.
    expect(v.top(rows - 1)).toBeGreaterThanOrEqual(bottom);
    expect(v.top(rows - 1) + ROW).toBeLessThanOrEqual(bottom + VIEW);
    // Scrolling past the end changes nothing.
    expect(visibleRows(g, bottom + 10_000, 0).last).toBe(rows - 1);
    expect(visibleRows(g, 0, 0).first).toBe(0);
  });

  it('rows in view tile the viewport without gaps or overlaps, at any scroll position', () => {
    const g = gridLayout(400_000, ROW, PAD, VIEW);
    for (const s of [0, 1, 12345.5, 3_999_999, g.scrollHeight / 2, g.scrollHeight - VIEW - 1]) {
      const v = visibleRows(g, s, 2);
      for (let r = v.first; r < v.last; r++) expect(v.top(r + 1) - v.top(r)).toBeCloseTo(ROW, 6);
      const firstInView = Math.floor((realOffset(g, s) - PAD) / ROW);
      expect(v.first).toBeLessThanOrEqual(Math.max(0, firstInView));
      // The rows rendered cover the viewport of the scrolled content.
      expect(v.top(v.first)).toBeLessThanOrEqual(Math.max(s, PAD));
      expect(v.top(v.last) + ROW).toBeGreaterThanOrEqual(Math.min(s + VIEW, g.scrollHeight - PAD));
    }
  });

  it('the keyboard can bring any row into view, the first and the last included', () => {
    const rows = 250_000;
    const g = gridLayout(rows, ROW, PAD, VIEW);
    let scroll = 0;
    for (const row of [0, 1, 777, 123_456, rows - 2, rows - 1, 5]) {
      scroll = scrollTopForRow(g, row, scroll);
      const rendered = Math.round(scroll); // browsers keep whole pixels
      const v = visibleRows(g, rendered, 0);
      expect(row).toBeGreaterThanOrEqual(v.first);
      expect(row).toBeLessThanOrEqual(v.last);
      // Fully in view, within the rounding of one scrolled pixel (g.scale real pixels).
      expect(v.top(row)).toBeGreaterThanOrEqual(rendered - g.scale);
      expect(v.top(row) + ROW).toBeLessThanOrEqual(rendered + VIEW + g.scale);
    }
    // A row already in view does not move the grid.
    const here = scrollTopForRow(g, 1000, 0, 'start');
    expect(scrollTopForRow(g, 1001, here)).toBe(here);
  });
});
