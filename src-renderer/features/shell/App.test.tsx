// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { pickClient } from '../../api/client';
import { setup, until } from '../../../test-support/renderer/render';
import { App, Root } from './App';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  window.location.hash = '';
});

describe('App shell', () => {
  test("start-up asks for the gallery's first page before the slider's scores, and counts issues without listing them", async () => {
    const { client } = setup({ images: 200 });
    render(<App client={client} />);
    await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(0));
    // The scores wait for the first thumbnail to load (the core serves thumbnails between calls),
    // and the sidebar's issue count for the runs, loaded with them.
    expect(client.callsOf('review.scores')).toHaveLength(0);
    expect(client.callsOf('ml.labelIssues')).toHaveLength(0);
    fireEvent.load(screen.queryAllByTestId(/^tile-\d+$/)[0]!.querySelector('img')!);
    await until(() => expect(client.callsOf('review.scores').length).toBeGreaterThan(0), 5000);
    const order = client.calls.map((c) => c.method);
    expect(order.indexOf('review.page')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('review.page')).toBeLessThan(order.indexOf('review.scores'));
    // One scores call (the screen did not ask again while start-up held them back).
    expect(client.callsOf('review.scores')).toHaveLength(1);
    await until(() => expect(client.callsOf('ml.labelIssues').length).toBeGreaterThan(0), 5000);
    const after = client.calls.map((c) => c.method);
    expect(after.indexOf('ml.labelIssues')).toBeGreaterThan(after.indexOf('ml.runs'));
    expect(client.callsOf('ml.labelIssues').every((a) => a.limit === 0)).toBe(true);
  });

  test('the page has one level-one heading, the app\'s name (axe: page-has-heading-one)', async () => {
    const { client } = setup({ images: 20 });
    render(<App client={client} />);
    await until(() => expect(screen.getAllByRole('heading', { level: 1 }).map((h) => h.textContent)).toEqual(['Quality Curator']));
  });

  test('without a bridge or a token: the no-session screen, and no API call', () => {
    const ws = vi.fn();
    const fetch = vi.fn();
    vi.stubGlobal('WebSocket', ws);
    vi.stubGlobal('fetch', fetch);
    window.location.hash = '';
    expect(window.bridge).toBeUndefined();
    const client = pickClient();
    expect(client).toBeNull();
    render(<Root client={client} />);
    expect(screen.getByTestId('no-session').textContent).toContain('qc serve');
    expect(screen.queryByTestId('app')).toBeNull();
    expect(ws).not.toHaveBeenCalled();
    expect(fetch).not.toHaveBeenCalled();
  });

  test('a library with images lands on Review; the nav switches screens', async () => {
    const user = userEvent.setup();
    const { client } = setup({ images: 120 });
    render(<App client={client} />);
    await until(() => expect(screen.getByTestId('screen-review')).toBeTruthy());
    await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(0));
    expect(client.callsOf('library.status').length).toBeGreaterThan(0);
    await user.click(screen.getByTestId('nav-train'));
    expect(screen.getByTestId('screen-train')).toBeTruthy();
    await user.click(screen.getByTestId('nav-issues'));
    await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(0));
    const ranks = screen.queryAllByTestId(/^tile-\d+$/).map((t) => Number(t.dataset.testid!.slice(5)));
    expect(ranks.map((id) => client.image(id)!.issue_rank)).toEqual(ranks.map((_, i) => i + 1));
    await user.click(screen.getByTestId('nav-export'));
    expect(screen.getByTestId('screen-export')).toBeTruthy();
    await user.click(screen.getByTestId('nav-library'));
    expect(screen.getByTestId('screen-library')).toBeTruthy();
  });

  test('an empty library lands on Library', async () => {
    render(<App client={setup({ images: 0, trained: false }).client} />);
    await until(() => expect(screen.getByTestId('screen-library')).toBeTruthy());
  });

  test('errors show as toasts with describeError text', async () => {
    const { client } = setup({ images: 10 });
    client.failNext('library.status', { code: 'schema_too_new', message: 'the database was written by a newer Quality Curator', file: '/data/library.sqlite' });
    render(<App client={client} />);
    const toast = await screen.findByTestId('toast');
    expect(toast.textContent).toContain('/data/library.sqlite: the database was written by a newer Quality Curator');
  });

  test('another window makes another run active or archives one: the sidebar, the runs and the open-issue count follow', async () => {
    const { client, lib, store } = setup({ images: 300 });
    render(<App client={client} store={store} />);
    await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(0));
    fireEvent.load(screen.queryAllByTestId(/^tile-\d+$/)[0]!.querySelector('img')!);
    await until(() => expect(store.getState().activeRunId).not.toBeNull());
    const active = store.getState().activeRunId!;
    const other = store.getState().runs.find((r) => r.status === 'done' && r.run_id !== active)!;
    expect(other).toBeTruthy();
    const issuesOf = async (runId: number) => (await lib.core.call('ml.labelIssues', { runId, limit: 0 })).total;
    const [nowIssues, otherIssues] = [await issuesOf(active), await issuesOf(other.run_id)];
    expect(nowIssues).not.toBe(otherIssues);
    await until(() => expect(within(screen.getByTestId('nav-issues')).getByText(String(nowIssues))).toBeTruthy());
    // Another window (a second tab on the same core) picks the other run.
    await lib.core.call('ml.setActive', { runId: other.run_id });
    await until(() => expect(store.getState().scores?.runId).toBe(other.run_id));
    await until(() => expect(store.getState().activeRunId).toBe(other.run_id));
    await until(() => expect(screen.getByTestId('nav-train').textContent).toContain(`run ${other.run_id}`));
    await until(() => expect(within(screen.getByTestId('nav-issues')).getByText(String(otherIssues))).toBeTruthy());
    // ... and archives the run that was active: this window's runs table drops it.
    expect(store.getState().runs.some((r) => r.run_id === active)).toBe(true);
    await lib.core.call('ml.archiveRuns', { runIds: [active], archived: true });
    await until(() => expect(store.getState().runs.some((r) => r.run_id === active)).toBe(false));
  });

  test('another window restores an archived run that so becomes active: the slider and its threshold (the gallery filters with it) follow that run', async () => {
    const { client, lib, store } = setup({ images: 300 });
    render(<App client={client} store={store} />);
    await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(0));
    fireEvent.load(screen.queryAllByTestId(/^tile-\d+$/)[0]!.querySelector('img')!);
    await until(() => expect(store.getState().scores).not.toBeNull());
    const done = (await lib.core.call('ml.runs', {})).runs.filter((r) => r.status === 'done').map((r) => r.run_id);
    const [older, newest] = [done[done.length - 2]!, done[done.length - 1]!];
    // Another window pins the older run, archives the newest, then makes "the newest" active again (no pin): the older run.
    await lib.core.call('ml.setActive', { runId: older });
    await lib.core.call('ml.archiveRuns', { runIds: [newest], archived: true });
    await lib.core.call('ml.setActive', { runId: null });
    await until(() => expect(store.getState().scores?.runId).toBe(older));
    // Restoring the newest run makes it the active one again, with its own threshold in force.
    await lib.core.call('ml.archiveRuns', { runIds: [newest], archived: false });
    expect((await lib.core.call('ml.runs', {})).active).toBe(newest);
    const inForce = (await lib.core.call('review.scores', {})).in_force;
    await until(() => expect(store.getState().activeRunId).toBe(newest));
    await until(() => expect(store.getState().scores?.runId).toBe(newest));
    expect(store.getState().scores?.inForce).toEqual(inForce);
    await until(() => expect(store.getState().threshold).toBe(inForce.threshold));
  });

  test('a rating-rule change (here or in another window) updates the open-issue count, the Label issues list and the library counts', async () => {
    const user = userEvent.setup();
    const { client, lib, store } = setup({ images: 300 });
    render(<App client={client} store={store} />);
    await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(0));
    fireEvent.load(screen.queryAllByTestId(/^tile-\d+$/)[0]!.querySelector('img')!);
    const before = await lib.core.call('ml.labelIssues', { limit: 1000 });
    await until(() => expect(within(screen.getByTestId('nav-issues')).getByText(String(before.total))).toBeTruthy());
    await user.click(screen.getByTestId('nav-issues'));
    await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBe(before.issues.length));
    const status = store.getState().status!;
    // Another window changes the rule: class 4 gives no label any more.
    const rule = await lib.core.call('labels.getRule', {});
    await lib.core.call('labels.setRule', { rule: { ...rule, good: rule.good.filter((c) => c !== 4) } });
    const after = await lib.core.call('ml.labelIssues', { limit: 1000 });
    expect(after.total).not.toBe(before.total);
    await until(() => expect(within(screen.getByTestId('nav-issues')).getByText(String(after.total))).toBeTruthy());
    const shown = () => screen.queryAllByTestId(/^tile-\d+$/).map((t) => Number(t.dataset.testid!.slice(5)));
    await until(() => expect(shown().sort()).toEqual(after.issues.map((i) => i.image_id).sort()));
    await until(() => expect(store.getState().status!.labels.unlabeled).toBeGreaterThan(status.labels.unlabeled));
  });
});
