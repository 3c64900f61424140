// @vitest-environment jsdom
/**
 * Z after a verdict that replaced an earlier one gives the earlier one back, not none: an issue
 * confirmed while its image was labelled the other way, relabelled back (the run lists it so), then
 * dismissed here; Z puts the confirm back as it was (its label, its run), Shift+Z dismisses again,
 * and the next Z restores the confirm once more. The confirm holds when that label comes back.
 * Given back on the label the image shows (relabelled here so, dismissed with another issue), it
 * holds at once: that issue stays closed while the other one is back in the list.
 */
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { IssuesScreen } from './IssuesScreen';

const tiles = () => screen.queryAllByTestId(/^tile-\d+$/);
const idOf = (el: HTMLElement) => Number(el.dataset.testid!.slice(5));
const other = (l: 'good' | 'bad'): 'good' | 'bad' => (l === 'good' ? 'bad' : 'good');

test('Z gives back the verdict a Dismiss replaced; Shift+Z dismisses again; Z gives it back again', { timeout: 120_000 }, async () => {
  const user = userEvent.setup();
  const ctx = setup({ images: 300 });
  const { core } = ctx.lib;
  const db = core.context.db;
  const run = ctx.lib.runId;
  const verdict = (id: number) => db.prepare('SELECT label, action, run_id FROM label_reviews WHERE image_id = ?').get(id);
  const focusedId = () => ctx.store.getState().itemAt('issues', ctx.store.getState().views.issues.focus)?.image_id;

  // The top issue's image was confirmed while labelled the other way, then labelled as the run lists it.
  const top = (await core.call('ml.labelIssues', { limit: 1 })).issues[0]!;
  const { image_id: x, given } = top;
  const was = other(given);
  await core.call('labels.set', { imageIds: [x], label: was });
  await core.call('ml.reviewIssues', { imageIds: [x], action: 'confirm', shown: [was] });
  await core.call('labels.set', { imageIds: [x], label: given });
  const earlier = { label: was, action: 'confirmed', run_id: run };
  expect(verdict(x)).toEqual(earlier);

  await ctx.store.getState().loadRuns();
  ctx.store.getState().connect();
  renderWith(<IssuesScreen />, ctx);
  await until(() => expect(tiles().length).toBeGreaterThan(4));
  expect(idOf(tiles()[0]!)).toBe(x);
  const open = (await ctx.client.call('ml.labelIssues', { limit: 0 })).total;
  await until(() => expect(screen.getByTestId('issue-open').dataset.value).toBe(String(open)));

  await user.click(tiles()[0]!);
  await until(() => expect(screen.getByTestId('issue-why').textContent).toContain(`labelled ${given}`));
  await user.click(screen.getByTestId('issue-dismiss'));
  await until(() => expect(verdict(x)).toEqual({ label: given, action: 'dismissed', run_id: run }));
  await until(() => expect(tiles().map(idOf)).not.toContain(x));

  // Z: the confirm is back as it was; the issue on the listed label is open again, focused and selected.
  await user.keyboard('z');
  await until(() => expect(ctx.client.callsOf('ml.reviewIssues').at(-1)).toEqual({ imageIds: [x], action: 'reopen', undoing: { action: 'dismiss' }, shown: [given], restore: [{ image_id: x, ...earlier }] }));
  await until(() => expect(verdict(x)).toEqual(earlier));
  await until(() => expect(focusedId()).toBe(x));
  expect([...ctx.store.getState().views.issues.selection]).toEqual([x]);
  await until(() => expect(screen.getByTestId('issue-open').dataset.value).toBe(String(open)));
  expect((await ctx.client.call('ml.labelIssues', { limit: 0 })).total).toBe(open);

  // Shift+Z dismisses again, on the label it was given on.
  await user.keyboard('{Shift>}z{/Shift}');
  await until(() => expect(verdict(x)).toEqual({ label: given, action: 'dismissed', run_id: run }));
  expect(ctx.client.callsOf('ml.reviewIssues').at(-1)).toEqual({ imageIds: [x], action: 'dismiss', shown: [given] });
  await until(() => expect(tiles().map(idOf)).not.toContain(x));
  await until(() => expect(screen.getByTestId('issue-open').dataset.value).toBe(String(open - 1)));

  // Z again: the confirm comes back once more.
  await user.keyboard('z');
  await until(() => expect(verdict(x)).toEqual(earlier));
  await until(() => expect(focusedId()).toBe(x));
  await until(() => expect(screen.getByTestId('issue-open').dataset.value).toBe(String(open)));

  // Labelled as it was when confirmed, the confirm holds: the preview says the issue is closed by it.
  await user.keyboard(was === 'bad' ? 'b' : 'g');
  await until(() => expect(ctx.client.callsOf('labels.set').at(-1)).toEqual({ imageIds: [x], label: was }));
  await until(() => expect(screen.getByTestId(`tile-${x}`).dataset.label).toBe(was));
  await user.keyboard('{ArrowRight}');
  await until(() => expect(focusedId()).not.toBe(x));
  await user.keyboard('{ArrowLeft}');
  await until(() => expect(focusedId()).toBe(x));
  await until(() => expect(screen.getByTestId('preview-issue-closed').textContent).toContain('closed: confirmed by a curator'));
});

