// @vitest-environment jsdom
// The Ratings → labels card when the rule cannot be read (the real core, one call failed on cue): it
// says so and offers Try again instead of leaving an empty space; the rule then shows, focus in it.
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { renderWith, setup } from '../../../test-support/renderer/render';
import { LibraryScreen } from './LibraryScreen';

describe('Library screen: the rule cannot be read', () => {
  test('says so, and Try again reads it', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    ctx.client.failNext('labels.getRule', { code: 'conflict', message: 'the library is busy', file: 'library.sqlite', line: 1 });
    const { client } = renderWith(<LibraryScreen />, ctx);
    const card = await screen.findByTestId('rule-unavailable');
    expect(card.textContent).toMatch(/^The ratings → labels rule could not be read: .*the library is busy.*\. Try again/);
    await user.click(screen.getByTestId('rule-retry'));
    const one = (await screen.findByTestId('rule-class-1')) as HTMLSelectElement;
    const rule = await client.call('labels.getRule', {});
    expect(one.value).toBe(rule.bad.includes(1) ? 'bad' : rule.good.includes(1) ? 'good' : 'none');
    expect(screen.queryByTestId('rule-unavailable')).toBeNull();
    expect(document.activeElement).toBe(one);
  });
});
