// @vitest-environment jsdom
// The Failures card when the list cannot be read (the real core, one call failed on cue): it says so
// and offers Try again, instead of "Loading…" for ever.
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { LibraryScreen } from './LibraryScreen';

describe('Library screen: the failures cannot be read', () => {
  test('says so, and Try again reads them', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    ctx.client.failNext('library.failures', { code: 'conflict', message: 'the library is busy', file: 'library.sqlite', line: 1 });
    const { client } = renderWith(<LibraryScreen />, ctx);
    const note = await screen.findByTestId('failures-unavailable');
    // Why, in the card itself (a toast fades, and none comes while the link is down).
    expect(note.textContent).toMatch(/^The failures could not be read: .*the library is busy.*\. Try again/);
    expect(note.textContent).not.toMatch(/Loading/);
    await user.click(screen.getByTestId('failures-retry'));
    const total = (await client.call('library.failures', {})).total;
    await until(() => expect(screen.queryByTestId('failures-unavailable')).toBeNull());
    if (total > 0) expect(screen.getByTestId('failures-table').dataset.total).toBe(String(total));
    else expect(screen.getByText('No failures.')).toBeTruthy();
    // The button went: the focus is on the card's heading, not the page.
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: /^Failures/, level: 3 }));
  });
});
