// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, expect, test, vi } from 'vitest';
import { memorySockets } from '../../../test-support/renderer/memorySocket';
import { until } from '../../../test-support/renderer/render';
import { seedLibrary, type SeededLibrary } from '../../../test-support/seedLibrary';
import { wsClient, type ApiClient } from '../../api/client';
import { createAppStore } from '../../stores/app';
import { App } from './App';
import { NoSession } from './NoSession';

const ends: (() => unknown)[] = [];
afterEach(async () => {
  cleanup();
  for (const end of ends.splice(0).reverse()) await end();
});

const tiles = () => screen.queryAllByTestId(/^tile-\d+$/);

test('a label set while qc serve is away is put back, never saved, and the ended session says so instead of "everything is stored"', async () => {
  const user = userEvent.setup();
  const lib: SeededLibrary = seedLibrary({ images: 120 });
  ends.push(() => lib.core.close());
  const server = memorySockets(lib.core);
  let probeAnswer: ((a: 'ok' | 'expired' | 'down') => void) | null = null;
  const client: ApiClient = wsClient('ws://127.0.0.1:5174/api', 'tok', {
    WebSocketImpl: server.Impl,
    backoffMs: 60_000,
    maxBackoffMs: 60_000,
    probe: () => new Promise((r) => (probeAnswer = r)),
  });
  ends.push(() => client.close?.());
  const store = createAppStore(client);
  render(<App client={client} store={store} />);
  await until(() => expect(tiles().length).toBeGreaterThan(2));
  // Start-up done: the first thumbnail shown lets the slider's scores load.
  fireEvent.load(tiles()[0]!.querySelector('img')!);
  await until(() => expect(store.getState().scores).not.toBeNull());
  await until(() => expect(screen.getByTestId('threshold').className).not.toContain('threshold--off'));
  const labelOf = (id: number) => lib.core.context.db.prepare('SELECT label, origin FROM labels WHERE image_id = ?').get(id) as { label: string | null; origin: string };
  const key = (tile: HTMLElement) => (tile.dataset.label === 'bad' ? 'g' : 'b');

  // qc serve stops; before the page learns its session is gone, the curator labels another tile.
  server.stop();
  await until(() => expect(store.getState().connection).toBe('closed'));
  const second = tiles()[1]!;
  const secondId = Number(second.dataset.testid!.slice(5));
  const before = labelOf(secondId);
  const shownBefore = { label: second.dataset.label, origin: second.dataset.origin };
  await user.click(second);
  await user.keyboard(key(second));
  await until(() => expect(screen.getByTestId(`tile-${secondId}`).dataset.origin).toBe('curator'));

  // The session turns out to have ended (qc serve restarted with a new token).
  expect(probeAnswer).not.toBeNull();
  probeAnswer!('expired');
  await until(() => expect(screen.getByTestId('no-session').dataset.expired).toBe('true'));
  expect(labelOf(secondId)).toEqual(before);
  // Put back in the store (the rollback ran), and the page says what was lost.
  const item = [...store.getState().views.review.pages.values()].flat().find((it) => it.image_id === secondId)!;
  expect({ label: item.label ?? 'none', origin: item.origin }).toEqual(shownBefore);
  const lost = screen.getByTestId('session-lost');
  expect(lost.dataset.unsent).toBe('1');
  expect(lost.textContent).toBe('1 label change made while the link was down was not saved; it was put back on screen. Look at it again in the new session.');
  expect(screen.getByTestId('no-session').textContent).not.toMatch(/is stored/);
});

test('the ended-session page claims nothing about storage when it cannot know', () => {
  render(<NoSession expired />);
  expect(screen.getByTestId('session-expired').textContent).not.toMatch(/stored/);
  expect(screen.queryByTestId('session-lost')).toBeNull();
});

test('on the ended-session page, the new link pasted into the tab (only its hash differs) loads the page again', async () => {
  const reload = vi.fn();
  window.location.hash = '#token=old';
  await new Promise((r) => setTimeout(r, 20));
  render(<NoSession expired reload={reload} />);
  expect(screen.getByTestId('no-session').dataset.expired).toBe('true');
  // A hash without a token is not a link of qc serve: nothing happens.
  window.location.hash = '#review';
  await new Promise((r) => setTimeout(r, 50));
  expect(reload).not.toHaveBeenCalled();
  window.location.hash = '#token=new';
  await until(() => expect(reload).toHaveBeenCalledTimes(1));
  window.location.hash = '';
});

test("the link it shows as an example is at this page's own address (qc serve's port), not a fixed 127.0.0.1:5174", () => {
  render(<NoSession />);
  const example = screen.getByTestId('no-session').querySelector('pre')!.textContent;
  expect(window.location.host).not.toBe('127.0.0.1:5174');
  expect(example).toBe(`${window.location.protocol}//${window.location.host}/#token=…`);
});
