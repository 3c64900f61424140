// @vitest-environment jsdom
import { screen, within } from '@testing-library/react';
import { expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { ReviewScreen } from './ReviewScreen';

/** The preview of the image at index 0 of every image, newest first. */
async function previewNewest(ctx: ReturnType<typeof setup>) {
  renderWith(<ReviewScreen />, ctx);
  ctx.store.getState().setFilters('review', { predicted: 'all', sort: 'id', order: 'desc' });
  await until(() => expect(ctx.store.getState().views.review.pages.has(0)).toBe(true));
  await ctx.store.getState().clickTile('review', 0);
  return until(() => within(screen.getByTestId('preview')).getByTestId('preview-pbad'));
}

test('an image the active run has not scored says so beside its missing p(bad)', async () => {
  const ctx = setup({ images: 50 });
  await ctx.store.getState().loadScores();
  // An image stored after the run was trained (as a later import leaves it): no prediction of the run.
  const { db } = ctx.lib.core.context;
  const id = Number(
    db
      .prepare("INSERT INTO images (sha256, path, format, width, height, bytes, thumb_path, preview_path) VALUES ('later', 'originals/later.jpg', 'jpeg', 400, 300, 1000, 'thumbs/later.webp', 'previews/later.webp')")
      .run().lastInsertRowid,
  );
  db.prepare("INSERT INTO labels (image_id, label, origin) VALUES (?, NULL, 'import')").run(id);
  const row = await previewNewest(ctx);
  expect(ctx.store.getState().preview.imageId).toBe(id);
  expect(row.textContent).toBe('– (not scored by the active run)');
  expect(within(row).queryByTestId('preview-flagged')).toBeNull();
});

test('without a model, the preview says there is none yet', async () => {
  const ctx = setup({ images: 50, trained: false });
  await ctx.store.getState().loadScores();
  const row = await previewNewest(ctx);
  expect(row.textContent).toBe('– (no model yet)');
});

test('a scored image says nothing of the kind', async () => {
  const ctx = setup({ images: 50 });
  await ctx.store.getState().loadScores();
  const row = await previewNewest(ctx);
  expect(within(row).queryByTestId('preview-unscored')).toBeNull();
  expect(within(row).getByTestId('preview-flagged')).toBeTruthy();
});