test('Z after a Dismiss of two, one of which held a confirm on the label it shows: the confirm is back and its issue stays closed, the other reopens', { timeout: 120_000 }, async () => {
  const user = userEvent.setup();
  const ctx = setup({ images: 300 });
  const { core } = ctx.lib;
  const db = core.context.db;
  const run = ctx.lib.runId;
  const verdict = (id: number) => db.prepare('SELECT label, action, run_id FROM label_reviews WHERE image_id = ?').get(id);
  const listed = () => new Set([...ctx.store.getState().views.issues.pages.values()].flat().map((it) => it.image_id));

  const top = (await core.call('ml.labelIssues', { limit: 1 })).issues[0]!;
  const { image_id: x, given } = top;
  const was = other(given);
  await core.call('labels.set', { imageIds: [x], label: was });
  await core.call('ml.reviewIssues', { imageIds: [x], action: 'confirm', shown: [was] });
  await core.call('labels.set', { imageIds: [x], label: given });
  const earlier = { label: was, action: 'confirmed', run_id: run };

  await ctx.store.getState().loadRuns();
  ctx.store.getState().connect();
  renderWith(<IssuesScreen />, ctx);
  await until(() => expect(tiles().length).toBeGreaterThan(4));
  expect(idOf(tiles()[0]!)).toBe(x);
  const y = idOf(tiles()[1]!);
  const open = (await ctx.client.call('ml.labelIssues', { limit: 0 })).total;

  // X labelled as it was when confirmed (its tile stays, the confirm holds on it), then X and Y dismissed.
  await user.click(tiles()[0]!);
  await user.keyboard(was === 'bad' ? 'b' : 'g');
  await until(() => expect(screen.getByTestId(`tile-${x}`).dataset.label).toBe(was));
  await until(() => expect(screen.getByTestId('issue-open').dataset.value).toBe(String(open - 1)));
  await user.keyboard('{Shift>}{ArrowRight}{/Shift}');
  await until(() => expect(new Set(ctx.store.getState().views.issues.selection)).toEqual(new Set([x, y])));
  await user.click(screen.getByTestId('issue-dismiss'));
  await until(() => expect(verdict(x)).toEqual({ label: was, action: 'dismissed', run_id: run }));
  await until(() => expect(screen.getByTestId('issue-open').dataset.value).toBe(String(open - 2)));

  await user.keyboard('z');
  await until(() => expect(ctx.client.callsOf('ml.reviewIssues').at(-1)).toMatchObject({ action: 'reopen', undoing: { action: 'dismiss' }, restore: [{ image_id: x, ...earlier }] }));
  await until(() => expect(verdict(x)).toEqual(earlier));
  expect(verdict(y)).toBeUndefined();
  // Y is back, selected; X stays closed (relabelled, and confirmed on that label).
  await until(() => expect(listed().has(y)).toBe(true));
  await until(() => expect([...ctx.store.getState().views.issues.selection]).toEqual([y]));
  expect(listed().has(x)).toBe(false);
  await until(() => expect(screen.getByTestId('issue-open').dataset.value).toBe(String(open - 1)));
  expect((await ctx.client.call('ml.labelIssues', { limit: 0 })).total).toBe(open - 1);
  expect((await ctx.client.call('images.get', { imageId: x })).issue_review).toBe('confirmed');

  // Shift+Z dismisses both again; Z gives the confirm back again.
  await user.keyboard('{Shift>}z{/Shift}');
  await until(() => expect(verdict(x)).toEqual({ label: was, action: 'dismissed', run_id: run }));
  await until(() => expect(verdict(y)).toMatchObject({ action: 'dismissed' }));
  await user.keyboard('z');
  await until(() => expect(verdict(x)).toEqual(earlier));
  await until(() => expect(verdict(y)).toBeUndefined());
  await until(() => expect(screen.getByTestId('issue-open').dataset.value).toBe(String(open - 1)));
});
