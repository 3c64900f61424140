// @vitest-environment jsdom
/**
 * A picture a folder import labelled by a top-level `Good/` or `Bad/` folder (stored as raw.folder
 * `good`/`bad`, not `agg/<label>`) is "label from its folder" in the preview's Label weight, as one
 * of `agg/<label>` is; a folder of the other label does not label it so.
 */
import { act, screen, within } from '@testing-library/react';
import { expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { PreviewPane } from './PreviewPane';

test('a picture of a top-level Good/ or Bad/ folder says "label from its folder"', async () => {
  const ctx = setup({ images: 20 });
  const { client, lib, store } = ctx;
  const [top, other] = lib.images.filter((im) => im.label !== null);
  const db = lib.core.context.db;
  const asFolderRow = (imageId: number, raw: Record<string, string>) =>
    db
      .prepare("UPDATE source_rows SET kind = 'folder', rating = NULL, eol_id = NULL, raw = ? WHERE url IN (SELECT url FROM image_urls WHERE image_id = ?)")
      .run(JSON.stringify(raw), imageId);
  // As src-main/core/library/folder.ts stores a picture of a top-level `Good/` or `Bad/` folder.
  asFolderRow(top!.id, { path: `${top!.label === 'bad' ? 'Bad' : 'Good'}/a.jpg`, folder: top!.label! });
  // In the folder of the other label: that folder did not give it its label.
  const wrong = other!.label === 'bad' ? 'good' : 'bad';
  asFolderRow(other!.id, { path: `${wrong}/b.jpg`, folder: wrong });

  renderWith(<PreviewPane />, ctx);
  const weightOf = async (imageId: number) => {
    const detail = await client.call('images.get', { imageId });
    expect(detail.label_confidence?.basis).toBe('no ratings');
    act(() => store.setState({ preview: { open: true, view: 'review', imageId, detail, loading: false, error: null } }));
    return until(() => within(screen.getByTestId('preview')).getByTestId('preview-label-weight').textContent!);
  };
  expect(await weightOf(top!.id)).toContain('(label from its folder)');
  expect(await weightOf(other!.id)).toContain('(no ratings behind it)');
});
