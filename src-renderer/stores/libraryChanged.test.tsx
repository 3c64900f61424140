// @vitest-environment jsdom
/**
 * A burst of `library.changed` (another program's import, announced by the watcher once a second;
 * several bulk changes at once) brings one reaction, not one refetch of every screen's data per event.
 */
import { describe, expect, test } from 'vitest';
import { setup, until } from '../../test-support/renderer/render';
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
});
