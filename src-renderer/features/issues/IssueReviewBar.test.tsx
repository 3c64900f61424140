// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import type { QcError } from '../../../src-shared/contract/errors';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { IssuesScreen } from './IssuesScreen';

test('a refused Confirm shows the curator wording of the error, not the API message', async () => {
  const user = userEvent.setup();
  const ctx = setup({ images: 300 });
  await ctx.store.getState().loadRuns();
  renderWith(<IssuesScreen />, ctx);
  await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(1));
  // The real core's refusal of a wrong image id, delivered as the answer to the next verdict.
  const refused = await ctx.client.call('ml.reviewIssues', { imageIds: [0], action: 'confirm' }).then(
    () => null,
    (e: unknown) => e as QcError,
  );
  expect(refused).toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/^ml\.reviewIssues: imageIds\[0\]: /) });
  ctx.client.failNext('ml.reviewIssues', refused!.toJSON());

  await user.click(screen.queryAllByTestId(/^tile-\d+$/)[0]!);
  await user.click(screen.getByTestId('issue-confirm'));
  await until(() => expect(ctx.store.getState().toasts.some((t) => t.kind === 'error')).toBe(true));
  const texts = ctx.store.getState().toasts.filter((t) => t.kind === 'error').map((t) => t.text);
  expect(texts).toEqual(['Confirm label: The images must be at least 1.']);
  expect(texts.join()).not.toMatch(/ml\.|reviewIssues|imageIds/);
  // The button is usable again.
  expect(screen.getByTestId('issue-confirm').hasAttribute('disabled')).toBe(false);
});

test('Confirm sends the label each tile shows; one changed since by another process is refused and nothing is stored', async () => {
  const user = userEvent.setup();
  const ctx = setup({ images: 300 });
  await ctx.store.getState().loadRuns();
  renderWith(<IssuesScreen />, ctx);
  await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(1));
  const tile = screen.queryAllByTestId(/^tile-\d+$/)[0]!;
  const id = Number(tile.dataset.testid!.slice(5));
  const seen = tile.dataset.label as 'good' | 'bad';
  expect(['good', 'bad']).toContain(seen);
  await user.click(tile);
  await until(() => expect(screen.getByTestId('issue-confirm').hasAttribute('disabled')).toBe(false));
  // `qc label` in another process: its change sends this window no event, the tile still shows `seen`.
  ctx.lib.core.context.labels.set([id], seen === 'good' ? 'bad' : 'good');
  await user.click(screen.getByTestId('issue-confirm'));
  await until(() => expect(ctx.store.getState().toasts.some((t) => t.kind === 'error')).toBe(true));
  expect(ctx.client.callsOf('ml.reviewIssues')).toEqual([{ imageIds: [id], action: 'confirm', shown: [seen] }]);
  expect(ctx.store.getState().toasts.filter((t) => t.kind === 'error').map((t) => t.text)).toEqual([expect.stringMatching(/^Confirm label: .*changed since it was shown/)]);
  expect(ctx.lib.core.context.db.prepare('SELECT COUNT(*) AS n FROM label_reviews').get()).toEqual({ n: 0 });
});

test('Confirm and Dismiss are off on a tile that is no longer an open issue', async () => {
  const user = userEvent.setup();
  const ctx = setup({ images: 300 });
  await ctx.store.getState().loadRuns();
  renderWith(<IssuesScreen />, ctx);
  await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(1));
  const tile = screen.queryAllByTestId(/^tile-\d+$/)[0]!;
  const id = Number(tile.dataset.testid!.slice(5));
  const seen = tile.dataset.label as 'good' | 'bad';
  await user.click(tile);
  await until(() => expect(screen.getByTestId('issue-confirm').hasAttribute('disabled')).toBe(false));
  const off = ctx.store.getState().connect();
  // Another window relabels it: the tile stays in place with the new label, and is no issue any more.
  await ctx.lib.core.call('labels.set', { imageIds: [id], label: seen === 'good' ? 'bad' : 'good' });
  await until(() => expect(screen.getByTestId(`tile-${id}`).dataset.label).toBe(seen === 'good' ? 'bad' : 'good'));
  await until(() => expect(screen.getByTestId('issue-why').textContent).toBe('Not an open issue of this run.'));
  expect(screen.getByTestId('issue-confirm').hasAttribute('disabled')).toBe(true);
  expect(screen.getByTestId('issue-dismiss').hasAttribute('disabled')).toBe(true);
  off();
});
