// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { ReviewScreen } from './ReviewScreen';

const tiles = () => screen.queryAllByTestId(/^tile-\d+$/);

/** The Review screen on flagged images, least sure first (a higher threshold takes the first ones off the list). */
async function flaggedAscending() {
  const ctx = setup({ images: 300 });
  await ctx.store.getState().loadScores();
  ctx.store.getState().setFilters('review', { predicted: 'bad', order: 'asc' });
  const r = renderWith(<ReviewScreen />, ctx);
  await until(() => expect(tiles().length).toBeGreaterThan(8));
  return { ...r, s: () => r.store.getState() };
}

describe('a background refresh (the slider released) while its page is on its way', () => {
  test('the tiles stay; a click on one selects and previews that image, which the focus follows into the new list, and B labels it', async () => {
    const user = userEvent.setup();
    const { s, client } = await flaggedAscending();
    const y = s().itemAt('review', 6)!;
    const shownBefore = tiles().map((t) => t.dataset.testid);
    const release = client.hold('review.page');
    const v0 = s().views.review.version;
    // Drops the two images before Y: Y moves up to index 4.
    s().moveThreshold(s().itemAt('review', 2)!.p_bad!);
    await s().commitThreshold();
    await until(() => expect(s().views.review.version).toBeGreaterThan(v0));
    expect(s().views.review.pages.size).toBe(0);
    // The old tiles are still there, not blank placeholders.
    expect(tiles().map((t) => t.dataset.testid)).toEqual(shownBefore);
    // The curator clicks Y (under the pointer) before the new page comes.
    await user.click(screen.getByTestId(`tile-${y.image_id}`));
    expect([...s().views.review.selection]).toEqual([y.image_id]);
    await until(() => expect(screen.getByTestId('preview').dataset.imageId).toBe(String(y.image_id)));
    release();
    await until(() => expect(s().views.review.pages.has(0)).toBe(true));
    // The focus followed Y to its place in the new list; the selection and the preview are still Y.
    await until(() => expect(s().itemAt('review', s().views.review.focus)?.image_id).toBe(y.image_id));
    expect(s().views.review.focus).toBeLessThan(6);
    expect(screen.getByTestId(`tile-${y.image_id}`).dataset.focused).toBe('true');
    expect([...s().views.review.selection]).toEqual([y.image_id]);
    expect(screen.getByTestId('preview').dataset.imageId).toBe(String(y.image_id));
    // The old tiles are gone now that the new ones are here: two fewer images, none shown twice.
    expect(s().views.review.previous.size).toBe(0);
    const ids = tiles().map((t) => t.dataset.testid);
    expect(new Set(ids).size).toBe(ids.length);
    screen.getByTestId('gallery').focus();
    await user.keyboard('b');
    await until(() => expect(client.callsOf('labels.set')).toEqual([{ imageIds: [y.image_id], label: 'bad' }]));
  });

  test('a click on an old tile whose image the new list drops: its selection goes, the preview follows the focused tile', async () => {
    const user = userEvent.setup();
    const { s, client } = await flaggedAscending();
    const gone = s().itemAt('review', 1)!;
    const release = client.hold('review.page');
    s().moveThreshold(s().itemAt('review', 3)!.p_bad!);
    await s().commitThreshold();
    await user.click(screen.getByTestId(`tile-${gone.image_id}`));
    await until(() => expect(screen.getByTestId('preview').dataset.imageId).toBe(String(gone.image_id)));
    release();
    await until(() => expect(s().views.review.pages.has(0)).toBe(true));
    expect(screen.queryByTestId(`tile-${gone.image_id}`)).toBeNull();
    const now = s().itemAt('review', s().views.review.focus)!;
    await until(() => expect(screen.getByTestId('preview').dataset.imageId).toBe(String(now.image_id)));
    expect(s().views.review.selection.size).toBe(0);
  });

  test('a shift-click on the old tiles selects the images shown between its ends, and B labels those', async () => {
    const user = userEvent.setup();
    const { s, client } = await flaggedAscending();
    const between = [2, 3, 4, 5].map((i) => s().itemAt('review', i)!.image_id);
    const release = client.hold('review.page');
    s().moveThreshold(s().itemAt('review', 2)!.p_bad!);
    await s().commitThreshold();
    await user.click(screen.getByTestId(`tile-${between[0]}`));
    await user.keyboard('{Shift>}');
    await user.click(screen.getByTestId(`tile-${between[3]}`));
    await user.keyboard('{/Shift}');
    await until(() => expect(new Set(s().views.review.selection)).toEqual(new Set(between)), 1000);
    release();
    await until(() => expect(s().views.review.pages.has(0)).toBe(true));
    expect(new Set(s().views.review.selection)).toEqual(new Set(between));
    // The focus is on the image shift-clicked, in its new place.
    await until(() => expect(s().itemAt('review', s().views.review.focus)?.image_id).toBe(between[3]));
    screen.getByTestId('gallery').focus();
    await user.keyboard('b');
    await until(() => expect(client.callsOf('labels.set')).toHaveLength(1));
    expect(new Set(client.callsOf('labels.set')[0]!.imageIds)).toEqual(new Set(between));
  });

  test('a new filter does not show the old results while its first page is on its way', async () => {
    const { s, client } = await flaggedAscending();
    const release = client.hold('review.page');
    s().setFilters('review', { label: 'good' });
    await until(() => expect(tiles()).toHaveLength(0));
    release();
    await until(() => expect(tiles().length).toBeGreaterThan(0));
    for (const t of tiles()) expect(t.dataset.label).toBe('good');
  });
});
