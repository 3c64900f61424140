// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, expect, test } from 'vitest';
import { renderReviewAll } from '../../../test-support/renderer/reviewAll';
import { setPrefs } from './prefs';

afterEach(() => setPrefs({ helpOpen: false, compare: null }));

for (const how of ['Escape', 'Close', '?'] as const) {
  test(`the key list opened from the "details" toggle, closed by ${how}, gives the focus to the gallery: the next Enter previews`, async () => {
    const user = userEvent.setup();
    const { store } = await renderReviewAll();
    const toggle = await screen.findByTestId('threshold-details-toggle');
    const folded = toggle.getAttribute('aria-expanded');
    toggle.focus();
    await user.keyboard('?');
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Close' }));
    if (how === 'Close') await user.click(screen.getByRole('button', { name: 'Close' }));
    else await user.keyboard(how === 'Escape' ? '{Escape}' : '?');
    expect(screen.queryByTestId('key-help')).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId('gallery'));
    await user.keyboard('{Enter}');
    expect(store.getState().preview.open).toBe(true);
    expect(toggle.getAttribute('aria-expanded')).toBe(folded);
  });
}
