// @vitest-environment jsdom
// The Library screen when the status cannot be read (the real core, one call failed on cue): it says
// why and offers Try again, which reads it once more; the focus lands on the status card.
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { LibraryScreen } from './LibraryScreen';

describe('Library screen: status unavailable', () => {
  test('says why, and Try again reads the status again without leaving the screen', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    ctx.client.failNext('library.status', { code: 'conflict', message: 'the library is busy', file: 'library.sqlite', line: 1 });
    const { client } = renderWith(<LibraryScreen />, ctx);
    const error = await screen.findByTestId('status-error');
    expect(error.textContent).toMatch(/Library status unavailable: .*busy/);
    const before = client.callsOf('library.status').length;
    await user.dblClick(screen.getByTestId('status-retry'));
    await until(() => expect(screen.getByTestId('status-images').dataset.value).toBe(String(client.images.length)));
    // One more read, not one a press.
    expect(client.callsOf('library.status').length).toBe(before + 1);
    expect(screen.queryByTestId('status-error')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Library', level: 3 }));
  });
});
