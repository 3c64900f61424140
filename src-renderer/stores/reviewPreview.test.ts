// @vitest-environment jsdom
import { describe, expect, test } from 'vitest';
import { setup, until } from '../../test-support/renderer/render';

describe('an arrow key while the gallery refreshes (slider released)', () => {
  test('the arrow is kept, and the preview shows the focused tile once its page is there', async () => {
    const ctx = setup();
    const s = () => ctx.store.getState();
    await s().loadScores();
    await until(() => expect(s().views.review.pages.has(0)).toBe(true));
    await s().clickTile('review', 3);
    const x = s().itemAt('review', 3)!.image_id;
    await until(() => expect(s().preview.detail?.image_id).toBe(x));
    // Slider released at a lower threshold: the predicted-bad list grows, its first page is slow.
    const release = ctx.client.hold('review.page');
    s().moveThreshold(s().threshold - 0.1);
    await s().commitThreshold();
    // Arrow right before the new page is there.
    s().focusIndex('review', 4);
    await new Promise((r) => setTimeout(r, 150)); // the preview's 80 ms pause passes (no tile there: it shows nothing)
    release();
    await until(() => expect(s().views.review.pages.has(0)).toBe(true));
    // The focus stays where the arrow put it, not back on x.
    expect(s().views.review.focus).toBe(4);
    const focused = s().itemAt('review', 4)!.image_id;
    // The preview follows it (B/G in the preview label what it shows), its details loaded.
    await until(() => expect(s().preview.imageId).toBe(focused));
    await until(() => expect(s().preview.detail?.image_id).toBe(focused));
  });
});
