// @vitest-environment jsdom
// The preview's and the compare view's pictures are named as their tiles are ("EOL 9100003"), not by
// the library's internal id, so a screen-reader user can match them to the tile and to the exports.
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, expect, test } from 'vitest';
import { renderReviewAll, tiles } from '../../../test-support/renderer/reviewAll';
import { until } from '../../../test-support/renderer/render';
import { setPrefs } from './prefs';

afterEach(() => setPrefs({ helpOpen: false, compare: null }));

/** What the tile's accessible name starts with: the image's name ("EOL 9100003"). */
const tileImageName = (tile: HTMLElement) => tile.getAttribute('aria-label')!.split(',')[0]!;

test("the preview's picture and its 1:1 button name the image as its tile does", async () => {
  const user = userEvent.setup();
  await renderReviewAll();
  const tile = tiles()[1]!;
  const name = tileImageName(tile);
  expect(name).toMatch(/^EOL \d+$/);
  await user.click(tile);
  await user.keyboard('{Enter}');
  await until(() => expect(screen.getByTestId('preview').dataset.imageId).toBe(tile.dataset.testid!.slice(5)));
  await until(() => expect(screen.getByTestId('preview-image').querySelector('img')!.getAttribute('alt')).toBe(name));
  expect(screen.getByRole('button', { name: `${name} at original size (1:1)` })).toBeTruthy();
});

test("the compare view's pictures are named as their tiles are", async () => {
  const user = userEvent.setup();
  await renderReviewAll();
  const names = tiles().slice(0, 3).map(tileImageName);
  await user.click(tiles()[0]!);
  await user.keyboard('{Shift>}{ArrowRight}{ArrowRight}{/Shift}');
  await user.keyboard('c');
  const alts = [...screen.getByTestId('compare-view').querySelectorAll('img')].map((img) => img.getAttribute('alt'));
  expect(alts).toEqual(names);
  for (const n of names) expect(within(screen.getByTestId('compare-view')).getByRole('img', { name: n })).toBeTruthy();
});
