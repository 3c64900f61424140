// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, test } from 'vitest';
import { renderReviewAll, tiles } from '../../../test-support/renderer/reviewAll';
import { setPrefs } from './prefs';



afterEach(() => setPrefs({ helpOpen: false, compare: null }));

/** The open dialog named `name`, checked modal with its Close button holding the focus. */
function openModal(name: string) {
  const dialog = screen.getByRole('dialog', { name });
  expect(dialog.getAttribute('aria-modal')).toBe('true');
  const close = screen.getByRole('button', { name: 'Close' });
  expect(dialog.contains(close)).toBe(true);
  expect(document.activeElement).toBe(close);
  return { dialog, close };
}

describe('the key help and compare overlays are modal dialogs', () => {
  test('? moves the focus to Close, Tab stays inside, Escape closes and gives the focus back to the gallery', async () => {
    const user = userEvent.setup();
    await renderReviewAll();
    const gallery = screen.getByTestId('gallery');
    await user.click(tiles()[0]!);
    expect(document.activeElement).toBe(gallery);
    await user.keyboard('?');
    const { dialog } = openModal('Keyboard shortcuts');
    await user.tab();
    expect(dialog.contains(document.activeElement)).toBe(true);
    await user.tab({ shift: true });
    expect(dialog.contains(document.activeElement)).toBe(true);
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('key-help')).toBeNull();
    expect(document.activeElement).toBe(gallery);
    // Opened by a key typed on the page (nothing focused), its Close gives the focus to the gallery too.
    (document.activeElement as HTMLElement).blur();
    expect(document.activeElement).toBe(document.body);
    await user.keyboard('?');
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Close' }));
    await user.click(screen.getByRole('button', { name: 'Close' }));
    expect(screen.queryByTestId('key-help')).toBeNull();
    expect(document.activeElement).toBe(gallery);
  });

  test('C opens the compare view with a Close button that has the focus; Tab stays inside; Escape and Close give the focus back to the gallery', async () => {
    const user = userEvent.setup();
    const { store } = await renderReviewAll();
    const gallery = screen.getByTestId('gallery');
    await user.click(tiles()[0]!);
    await user.keyboard('{Shift>}{ArrowRight}{ArrowRight}{/Shift}');
    expect(store.getState().views.review.selection.size).toBe(3);
    await user.keyboard('c');
    const { dialog } = openModal('Compare images');
    await user.tab();
    expect(dialog.contains(document.activeElement)).toBe(true);
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('compare-view')).toBeNull();
    expect(document.activeElement).toBe(gallery);
    // The selection is kept (Escape closed the view, nothing else), and Close closes it as well.
    expect(store.getState().views.review.selection.size).toBe(3);
    await user.keyboard('c');
    await user.click(screen.getByRole('button', { name: 'Close' }));
    expect(screen.queryByTestId('compare-view')).toBeNull();
    expect(document.activeElement).toBe(gallery);
  });
});
