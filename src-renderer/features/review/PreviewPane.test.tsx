// @vitest-environment jsdom
import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test, vi } from 'vitest';
import { fmtPAt, fmtT } from '../../components/format';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { PreviewPane, STACKED_LAYOUT } from './PreviewPane';
import { ReviewScreen } from './ReviewScreen';

/** A p(bad) as fmtP / fmtPAt print it (`0.999960`, `1 − 2.0e-9`), read back. */
const read = (text: string) => (text.startsWith('1 − ') ? 1 - Number(text.slice(4)) : Number(text));

describe('preview p(bad) beside the threshold', () => {
  test('an image just under the threshold in force never reads as its printed value or above (no 1.000 for 0.999960 at 0.999961)', async () => {
    const ctx = setup({ images: 200, runs: 1 });
    const { client, lib, store } = ctx;
    // The image whose p(bad) three decimals would round up the most (towards 1.000), as the core stores it.
    const candidates = client.images.filter((im) => Number.isFinite(im.p_bad) && im.p_bad < 0.999999 && Number(im.p_bad.toFixed(3)) > im.p_bad);
    const im = candidates.reduce((a, b) => (b.p_bad > a.p_bad ? b : a));
    // The curator's threshold one stored step above it (the audit's 0.999960 at 0.999961): not flagged.
    const t = Number((im.p_bad + 1e-6).toFixed(6));
    await lib.core.call('ml.setThreshold', { threshold: t });
    await store.getState().loadScores();
    expect(store.getState().threshold).toBe(t);
    const detail = await client.call('images.get', { imageId: im.id });
    expect(detail.p_bad).toBe(im.p_bad);
    renderWith(<PreviewPane />, ctx);
    act(() => store.setState({ preview: { open: true, view: 'review', imageId: im.id, detail, loading: false, error: null } }));
    const shown = await until(() => within(screen.getByTestId('preview')).getByTestId('preview-pbad'));
    const text = shown.firstChild!.textContent!;
    // Below the threshold and below the threshold as printed beside it, as the tile says it.
    expect(read(text), `p ${im.p_bad} printed ${text} at ${fmtT(t)}`).toBeLessThan(read(fmtT(t)));
    expect(read(text)).toBeLessThan(t);
    expect(text).toBe(fmtPAt(im.p_bad, t));
    expect(within(shown).getByTestId('preview-flagged').textContent).toBe(` (not flagged at ${fmtT(t)})`);
    // At a threshold at or under it, the same image reads as flagged.
    await lib.core.call('ml.setThreshold', { threshold: im.p_bad });
    await act(() => store.getState().loadScores());
    await until(() => expect(within(shown).getByTestId('preview-flagged').dataset.flagged).toBe('true'));
    expect(read(shown.firstChild!.textContent!)).toBeGreaterThanOrEqual(im.p_bad);
  });

  test("the audit's numbers: 0.999960 beside 0.999961", () => {
    expect(fmtPAt(0.99996, 0.999961)).toBe('0.999960');
    expect(fmtPAt(0.99996, 0.999961)).not.toBe('1.000');
  });
});

describe('closing the preview gives the focus to the gallery', () => {
  const tiles = () => screen.queryAllByTestId(/^tile-\d+$/);

  test('its × and Escape inside it close it and leave the focus on the gallery, not the page', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    ctx.store.setState((s) => ({ views: { ...s.views, review: { ...s.views.review, filters: { ...s.views.review.filters, predicted: 'all' } } } }));
    renderWith(<ReviewScreen />, ctx);
    await until(() => expect(tiles().length).toBeGreaterThan(2));
    const gallery = screen.getByTestId('gallery');
    await user.click(tiles()[0]!);
    await user.keyboard('{Enter}');
    const close = await screen.findByTestId('preview-close');
    await user.click(close);
    expect(screen.queryByTestId('preview')).toBeNull();
    expect(document.activeElement).toBe(gallery);
    // Escape with the focus inside the preview (on its ×).
    await user.keyboard('{Enter}');
    (await screen.findByTestId('preview-close')).focus();
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('preview')).toBeNull();
    expect(document.activeElement).toBe(gallery);
  });
});

