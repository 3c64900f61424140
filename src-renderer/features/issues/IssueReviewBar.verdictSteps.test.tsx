// @vitest-environment jsdom
/**
 * A verdict in the label-fixing loop: the focus moves on to the next issue still open (none
 * skipped), and Z takes the verdict back (its issue reopened) before any label step made earlier.
 */
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { IssuesScreen } from './IssuesScreen';

const tiles = () => screen.queryAllByTestId(/^tile-\d+$/);
const idOf = (el: HTMLElement) => Number(el.dataset.testid!.slice(5));

/** The Label issues screen with more than four issues shown, their ids in order and the label each shows. */
async function showIssues() {
  const user = userEvent.setup();
  const ctx = setup({ images: 300 });
  await ctx.store.getState().loadRuns();
  renderWith(<IssuesScreen />, ctx);
  await until(() => expect(tiles().length).toBeGreaterThan(4));
  const order = tiles().map(idOf);
  const shown = new Map(tiles().map((t) => [idOf(t), t.dataset.label as 'good' | 'bad']));
  return { user, ctx, order, shown };
}

const opposite = (l: 'good' | 'bad') => (l === 'bad' ? 'g' : 'b');
const focusedId = (ctx: Awaited<ReturnType<typeof showIssues>>['ctx']) => ctx.store.getState().itemAt('issues', ctx.store.getState().views.issues.focus)?.image_id;

/** Fix the first issue with the opposite label (its tile stays), then go to the second one. */
async function fixFirstThenGoToSecond({ user, ctx, order, shown }: Awaited<ReturnType<typeof showIssues>>) {
  await user.click(tiles()[0]!);
  await user.keyboard(opposite(shown.get(order[0]!)!));
  await until(() => expect(ctx.client.callsOf('labels.set')).toHaveLength(1));
  await user.keyboard('{ArrowRight}');
  await until(() => expect(focusedId(ctx)).toBe(order[1]));
  await until(() => expect(screen.getByTestId('issue-why').textContent).toContain(`labelled ${shown.get(order[1]!)}`));
}

test('after a fix and a Confirm the focus lands on the next open issue, none skipped, and B labels it', async () => {
  const s = await showIssues();
  const { user, ctx, order } = s;
  await fixFirstThenGoToSecond(s);
  await user.click(screen.getByTestId('issue-confirm'));
  await until(() => expect(ctx.client.callsOf('ml.reviewIssues')).toHaveLength(1));
  // The refreshed list has lost the fixed and the confirmed tile; the focus is on the third issue.
  await until(() => expect(tiles().map(idOf)).not.toContain(order[1]));
  await until(() => expect(tiles().map(idOf)).not.toContain(order[0]));
  await until(() => expect(focusedId(ctx)).toBe(order[2]));
  expect(screen.getByTestId(`tile-${order[2]}`).dataset.focused).toBe('true');
  await user.keyboard('b');
  await until(() => expect(ctx.client.callsOf('labels.set').at(-1)).toEqual({ imageIds: [order[2]], label: 'bad' }));
});

test('Dismiss moves on the same way', async () => {
  const s = await showIssues();
  const { user, ctx, order } = s;
  await fixFirstThenGoToSecond(s);
  await user.click(screen.getByTestId('issue-dismiss'));
  await until(() => expect(tiles().map(idOf)).not.toContain(order[1]));
  await until(() => expect(focusedId(ctx)).toBe(order[2]));
});

test('Z after a verdict reopens that issue (not the label step before it); Shift+Z gives it again; the next Z undoes the label', async () => {
  const s = await showIssues();
  const { user, ctx, order, shown } = s;
  const db = ctx.lib.core.context.db;
  const verdict = (id: number) => db.prepare('SELECT label, action FROM label_reviews WHERE image_id = ?').get(id) as { label: string; action: string } | undefined;
  const labelOf = (id: number) => (db.prepare('SELECT label FROM labels WHERE image_id = ?').get(id) as { label: string | null }).label;
  await fixFirstThenGoToSecond(s);
  const [a, b] = [order[0]!, order[1]!];
  await user.click(screen.getByTestId('issue-confirm'));
  await until(() => expect(verdict(b)).toEqual({ label: shown.get(b), action: 'confirmed' }));
  await until(() => expect(tiles().map(idOf)).not.toContain(b));
  const open = (await ctx.client.call('ml.labelIssues', { limit: 0 })).total;

  await user.keyboard('z');
  // The verdict is taken back: the issue is open again, back in the list, focused and selected; A keeps its fix.
  await until(() => expect(ctx.client.callsOf('ml.reviewIssues').at(-1)).toEqual({ imageIds: [b], action: 'reopen', undoing: { action: 'confirm' }, shown: [shown.get(b)] }));
  await until(() => expect(verdict(b)).toBeUndefined());
  expect(ctx.client.callsOf('labels.undo')).toHaveLength(0);
  expect(labelOf(a)).not.toBe(shown.get(a));
  await until(() => expect(screen.queryByTestId(`tile-${b}`)).not.toBeNull());
  await until(() => expect(focusedId(ctx)).toBe(b));
  expect([...ctx.store.getState().views.issues.selection]).toEqual([b]);
  await until(() => expect(screen.getByTestId('issue-open').dataset.value).toBe(String(open + 1)));
  expect((await ctx.client.call('ml.labelIssues', { limit: 0 })).total).toBe(open + 1);

  // Shift+Z gives the verdict again, on the label it was given on.
  await user.keyboard('{Shift>}z{/Shift}');
  await until(() => expect(verdict(b)).toEqual({ label: shown.get(b), action: 'confirmed' }));
  expect(ctx.client.callsOf('ml.reviewIssues').at(-1)).toEqual({ imageIds: [b], action: 'confirm', shown: [shown.get(b)] });

  // Z takes it back again, and the next Z undoes A's fix.
  await user.keyboard('z');
  await until(() => expect(verdict(b)).toBeUndefined());
  await user.keyboard('z');
  await until(() => expect(ctx.client.callsOf('labels.undo')).toHaveLength(1));
  await until(() => expect(labelOf(a)).toBe(shown.get(a)));
  expect(verdict(b)).toBeUndefined();
});

test('a Z pressed while the verdict is still being sent takes back that verdict', async () => {
  const s = await showIssues();
  const { user, ctx, order, shown } = s;
  await fixFirstThenGoToSecond(s);
  const release = ctx.client.hold('ml.reviewIssues');
  await user.click(screen.getByTestId('issue-confirm'));
  await user.keyboard('z');
  release();
  await until(() => expect(ctx.client.callsOf('ml.reviewIssues').map((c) => c.action)).toEqual(['confirm', 'reopen']));
  await until(() => expect(ctx.lib.core.context.db.prepare('SELECT COUNT(*) AS n FROM label_reviews').get()).toEqual({ n: 0 }));
  expect(ctx.client.callsOf('labels.undo')).toHaveLength(0);
  expect((ctx.lib.core.context.db.prepare('SELECT label FROM labels WHERE image_id = ?').get(order[0]) as { label: string }).label).not.toBe(shown.get(order[0]!));
});
