// @vitest-environment jsdom
import { describe, expect, test } from 'vitest';
import { setup, until } from '../../test-support/renderer/render';

describe('the preview when the list it previews becomes empty', () => {
  test('a filter that matches nothing: the preview names no image (B had nothing to label while it showed the old one)', async () => {
    const ctx = setup();
    const s = () => ctx.store.getState();
    await s().loadScores();
    await until(() => expect(s().views.review.pages.has(0)).toBe(true));
    await s().clickTile('review', 2);
    const x = s().itemAt('review', 2)!.image_id;
    await until(() => expect(s().preview.detail?.image_id).toBe(x));
    s().setFilters('review', { taxon: 'Nosuchgenus' });
    await until(() => expect(s().views.review.total).toBe(0));
    await until(() => expect(s().preview.imageId).toBeNull());
    expect(s().preview.open).toBe(true);
    // And back: the preview shows the first tile of the widened list.
    s().setFilters('review', { taxon: '' });
    await until(() => expect(s().views.review.pages.has(0)).toBe(true));
    await until(() => expect(s().preview.imageId).toBe(s().itemAt('review', 0)!.image_id));
  });
});
