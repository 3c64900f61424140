// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { ReviewScreen } from './ReviewScreen';

/** Review with every image shown, once its tiles are. */
async function showReview() {
  const user = userEvent.setup();
  const ctx = setup();
  ctx.store.setState((s) => ({ views: { ...s.views, review: { ...s.views.review, filters: { ...s.views.review.filters, predicted: 'all' } } } }));
  const r = renderWith(<ReviewScreen />, ctx);
  await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(2));
  return { user, ...r };
}
const labelOf = (id: number) => screen.getByTestId(`tile-${id}`).dataset.label;
const idAt = (i: number) => Number(screen.queryAllByTestId(/^tile-\d+$/)[i]!.dataset.testid!.slice(5));

for (const key of ['{Enter}', ' '] as const) {
  test(`after a click on "Undo Z", ${key === ' ' ? 'Space' : 'Enter'} previews the focused image and undoes nothing more`, async () => {
    const { user, client, store } = await showReview();
    const [a, b] = [idAt(0), idAt(1)];
    const [la, lb] = [labelOf(a), labelOf(b)];
    const other = (l: string | undefined) => (l === 'good' ? 'b' : 'g');
    await user.keyboard(other(la));
    await user.keyboard('{ArrowRight}');
    await user.keyboard(other(lb));
    await until(() => expect(client.callsOf('labels.set')).toHaveLength(2));
    await until(() => expect([labelOf(a), labelOf(b)]).not.toEqual([la, lb]));
    const changedA = labelOf(a);
    await user.click(screen.getByTestId('label-undo'));
    await until(() => expect(labelOf(b)).toBe(lb));
    expect(store.getState().preview.open).toBe(false);
    await user.keyboard(key);
    await until(() => expect(screen.getByTestId('preview').dataset.imageId).toBe(String(b)));
    // The first change stands: Space/Enter went to the gallery, not to the button again.
    await new Promise((r) => setTimeout(r, 100));
    expect(labelOf(a)).toBe(changedA);
    expect(document.activeElement).toBe(screen.getByTestId('gallery'));
  });
}

test('after a click on "Bad B", Enter previews the image instead of labelling again', async () => {
  const { user, client, store } = await showReview();
  const a = idAt(0);
  await user.click(screen.getByTestId('label-bad'));
  await until(() => expect(labelOf(a)).toBe('bad'));
  expect(store.getState().preview.open).toBe(false);
  await user.keyboard('{Enter}');
  await until(() => expect(screen.getByTestId('preview').dataset.imageId).toBe(String(a)));
  expect(client.callsOf('labels.set')).toHaveLength(1);
});
