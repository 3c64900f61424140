// @vitest-environment jsdom
/**
 * A verdict on several issues taken back (Z) and given again (Shift+Z): no image the list does not
 * show stays selected, so the bar's buttons and B act on the tiles shown. An undone verdict on
 * images relabelled since does not select them (they are not back in the list), says how many the
 * core reopened, and their cached tiles stay closed.
 */
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { IssuesScreen } from './IssuesScreen';
import { reopenedWords } from './IssueReviewBar';

const tiles = () => screen.queryAllByTestId(/^tile-\d+$/);
const idOf = (el: HTMLElement) => Number(el.dataset.testid!.slice(5));

async function showIssues() {
  const user = userEvent.setup();
  const ctx = setup({ images: 300 });
  await ctx.store.getState().loadRuns();
  ctx.store.getState().connect();
  renderWith(<IssuesScreen />, ctx);
  await until(() => expect(tiles().length).toBeGreaterThan(4));
  // The issues in rank order (six in this seed).
  const order = ctx.store.getState().views.issues.pages.get(0)!.map((it) => it.image_id);
  expect(order.length).toBeGreaterThanOrEqual(6);
  return { user, ctx, order };
}
type Ctx = Awaited<ReturnType<typeof showIssues>>['ctx'];
const view = (ctx: Ctx) => ctx.store.getState().views.issues;
const focusedId = (ctx: Ctx) => ctx.store.getState().itemAt('issues', view(ctx).focus)?.image_id;
/** The images of the issues view's loaded pages. */
const listed = (ctx: Ctx) => new Set([...view(ctx).pages.values()].flat().map((it) => it.image_id));

/** Click the first issue, Shift+→ twice: three selected; Dismiss them. */
async function dismissThree({ user, ctx, order }: Awaited<ReturnType<typeof showIssues>>) {
  await user.click(tiles()[0]!);
  await user.keyboard('{Shift>}{ArrowRight}{ArrowRight}{/Shift}');
  const three = [...view(ctx).selection];
  expect(new Set(three)).toEqual(new Set(order.slice(0, 3)));
  await user.click(screen.getByTestId('issue-dismiss'));
  await until(() => expect(tiles().map(idOf)).not.toContain(order[0]));
  return three;
}

test('Dismiss three, Z, Shift+Z: the focus moves on to the next open issue, only it is selected, and B labels it', async () => {
  const s = await showIssues();
  const { user, ctx, order } = s;
  const three = await dismissThree(s);
  await user.keyboard('z');
  await until(() => expect(tiles().map(idOf)).toContain(order[0]));
  await until(() => expect(new Set(view(ctx).selection)).toEqual(new Set(three)));

  await user.keyboard('{Shift>}z{/Shift}');
  await until(() => expect(ctx.client.callsOf('ml.reviewIssues').at(-1)?.action).toBe('dismiss'));
  await until(() => expect(tiles().map(idOf)).not.toContain(order[0]));
  await until(() => expect(focusedId(ctx)).toBe(order[3]));
  // Only the focused issue is selected (or nothing, where the verdict came while the list was
  // reloading: then B and the bar act on the focused tile); none of the three hidden ones.
  await until(() => expect([...view(ctx).selection].filter((id) => id !== order[3])).toEqual([]));
  for (const id of three) expect(listed(ctx).has(id)).toBe(false);

  // The bar acts on the issue shown: Confirm sends it.
  await until(() => expect(screen.getByTestId('issue-confirm').hasAttribute('aria-disabled')).toBe(false));
  await user.click(screen.getByTestId('issue-confirm'));
  await until(() => expect(ctx.client.callsOf('ml.reviewIssues').at(-1)).toMatchObject({ imageIds: [order[3]], action: 'confirm' }), 15_000);
  await until(() => expect(tiles().map(idOf)).not.toContain(order[3]));
  await until(() => expect(focusedId(ctx)).toBe(order[4]));
  await user.keyboard('b');
  await until(() => expect(ctx.client.callsOf('labels.set').at(-1)).toEqual({ imageIds: [order[4]], label: 'bad' }));
});

test('Z after another window relabelled the dismissed images: none of them stays selected, B labels a shown tile, the toast counts what the core reopened', async () => {
  const s = await showIssues();
  const { user, ctx } = s;
  const three = await dismissThree(s);
  // Another program flips the labels of two of them, and reopens the third (its verdict removed).
  const db = ctx.lib.core.context.db;
  const flipped = three.slice(0, 2);
  for (const id of flipped) {
    const l = ctx.client.image(id)!.label;
    db.prepare('UPDATE labels SET label = ? WHERE image_id = ?').run(l === 'bad' ? 'good' : 'bad', id);
  }
  db.prepare('DELETE FROM label_reviews WHERE image_id = ?').run(three[2]);
  await user.keyboard('z');
  await until(() => expect(ctx.client.callsOf('ml.reviewIssues').at(-1)?.action).toBe('reopen'));
  // The one still on its label is back, focused-or-selected; the relabelled ones are not listed and not selected.
  await until(() => expect(listed(ctx).has(three[2]!)).toBe(true));
  await until(() => expect([...view(ctx).selection]).toEqual([three[2]]));
  for (const id of flipped) expect(listed(ctx).has(id)).toBe(false);
  expect(db.prepare(`SELECT COUNT(*) AS n FROM label_reviews WHERE image_id IN (${three.join(',')})`).get()).toEqual({ n: 0 });
  // The toast counts the verdicts the core took back (two; the third was reopened elsewhere), not the three sent.
  const undone = ctx.store.getState().toasts.find((t) => t.text.startsWith('Undone:'))?.text;
  expect(undone).toContain('Undone: reopened 2 issues (their Dismiss taken back)');
  expect(reopenedWords('confirm', 1)).toBe('Undone: reopened 1 issue (its Confirm label taken back)');

  // What the list shows when B is pressed (read before: the label B sets closes that issue, and a
  // refresh that may follow lists it no more).
  const shown = new Set(listed(ctx));
  await user.keyboard('b');
  await until(() => expect(ctx.client.callsOf('labels.set')).toHaveLength(1));
  const sent = ctx.client.callsOf('labels.set')[0]!.imageIds;
  for (const id of sent) expect(shown.has(id)).toBe(true);
  for (const id of flipped) expect(sent).not.toContain(id);
});
