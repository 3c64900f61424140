// @vitest-environment jsdom
import { describe, expect, test } from 'vitest';
import { setup, until } from '../../test-support/renderer/render';
import { PAGE_SIZE } from './reviewGallery';

/** A store on every image (3,000: 15 pages), the first page loaded, the first tile clicked. */
async function clickedFirst() {
  const ctx = setup({ images: 3000 });
  const s = () => ctx.store.getState();
  await s().loadScores();
  s().setFilters('review', { predicted: 'all' });
  await until(() => expect(s().views.review.pages.has(0)).toBe(true));
  await s().clickTile('review', 0);
  return { ...ctx, s };
}

describe('a key that moves the focus onto a tile whose page is not loaded yet', () => {
  test('End: the last tile is selected when its page comes, as an arrow on a loaded tile selects it; B labels it', async () => {
    const { s, client } = await clickedFirst();
    const last = s().views.review.total! - 1;
    s().focusIndex('review', last);
    expect(s().views.review.pages.has(Math.floor(last / PAGE_SIZE))).toBe(false);
    // The grid scrolls there and asks for the rows in view.
    s().ensureRange('review', last - 40, last);
    await until(() => expect(s().itemAt('review', last)).toBeDefined());
    const it = s().itemAt('review', last)!;
    expect([...s().views.review.selection]).toEqual([it.image_id]);
    expect(s().views.review.anchor).toBe(last);
    // A ctrl-click then adds to it, as after an arrow.
    await s().clickTile('review', last - 1, { toggle: true });
    expect(s().views.review.selection.size).toBe(2);
    await s().setLabel('review', 'bad');
    expect(client.image(it.image_id)).toMatchObject({ label: 'bad', origin: 'curator' });
  });

  test('End, then Escape before the page comes: nothing is selected when it comes', async () => {
    const { s } = await clickedFirst();
    const last = s().views.review.total! - 1;
    s().focusIndex('review', last);
    s().clearSelection('review');
    s().ensureRange('review', last - 40, last);
    await until(() => expect(s().itemAt('review', last)).toBeDefined());
    expect(s().views.review.selection.size).toBe(0);
    expect(s().views.review.focus).toBe(last);
  });
});

describe('a range asked for while a refresh is on its way', () => {
  test('Ctrl+A over more pages than the old tiles cover selects exactly the new list, none of the old tiles that left it', async () => {
    const ctx = setup({ images: 3000 });
    const s = () => ctx.store.getState();
    await s().loadScores();
    s().setFilters('review', { predicted: 'all', label: 'good', sort: 'id', order: 'asc' });
    await until(() => expect(s().views.review.pages.has(0)).toBe(true));
    expect(s().views.review.total).toBeGreaterThan(2 * PAGE_SIZE);
    // Another window labels the first ten good images bad; this window's list is refreshed.
    const gone = s().views.review.pages.get(0)!.slice(0, 10).map((it) => it.image_id);
    await ctx.lib.core.call('labels.set', { imageIds: gone, label: 'bad' });
    const release = ctx.client.hold('review.page');
    s().refreshView('review');
    const asked = s().selectRange('review', 0, s().views.review.total! - 1);
    release();
    await asked;
    const want = ctx.client.images.filter((m) => m.label === 'good').map((m) => m.id);
    expect(new Set(s().views.review.selection)).toEqual(new Set(want));
  });
});

describe('Ctrl+A on a view of more pages than the session takes calls at once', () => {
  // The in-memory transport runs every call through the real CallSession, which refuses a call
  // beyond 64 in flight (core/session.ts), as `qc serve` and the desktop app do.
  test('16,000 images (80 pages): every one is selected, no call is refused, and B labels them all', async () => {
    const ctx = setup({ images: 16_000 });
    const s = () => ctx.store.getState();
    await s().loadScores();
    s().setFilters('review', { predicted: 'all' });
    await until(() => expect(s().views.review.total).toBe(16_000));
    expect(16_000 / PAGE_SIZE).toBeGreaterThan(64);
    await s().selectRange('review', 0, s().views.review.total! - 1);
    expect(s().toasts.filter((t) => t.kind === 'error').map((t) => t.text)).toEqual([]);
    expect(s().views.review.selection.size).toBe(16_000);
    await s().setLabel('review', 'good');
    expect(ctx.client.images.every((m) => m.label === 'good' && m.origin === 'curator')).toBe(true);
  }, 60_000);

  test('a second range asked while the first fetches: the first stops asking for pages', async () => {
    const ctx = setup({ images: 16_000 });
    const s = () => ctx.store.getState();
    await s().loadScores();
    s().setFilters('review', { predicted: 'all' });
    await until(() => expect(s().views.review.total).toBe(16_000));
    const before = ctx.client.callsOf('review.page').length;
    const first = s().selectRange('review', 0, 15_999);
    await s().selectRange('review', 0, 10);
    await first;
    expect(s().views.review.selection.size).toBe(11);
    // Only the pages already asked for when the curator moved on, not all 79 it lacked.
    expect(ctx.client.callsOf('review.page').length - before).toBeLessThan(40);
  }, 60_000);
});

describe('a range still loading its pages when the curator chooses otherwise', () => {
  test('Escape, or a click on one tile, during a Ctrl+A is not overridden by the range when its pages come', async () => {
    const { s, client } = await clickedFirst();
    const total = s().views.review.total!;
    // Escape while the range's pages are held.
    let release = client.hold('review.page');
    const escaped = s().selectRange('review', 0, total - 1);
    s().clearSelection('review');
    release();
    await escaped;
    expect(s().views.review.selection.size).toBe(0);
    // A click on one tile.
    release = client.hold('review.page');
    const clicked = s().selectRange('review', 0, total - 1);
    await s().clickTile('review', 3);
    release();
    await clicked;
    expect([...s().views.review.selection]).toEqual([s().itemAt('review', 3)!.image_id]);
  });
});
