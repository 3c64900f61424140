// @vitest-environment jsdom
/**
 * While a modal dialog (the key list, the comparison) is open, the gallery behind it takes no key:
 * B, G, U, Z and the arrows do nothing; Escape, C and Close close the dialog.
 */
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, test } from 'vitest';
import { renderReviewAll, tiles } from '../../../test-support/renderer/reviewAll';
import { setPrefs } from './prefs';

afterEach(() => setPrefs({ helpOpen: false, compare: null }));

/** What the gallery keys would change: the labels sent, the focus and the selection. */
function galleryState(ctx: Awaited<ReturnType<typeof renderReviewAll>>) {
  const v = ctx.store.getState().views.review;
  return { labels: ctx.client.callsOf('labels.set').length, undos: ctx.client.callsOf('labels.undo').length, focus: v.focus, selection: [...v.selection] };
}

/** Every gallery key, typed with the focus where it is (the dialog's Close), then with the focus on the page. */
async function typeGalleryKeys(user: ReturnType<typeof userEvent.setup>) {
  await user.keyboard('bgu{ArrowRight}{ArrowDown}{End}z');
  (document.activeElement as HTMLElement | null)?.blur();
  await user.keyboard('bgu{ArrowRight}{ArrowDown}{End}z');
}

describe('with a modal dialog open the gallery keys do not act', () => {
  test('the key list: B, G, U, Z and the arrows do nothing; C closes it, as do Escape and Close', async () => {
    const user = userEvent.setup();
    const ctx = await renderReviewAll();
    await user.click(tiles()[1]!);
    await user.keyboard('?');
    expect(screen.getByTestId('key-help')).toBeTruthy();
    const before = galleryState(ctx);
    await typeGalleryKeys(user);
    // Let anything a key set off reach the core.
    await new Promise((r) => setTimeout(r, 100));
    expect(galleryState(ctx)).toEqual(before);
    expect(screen.getByTestId('key-help')).toBeTruthy();
    // C closes it (the focus is on the page now), and again with the focus on its Close button.
    await user.keyboard('c');
    expect(screen.queryByTestId('key-help')).toBeNull();
    await user.keyboard('?');
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Close' }));
    await user.keyboard('C');
    expect(screen.queryByTestId('key-help')).toBeNull();
    // Closed, the keys act again.
    await user.keyboard('{ArrowRight}');
    expect(ctx.store.getState().views.review.focus).toBe(before.focus + 1);
  });

  test('the comparison: the keys do nothing behind it; C and Escape close it, the selection kept', async () => {
    const user = userEvent.setup();
    const ctx = await renderReviewAll();
    await user.click(tiles()[0]!);
    await user.keyboard('{Shift>}{ArrowRight}{ArrowRight}{/Shift}');
    await user.keyboard('c');
    expect(screen.getByTestId('compare-view')).toBeTruthy();
    const before = galleryState(ctx);
    expect(before.selection).toHaveLength(3);
    await typeGalleryKeys(user);
    await new Promise((r) => setTimeout(r, 100));
    expect(galleryState(ctx)).toEqual(before);
    expect(screen.getByTestId('compare-view').dataset.ids).toBe(before.selection.join(','));
    await user.keyboard('c');
    expect(screen.queryByTestId('compare-view')).toBeNull();
    await user.keyboard('c');
    expect(screen.getByTestId('compare-view')).toBeTruthy();
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('compare-view')).toBeNull();
    expect(galleryState(ctx)).toEqual(before);
  });
});
