// @vitest-environment jsdom
/**
 * The preview's "Label weight" says what the label rests on in the why-line's words: its ratings as
 * rating rows, and for a picture a folder import labelled by its folder (`agg/bad`), that folder.
 */
import { act, screen, within } from '@testing-library/react';
import { expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { PreviewPane } from './PreviewPane';

test('a picture labelled by its folder says "label from its folder"; one rated counts rating rows', async () => {
  const ctx = setup({ images: 20 });
  const { client, lib, store } = ctx;
  const [rated, folder, unrated] = lib.images.filter((im) => im.label !== null);
  const db = lib.core.context.db;
  // As a folder import stores a picture of the seed layout's `agg/<label>` folder: a folder row with no rating.
  const asFolderRow = (imageId: number, raw: Record<string, string>) =>
    db
      .prepare("UPDATE source_rows SET kind = 'folder', rating = NULL, eol_id = NULL, raw = ? WHERE url IN (SELECT url FROM image_urls WHERE image_id = ?)")
      .run(JSON.stringify(raw), imageId);
  asFolderRow(folder!.id, { path: `images/agg/${folder!.label}/a.jpg`, folder: `agg/${folder!.label}` });
  // A plain folder's picture (no folder label) whose label came from elsewhere: no folder named.
  asFolderRow(unrated!.id, { path: 'loose.jpg' });
  const idOf = (im: { id: number } | undefined) => im!.id;

  renderWith(<PreviewPane />, ctx);
  const weightOf = async (imageId: number) => {
    const detail = await client.call('images.get', { imageId });
    act(() => store.setState({ preview: { open: true, view: 'review', imageId, detail, loading: false, error: null } }));
    return until(() => within(screen.getByTestId('preview')).getByTestId('preview-label-weight').textContent!);
  };

  // Labelled by its folder, no ratings behind it.
  expect(await weightOf(idOf(folder))).toContain('(label from its folder)');
  expect(await weightOf(idOf(unrated))).toContain('(no ratings behind it)');
  // Rated by a ratings file: its rating rows, in the why-line's words.
  expect(await weightOf(idOf(rated))).toMatch(/ from 1 rating row, /);
  // A label set by hand on the folder's picture is the curator's, not the folder's.
  await lib.core.call('labels.set', { imageIds: [idOf(folder)], label: folder!.label === 'bad' ? 'good' : 'bad' });
  expect(await weightOf(idOf(folder))).toContain('(a curator set it)');
});
