// @vitest-environment jsdom
/**
 * A burst of `library.changed` (another program's import, announced by the watcher once a second;
 * several bulk changes at once) brings one reaction, not one refetch of every screen's data per event.
 */
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { renderWith, setup, until } from '../../test-support/renderer/render';
import { IssuesScreen } from '../features/issues/IssuesScreen';
import { issuesSource } from '../features/issues/openIssues';
import { LIBRARY_REFRESH_MS } from './ui';

describe('library.changed in bursts', () => {
  test('eight events at once: the status, the sources and the slider counts are asked for once', async () => {
    const ctx = setup({ images: 80, runs: 1 });
    await ctx.store.getState().loadRuns();
    await ctx.store.getState().loadScores();
    const off = ctx.store.getState().connect();
    const asked = (m: 'library.status' | 'library.sources' | 'review.scores') => ctx.client.callsOf(m).length;
    const before = { status: asked('library.status'), sources: asked('library.sources'), scores: asked('review.scores') };
    for (let i = 0; i < 8; i++) ctx.client.emit('library.changed', { reason: 'elsewhere' });
    await until(() => expect(asked('review.scores')).toBeGreaterThan(before.scores));
    await new Promise((r) => setTimeout(r, LIBRARY_REFRESH_MS * 3));
    expect(asked('library.status') - before.status).toBe(1);
    expect(asked('library.sources') - before.sources).toBe(1);
    expect(asked('review.scores') - before.scores).toBe(1);
    // A later event is heard again.
    ctx.client.emit('library.changed', { reason: 'import' });
    await until(() => expect(asked('library.status') - before.status).toBe(2));
    off();
  });

  test("a verdict given by another program (qc issues --confirm: library.changed 'issues'): the open count and the issue views follow, nothing else is reloaded", async () => {
    const ctx = setup({ images: 200, runs: 1 });
    await ctx.store.getState().loadRuns();
    await ctx.store.getState().loadScores();
    await ctx.store.getState().loadFirstPage('review');
    await ctx.store.getState().loadFirstPage('issues');
    const off = ctx.store.getState().connect();
    // The sidebar's badge (the open count), as the shell keeps it.
    const source = issuesSource(ctx.client);
    source.setLive(true);
    const unsubscribe = source.subscribe(() => {});
    await source.refresh();
    const open0 = source.get().total!;
    const pages = () => ctx.client.callsOf('review.page');
    const before = { status: ctx.client.callsOf('library.status').length, scores: ctx.client.callsOf('review.scores').length, pages: pages().length };
    const first = ctx.store.getState().itemAt('issues', 0)!;
    expect(first.issue_open).toBe(1);
    // Another program's verdict on the library, as the core's watcher announces it (watch.test.ts).
    ctx.lib.core.context.db.prepare("INSERT INTO label_reviews (image_id, label, action) SELECT image_id, label, 'confirmed' FROM labels WHERE image_id = ?").run(first.image_id);
    ctx.client.emit('library.changed', { reason: 'issues' });
    await until(() => expect(source.get().total).toBe(open0 - 1));
    await until(() => expect(pages().slice(before.pages).filter((q) => q.issuesOnly).length).toBeGreaterThan(0));
    await until(() => expect(ctx.store.getState().itemAt('issues', 0)?.image_id).not.toBe(first.image_id));
    await new Promise((r) => setTimeout(r, LIBRARY_REFRESH_MS * 3));
    const asked = pages().slice(before.pages);
    expect(asked.some((q) => q.issuesOnly)).toBe(true);
    expect(asked.some((q) => !q.issuesOnly)).toBe(true);
    expect(ctx.client.callsOf('library.status').length).toBe(before.status);
    expect(ctx.client.callsOf('review.scores').length).toBe(before.scores);
    unsubscribe();
    off();
  });

  test('a verdict given in another window of the same core: the listed issue closes in place, without asking for the list again', async () => {
    const ctx = setup({ images: 200, runs: 1 });
    await ctx.store.getState().loadRuns();
    const off = ctx.store.getState().connect();
    const source = issuesSource(ctx.client);
    source.setLive(true);
    const unsubscribe = source.subscribe(() => {});
    const offWhy = source.wantWhy();
    await until(() => expect(source.get().byImage.size).toBeGreaterThan(2));
    const open0 = source.get().total!;
    const [a] = [...source.get().byImage.values()].filter((i) => !i.beyond_estimate);
    const calls = ctx.client.callsOf('ml.labelIssues').length;
    // Another window's call on the same core: the core announces it to every page, this one too.
    await ctx.lib.core.call('ml.reviewIssues', { imageIds: [a!.image_id], action: 'dismiss' });
    await until(() => expect(source.get().total).toBe(open0 - 1));
    expect(source.get().byImage.has(a!.image_id)).toBe(false);
    await new Promise((r) => setTimeout(r, LIBRARY_REFRESH_MS * 3));
    expect(ctx.client.callsOf('ml.labelIssues').length).toBe(calls);
    // Taken back there: open here again.
    await ctx.lib.core.call('ml.reviewIssues', { imageIds: [a!.image_id], action: 'reopen' });
    await until(() => expect(source.get().total).toBe(open0));
    expect(source.get().byImage.has(a!.image_id)).toBe(true);
    offWhy();
    unsubscribe();
    off();
  });

  test("a verdict given in this window: its announcement coming back reloads no view (the gallery stays under the curator's next click); another window's does", async () => {
    const user = userEvent.setup();
    const ctx = setup({ images: 240, runs: 1 });
    await ctx.store.getState().loadRuns();
    const off = ctx.store.getState().connect();
    renderWith(<IssuesScreen />, ctx);
    const source = issuesSource(ctx.client);
    const tiles = () => screen.queryAllByTestId(/^tile-\d+$/);
    await until(() => expect(source.get().byImage.size).toBeGreaterThan(3));
    await until(() => expect(tiles().length).toBeGreaterThan(3));
    const version = () => ({ issues: ctx.store.getState().views.issues.version, review: ctx.store.getState().views.review.version });
    for (const action of ['dismiss', 'confirm'] as const) {
      const open0 = source.get().total!;
      const target = Number(tiles()[0]!.getAttribute('data-testid')!.slice('tile-'.length));
      await user.click(tiles()[0]!);
      await until(() => expect(screen.getByTestId('issue-why').textContent).toContain('labelled'));
      await user.click(screen.getByTestId(`issue-${action}`));
      await until(() => expect(source.get().total).toBe(open0 - 1));
      await until(() => expect(screen.queryByTestId(`tile-${target}`)).toBeNull());
      await until(() => expect(tiles().length).toBeGreaterThan(0));
      // The core announced the verdict to every window, this one too: here nothing is reloaded for it.
      const v0 = version();
      await new Promise((r) => setTimeout(r, LIBRARY_REFRESH_MS * 3));
      expect(version()).toEqual(v0);
      expect(tiles().length).toBeGreaterThan(0);
    }
    // The same kind of verdict from another window on the same core: this window's issue views follow.
    const other = [...source.get().byImage.values()].find((i) => !i.beyond_estimate)!;
    const v1 = version();
    await ctx.lib.core.call('ml.reviewIssues', { imageIds: [other.image_id], action: 'dismiss' });
    await until(() => expect(version().issues).toBeGreaterThan(v1.issues));
    await until(() => expect(screen.queryByTestId(`tile-${other.image_id}`)).toBeNull());
    off();
  });
});