describe("the preview's 1:1 zoom from the keyboard", () => {
  const tiles = () => screen.queryAllByTestId(/^tile-\d+$/);

  test('the picture is a toggle button: Enter and Space switch fit and 1:1, the arrow keys pan the original and leave the gallery alone', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    ctx.store.setState((s) => ({ views: { ...s.views, review: { ...s.views.review, filters: { ...s.views.review.filters, predicted: 'all' } } } }));
    const { store } = renderWith(<ReviewScreen />, ctx);
    await until(() => expect(tiles().length).toBeGreaterThan(2));
    await user.click(tiles()[1]!);
    await user.keyboard('{Enter}');
    const pic = await screen.findByRole('button', { name: /at original size \(1:1\)/ });
    expect(pic).toBe(screen.getByTestId('preview-image'));
    expect(pic.tabIndex).toBe(0);
    expect(pic.getAttribute('aria-pressed')).toBe('false');
    const shown = store.getState().preview.imageId;
    const focus = store.getState().views.review.focus;
    pic.focus();
    await user.keyboard('{Enter}');
    expect(pic.dataset.zoom).toBe('1:1');
    expect(pic.getAttribute('aria-pressed')).toBe('true');
    expect(pic.querySelector('img')!.getAttribute('src')).toMatch(/\/files\/original\//);
    await user.keyboard('{ArrowRight}{ArrowRight}{ArrowDown}');
    expect(pic.scrollLeft).toBeGreaterThan(0);
    expect(pic.scrollTop).toBeGreaterThan(0);
    const left = pic.scrollLeft;
    await user.keyboard('{ArrowLeft}');
    expect(pic.scrollLeft).toBeLessThan(left);
    // The gallery kept its focus and the same image is previewed.
    expect(store.getState().views.review.focus).toBe(focus);
    expect(store.getState().preview.imageId).toBe(shown);
    await user.keyboard(' ');
    expect(pic.dataset.zoom).toBe('fit');
    expect(pic.getAttribute('aria-pressed')).toBe('false');
    expect(document.activeElement).toBe(pic);
  });
});

describe('the preview in the stacked layout (narrow window, 200% zoom)', () => {
  const tiles = () => screen.queryAllByTestId(/^tile-\d+$/);

  test('Enter scrolls the preview into view when it opens below the gallery, and not beside it', async () => {
    const user = userEvent.setup();
    let stacked = true;
    const matchMedia = vi.fn((query: string) => ({ matches: stacked && query === STACKED_LAYOUT, media: query }) as MediaQueryList);
    const scrolled: { el: Element; arg: unknown }[] = [];
    vi.stubGlobal('matchMedia', matchMedia);
    Element.prototype.scrollIntoView = function (this: Element, arg?: boolean | ScrollIntoViewOptions) {
      scrolled.push({ el: this, arg });
    };
    try {
      const ctx = setup();
      ctx.store.setState((s) => ({ views: { ...s.views, review: { ...s.views.review, filters: { ...s.views.review.filters, predicted: 'all' } } } }));
      renderWith(<ReviewScreen />, ctx);
      await until(() => expect(tiles().length).toBeGreaterThan(2));
      await user.click(tiles()[0]!);
      await user.keyboard('{Enter}');
      const preview = await screen.findByTestId('preview');
      await until(() => expect(scrolled.filter((s) => s.el === preview)).toEqual([{ el: preview, arg: { block: 'nearest' } }]));
      await user.keyboard('{Escape}');
      expect(screen.queryByTestId('preview')).toBeNull();
      // Beside the gallery (a wide window) it is in view already: no scroll.
      stacked = false;
      await user.keyboard('{Enter}');
      const beside = await screen.findByTestId('preview');
      await new Promise((r) => setTimeout(r, 50));
      expect(scrolled.filter((s) => s.el === beside)).toEqual([]);
    } finally {
      vi.unstubAllGlobals();
      delete (Element.prototype as Partial<Element>).scrollIntoView;
    }
  });
});
