// @vitest-environment jsdom
/**
 * Confirm or Dismiss pressed while the issue list refreshes (every verdict starts one; another
 * window's import does too): the tiles still shown are the ones acted on, not nothing.
 */
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { IssuesScreen } from './IssuesScreen';
import { issuesSource } from './openIssues';

test('a Dismiss pressed while the list refreshes dismisses the focused tile still shown', async () => {
  const user = userEvent.setup();
  const ctx = setup({ images: 240, latencyMs: 150 });
  await ctx.store.getState().loadRuns();
  renderWith(<IssuesScreen />, ctx);
  const tiles = () => screen.queryAllByTestId(/^tile-\d+$/);
  await until(() => expect(issuesSource(ctx.client).get().byImage.size).toBeGreaterThan(2), 15_000);
  await until(() => expect(tiles().length).toBeGreaterThan(2), 15_000);
  const target = Number(tiles()[0]!.getAttribute('data-testid')!.slice('tile-'.length));
  await user.click(tiles()[0]!);
  await until(() => expect(screen.getByTestId('issue-why').textContent).toContain('labelled'), 15_000);
  // A refresh starts; its first page is on its way (150 ms) while the old tiles stay shown.
  ctx.store.getState().refreshView('issues');
  expect(ctx.store.getState().views.issues.pages.size).toBe(0);
  expect(screen.getByTestId(`tile-${target}`)).toBeTruthy();
  await user.click(screen.getByTestId('issue-dismiss'));
  await until(() => expect(ctx.client.callsOf('ml.reviewIssues').length).toBe(1), 15_000);
  expect(ctx.client.callsOf('ml.reviewIssues')[0]!.imageIds).toEqual([target]);
  // Stored in the core once the answer comes (the client's latency), and the count follows here.
  await until(() => expect(issuesSource(ctx.client).get().byImage.has(target)).toBe(false), 15_000);
  expect((await ctx.lib.core.call('ml.labelIssues', { limit: 1000 })).issues.map((i) => i.image_id)).not.toContain(target);
}, 60_000);
