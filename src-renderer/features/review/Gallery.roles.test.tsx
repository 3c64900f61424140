// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import { expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { ReviewScreen } from './ReviewScreen';

/** The text an element's aria-describedby points at. */
const description = (el: HTMLElement) =>
  (el.getAttribute('aria-describedby') ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' ');

test('a gallery with tiles is a grid that says many can be selected', async () => {
  const ctx = setup({ images: 40 });
  ctx.store.getState().setFilters('review', { predicted: 'all' });
  renderWith(<ReviewScreen />, ctx);
  await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(0));
  const grid = screen.getByRole('grid', { name: 'Review gallery' });
  expect(grid.getAttribute('aria-multiselectable')).toBe('true');
  expect(grid.querySelector('[role=row] [role=gridcell]')).not.toBeNull();
});

test('a gallery with nothing to show is no empty grid: a group the "nothing matches" words describe, announced as they change', async () => {
  const ctx = setup({ images: 40 });
  ctx.store.getState().setFilters('review', { predicted: 'all', taxon: 'zzzzqq' });
  renderWith(<ReviewScreen />, ctx);
  await until(() => expect(ctx.store.getState().views.review.total).toBe(0));
  expect(screen.queryByRole('grid')).toBeNull();
  const group = screen.getByRole('group', { name: 'Review gallery' });
  expect(group.tabIndex).toBe(0);
  expect(description(group)).toBe('No images match these filters.');
  expect(screen.getByTestId('gallery-empty').getAttribute('role')).toBe('status');
  expect(group.hasAttribute('aria-rowcount')).toBe(false);
});
