// @vitest-environment jsdom
/**
 * With "next after B/G" on, a label key moves the focus to the next image; Z then takes that label
 * back and the focus goes back to the image it was taken from (as Label issues focuses the issue it
 * reopens), so the next key acts on it, not on the image after it (curator's-day audit L8).
 */
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, expect, test } from 'vitest';
import { until } from '../../test-support/renderer/render';
import { renderReviewAll, tiles } from '../../test-support/renderer/reviewAll';
import { setPrefs } from '../features/review/prefs';

const idOf = (el: HTMLElement) => Number(el.dataset.testid!.slice(5));

afterEach(() => setPrefs({ autoAdvance: false, thresholdDetails: true, helpOpen: false, compare: null }));

test('with "next after B/G" on, Z focuses and selects again the image whose label it took back; Shift+Z and Z again do the same', async () => {
  const user = userEvent.setup();
  const { client, store } = await renderReviewAll();
  await user.click(screen.getByTestId('auto-advance'));
  const [a, b] = tiles().map(idOf);
  await user.keyboard('{Escape}');
  await user.click(document.body);
  store.getState().focusIndex('review', 0);
  const was = client.image(a!)!.label;
  const to = was === 'bad' ? 'g' : 'b';
  await user.keyboard(to);
  await until(() => expect(client.image(a!)!.label).not.toBe(was));
  const v = () => store.getState().views.review;
  expect(v().focus).toBe(1);
  await user.keyboard('z');
  await until(() => expect(client.image(a!)!.label).toBe(was));
  await until(() => expect(v().focus).toBe(0));
  expect([...v().selection]).toEqual([a]);
  // Redone, then undone again: the focus comes back to it again (after an arrow moved it on).
  await user.keyboard('{Shift>}Z{/Shift}');
  await until(() => expect(client.image(a!)!.label).not.toBe(was));
  await user.keyboard('{ArrowRight}{ArrowRight}');
  expect(v().focus).toBe(2);
  await user.keyboard('z');
  await until(() => expect(client.image(a!)!.label).toBe(was));
  await until(() => expect(v().focus).toBe(0));
  // The next key acts on it, not on the image after it.
  const bWas = client.image(b!)!.label;
  await user.keyboard(to);
  await until(() => expect(client.image(a!)!.label).not.toBe(was));
  expect(client.image(b!)!.label).toBe(bWas);
});
