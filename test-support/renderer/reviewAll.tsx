/**
 * The Review screen over a seeded library with the filter "predicted: all", once it shows more than
 * four tiles: the set-up of the Review feature tests that label, select and preview tiles.
 */
import { screen } from '@testing-library/react';
import { expect } from 'vitest';
import { ReviewScreen } from '../../src-renderer/features/review/ReviewScreen';
import { renderWith, setup, until } from './render';

/** The gallery's tiles in order. */
export const tiles = () => screen.queryAllByTestId(/^tile-\d+$/);

export async function renderReviewAll() {
  const ctx = setup();
  ctx.store.setState((s) => ({ views: { ...s.views, review: { ...s.views.review, filters: { ...s.views.review.filters, predicted: 'all' } } } }));
  const r = renderWith(<ReviewScreen />, ctx);
  await until(() => expect(tiles().length).toBeGreaterThan(4));
  return r;
}
