// @vitest-environment jsdom
/**
 * Back after a dropped connection (browser mode), the sidebar agrees with the core again: the
 * events sent while the link was down (here: another window's verdicts on label issues) are lost,
 * so what they would have changed is asked for again.
 */
import { fireEvent, render, screen, within } from '@testing-library/react';
import { expect, test } from 'vitest';
import type { ApiClient, ConnectionState } from '../../api/client';
import { createAppStore } from '../../stores/app';
import { fmtInt } from '../../components/format';
import { setup, until } from '../../../test-support/renderer/render';
import { App } from './App';

/** The real client over the real core, with a link that can drop: while down, pushed events are lost. */
function droppableLink(inner: ApiClient) {
  const listeners = new Set<(s: ConnectionState) => void>();
  let down = false;
  const client: ApiClient = {
    ...inner,
    on: (event, fn) => inner.on(event, (p) => (down ? undefined : fn(p))),
    onConnection(fn) {
      listeners.add(fn);
      fn(down ? 'closed' : 'open');
      return () => void listeners.delete(fn);
    },
  };
  const set = (state: ConnectionState) => {
    down = state !== 'open';
    for (const fn of [...listeners]) fn(state);
  };
  return { client, set, drop: () => set('closed'), back: () => set('open') };
}

test("after a reconnect, the sidebar's open-issue count follows the verdicts another window gave while the link was down", async () => {
  const ctx = setup({ images: 300 });
  const link = droppableLink(ctx.client);
  const store = createAppStore(link.client);
  render(<App client={link.client} store={store} />);
  const tiles = () => screen.queryAllByTestId(/^tile-\d+$/);
  await until(() => expect(tiles().length).toBeGreaterThan(0));
  fireEvent.load(tiles()[0]!.querySelector('img')!);
  const before = await ctx.lib.core.call('ml.labelIssues', { limit: 1000 });
  const open = () => within(screen.getByTestId('nav-issues')).getByTestId('nav-issues-open').textContent;
  await until(() => expect(open()).toBe(fmtInt(before.total)));

  link.drop();
  await until(() => expect(store.getState().connection).toBe('closed'));
  // Another window dismisses three issues within the estimate; this page hears nothing of it.
  const dismissed = before.issues.filter((i) => !i.beyond_estimate).slice(0, 3);
  expect(dismissed).toHaveLength(3);
  await ctx.lib.core.call('ml.reviewIssues', { imageIds: dismissed.map((i) => i.image_id), action: 'dismiss' });
  const after = (await ctx.lib.core.call('ml.labelIssues', { limit: 0 })).total;
  expect(after).toBe(before.total - 3);
  await new Promise((r) => setTimeout(r, 400));
  expect(open()).toBe(fmtInt(before.total));

  link.back();
  await until(() => expect(open()).toBe(fmtInt(after)));
});

test('the sidebar says, in a live region, that the link dropped and is being tried again, once for all the tries', async () => {
  const ctx = setup({ images: 20 });
  const link = droppableLink(ctx.client);
  const store = createAppStore(link.client);
  render(<App client={link.client} store={store} />);
  const region = () => screen.getByTestId('connection').closest('[role="status"]');
  await until(() => expect(region()?.textContent?.trim()).toBe('connected'));
  link.drop();
  await until(() => expect(store.getState().connection).toBe('closed'));
  const dropped = region()!.textContent!.trim();
  // Not "closed" (it is not over: it is tried again), and not the bare state name.
  expect(dropped).toMatch(/not connected.*reconnecting/);
  // A try to connect again: the same words (a live region re-reads only changed text).
  link.set('connecting');
  await until(() => expect(screen.getByTestId('connection').dataset.state).toBe('connecting'));
  expect(region()!.textContent!.trim()).toBe(dropped);
  link.back();
  await until(() => expect(region()!.textContent!.trim()).toBe('connected'));
});
