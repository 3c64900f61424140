// @vitest-environment jsdom
/**
 * This window's own verdict reloads no view when the core's announcement of it comes back; one that
 * brings no announcement (it changed nothing) must not leave a mark that swallows another window's
 * later verdict on the same image.
 */
import { expect, test } from 'vitest';
import { memoryClient } from '../../test-support/renderer/memoryTransport';
import { setup } from '../../test-support/renderer/render';
import { issuesSource } from '../features/issues/openIssues';
import { ECHO_GRACE_MS } from './verdictEchoes';
import { LIBRARY_REFRESH_MS } from './ui';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("another window's verdict after one of this window's that changed nothing still reloads the issue views", async () => {
  const ctx = setup();
  const store = ctx.store;
  const off = store.getState().connect();
  const other = memoryClient(ctx.lib.core);
  const reloads: string[] = [];
  const orig = store.getState().refreshView;
  store.setState({ refreshView: ((view, o) => (reloads.push(view), orig(view, o))) as typeof orig });
  const x = (await ctx.client.call('ml.labelIssues', { limit: 5 })).issues[0]!;
  const shown = [x.given as 'good' | 'bad'];
  const source = issuesSource(ctx.client);
  // Here: a confirm (its echo reloads nothing here).
  expect((await source.sendVerdict({ imageIds: [x.image_id], action: 'confirm', shown })).changed).toBe(1);
  await wait(LIBRARY_REFRESH_MS * 2);
  expect(reloads).toEqual([]);
  // The other window reopens it; a reopen here then finds nothing to reopen: no announcement comes.
  await other.call('ml.reviewIssues', { imageIds: [x.image_id], action: 'reopen' });
  await wait(LIBRARY_REFRESH_MS * 2);
  expect((await source.sendVerdict({ imageIds: [x.image_id], action: 'reopen' })).changed).toBe(0);
  await wait(ECHO_GRACE_MS + 100);
  // The other window confirms it again, then reopens it: that reopen is heard here as another window's.
  await other.call('ml.reviewIssues', { imageIds: [x.image_id], action: 'confirm', shown });
  await wait(LIBRARY_REFRESH_MS * 3);
  reloads.length = 0;
  await other.call('ml.reviewIssues', { imageIds: [x.image_id], action: 'reopen' });
  await wait(LIBRARY_REFRESH_MS * 3);
  expect(reloads).toContain('issues');
  off();
  await other.dispose();
}, 60_000);
