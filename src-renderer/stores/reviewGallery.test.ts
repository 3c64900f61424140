// @vitest-environment jsdom
import { describe, expect, test } from 'vitest';
import { setup, until } from '../../test-support/renderer/render';

/** A store with scores loaded, the review view's first page there, and tiles 0..9 selected. */
async function tenSelected() {
  const ctx = setup();
  const s = () => ctx.store.getState();
  await s().loadScores();
  await until(() => expect(s().views.review.pages.has(0)).toBe(true));
  await s().clickTile('review', 0);
  await s().clickTile('review', 9, { shift: true });
  const chosen = [...s().views.review.selection];
  expect(chosen).toHaveLength(10);
  return { ...ctx, s, chosen };
}

/** Resolves once the view has been refreshed since version `v0` and its first page is back. */
async function refreshed(s: () => ReturnType<Awaited<ReturnType<typeof tenSelected>>['store']['getState']>, v0: number) {
  await until(() => expect(s().views.review.version).toBeGreaterThan(v0));
  await until(() => expect(s().views.review.pages.has(0)).toBe(true));
}

describe('a background refresh keeps the selection', () => {
  test('library.changed from another window: the 10 images stay selected and B labels all 10', async () => {
    const { client, s, chosen } = await tenSelected();
    const off = s().connect();
    try {
      const v0 = s().views.review.version;
      client.emit('library.changed', { reason: 'elsewhere' });
      await refreshed(s, v0);
      expect(new Set(s().views.review.selection)).toEqual(new Set(chosen));
      expect(s().views.review.anchor).toBe(0);
      await s().setLabel('review', 'bad');
      const labelled = chosen.filter((id) => client.image(id)?.label === 'bad' && client.image(id)?.origin === 'curator');
      expect(labelled).toHaveLength(10);
    } finally {
      off();
    }
  });

  test('the slider released: the selection stays; the filters changed by the curator: it goes', async () => {
    const { s, chosen } = await tenSelected();
    let v0 = s().views.review.version;
    s().moveThreshold(s().threshold - 0.05);
    await s().commitThreshold();
    await refreshed(s, v0);
    expect(new Set(s().views.review.selection)).toEqual(new Set(chosen));
    v0 = s().views.review.version;
    s().setFilters('review', { predicted: 'all' });
    await refreshed(s, v0);
    expect(s().views.review.selection.size).toBe(0);
    expect(s().views.review.anchor).toBeNull();
  });

  test('a plain-clicked image that moves up the list keeps its selection, and a shift-range then starts from it', async () => {
    const ctx = setup({ images: 300 });
    const s = () => ctx.store.getState();
    await s().loadScores();
    // Flagged images, least sure first: a higher threshold takes the first ones off the list.
    s().setFilters('review', { predicted: 'bad', order: 'asc' });
    await until(() => expect(s().views.review.pages.has(0)).toBe(true));
    const y = s().itemAt('review', 6)!;
    await s().clickTile('review', 6);
    const v0 = s().views.review.version;
    s().moveThreshold(s().itemAt('review', 2)!.p_bad!);
    await s().commitThreshold();
    await refreshed(s, v0);
    await until(() => expect(s().itemAt('review', s().views.review.focus)?.image_id).toBe(y.image_id));
    const at = s().views.review.focus;
    expect(at).toBeLessThan(6);
    expect([...s().views.review.selection]).toEqual([y.image_id]);
    s().focusIndex('review', at + 1, { extend: true });
    expect(new Set(s().views.review.selection)).toEqual(new Set([y.image_id, s().itemAt('review', at + 1)!.image_id]));
  });
});
