// @vitest-environment jsdom
import { fireEvent, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { IssuesScreen } from '../issues/IssuesScreen';
import { ReviewScreen } from './ReviewScreen';

describe('gallery keys', () => {
  test('work as soon as the screen shows, without clicking a tile first', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    ctx.store.setState((s) => ({ views: { ...s.views, review: { ...s.views.review, filters: { ...s.views.review.filters, predicted: 'all' } } } }));
    const { client, store } = renderWith(<ReviewScreen />, ctx);
    await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(1));
    // The gallery took the focus as the screen showed; keys also reach it while the focus is on the
    // page (as when an overlay that had it closes).
    expect(document.activeElement).toBe(screen.getByTestId('gallery'));
    (document.activeElement as HTMLElement).blur();
    expect(document.activeElement === document.body || document.activeElement === null).toBe(true);
    const first = screen.queryAllByTestId(/^tile-\d+$/)[0]!;
    const id = Number(first.dataset.testid!.slice(5));
    expect(first.dataset.focused).toBe('true');
    await user.keyboard('b');
    await until(() => expect(client.callsOf('labels.set')[0]).toEqual({ imageIds: [id], label: 'bad' }));
    await user.keyboard('{ArrowRight}');
    expect(store.getState().views.review.focus).toBeGreaterThanOrEqual(1);
  });

  test('on Label issues too, with the focus on the page (as after a verdict button turned off)', async () => {
    const user = userEvent.setup();
    const ctx = setup({ images: 300 });
    await ctx.store.getState().loadRuns();
    const { client, store } = renderWith(<IssuesScreen />, ctx);
    await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(2));
    (document.activeElement as HTMLElement | null)?.blur();
    expect(document.activeElement === document.body || document.activeElement === null).toBe(true);
    await user.keyboard('{ArrowRight}');
    expect(store.getState().views.issues.focus).toBe(1);
    const second = store.getState().itemAt('issues', 1)!;
    await user.keyboard('g');
    await until(() => expect(client.callsOf('labels.set')).toEqual([{ imageIds: [second.image_id], label: 'good' }]));
  });

  test('keys typed in a text field stay there', async () => {
    const user = userEvent.setup();
    const { client } = renderWith(<ReviewScreen />, setup());
    await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(0));
    const taxon = screen.getByRole('searchbox');
    await user.click(taxon);
    await user.keyboard('b');
    expect(client.callsOf('labels.set')).toEqual([]);
  });

  test('on the threshold slider and the "next after B/G" checkbox the label keys still act; the slider keeps its moving keys, the checkbox its Space', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    await ctx.store.getState().loadScores();
    ctx.store.getState().setFilters('review', { predicted: 'all' });
    const { client, store } = renderWith(<ReviewScreen />, ctx);
    await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(3));
    const at = (i: number) => store.getState().itemAt('review', i)!.image_id;
    const focus = () => store.getState().views.review.focus;

    const slider = screen.getByTestId('threshold-slider');
    slider.focus();
    await user.keyboard('b');
    await until(() => expect(client.callsOf('labels.set')).toEqual([{ imageIds: [at(0)], label: 'bad' }]));
    await until(() => expect(client.image(at(0))!.label).toBe('bad'));
    await user.keyboard('z');
    await until(() => expect(client.callsOf('labels.undo')).toHaveLength(1));
    // The moving keys are the slider's: not prevented (the browser moves the slider), the gallery's focus stays where it is.
    for (const key of ['ArrowRight', 'ArrowDown', 'PageDown', 'End', 'ArrowLeft', 'Home']) expect(fireEvent.keyDown(slider, { key })).toBe(true);
    expect(focus()).toBe(0);
    expect(document.activeElement).toBe(slider);
    await user.click(screen.getByTestId(`tile-${at(1)}`));
    await user.keyboard('{Shift>}{ArrowRight}{/Shift}');
    expect(store.getState().views.review.selection.size).toBe(2);
    expect(store.getState().preview.open).toBe(true);
    slider.focus();
    await user.keyboard('{Escape}');
    expect(store.getState().preview.open).toBe(false);
    await user.keyboard('{Escape}');
    expect(store.getState().views.review.selection.size).toBe(0);

    const advance = screen.getByTestId('auto-advance') as HTMLInputElement;
    const checked = advance.checked;
    advance.focus();
    await user.keyboard(' ');
    expect(advance.checked).toBe(!checked);
    expect(store.getState().preview.open).toBe(false);
    const was = focus();
    const id = at(was);
    await user.keyboard('g');
    await until(() => expect(client.callsOf('labels.set').at(-1)).toEqual({ imageIds: [id], label: 'good' }));
    await user.keyboard('u');
    await until(() => expect(client.callsOf('labels.set').at(-1)).toEqual({ imageIds: [expect.any(Number)], label: null }));
    expect(document.activeElement).toBe(advance);
  });

  test('Shift+End selects every image to the last one, pages not loaded yet included, and B labels them all', async () => {
    const user = userEvent.setup();
    const ctx = setup({ images: 2000 });
    await ctx.store.getState().loadScores();
    ctx.store.getState().setFilters('review', { predicted: 'all' });
    const { store, client } = renderWith(<ReviewScreen />, ctx);
    await until(() => expect(store.getState().views.review.total).toBe(2000));
    await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(0));
    expect(store.getState().views.review.pages.size).toBeLessThan(10);
    await user.click(screen.queryAllByTestId(/^tile-\d+$/)[0]!);
    await user.keyboard('{Shift>}{End}{/Shift}');
    await until(() => expect(store.getState().views.review.selection.size).toBe(2000));
    expect(store.getState().views.review.focus).toBe(1999);
    // Back with Shift+Home: the latest range wins, whichever answer came last.
    await user.keyboard('{Shift>}{Home}{/Shift}');
    await until(() => expect(store.getState().views.review.selection.size).toBe(1));
    await user.keyboard('{Shift>}{End}{/Shift}');
    await until(() => expect(store.getState().views.review.selection.size).toBe(2000));
    await user.keyboard('b');
    await until(() => expect(client.callsOf('labels.set')).toHaveLength(1));
    expect(new Set(client.callsOf('labels.set')[0]!.imageIds).size).toBe(2000);
  });
});
