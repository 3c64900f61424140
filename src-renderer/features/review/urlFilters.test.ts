// @vitest-environment jsdom
import { describe, expect, test } from 'vitest';
import { DEFAULT_FILTERS } from '../../stores/review';
import { decodeFilters, encodeFilters, withViewInHash } from './urlFilters';

describe('filters in the URL', () => {
  test('only what differs from the defaults is written, and reads back the same', () => {
    expect(encodeFilters('review', DEFAULT_FILTERS.review)).toBe('');
    const f = { ...DEFAULT_FILTERS.review, outcome: 'fp' as const, taxon: 'Quercus robur', source: 'import:3' };
    const enc = encodeFilters('review', f);
    expect(decodeFilters(enc)).toEqual({ outcome: 'fp', taxon: 'Quercus robur', source: 'import:3' });
    expect({ ...DEFAULT_FILTERS.review, ...decodeFilters(enc) }).toEqual(f);
  });

  test('unknown keys and bad values are ignored', () => {
    expect(decodeFilters('outcome=drop&sort=id&evil=1&source=x:1')).toEqual({ sort: 'id' });
  });

  test('every other parameter in the hash is kept (a token too, left there by a tab that could not store it)', () => {
    const h = withViewInHash('#token=abc_DEF-123', 'review', 'outcome=fp');
    expect(new URLSearchParams(h.slice(1)).get('token')).toBe('abc_DEF-123');
    expect(new URLSearchParams(h.slice(1)).get('review')).toBe('outcome=fp');
    expect(withViewInHash(h, 'review', '')).toBe('#token=abc_DEF-123');
  });
});

describe('filters in the URL, on screen', () => {
  test('filters set before Review shows (from the evaluation panel) reach the URL when it shows, and the token never does', async () => {
    const { renderWith, setup, until } = await import('../../../test-support/renderer/render');
    const { ReviewScreen } = await import('./ReviewScreen');
    const { takeToken } = await import('../../api/client');
    const { createElement } = await import('react');
    // Opened from the link qc serve printed: the client takes the token before anything renders.
    window.history.replaceState(null, '', '/#token=abc_DEF-123');
    expect(takeToken(window)).toBe('abc_DEF-123');
    const ctx = setup();
    ctx.store.getState().setFilters('review', { outcome: 'fp', predicted: 'all' });
    renderWith(createElement(ReviewScreen), ctx);
    await until(() => expect(new URLSearchParams(window.location.hash.slice(1)).get('review')).toBe('predicted=all&outcome=fp'));
    ctx.store.getState().setFilters('review', { outcome: 'all' });
    await until(() => expect(new URLSearchParams(window.location.hash.slice(1)).get('review')).toBe('predicted=all'));
    expect(window.location.href).not.toContain('abc_DEF-123');
  });
});
