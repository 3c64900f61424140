// @vitest-environment jsdom
/**
 * While qc serve cannot be reached, reportError shows nothing (the sidebar says "not connected"
 * once); a label change refused then goes back on screen, and that is told: one toast per burst
 * counting the changes put back, not one per key (curator's-day audit F3).
 */
import { describe, expect, test } from 'vitest';
import { QcError } from '../../src-shared/contract/errors';
import type { ApiClient, ConnectionState } from '../api/client';
import { setup, until } from '../../test-support/renderer/render';
import { createAppStore } from './app';

/** A store over the real core whose link can be taken down: label sets are then refused as the client refuses them. */
async function offline() {
  const ctx = setup();
  const listeners = new Set<(s: ConnectionState) => void>();
  let down = false;
  const client: ApiClient = {
    ...ctx.client,
    onConnection: (fn) => (listeners.add(fn), fn('open'), () => void listeners.delete(fn)),
    call: ((method, args, opts) =>
      down
        ? new Promise((_, reject) => setTimeout(() => reject(new QcError('not_available', 'qc serve could not be reached for 5 s: this was not sent, nothing was saved')), 20))
        : ctx.client.call(method, args, opts)) as ApiClient['call'],
  };
  const store = createAppStore(client);
  const off = store.getState().connect();
  const s = () => store.getState();
  await s().loadScores();
  await until(() => expect(s().views.review.pages.has(0)).toBe(true));
  const link = (state: 'open' | 'closed') => {
    down = state !== 'open';
    for (const fn of listeners) fn(state);
  };
  return { ...ctx, s, link, off };
}

describe('label changes put back while qc serve cannot be reached', () => {
  test('are told once per burst, with their count; other errors stay quiet; connected again, a label is saved quietly', async () => {
    const { client, s, link, off } = await offline();
    const ids = [0, 1, 2].map((i) => s().itemAt('review', i)!.image_id);
    const before = ids.map((id) => client.image(id)!.label);
    link('closed');
    // Three G keys (as with "next after B/G": one image each), shown at once, refused, put back.
    const keys = ids.map((id) => s().setLabel('review', 'good', [id]));
    expect(ids.map((_, i) => s().itemAt('review', i)!.label)).toEqual(['good', 'good', 'good']);
    await Promise.all(keys);
    expect(ids.map((_, i) => s().itemAt('review', i)!.label)).toEqual(before);
    expect(ids.map((id) => client.image(id)!.label)).toEqual(before);
    expect(s().toasts.map((t) => [t.kind, t.text])).toEqual([['error', '3 label changes were not saved (not connected to qc serve): they were put back']]);
    // Any other failure while the link is down still adds nothing (the sidebar says it once).
    s().reportError(new QcError('internal', 'the connection to qc serve was lost; reconnecting'), 'Status');
    expect(s().toasts).toHaveLength(1);
    // Once that toast is gone, the next change put back starts a new count.
    s().dismissToast(s().toasts[0]!.id);
    await s().setLabel('review', 'bad', [ids[0]!]);
    expect(s().toasts.map((t) => t.text)).toEqual(['1 label change was not saved (not connected to qc serve): it was put back']);
    // Back: a label is saved, and says nothing.
    link('open');
    const target = before[0] === 'bad' ? 'good' : 'bad';
    await s().setLabel('review', target, [ids[0]!]);
    expect(client.image(ids[0]!)!.label).toBe(target);
    expect(s().toasts).toHaveLength(1);
    off();
  });

  test('B then G on one image, both refused: the tile shows its label from before both, not the first refused one', async () => {
    const { client, s, link, off } = await offline();
    const id = s().itemAt('review', 0)!.image_id;
    const was = { label: s().itemAt('review', 0)!.label, origin: s().itemAt('review', 0)!.origin };
    link('closed');
    const b = s().setLabel('review', 'bad', [id]);
    const g = s().setLabel('review', 'good', [id]);
    expect(s().itemAt('review', 0)!.label).toBe('good');
    await Promise.all([b, g]);
    expect(s().itemAt('review', 0)).toMatchObject(was);
    expect(client.image(id)).toMatchObject(was);
    expect(s().toasts.map((t) => t.text)).toEqual(['2 label changes were not saved (not connected to qc serve): they were put back']);
    off();
  });

  test('a change sent as the link dropped is told as perhaps saved', async () => {
    const { client, s, link, off } = await offline();
    const id = s().itemAt('review', 0)!.image_id;
    const was = s().itemAt('review', 0)!.label;
    // Sent (it reached the client) and the link drops before the answer: the client rejects it so.
    const release = client.hold('labels.set');
    client.failNext('labels.set', { code: 'internal', message: 'the connection to qc serve was lost; reconnecting' });
    const key = s().setLabel('review', was === 'bad' ? 'good' : 'bad', [id]);
    await until(() => expect(client.callsOf('labels.set')).toHaveLength(1));
    link('closed');
    release();
    await key;
    expect(s().itemAt('review', 0)!.label).toBe(was);
    expect(s().toasts.map((t) => t.text)).toEqual(['1 label change sent as the link to qc serve dropped may not have been saved: put back until it reconnects']);
    off();
  });
});
