// @vitest-environment jsdom
/**
 * Every screen has a heading of its own under the page's h1 (Review's only for screen readers), the
 * preview's heading comes under it in order, the tab's title names the screen, and the no-session
 * page is a main landmark.
 */
import { fireEvent, render, screen, within } from '@testing-library/react';
import { expect, test } from 'vitest';
import { setup, until } from '../../../test-support/renderer/render';
import { App } from './App';
import { NoSession } from './NoSession';

const NAMES = { review: 'Review', issues: 'Label issues', train: 'Train', library: 'Library', export: 'Export' } as const;

test('each screen has an h2 with its name, and the document title follows the screen', { timeout: 60_000 }, async () => {
  const { client, store } = setup({ images: 60 });
  const { unmount } = render(<App client={client} store={store} />);
  await until(() => expect(screen.getByTestId('app').dataset.ready).toBe('true'), 15_000);
  const main = () => within(screen.getByRole('main'));
  await until(() => expect(main().getByRole('heading', { level: 2, name: 'Review' })).toBeTruthy());
  expect(document.title).toBe('Review – Quality Curator');
  for (const s of ['issues', 'train', 'library', 'export', 'review'] as const) {
    fireEvent.click(screen.getByTestId(`nav-${s}`));
    await until(() => expect(screen.getByTestId(`screen-${s}`)).toBeTruthy());
    expect(main().getByRole('heading', { level: 2, name: NAMES[s] })).toBeTruthy();
    expect(document.title).toBe(`${NAMES[s]} – Quality Curator`);
  }
  // The preview's parts (h4) come under a heading of its own (h3), not straight after the screen's h2.
  const tile = await screen.findAllByTestId(/^tile-\d+$/);
  fireEvent.click(tile[0]!);
  fireEvent.keyDown(screen.getByTestId('gallery'), { key: 'Enter' });
  const preview = await screen.findByTestId('preview');
  await until(() => expect(within(preview).getAllByRole('heading', { level: 4 }).length).toBeGreaterThan(0));
  const levels = [...document.querySelectorAll('main h1, main h2, main h3, main h4')].map((h) => Number(h.tagName[1]));
  levels.forEach((l, i) => expect(l - (levels[i - 1] ?? 1)).toBeLessThanOrEqual(1));
  expect(within(preview).getByRole('heading', { level: 3 })).toBeTruthy();
  unmount();
});

test('the no-session page is a main landmark with its headings', () => {
  render(<NoSession />);
  const main = screen.getByRole('main');
  expect(within(main).getByRole('heading', { level: 1, name: 'Quality Curator' })).toBeTruthy();
  expect(within(main).getByRole('heading', { level: 2, name: 'No session' })).toBeTruthy();
});
