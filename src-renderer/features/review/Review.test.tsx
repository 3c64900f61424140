// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { formatProbability, formatThreshold, ThresholdIndex } from '../../../src-shared/domain/threshold';
import { ThresholdSketch } from '../../../src-shared/domain/thresholdSketch';
import { fmtInt, fmtPct } from '../../components/format';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { PAGE_SIZE } from '../../stores/review';
import { ReviewScreen } from './ReviewScreen';
import { thresholdGuide } from './ThresholdSlider';

function tiles(): HTMLElement[] {
  return screen.queryAllByTestId(/^tile-\d+$/);
}

async function renderReview(options: Parameters<typeof setup>[0] = {}, predicted?: 'all') {
  const ctx = setup(options);
  if (predicted) ctx.store.setState((s) => ({ views: { ...s.views, review: { ...s.views.review, filters: { ...s.views.review.filters, predicted } } } }));
  const r = renderWith(<ReviewScreen />, ctx);
  await until(() => expect(tiles().length).toBeGreaterThan(0));
  return r;
}

describe('Review screen', () => {
  test('renders only a window of tiles for 10,000 images', async () => {
    const { store, client } = await renderReview({ images: 10_000, runs: 1, features: false }, 'all');
    const gallery = screen.getByTestId('gallery');
    expect(gallery.dataset.total).toBe('10000');
    expect(store.getState().views.review.total).toBe(10_000);
    const n = tiles().length;
    expect(n).toBeGreaterThan(10);
    expect(n).toBeLessThan(200);
    // Only the first page(s) were asked for, not 100,000 items.
    const fetched = client.callsOf('review.page').reduce((a, c) => a + c.limit, 0);
    expect(fetched).toBeLessThanOrEqual(600);
    // The scroll height is known before anything else loads.
    const inner = gallery.querySelector<HTMLElement>('.gallery__inner')!;
    expect(parseInt(inner.style.height, 10)).toBeGreaterThan(100_000);
    // Thumbnails by URL, lazily, never inline data.
    const img = tiles()[0]!.querySelector('img')!;
    expect(img.getAttribute('src')).toMatch(/files\/thumb\/\d+$/);
    expect(img.getAttribute('loading')).toBe('lazy');
  });

  test('scrolling within the rendered rows renders nothing; a new row range renders the rows now in view, placed by their window', async () => {
    await renderReview({ images: 10_000, runs: 1, features: false }, 'all');
    const gallery = screen.getByTestId('gallery');
    const win = gallery.querySelector<HTMLElement>('.gallery__window')!;
    const cols = Number(gallery.dataset.cols);
    let top = 0;
    Object.defineProperty(gallery, 'scrollTop', { configurable: true, get: () => top, set: (v: number) => (top = v) });
    const scrollTo = (y: number) =>
      act(() => {
        top = y;
        gallery.dispatchEvent(new Event('scroll'));
      });
    const rows = () => [...gallery.querySelectorAll<HTMLElement>('.gallery__row')];
    const before = rows();
    const transform0 = win.style.transform;
    // A few pixels: the same row elements, not rendered again (below the height cap the browser's
    // own scrolling moves them; past it, only the window's transform would change).
    scrollTo(7);
    expect(rows().length).toBe(before.length);
    expect(rows().every((r, i) => r === before[i])).toBe(true);
    expect(rows().map((r) => r.style.transform)).toEqual(before.map((r) => r.style.transform));
    expect(win.style.transform).toBe(transform0);
    // Far down: the rows there, and their tiles once fetched.
    scrollTo(184 * 400);
    const first = Number(rows()[0]!.getAttribute('aria-rowindex')) - 1;
    expect(first).toBeGreaterThan(390);
    expect(first).toBeLessThanOrEqual(400);
    await until(() => expect(gallery.querySelector(`[data-index="${400 * cols}"]`)?.getAttribute('data-testid')).toMatch(/^tile-\d+$/));
    // The window sits where its first row belongs: row `first` of the real content, under the scroll position.
    expect(win.style.transform).toBe(`translateY(${10 + first * 184}px)`);
  });

  test('tiles expose label, origin and p(bad)', async () => {
    const { client } = await renderReview();
    const t = tiles()[0]!;
    const id = Number(t.dataset.testid!.slice(5));
    const m = client.image(id)!;
    expect(t.dataset.label).toBe(m.label ?? 'none');
    expect(t.dataset.origin).toBe('import');
    expect(Number(t.dataset.pbad)).toBe(m.p_bad);
  });

  test('B / G / U label the focused tile, Z undoes, each with the right call', async () => {
    const user = userEvent.setup();
    const { client } = await renderReview();
    const first = tiles()[0]!;
    const id = Number(first.dataset.testid!.slice(5));
    await user.click(first);
    expect(screen.getByTestId('preview')).toBeTruthy();
    await user.keyboard('b');
    await until(() => expect(client.callsOf('labels.set')).toEqual([{ imageIds: [id], label: 'bad' }]));
    await until(() => expect(screen.getByTestId(`tile-${id}`).dataset.label).toBe('bad'));
    expect(screen.getByTestId(`tile-${id}`).dataset.origin).toBe('curator');
    await user.keyboard('g');
    await until(() => expect(client.callsOf('labels.set').at(-1)).toEqual({ imageIds: [id], label: 'good' }));
    await until(() => expect(screen.getByTestId(`tile-${id}`).dataset.label).toBe('good'));
    await user.keyboard('u');
    await until(() => expect(client.callsOf('labels.set').at(-1)).toEqual({ imageIds: [id], label: null }));
    await until(() => expect(screen.getByTestId(`tile-${id}`).dataset.label).toBe('none'));
    await user.keyboard('z');
    await until(() => expect(client.callsOf('labels.undo')).toEqual([{ batchId: expect.any(Number) }]));
    await until(() => expect(screen.getByTestId(`tile-${id}`).dataset.label).toBe('good'));
  });

  test('arrows move the focus, shift-click selects a range and B labels it in one call', async () => {
    const user = userEvent.setup();
    const { client, store } = await renderReview();
    const cols = Number(screen.getByTestId('gallery').dataset.cols);
    await user.click(tiles()[0]!);
    await user.keyboard('{ArrowRight}{ArrowDown}');
    expect(store.getState().views.review.focus).toBe(1 + cols);
    await until(() => expect(tiles().find((t) => t.dataset.focused === 'true')?.dataset.index).toBe(String(1 + cols)));
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('preview')).toBeNull();
    const [a, , , d] = tiles();
    await user.click(a!);
    await user.keyboard('{Escape}');
    await user.keyboard('{Shift>}');
    await user.click(d!);
    await user.keyboard('{/Shift}');
    expect(screen.getByTestId('selection-count').dataset.value).toBe('4');
    const ids = tiles()
      .slice(0, 4)
      .map((t) => Number(t.dataset.testid!.slice(5)));
    await user.keyboard('b');
    await until(() => expect(client.callsOf('labels.set').at(-1)).toEqual({ imageIds: expect.arrayContaining(ids), label: 'bad' }));
    expect(client.callsOf('labels.set').at(-1)!.imageIds).toHaveLength(4);
    // ctrl-click toggles one out
    await user.keyboard('{Control>}');
    await user.click(tiles()[1]!);
    await user.keyboard('{/Control}');
    expect(screen.getByTestId('selection-count').dataset.value).toBe('3');
  });

  test("the run's point estimate is on the slider with its error bar, and a click browses there", async () => {
    const { client, store } = await renderReview({ images: 400, recommended: 0.61 });
    const raw = await client.call('review.scores', {});
    const est = raw.estimate!;
    expect(est).toBeTruthy();
    const marker = await screen.findByTestId('threshold-estimate-marker');
    expect(marker.dataset.value).toBe(String(est.threshold));
    const button = screen.getByTestId('threshold-use-estimate');
    expect(button.textContent).toContain(formatThreshold(est.threshold));
    expect(button.textContent).toContain(`${fmtPct(est.error_interval[0])}–${fmtPct(est.error_interval[1])}`);
    expect(screen.getByTestId('threshold-guide').textContent).toContain(`Point estimate: ${formatThreshold(est.threshold)}`);
    fireEvent.click(button);
    expect(store.getState().draftThreshold).toBe(est.threshold);
    // Exact there (the sketch counts it), and browsing saves nothing.
    const all = new ThresholdIndex(client.images.map((m) => m.p_bad));
    expect(screen.getByTestId('threshold-flagged').dataset.value).toBe(String(all.flagged(est.threshold)));
    await until(() => expect(client.callsOf('review.page').at(-1)).toMatchObject({ threshold: est.threshold }));
    expect(client.callsOf('ml.setThreshold')).toHaveLength(0);
  });

  test('the slider updates flagged, coverage and error on every move without refetching', async () => {
    const { client } = await renderReview({ recommended: 0.7 });
    const raw = await client.call('review.scores', {});
    // The exact answers, from every score (the page gets only the sketch).
    const all = new ThresholdIndex(client.images.map((m) => m.p_bad));
    const heldImages = client.images.filter((m) => m.heldout && m.label !== null);
    const held = new ThresholdIndex(
      heldImages.map((m) => m.p_bad),
      heldImages.map((m) => (m.label === 'bad' ? 1 : 0)),
    );
    const pagesBefore = client.callsOf('review.page').length;
    const slider = screen.getByTestId('threshold-slider') as HTMLInputElement;
    // Positions on the slider's log-odds grid, and the thresholds they stand for.
    const grid = new ThresholdSketch(raw.sketch);
    expect(slider.max).toBe(String(grid.bins));
    const [t02, t055, t09] = [354, 407, 473].map((k) => grid.threshold(k)) as [number, number, number];
    expect([t02, t055, t09].map((t) => t.toFixed(2))).toEqual(['0.20', '0.55', '0.90']);
    for (const [k, t] of [[354, t02], [407, t055], [473, t09]] as const) {
      fireEvent.input(slider, { target: { value: String(k) } });
      expect(screen.getByTestId('threshold-value').dataset.value).toBe(String(t));
      const h = held.at(t);
      expect(screen.getByTestId('threshold-flagged').dataset.value).toBe(String(all.flagged(t)));
      expect(screen.getByTestId('threshold-flagged').textContent).toContain(fmtInt(all.flagged(t)));
      expect(screen.getByTestId('threshold-coverage').textContent).toContain(fmtPct(h.coverage));
      expect(screen.getByTestId('threshold-error').textContent).toContain(fmtPct(h.error));
      expect(screen.getByTestId('threshold-error').textContent).toContain(fmtPct(h.error_upper));
    }
    expect(client.callsOf('review.page')).toHaveLength(pagesBefore);
    expect(client.callsOf('ml.setThreshold')).toHaveLength(0);
    // Release: refetched with the new threshold, but browsing saves nothing.
    fireEvent.pointerUp(slider);
    await until(() => expect(client.callsOf('review.page').at(-1)).toMatchObject({ threshold: t09, predicted: 'bad' }));
    expect(client.callsOf('ml.setThreshold')).toHaveLength(0);
    const rec = screen.getByTestId('threshold-recommended');
    expect(rec.dataset.value).toBe(String(raw.recommended));
    expect(screen.getByTestId('threshold-guide').textContent).toContain(`have p(bad) ≥ ${formatThreshold(t09)} and would be tagged bad`);
    // Explicit: this threshold for export, then undo.
    fireEvent.click(screen.getByTestId('threshold-use-for-export'));
    // It names the run whose scores it shows (another window may make another run active meanwhile).
    await until(() => expect(client.callsOf('ml.setThreshold')).toEqual([{ threshold: t09, runId: raw.run_id }]));
    await until(() => expect(screen.getByTestId('threshold-export').dataset.value).toBe(String(t09)));
    expect(screen.getByTestId('threshold-export').dataset.source).toBe('curator');
    fireEvent.click(screen.getByTestId('threshold-export-undo'));
    // Undo names the value it takes back, so one set elsewhere meanwhile is never overwritten.
    await until(() => expect(client.callsOf('ml.setThreshold').at(-1)).toEqual({ threshold: raw.curator, runId: raw.run_id, expected: t09 }));
  });

  test('the first page does not wait for the slider data; the scores keep pages answered at the same run and threshold', async () => {
    const ctx = setup({ recommended: 0.7 });
    const release = ctx.client.hold('review.scores');
    renderWith(<ReviewScreen />, ctx);
    // Tiles while the scores are still held: the core answered at its threshold in force.
    await until(() => expect(tiles().length).toBeGreaterThan(0));
    expect(ctx.store.getState().scoresStatus).toBe('loading');
    const reviewPages = () => ctx.client.callsOf('review.page').filter((c) => !c.issuesOnly);
    const first = reviewPages();
    expect(first[0]!.threshold).toBeUndefined();
    const inForce = (await ctx.lib.core.call('review.scores', {})).in_force.threshold;
    const basis = ctx.store.getState().views.review.basis;
    expect(basis).toEqual({ runId: ctx.client.runs.find((r) => r.active)?.run_id ?? expect.any(Number), threshold: inForce });
    for (const t of tiles()) expect(Number(t.dataset.pbad)).toBeGreaterThanOrEqual(inForce);
    release();
    await until(() => expect(ctx.store.getState().scoresStatus).toBe('ready'));
    // Same run, same threshold: nothing refetched, the tiles stay.
    await new Promise((r) => setTimeout(r, 100));
    expect(reviewPages()).toHaveLength(first.length);
    expect(tiles().length).toBeGreaterThan(0);
  });

  test('pages answered for another threshold are refetched when the scores come', async () => {
    const ctx = setup({ recommended: 0.7 });
    const release = ctx.client.hold('review.scores');
    renderWith(<ReviewScreen />, ctx);
    await until(() => expect(tiles().length).toBeGreaterThan(0));
    const reviewPages = () => ctx.client.callsOf('review.page').filter((c) => !c.issuesOnly);
    const n = reviewPages().length;
    // Another tab sets the curator threshold before this one's scores arrive.
    await ctx.lib.core.call('ml.setThreshold', { threshold: 0.95 });
    release();
    await until(() => expect(reviewPages().length).toBeGreaterThan(n));
    expect(reviewPages().at(-1)).toMatchObject({ threshold: 0.95, predicted: 'bad' });
    await until(() => expect(ctx.store.getState().views.review.basis?.threshold).toBe(0.95));
  });

  test('the preview shows the details of the clicked image', async () => {
    const user = userEvent.setup();
    const { client } = await renderReview();
    const t = tiles()[2]!;
    const id = t.dataset.testid!.slice(5);
    await user.click(t);
    const preview = await screen.findByTestId('preview');
    expect(preview.dataset.imageId).toBe(id);
    await until(() => expect(within(preview).getByTestId('preview-label')).toBeTruthy());
    expect(preview.querySelector('img')!.getAttribute('src')).toBe(client.fileUrl('preview', Number(id)));
    expect(within(preview).getByText(/Sources/)).toBeTruthy();
    // Why the active run scored it so: the core's attribution, in words, largest push towards bad first.
    const detail = await client.call('images.get', { imageId: Number(id) });
    const strong = detail.attribution!.parts.filter((p) => Math.abs(p.logit) >= 0.1);
    const why = within(preview).getByTestId('preview-attribution');
    // It explains the score shown, or says which score it explains (an out-of-fold p(bad) is no one model's).
    expect(why.textContent).toContain(
      detail.attribution!.shown_score === 'final_model' ? `Why p(bad) ${formatProbability(detail.attribution!.p_bad)}` : `Why the run's final model scores it ${formatProbability(detail.attribution!.p_bad)}`,
    );
    expect(within(why).queryAllByTestId(/^attribution-/).map((r) => r.dataset.testid)).toEqual(strong.map((p) => `attribution-${p.name}`));
    await act(async () => {
      fireEvent.click(within(preview).getByTestId('preview-close'));
    });
    expect(screen.queryByTestId('preview')).toBeNull();
  });

  test("the slider's guide words the thresholds for the run's own target error", () => {
    const n = { threshold: 0.9, flagged: 12, scored: 100, coverage: 0.5, error: 0.02, errorUpper: 0.08, heldoutFlagged: 10, heldoutSize: 40 };
    const estimate = { threshold: 0.8, error: 0.09, error_interval: [0.03, 0.2] as [number, number], coverage: 0.7, flagged: 30 };
    const ten = thresholdGuide(n, { recommended: null, bestBound: 0.95, estimate, targetError: 0.1 });
    expect(ten).toContain('No threshold is proven to keep the error ≤ 10% yet: that needs at least 29 flagged');
    expect(ten).toContain('observed error is ≤ 10%');
    const five = thresholdGuide(n, { recommended: 0.97, bestBound: null, estimate: null, targetError: 0.05 });
    expect(five).toContain('whose error is proven ≤ 5%');
    expect(five).not.toContain('Point estimate');
    // A target under 1% keeps its digits, as the Train form states it (0.1%), never "≤ 0%".
    const tenth = thresholdGuide(n, { recommended: null, bestBound: null, estimate, targetError: 0.001 });
    expect(tenth).toContain('No threshold is proven to keep the error ≤ 0.1% yet');
    expect(tenth).toContain('observed error is ≤ 0.1%');
    expect(tenth).not.toContain('≤ 0%');
    expect(thresholdGuide(n, { recommended: 0.97, bestBound: null, estimate: null, targetError: 0.075 })).toContain('whose error is proven ≤ 7.5%');
  });

  test('after the slider refetches the grid, the focus stays on the previewed image while it is listed, and B and the preview buttons label the image shown', async () => {
    const user = userEvent.setup();
    const ctx = setup({ images: 300 });
    await ctx.store.getState().loadScores();
    // Flagged images, least sure first: a higher threshold takes the first ones off the list.
    ctx.store.getState().setFilters('review', { predicted: 'bad', order: 'asc' });
    const { store, client } = renderWith(<ReviewScreen />, ctx);
    await until(() => expect(tiles().length).toBeGreaterThan(8));
    const s = () => store.getState();
    const y = s().itemAt('review', 6)!;
    // A refresh that keeps Y but drops the two before it: the focus follows Y to its new place.
    await user.click(screen.getByTestId(`tile-${y.image_id}`));
    await until(() => expect(screen.getByTestId('preview').dataset.imageId).toBe(String(y.image_id)));
    s().moveThreshold(s().itemAt('review', 2)!.p_bad!);
    await s().commitThreshold();
    await until(() => expect(s().views.review.pages.has(0)).toBe(true));
    await until(() => expect(s().itemAt('review', s().views.review.focus)?.image_id).toBe(y.image_id));
    expect(s().views.review.focus).toBeLessThan(6);
    expect(screen.getByTestId('preview').dataset.imageId).toBe(String(y.image_id));
    // A refresh that drops the previewed image: the preview follows the focus before any key.
    await user.click(screen.getByTestId(`tile-${s().itemAt('review', 0)!.image_id}`));
    const first = s().itemAt('review', 0)!;
    await until(() => expect(screen.getByTestId('preview').dataset.imageId).toBe(String(first.image_id)));
    s().moveThreshold(Math.min(0.999999, s().itemAt('review', 1)!.p_bad! + 1e-9));
    await s().commitThreshold();
    await until(() => expect(s().views.review.pages.has(0)).toBe(true));
    expect(screen.queryByTestId(`tile-${first.image_id}`)).toBeNull();
    const now = s().itemAt('review', s().views.review.focus)!;
    expect(now.image_id).not.toBe(first.image_id);
    await until(() => expect(screen.getByTestId('preview').dataset.imageId).toBe(String(now.image_id)));
    screen.getByTestId('gallery').focus();
    await user.keyboard('b');
    await until(() => expect(client.callsOf('labels.set')).toHaveLength(1));
    expect(client.callsOf('labels.set')[0]!.imageIds).toEqual([now.image_id]);
    // The preview's own button labels the image it shows, even with others selected.
    await user.keyboard('{Shift>}{ArrowRight}{ArrowRight}{/Shift}');
    await until(() => expect(s().views.review.selection.size).toBe(3));
    // The preview follows the focus (two to the right) once its details have loaded.
    const focused = s().itemAt('review', s().views.review.focus)!.image_id;
    await until(() => expect(screen.getByTestId('preview').dataset.imageId).toBe(String(focused)));
    await until(() => expect(within(screen.getByTestId('preview')).getByTestId('preview-label')).toBeTruthy());
    const shown = Number(screen.getByTestId('preview').dataset.imageId);
    await user.click(within(screen.getByTestId('preview')).getByRole('button', { name: 'Good' }));
    await until(() => expect(client.callsOf('labels.set')).toHaveLength(2));
    expect(client.callsOf('labels.set')[1]!.imageIds).toEqual([shown]);
  });

  test('relabelling in a view filtered by label leaves no image unreachable: the tiles stay until the next page is needed, then the list is refetched, the focus kept', async () => {
    const { store, client } = setup({ images: 3000 });
    const s = () => store.getState();
    await s().loadScores();
    s().setFilters('review', { predicted: 'all', label: 'bad' });
    await until(() => expect(s().views.review.pages.has(0)).toBe(true));
    const total0 = s().views.review.total!;
    expect(total0).toBeGreaterThan(2 * PAGE_SIZE);
    const query = { predicted: 'all', label: 'bad', sort: 'confidence', order: 'desc', threshold: s().threshold } as const;
    const before = (await client.call('review.page', { ...query, offset: 0, limit: 1000 })).items.map((it) => it.image_id);
    // The first ten marked good (a shift-range, then G), the focus then on the eleventh.
    await s().clickTile('review', 0);
    await s().clickTile('review', 9, { shift: true });
    await s().setLabel('review', 'good');
    s().focusIndex('review', 10);
    // They stay in place, relabelled, to be looked at or undone.
    await new Promise((r) => setTimeout(r, 200));
    expect(s().itemAt('review', 0)).toMatchObject({ image_id: before[0], label: 'good' });
    expect(s().views.review.total).toBe(total0);
    // Scrolling on: the view is fetched again, without the ten, on the same image, and nothing is skipped.
    s().ensureRange('review', PAGE_SIZE, 2 * PAGE_SIZE - 1);
    await until(() => expect(s().views.review.pages.has(1)).toBe(true));
    expect(s().views.review.total).toBe(total0 - 10);
    s().ensureRange('review', 0, 2 * PAGE_SIZE - 1);
    await until(() => expect(s().views.review.pages.has(0)).toBe(true));
    expect(s().itemAt('review', s().views.review.focus)?.image_id).toBe(before[10]);
    const shown = new Set([...s().views.review.pages.values()].flat().map((it) => it.image_id));
    expect(before.slice(10, 2 * PAGE_SIZE + 10).filter((id) => !shown.has(id))).toEqual([]);
  });


  test('a new filter or order starts at its first tile, even with an image previewed', async () => {
    const { store } = setup({ images: 400 });
    const s = () => store.getState();
    await s().loadScores();
    s().setFilters('review', { predicted: 'all' });
    await until(() => expect(s().views.review.pages.has(0)).toBe(true));
    await s().clickTile('review', 5);
    expect(s().preview.open).toBe(true);
    s().setFilters('review', { order: 'asc' });
    await until(() => expect(s().views.review.pages.has(0)).toBe(true));
    await new Promise((r) => setTimeout(r, 50));
    expect(s().views.review.focus).toBe(0);
  });

  test('two refreshes in a row (a local one, then the pushed one) still keep the focus on the previewed image', async () => {
    const { store } = setup({ images: 300 });
    const s = () => store.getState();
    await s().loadScores();
    s().setFilters('review', { predicted: 'bad', order: 'asc' });
    await until(() => expect(s().views.review.pages.has(0)).toBe(true));
    const y = s().itemAt('review', 6)!;
    await s().clickTile('review', 6);
    // A higher threshold drops the first images: Y moves up. Two refreshes before any page is back.
    s().moveThreshold(s().itemAt('review', 2)!.p_bad!);
    await s().commitThreshold();
    s().refreshView('review');
    await until(() => expect(s().views.review.pages.has(0)).toBe(true));
    await until(() => expect(s().itemAt('review', s().views.review.focus)?.image_id).toBe(y.image_id));
    expect(s().views.review.focus).toBeLessThan(6);
  });

  test('Shift+End over more images than the gallery keeps loaded (10,000) selects every one of them', async () => {
    const { store } = setup({ images: 10_000 });
    const s = () => store.getState();
    await s().loadScores();
    s().setFilters('review', { predicted: 'all' });
    await until(() => expect(s().views.review.total).toBe(10_000));
    await s().clickTile('review', 0);
    s().focusIndex('review', 9_999, { extend: true });
    await until(() => expect(s().views.review.selection.size).toBe(10_000), 30_000);
    expect(s().views.review.pages.size).toBeLessThan(50);
  }, 60_000);
});

