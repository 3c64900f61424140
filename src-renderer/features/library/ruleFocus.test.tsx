// @vitest-environment jsdom
// The Ratings → labels card on the real core: Revert goes and Save disables itself once the edit is
// reverted or saved; the keyboard focus stays in the card instead of dropping to the page.
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { renderWith, until } from '../../../test-support/renderer/render';
import { LibraryScreen } from './LibraryScreen';

describe('Library screen: focus in the rule card', () => {
  test('after Revert and after Save the focus is on the card\'s first control', async () => {
    const user = userEvent.setup();
    const { client } = renderWith(<LibraryScreen />);
    const three = (await screen.findByTestId('rule-class-3')) as HTMLSelectElement;
    await user.selectOptions(three, 'bad');
    await user.click(screen.getByTestId('rule-revert'));
    expect(screen.queryByTestId('rule-revert')).toBeNull();
    expect(three.value).toBe('none');
    expect(document.activeElement).toBe(screen.getByTestId('rule-class-1'));

    await user.selectOptions(three, 'bad');
    await user.click(screen.getByTestId('rule-save'));
    await until(() => expect(screen.queryByTestId('rule-revert')).toBeNull());
    expect((await client.call('labels.getRule', {})).bad).toEqual([1, 2, 3]);
    expect(document.activeElement).toBe(screen.getByTestId('rule-class-1'));
    // Tab goes on from there, through the card.
    await user.tab();
    expect(document.activeElement).toBe(screen.getByTestId('rule-class-2'));
  });
});
