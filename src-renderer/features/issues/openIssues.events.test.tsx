// @vitest-environment jsdom
/**
 * A verdict announced with its images (library.changed 'issues' with `reviewed`) is applied to the
 * listed issues in place, with no list of issues asked for again; one without them lists again.
 */
import { screen } from '@testing-library/react';
import { expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { IssuesScreen } from './IssuesScreen';
import { issuesSource, WHY_LIMIT } from './openIssues';

/** The Label issues screen over a seeded library, once its issues are tracked; what the core lists. */
async function showIssues() {
  const ctx = setup({ images: 300 });
  await ctx.store.getState().loadRuns();
  renderWith(<IssuesScreen />, ctx);
  const listed = await ctx.lib.core.call('ml.labelIssues', { limit: WHY_LIMIT });
  await until(() => expect(issuesSource(ctx.client).state.byImage.size).toBe(listed.issues.length));
  return { ...ctx, listed };
}

test('library.changed issues naming the verdict closes those issues in place; without names the list is asked for again', async () => {
  const { client, lib, listed } = await showIssues();
  const [x, y] = listed.issues.filter((i) => !i.beyond_estimate) as [(typeof listed.issues)[0], (typeof listed.issues)[0]];
  const lists = () => client.callsOf('ml.labelIssues').filter((a) => (a.limit ?? 0) > 0).length;
  const before = lists();

  // Another window dismisses X and the event names it.
  await lib.core.call('ml.reviewIssues', { imageIds: [x.image_id], action: 'dismiss' });
  client.emit('library.changed', { reason: 'issues', reviewed: { imageIds: [x.image_id], action: 'dismiss' } });
  await until(() => expect(issuesSource(client).state.byImage.has(x.image_id)).toBe(false));
  await until(() => expect(screen.getByTestId('issue-open').dataset.value).toBe(String(listed.total - 1)));
  // The same event heard twice changes nothing more.
  client.emit('library.changed', { reason: 'issues', reviewed: { imageIds: [x.image_id], action: 'dismiss' } });
  await new Promise((r) => setTimeout(r, 400));
  expect(issuesSource(client).state.total).toBe(listed.total - 1);
  expect(lists()).toBe(before);
  expect(issuesSource(client).state.total).toBe((await lib.core.call('ml.labelIssues', { limit: 0 })).total);

  // A verdict announced without its images (another program's, seen by the watcher): the list again.
  await lib.core.call('ml.reviewIssues', { imageIds: [y.image_id], action: 'confirm' });
  client.emit('library.changed', { reason: 'issues' });
  await until(() => expect(lists()).toBeGreaterThan(before));
  await until(() => expect(issuesSource(client).state.byImage.has(y.image_id)).toBe(false));
  expect(issuesSource(client).state.total).toBe(listed.total - 2);
});

test('a verdict another window restores on a label the image no longer has holds again here when that label comes back', async () => {
  const { client, lib, listed } = await showIssues();
  const x = listed.issues.find((i) => !i.beyond_estimate)!;
  const other = x.given === 'good' ? 'bad' : 'good';
  const openInCore = async () => (await lib.core.call('ml.labelIssues', { imageIds: [x.image_id] })).issues.length > 0;

  // Another window: confirm X's label, relabel X, dismiss the issue on the new label (the confirm
  // replaced), then undo the dismiss: the confirm is restored, on a label X no longer has.
  await lib.core.call('ml.reviewIssues', { imageIds: [x.image_id], action: 'confirm' });
  await lib.core.call('labels.set', { imageIds: [x.image_id], label: other });
  const dismissed = await lib.core.call('ml.reviewIssues', { imageIds: [x.image_id], action: 'dismiss' });
  expect(dismissed.replaced).toEqual([expect.objectContaining({ image_id: x.image_id, label: x.given, action: 'confirmed' })]);
  await lib.core.call('ml.reviewIssues', { imageIds: [x.image_id], action: 'reopen', undoing: { action: 'dismiss' }, shown: [other], restore: dismissed.replaced! });
  // The label comes back: the restored confirm holds again, in the core and here.
  await lib.core.call('labels.set', { imageIds: [x.image_id], label: x.given });
  expect(await openInCore()).toBe(false);
  await until(() => expect(client.image(x.image_id)!.label).toBe(x.given));
  await new Promise((r) => setTimeout(r, 400));
  expect(issuesSource(client).state.byImage.has(x.image_id)).toBe(false);
  expect(issuesSource(client).state.total).toBe((await lib.core.call('ml.labelIssues', { limit: 0 })).total);
});
