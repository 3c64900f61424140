// @vitest-environment jsdom
/**
 * Z after another window gave a later verdict on the same image: the undo names the verdict it takes
 * back (`undoing`, on the label it was given on), the core refuses it, the toast says why, and
 * nothing changes in the core: the other window's verdict stays, the issue stays closed here.
 */
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { IssuesScreen } from './IssuesScreen';

const tiles = () => screen.queryAllByTestId(/^tile-\d+$/);
const idOf = (el: HTMLElement) => Number(el.dataset.testid!.slice(5));

test('Confirm here, another window dismisses the same image, Z here: refused with the reason, the dismissal stays', { timeout: 120_000 }, async () => {
  const user = userEvent.setup();
  const ctx = setup({ images: 300 });
  const { core } = ctx.lib;
  const db = core.context.db;
  const run = ctx.lib.runId;
  const verdict = (id: number) => db.prepare('SELECT label, action, run_id FROM label_reviews WHERE image_id = ?').get(id);
  await ctx.store.getState().loadRuns();
  ctx.store.getState().connect();
  renderWith(<IssuesScreen />, ctx);
  await until(() => expect(tiles().length).toBeGreaterThan(4));
  const x = idOf(tiles()[0]!);
  const given = tiles()[0]!.dataset.label as 'good' | 'bad';
  expect(['good', 'bad']).toContain(given);
  const open = (await ctx.client.call('ml.labelIssues', { limit: 0 })).total;

  await user.click(tiles()[0]!);
  await until(() => expect(screen.getByTestId('issue-confirm').hasAttribute('aria-disabled')).toBe(false));
  await user.click(screen.getByTestId('issue-confirm'));
  await until(() => expect(verdict(x)).toEqual({ label: given, action: 'confirmed', run_id: run }));
  await until(() => expect(tiles().map(idOf)).not.toContain(x));

  // Another window dismisses it (its verdict replaces this one's).
  await core.call('ml.reviewIssues', { imageIds: [x], action: 'dismiss', shown: [given] });
  const dismissed = { label: given, action: 'dismissed', run_id: run };
  expect(verdict(x)).toEqual(dismissed);
  const reviewsBefore = db.prepare('SELECT * FROM label_reviews ORDER BY image_id').all();

  await user.keyboard('z');
  await until(() => expect(ctx.store.getState().toasts.some((t) => t.kind === 'error')).toBe(true));
  expect(ctx.client.callsOf('ml.reviewIssues').at(-1)).toEqual({ imageIds: [x], action: 'reopen', undoing: { action: 'confirm' }, shown: [given] });
  const errors = ctx.store.getState().toasts.filter((t) => t.kind === 'error').map((t) => t.text);
  expect(errors).toEqual([expect.stringMatching(new RegExp(`^Undo: .*image ${x} now holds dismissed on ${given}, not confirmed on ${given}; nothing was undone`))]);
  expect(ctx.store.getState().toasts.some((t) => t.text.startsWith('Undone:'))).toBe(false);

  // Nothing changed in the core, and the issue is not back here.
  expect(verdict(x)).toEqual(dismissed);
  expect(db.prepare('SELECT * FROM label_reviews ORDER BY image_id').all()).toEqual(reviewsBefore);
  expect((await ctx.client.call('ml.labelIssues', { limit: 0 })).total).toBe(open - 1);
  await until(() => expect(screen.getByTestId('issue-open').dataset.value).toBe(String(open - 1)));
  expect(tiles().map(idOf)).not.toContain(x);
});
