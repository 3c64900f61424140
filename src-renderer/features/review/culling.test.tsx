// @vitest-environment jsdom
import { fireEvent, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { until } from '../../../test-support/renderer/render';
import { renderReviewAll, tiles } from '../../../test-support/renderer/reviewAll';
import { setPrefs } from './prefs';

const idOf = (el: HTMLElement) => Number(el.dataset.testid!.slice(5));


afterEach(() => setPrefs({ autoAdvance: false, thresholdDetails: true, helpOpen: false, compare: null }));

describe('culling habits', () => {
  test('with "next after B/G" on, B labels the image and moves to the next', async () => {
    const user = userEvent.setup();
    const { client, store } = await renderReviewAll();
    await user.click(screen.getByTestId('auto-advance'));
    const [a, b] = tiles().map(idOf);
    await user.keyboard('{Escape}');
    await user.click(document.body);
    store.getState().focusIndex('review', 0);
    await user.keyboard('b');
    await until(() => expect(client.image(a!)!.label).toBe('bad'));
    expect(store.getState().views.review.focus).toBe(1);
    await user.keyboard('g');
    await until(() => expect(client.image(b!)!.label).toBe('good'));
    expect(store.getState().views.review.focus).toBe(2);
  });

  test('a held B, G or Z acts once: the keyboard\'s auto-repeat labels and undoes nothing more', async () => {
    const user = userEvent.setup();
    const { client, store } = await renderReviewAll();
    await user.click(screen.getByTestId('auto-advance'));
    const ids = tiles().map(idOf);
    await user.keyboard('{Escape}');
    await user.click(document.body);
    store.getState().focusIndex('review', 0);
    const before = ids.slice(0, 6).map((id) => client.image(id)!.label);
    const gallery = screen.getByTestId('gallery');
    // G held down: one press, then the repeats the keyboard sends while it is held.
    fireEvent.keyDown(gallery, { key: 'g' });
    for (let i = 0; i < 5; i++) fireEvent.keyDown(gallery, { key: 'g', repeat: true });
    fireEvent.keyUp(gallery, { key: 'g' });
    await until(() => expect(client.image(ids[0]!)!.label).toBe('good'));
    await new Promise((r) => setTimeout(r, 50));
    expect(client.callsOf('labels.set')).toEqual([{ imageIds: [ids[0]], label: 'good' }]);
    expect(store.getState().views.review.focus).toBe(1);
    expect(ids.slice(1, 6).map((id) => client.image(id)!.label)).toEqual(before.slice(1));
    // A held Z undoes that one label, once.
    fireEvent.keyDown(gallery, { key: 'z' });
    for (let i = 0; i < 5; i++) fireEvent.keyDown(gallery, { key: 'z', repeat: true });
    await until(() => expect(client.image(ids[0]!)!.label).toBe(before[0]));
    await new Promise((r) => setTimeout(r, 50));
    expect(client.callsOf('labels.undo')).toHaveLength(1);
  });

  test('Z undoes, Shift+Z redoes', async () => {
    const user = userEvent.setup();
    const { client, store } = await renderReviewAll();
    const id = idOf(tiles()[0]!);
    const before = client.image(id)!.label;
    const to = before === 'bad' ? 'g' : 'b';
    store.getState().focusIndex('review', 0);
    await user.keyboard(to);
    const after = to === 'b' ? 'bad' : 'good';
    await until(() => expect(client.image(id)!).toMatchObject({ label: after, origin: 'curator' }));
    await user.keyboard('z');
    await until(() => expect(client.image(id)!.label).toBe(before));
    await user.keyboard('{Shift>}Z{/Shift}');
    await until(() => expect(client.image(id)!).toMatchObject({ label: after, origin: 'curator' }));
  });

  test('Ctrl+A selects every image of the view; ? shows all keys', async () => {
    const user = userEvent.setup();
    const { store } = await renderReviewAll();
    await user.keyboard('{Control>}a{/Control}');
    const total = store.getState().views.review.total!;
    await until(() => expect(store.getState().views.review.selection.size).toBe(total));
    await user.keyboard('?');
    expect(screen.getByTestId('key-help').textContent).toContain('Shift+Z');
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('key-help')).toBeNull();
  });

  test('C compares 2–4 selected images side by side', async () => {
    const user = userEvent.setup();
    const { store } = await renderReviewAll();
    store.getState().focusIndex('review', 0);
    store.getState().focusIndex('review', 2, { extend: true });
    const ids = [...store.getState().views.review.selection];
    expect(ids).toHaveLength(3);
    await user.keyboard('c');
    const view = screen.getByTestId('compare-view');
    expect(view.dataset.ids).toBe(ids.join(','));
    expect(view.querySelectorAll('img')).toHaveLength(3);
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('compare-view')).toBeNull();
  });

  test('a click on the preview shows the original at 1:1, another fits it again', async () => {
    const user = userEvent.setup();
    await renderReviewAll();
    const first = tiles()[0]!;
    await user.click(first);
    const pic = await screen.findByTestId('preview-image');
    expect(pic.dataset.zoom).toBe('fit');
    await user.click(pic);
    expect(pic.dataset.zoom).toBe('1:1');
    expect(pic.querySelector('img')!.getAttribute('src')).toMatch(/\/files\/original\//);
    await user.click(pic);
    expect(pic.dataset.zoom).toBe('fit');
  });

  test("hiding the threshold's details gives the gallery their room, and the choice outlives a reload", async () => {
    const user = userEvent.setup();
    await renderReviewAll();
    // The histogram and the guide come with the slider's scores, asked for after the first page.
    await until(() => expect(screen.getByTestId('threshold-histogram')).toBeTruthy());
    await until(() => expect(screen.getByTestId('threshold-guide')).toBeTruthy());
    const toggle = screen.getByTestId('threshold-details-toggle');
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    await user.click(toggle);
    expect(screen.queryByTestId('threshold-histogram')).toBeNull();
    expect(screen.queryByTestId('threshold-guide')).toBeNull();
    // The slider and its numbers stay.
    expect(screen.getByTestId('threshold-slider')).toBeTruthy();
    expect(screen.getByTestId('threshold-flagged')).toBeTruthy();
    expect(screen.getByTestId('threshold-details-toggle').getAttribute('aria-expanded')).toBe('false');
    // A new page (the module loaded afresh) starts with them hidden; shown again, it starts with them shown.
    vi.resetModules();
    expect((await import('./prefs')).prefs().thresholdDetails).toBe(false);
    await user.click(screen.getByTestId('threshold-details-toggle'));
    await until(() => expect(screen.getByTestId('threshold-histogram')).toBeTruthy());
    vi.resetModules();
    expect((await import('./prefs')).prefs().thresholdDetails).toBe(true);
  });
});
