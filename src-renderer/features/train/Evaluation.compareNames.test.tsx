// @vitest-environment jsdom
import { screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderRunsPanels } from '../../../test-support/renderer/runsPanels';
import { setup } from '../../../test-support/renderer/render';

describe('comparing two runs: the pickers', () => {
  test('each run picker has a name a screen reader says (axe: select-name), and the two differ', async () => {
    const ctx = setup();
    await renderRunsPanels(ctx);
    const card = await screen.findByTestId('run-compare-any');
    const said: string[] = [];
    const pickers = within(card).getAllByRole('combobox', {
      name: (name) => {
        said.push(name);
        return true;
      },
    });
    expect(pickers.length).toBe(2);
    for (const name of said) expect(name.trim()).not.toBe('');
    expect(new Set(said).size).toBe(2);
    expect(within(card).getByRole('combobox', { name: /first run/i })).toBe(screen.getByTestId('compare-left'));
    expect(within(card).getByRole('combobox', { name: /second run/i })).toBe(screen.getByTestId('compare-right'));
  });
});
