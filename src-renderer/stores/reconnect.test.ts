/**
 * Back after a dropped connection, the events sent while it was down are lost: what they would have
 * reloaded is asked for again — the library's status, failures, imports and rule too (an import that
 * ended meanwhile stayed "running elsewhere" on the Imports card, with a frozen progress bar).
 */
import { expect, test } from 'vitest';
import type { ConnectionState } from '../api/client';
import { setup, until } from '../../test-support/renderer/render';
import { createAppStore } from './app';

test('a reconnect reloads the status, failures, imports, rule, runs and scores', async () => {
  const ctx = setup({ images: 40, runs: 1 });
  const listeners = new Set<(s: ConnectionState) => void>();
  const client = { ...ctx.client, onConnection: (fn: (s: ConnectionState) => void) => (listeners.add(fn), () => void listeners.delete(fn)) };
  const store = createAppStore(client);
  const off = store.getState().connect();
  const asked = () => Object.fromEntries((['library.status', 'library.failures', 'library.sources', 'labels.getRule', 'ml.runs', 'review.scores'] as const).map((m) => [m, ctx.client.callsOf(m).length]));
  const before = asked();
  for (const state of ['closed', 'open'] as const) for (const fn of listeners) fn(state);
  await until(() => {
    const now = asked();
    for (const [m, n] of Object.entries(before)) expect(now[m], m).toBeGreaterThan(n);
  });
  off();
});
