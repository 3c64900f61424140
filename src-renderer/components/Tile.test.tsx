// @vitest-environment jsdom
import { act, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import type { GalleryItem } from '../../src-shared/domain/library';
import { renderWith, setup } from '../../test-support/renderer/render';
import { fmtP, fmtT } from './format';
import { fmtPAt, Tile } from './Tile';

/** Run 1 of the audit's library recommends p(bad) ≥ 0.99997884 (a threshold prints with the digits that flag the same images: fmtT, not 0.999979). */
const THRESHOLD = 0.99997884;

const item = (over: Partial<GalleryItem> = {}): GalleryItem => ({
  image_id: 7,
  p_bad: 0.999974,
  label: 'bad',
  origin: 'import',
  rating_class: null,
  issue_rank: null,
  issue_beyond_estimate: null,
  width: 640,
  height: 480,
  eol_id: '9000482',
  ...over,
});

/** A Tile over a real store (and core) whose threshold in force is `threshold` (null: no scores yet). */
function renderTile(it: GalleryItem, threshold: number | null) {
  const ctx = setup();
  if (threshold !== null) act(() => ctx.store.setState({ scoresStatus: 'ready', threshold }));
  renderWith(<Tile item={it} index={0} src="/files/thumb/7" selected={false} focused={false} onTileClick={() => {}} />, ctx);
  return { cell: screen.getByRole('gridcell'), p: screen.getByRole('gridcell').querySelector('.tile__p')?.textContent ?? '' };
}

describe('Tile', () => {
  test('an unflagged p(bad) just under the threshold never reads as 1.00 or as the threshold, and the cell says so', () => {
    const { cell, p } = renderTile(item(), THRESHOLD);
    expect(fmtT(THRESHOLD)).toBe('0.99997884');
    expect(p).toBe('0.999974');
    expect(Number(p)).toBeLessThan(THRESHOLD);
    expect(cell.dataset.flagged).toBe('false');
    // The name a screen reader says: image, label (not by colour only), p(bad), not flagged.
    expect(screen.getByRole('gridcell', { name: 'EOL 9000482, labelled bad, p(bad) 0.999974, not flagged at 0.99997884' })).toBe(cell);
  });

  test("closer still: more digits rather than the threshold's own text", () => {
    const { cell, p } = renderTile(item({ p_bad: 0.9999788, label: 'good', origin: 'curator' }), THRESHOLD);
    expect(fmtP(0.9999788)).toBe('0.999979'); // what fmtP alone would show: the threshold's text, rounded
    expect(p).toBe('0.9999788');
    expect(cell.getAttribute('aria-label')).toBe('EOL 9000482, labelled good by a curator, p(bad) 0.9999788, not flagged at 0.99997884');
  });

  test('a flagged tile says flagged; an unlabelled one says not labelled; its issue rank is named', () => {
    const { cell, p } = renderTile(item({ p_bad: 0.9999791, label: null, issue_rank: 3 }), THRESHOLD);
    expect(Number(p)).toBeGreaterThanOrEqual(THRESHOLD);
    expect(cell.dataset.flagged).toBe('true');
    expect(screen.getByRole('gridcell', { name: 'EOL 9000482, not labelled, p(bad) 0.999979, flagged bad at 0.99997884, label issue #3' })).toBe(cell);
    // The rank's visible text is part of the name (a curator saying what they see finds the tile).
    expect(cell.getAttribute('aria-label')).toContain(screen.getByTestId('tile-rank').textContent!);
  });

  test('without scores (no threshold yet) the tile shows fmtP and says nothing about flags', () => {
    const { cell, p } = renderTile(item({ p_bad: 0.73 }), null);
    expect(p).toBe('0.730');
    expect(screen.getByRole('gridcell', { name: 'EOL 9000482, labelled bad, p(bad) 0.730' })).toBe(cell);
  });

  test('fmtPAt: on the same side of the threshold as p, and of the threshold as fmtT shows it, for p all around it', () => {
    const read = (text: string) => (text.startsWith('1 − ') ? 1 - Number(text.slice(4)) : Number(text));
    for (const t of [THRESHOLD, 0.5004, 0.834, 0.00002113, 0.99999999]) {
      const shownT = read(fmtT(t));
      for (let k = -2000; k <= 2000; k++) {
        const p = t + k * Math.max(1e-10, Math.min(t, 1 - t) * 1e-4);
        if (p <= 0 || p >= 1) continue;
        const v = read(fmtPAt(p, t));
        expect(v >= t, `p ${p}, t ${t}: ${fmtPAt(p, t)}`).toBe(p >= t);
        // Beside the threshold's own text too, unless p lies between t and that rounding (no honest digits can).
        if (p >= t === p >= shownT) expect(v >= shownT, `p ${p}, t ${t}: ${fmtPAt(p, t)} beside ${fmtT(t)}`).toBe(p >= t);
      }
    }
  });
});
