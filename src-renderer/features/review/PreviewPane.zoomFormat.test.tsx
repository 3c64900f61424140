// @vitest-environment jsdom
// The 1:1 view of an original a browser cannot show (a TIFF; Chromium decodes none): the preview at
// its own size, said so, not a broken picture said to be "missing or cannot be read" (hostile audit
// 2, M3). A JPEG's 1:1 view stays its original. The real core; the seeded rows' formats set as an
// import of those files would have stored them.
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { ReviewScreen } from './ReviewScreen';

const tiles = () => screen.queryAllByTestId(/^tile-\d+$/);
const idOf = (el: HTMLElement) => Number(el.dataset.testid!.slice(5));

test("a TIFF's 1:1 view is its preview at its own size, said so; a JPEG's is its original", async () => {
  const user = userEvent.setup();
  const ctx = setup();
  renderWith(<ReviewScreen />, ctx);
  await until(() => expect(tiles().length).toBeGreaterThan(2));
  const [tiff, jpeg] = tiles().map(idOf) as [number, number];
  ctx.lib.core.context.db.prepare("UPDATE images SET format = 'tiff' WHERE id = ?").run(tiff);

  for (const [id, format] of [
    [tiff, 'tiff'],
    [jpeg, 'jpeg'],
  ] as const) {
    await user.click(screen.getByTestId(`tile-${id}`));
    const preview = await screen.findByTestId('preview');
    await until(() => expect(preview.dataset.imageId).toBe(String(id)));
    await until(() => expect(within(preview).getByTestId('preview-label')).toBeTruthy());
    const zoomable = within(preview).getByTestId('preview-image');
    zoomable.focus();
    await user.keyboard('{Enter}');
    await until(() => expect(zoomable.dataset.zoom).toBe('1:1'));
    const src = within(zoomable).getByRole('img').getAttribute('src')!;
    if (format === 'tiff') {
      expect(src).toBe(ctx.client.fileUrl('preview', id));
      expect(within(preview).getByTestId('preview-zoom-preview').textContent).toMatch(/^A browser cannot show a TIFF original: this is its preview at its own size/);
    } else {
      expect(src).toBe(ctx.client.fileUrl('original', id));
      expect(within(preview).queryByTestId('preview-zoom-preview')).toBeNull();
    }
    await user.keyboard('{Enter}');
    await until(() => expect(zoomable.dataset.zoom).toBe('fit'));
  }
});
