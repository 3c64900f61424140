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

  test('the token in the hash is kept', () => {
    const h = withViewInHash('#token=abc_DEF-123', 'review', 'outcome=fp');
    expect(new URLSearchParams(h.slice(1)).get('token')).toBe('abc_DEF-123');
    expect(new URLSearchParams(h.slice(1)).get('review')).toBe('outcome=fp');
    expect(withViewInHash(h, 'review', '')).toBe('#token=abc_DEF-123');
  });
});

describe('filters in the URL, on screen', () => {
  test('filters set before Review shows (from the evaluation panel) reach the URL when it shows', async () => {
    const { renderWith, setup, until } = await import('../../../test-support/renderer/render');
    const { ReviewScreen } = await import('./ReviewScreen');
    const { createElement } = await import('react');
    window.history.replaceState(null, '', '/#token=abc');
    const ctx = setup();
    ctx.store.getState().setFilters('review', { outcome: 'fp', predicted: 'all' });
    renderWith(createElement(ReviewScreen), ctx);
    await until(() => expect(new URLSearchParams(window.location.hash.slice(1)).get('review')).toBe('predicted=all&outcome=fp'));
    expect(new URLSearchParams(window.location.hash.slice(1)).get('token')).toBe('abc');
    ctx.store.getState().setFilters('review', { outcome: 'all' });
    await until(() => expect(new URLSearchParams(window.location.hash.slice(1)).get('review')).toBe('predicted=all'));
  });
});
