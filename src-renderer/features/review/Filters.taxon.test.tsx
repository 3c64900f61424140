// @vitest-environment jsdom
import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { renderWith, setup } from '../../../test-support/renderer/render';
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
