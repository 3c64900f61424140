// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import { expect, test } from 'vitest';
import type { QcError } from '../../../src-shared/contract/errors';
import { until } from '../../../test-support/renderer/render';
import { showIssues } from '../../../test-support/renderer/issuesScreen';


/** The first issue's tile, its image id and the label it shows. */
function firstTile() {
  const tile = screen.queryAllByTestId(/^tile-\d+$/)[0]!;
  return { tile, id: Number(tile.dataset.testid!.slice(5)), seen: tile.dataset.label as 'good' | 'bad' };
}

test('a refused Confirm shows the curator wording of the error, not the API message', async () => {
  const { user, ctx } = await showIssues();
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
  expect(screen.getByTestId('issue-confirm').hasAttribute('aria-disabled')).toBe(false);
});

test('Confirm sends the label each tile shows; one changed since by another process is refused and nothing is stored', async () => {
  const { user, ctx } = await showIssues();
  const { tile, id, seen } = firstTile();
  expect(['good', 'bad']).toContain(seen);
  await user.click(tile);
  await until(() => expect(screen.getByTestId('issue-confirm').hasAttribute('aria-disabled')).toBe(false));
  // `qc label` in another process: its change sends this window no event, the tile still shows `seen`.
  ctx.lib.core.context.labels.set([id], seen === 'good' ? 'bad' : 'good');
  await user.click(screen.getByTestId('issue-confirm'));
  await until(() => expect(ctx.store.getState().toasts.some((t) => t.kind === 'error')).toBe(true));
  expect(ctx.client.callsOf('ml.reviewIssues')).toEqual([{ imageIds: [id], action: 'confirm', shown: [seen] }]);
  expect(ctx.store.getState().toasts.filter((t) => t.kind === 'error').map((t) => t.text)).toEqual([expect.stringMatching(/^Confirm label: .*changed since it was shown/)]);
  expect(ctx.lib.core.context.db.prepare('SELECT COUNT(*) AS n FROM label_reviews').get()).toEqual({ n: 0 });
});

test('Confirm and Dismiss are off on a tile that is no longer an open issue', async () => {
  const { user, ctx } = await showIssues();
  const { tile, id, seen } = firstTile();
  await user.click(tile);
  await until(() => expect(screen.getByTestId('issue-confirm').hasAttribute('aria-disabled')).toBe(false));
  const off = ctx.store.getState().connect();
  // Another window relabels it: the tile stays in place with the new label, and is no issue any more.
  await ctx.lib.core.call('labels.set', { imageIds: [id], label: seen === 'good' ? 'bad' : 'good' });
  await until(() => expect(screen.getByTestId(`tile-${id}`).dataset.label).toBe(seen === 'good' ? 'bad' : 'good'));
  await until(() => expect(screen.getByTestId('issue-why').textContent).toBe('Not an open issue of this run.'));
  expect(screen.getByTestId('issue-confirm').hasAttribute('aria-disabled')).toBe(true);
  expect(screen.getByTestId('issue-dismiss').hasAttribute('aria-disabled')).toBe(true);
  // Off, never disabled (a disabled button drops the focus): a press on it sends no verdict.
  expect(screen.getByTestId('issue-confirm').hasAttribute('disabled')).toBe(false);
  await user.click(screen.getByTestId('issue-confirm'));
  await user.click(screen.getByTestId('issue-dismiss'));
  expect(ctx.client.callsOf('ml.reviewIssues')).toHaveLength(0);
  off();
});

test('while a verdict is sent its button keeps the keyboard focus (aria-disabled, not disabled), and the keys go on acting after it', async () => {
  const { user, ctx } = await showIssues();
  const first = Number(screen.queryAllByTestId(/^tile-\d+$/)[0]!.dataset.testid!.slice(5));
  await user.click(screen.getByTestId(`tile-${first}`));
  const confirm = screen.getByTestId('issue-confirm');
  await until(() => expect(confirm.hasAttribute('aria-disabled')).toBe(false));
  const release = ctx.client.hold('ml.reviewIssues');
  confirm.focus();
  await user.keyboard('{Enter}');
  await until(() => expect(confirm.getAttribute('aria-disabled')).toBe('true'));
  expect(confirm.hasAttribute('disabled')).toBe(false);
  expect(document.activeElement).toBe(confirm);
  // A second press while the first is sent sends nothing more.
  await user.keyboard('{Enter}');
  expect(ctx.client.callsOf('ml.reviewIssues')).toHaveLength(1);
  release();
  await until(() => expect(confirm.hasAttribute('aria-disabled')).toBe(false));
  await until(() => expect(screen.queryByTestId(`tile-${first}`)).toBeNull());
  expect([confirm, screen.getByTestId('gallery')]).toContain(document.activeElement);
  // The focus moved on to the next issue: B labels it, with no click.
  const next = await until(() => {
    const it = ctx.store.getState().itemAt('issues', ctx.store.getState().views.issues.focus);
    expect(it?.image_id).toBeDefined();
    return it!;
  });
  expect(next.image_id).not.toBe(first);
  await user.keyboard('b');
  await until(() => expect(ctx.client.callsOf('labels.set')).toEqual([{ imageIds: [next.image_id], label: 'bad' }]));
  expect(ctx.client.callsOf('ml.reviewIssues')).toHaveLength(1);
});

test('a verdict button that turns off while it holds the focus hands the focus to the gallery, not the page', async () => {
  const { user, ctx } = await showIssues();
  const { tile, id, seen } = firstTile();
  await user.click(tile);
  const dismiss = screen.getByTestId('issue-dismiss');
  await until(() => expect(dismiss.hasAttribute('aria-disabled')).toBe(false));
  dismiss.focus();
  const off = ctx.store.getState().connect();
  // Another window relabels it: no issue any more, so no verdict on it.
  await ctx.lib.core.call('labels.set', { imageIds: [id], label: seen === 'good' ? 'bad' : 'good' });
  await until(() => expect(dismiss.hasAttribute('aria-disabled')).toBe(true));
  expect(document.activeElement).toBe(screen.getByTestId('gallery'));
  off();
});
