// @vitest-environment jsdom
import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { useApp } from '../../stores/app';
import { Filters } from './Filters';

function Shown() {
  const s = useApp((st) => st.screen);
  return s === 'review' ? <Filters view="review" full /> : <div />;
}

describe('taxon typed, then another screen within the 350 ms pause', () => {
  test('the typed taxon is applied, and still in the box on return', async () => {
    const ctx = setup();
    await act(async () => ctx.store.getState().setScreen('review'));
    renderWith(<Shown />, ctx);
    const user = userEvent.setup();
    await user.type(screen.getByTestId('filter-taxon'), 'Quercus');
    await act(async () => ctx.store.getState().setScreen('train'));
    await act(async () => new Promise((r) => setTimeout(r, 500)));
    await act(async () => ctx.store.getState().setScreen('review'));
    expect((screen.getByTestId('filter-taxon') as HTMLInputElement).value).toBe('Quercus');
    expect(ctx.store.getState().views.review.filters.taxon).toBe('Quercus');
  });
});

describe('the taxon already applied', () => {
  test('Enter, or a space typed after it, is no new query: the selection, the focus and the pages stay', async () => {
    const ctx = setup();
    const s = () => ctx.store.getState();
    await s().loadScores();
    await act(async () => s().setScreen('review'));
    renderWith(<Shown />, ctx);
    const user = userEvent.setup();
    const box = screen.getByTestId('filter-taxon');
    await user.type(box, 'Quercus');
    await until(() => expect(s().views.review.filters.taxon).toBe('Quercus'));
    await until(() => expect(s().views.review.pages.has(0)).toBe(true));
    await act(async () => {
      await s().clickTile('review', 1);
      await s().clickTile('review', 3, { shift: true });
    });
    const chosen = new Set(s().views.review.selection);
    expect(chosen.size).toBe(3);
    const version = s().views.review.version;
    await user.type(box, '{Enter}');
    await user.type(box, ' ');
    await act(async () => new Promise((r) => setTimeout(r, 500)));
    expect(s().views.review.version).toBe(version);
    expect(new Set(s().views.review.selection)).toEqual(chosen);
    expect(s().views.review.focus).toBe(3);
    // Another taxon is a new query.
    await user.type(box, '{Backspace}{Backspace}{Backspace}{Backspace}{Backspace}{Backspace}{Backspace}{Backspace}Rosa{Enter}');
    await until(() => expect(s().views.review.filters.taxon).toBe('Rosa'));
    expect(s().views.review.selection.size).toBe(0);
  });
});
