// @vitest-environment jsdom
import { screen, within } from '@testing-library/react';
import { expect, test } from 'vitest';
import { renderWith, setup, until, type TestContext } from '../../../test-support/renderer/render';
import { ReviewScreen } from './ReviewScreen';

/** Review over every image in id order; `open(id)` clicks its tile and gives the preview once it shows `heading`. */
async function reviewById(ctx: TestContext, heading: (preview: HTMLElement) => unknown) {
  const { store } = ctx;
  store.setState((s) => ({ views: { ...s.views, review: { ...s.views.review, filters: { ...s.views.review.filters, predicted: 'all', sort: 'id', order: 'asc' } } } }));
  renderWith(<ReviewScreen />, ctx);
  await until(() => expect(store.getState().views.review.pages.has(0)).toBe(true));
  return async (id: number): Promise<HTMLElement> => {
    const index = store.getState().views.review.pages.get(0)!.findIndex((it) => it.image_id === id);
    expect(index).toBeGreaterThanOrEqual(0);
    await store.getState().clickTile('review', index);
    return until(() => {
      const p = screen.getByTestId('preview');
      expect(p.dataset.imageId).toBe(String(id));
      heading(p);
      return p;
    });
  };
}

test("the preview says where an image's label comes from: none from its import, removed by a curator, set by a curator, from its import", async () => {
  const ctx = setup({ images: 300 });
  const { client } = ctx;
  const unlabelled = client.images.find((m) => m.label === null)!;
  const [cleared, imported] = client.images.filter((m) => m.label === 'good');
  const set = client.images.find((m) => m.label === 'bad')!;
  await client.call('labels.set', { imageIds: [cleared!.id], label: null });
  await client.call('labels.set', { imageIds: [set.id], label: 'good' });
  const open = await reviewById(ctx, (p) => expect(within(p).getByTestId('preview-label')).toBeTruthy());
  const says = async (id: number) => {
    const preview = await open(id);
    const chip = within(preview).getByTestId('preview-label');
    return { label: chip.dataset.label, origin: chip.dataset.origin, words: within(preview).getByTestId('preview-label-source').textContent };
  };
  expect(await says(unlabelled.id)).toEqual({ label: 'none', origin: 'import', words: 'no label from its import' });
  expect(await says(cleared!.id)).toEqual({ label: 'none', origin: 'curator', words: 'label removed by a curator' });
  expect(await says(set.id)).toEqual({ label: 'good', origin: 'curator', words: 'set by a curator' });
  expect(await says(imported!.id)).toEqual({ label: 'good', origin: 'import', words: 'from its import' });
});

test("the preview's label history leaves out an import's no-op row (none → none) and keeps the real changes", async () => {
  const ctx = setup({ images: 300 });
  const { client } = ctx;
  const { db } = ctx.lib.core.context;
  const quiet = client.images.find((m) => m.label === null)!;
  const changed = client.images.find((m) => m.label === null && m.id !== quiet.id)!;
  // What an import that brought an image without a label records: nothing before, nothing after.
  const noOp = (id: number) => {
    const batch = Number(db.prepare("INSERT INTO label_batches (actor) VALUES ('import')").run().lastInsertRowid);
    db.prepare("INSERT INTO label_events (batch_id, image_id, old_label, new_label, old_origin, new_origin) VALUES (?, ?, NULL, NULL, NULL, 'import')").run(batch, id);
  };
  noOp(quiet.id);
  noOp(changed.id);
  await client.call('labels.set', { imageIds: [changed.id], label: 'bad' });
  const open = await reviewById(ctx, (p) => expect(within(p).getByText('Label history')).toBeTruthy());
  const history = async (id: number) => {
    const preview = await open(id);
    return within(preview).queryByTestId('preview-history')?.textContent ?? within(preview).getByText('Label history').nextElementSibling!.textContent;
  };
  const q = await history(quiet.id);
  expect(q).not.toContain('none → none');
  const c = await history(changed.id);
  expect(c).toContain('none → bad');
  expect(c).not.toContain('none → none');
});

