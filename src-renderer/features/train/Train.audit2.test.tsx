// @vitest-environment jsdom
import { screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderRunsPanels } from '../../../test-support/renderer/runsPanels';
import { setup } from '../../../test-support/renderer/render';

describe('Train screen, second audit', () => {
  test('the two-run comparison names its metric column for screen readers (no empty header)', async () => {
    const ctx = setup();
    await renderRunsPanels(ctx);
    const card = await screen.findByTestId('run-compare-any');
    const headers = within(card).getAllByRole('columnheader');
    expect(headers.length).toBe(3);
    for (const th of headers) expect(th.textContent!.trim(), th.outerHTML).not.toBe('');
    expect(within(card).getByRole('columnheader', { name: 'metric' })).toBeTruthy();
  });
});
