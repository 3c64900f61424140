// @vitest-environment jsdom
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ThresholdIndex } from '../../src-shared/domain/threshold';
import { tagFile } from '../../test-support/renderer/files';
import { setup, until } from '../../test-support/renderer/render';
import { PAGE_SIZE, THRESHOLD_COMMIT_MS, queryFor, thresholdNumbers, DEFAULT_FILTERS } from './review';

afterEach(() => vi.useRealTimers());

/** A store with scores loaded and the first page of the review view fetched. */
async function ready(options: Parameters<typeof setup>[0] = {}) {
  const ctx = setup(options);
  await ctx.store.getState().loadScores();
  await until(() => expect(ctx.store.getState().views.review.pages.size).toBeGreaterThan(0));
  return ctx;
}

describe('review store', () => {
  test('scores build the indices once and the numbers equal ThresholdIndex', async () => {
    const { client, store } = await ready();
    const raw = await client.call('review.scores', {});
    // The exact answers, from every score (the store gets only the sketch).
    const all = new ThresholdIndex(client.images.map((m) => m.p_bad));
    const heldImages = client.images.filter((m) => m.heldout && m.label !== null);
    const held = new ThresholdIndex(
      heldImages.map((m) => m.p_bad),
      heldImages.map((m) => (m.label === 'bad' ? 1 : 0)),
    );
    const scores = store.getState().scores!;
    expect(scores.runId).toBe(2);
    // The slider starts at the threshold the core says is in force (never one computed here).
    expect(store.getState().threshold).toBe(raw.in_force.threshold);
    expect(scores.inForce).toEqual(raw.in_force);
    // Every step of the slider's grid (log-odds: hundreds of them above 0.999), and its ends.
    for (let k = 0; k <= scores.sketch.bins; k++) {
      const t = scores.sketch.threshold(k);
      const n = thresholdNumbers(scores, t);
      const h = held.at(t);
      expect(n.flagged).toBe(all.flagged(t));
      expect(n.coverage).toBe(h.coverage);
      expect(n.error).toBe(h.error);
      expect(n.errorUpper).toBe(h.error_upper);
      expect(n.heldoutFlagged).toBe(h.flagged);
    }
    expect(client.callsOf('review.scores')).toHaveLength(2); // the store's one, and ours
  });

  test('the first page uses the query, the threshold and the page size', async () => {
    const { client, store } = await ready();
    const args = client.callsOf('review.page')[0]!;
    expect(args).toMatchObject({ predicted: 'bad', sort: 'confidence', order: 'desc', threshold: store.getState().threshold, offset: 0, limit: PAGE_SIZE });
    expect(queryFor('issues', DEFAULT_FILTERS.issues, 0.5)).toMatchObject({ issuesOnly: true, sort: 'issue-rank', order: 'asc' });
  });

  test('ensureRange fetches only the missing pages near the range, once each', async () => {
    const { client, store } = await ready({ images: 3000 });
    store.getState().setFilters('review', { predicted: 'all' });
    await until(() => expect(store.getState().views.review.total).toBe(3000));
    const before = client.callsOf('review.page').length;
    store.getState().ensureRange('review', 1000, 1450);
    store.getState().ensureRange('review', 1000, 1450);
    await until(() => expect(store.getState().views.review.pages.has(7)).toBe(true));
    const offsets = client.callsOf('review.page').slice(before).map((a) => a.offset);
    expect(offsets.sort((a, b) => a - b)).toEqual([1000, 1200, 1400]);
  });

  test('new filters start at the first row: the first page is fetched first and the grid is told to scroll back; a refresh keeps the place', async () => {
    const { client, store } = await ready({ images: 3000 });
    store.getState().setFilters('review', { predicted: 'all' });
    await until(() => expect(store.getState().views.review.total).toBe(3000));
    // Scrolled down to rows 1000-1450.
    store.getState().ensureRange('review', 1000, 1450);
    await until(() => expect(store.getState().views.review.pages.has(7)).toBe(true));
    const reset = store.getState().views.review.resetScroll;
    let before = client.callsOf('review.page').length;
    store.getState().setFilters('review', { label: 'bad' });
    const asked = client.callsOf('review.page').slice(before);
    // Pages 0..2 (the same span of rows, from the top), page 0 first; nothing from the old place.
    expect(asked.map((a) => a.offset)).toEqual([0, 200, 400]);
    expect(asked[0]).toMatchObject({ label: 'bad' });
    expect(store.getState().views.review.resetScroll).toBe(reset + 1);
    // A refresh that is not a filter change (e.g. labels changed) fetches where the grid is and does not scroll.
    await until(() => expect(store.getState().views.review.pages.has(0)).toBe(true));
    store.getState().ensureRange('review', 600, 700);
    await until(() => expect(store.getState().views.review.pages.has(3)).toBe(true));
    before = client.callsOf('review.page').length;
    store.getState().refreshView('review');
    expect(client.callsOf('review.page').slice(before).map((a) => a.offset)).toEqual([600]);
    expect(store.getState().views.review.resetScroll).toBe(reset + 1);
  });

  test('shift-click selects the range from the anchor, ctrl-click toggles, shift+arrow extends', async () => {
    const { store } = await ready();
    const s = () => store.getState();
    const id = (i: number) => s().itemAt('review', i)!.image_id;
    await s().clickTile('review', 2);
    expect([...s().views.review.selection]).toEqual([id(2)]);
    expect(s().preview.open).toBe(true);
    await s().clickTile('review', 6, { shift: true });
    expect([...s().views.review.selection].sort()).toEqual([2, 3, 4, 5, 6].map(id).sort());
    expect(s().views.review.focus).toBe(6);
    // The anchor stays: a shift-click before it selects the other way.
    await s().clickTile('review', 0, { shift: true });
    expect([...s().views.review.selection].sort()).toEqual([0, 1, 2].map(id).sort());
    await s().clickTile('review', 10, { toggle: true });
    expect(s().views.review.selection.has(id(10))).toBe(true);
    await s().clickTile('review', 10, { toggle: true });
    expect(s().views.review.selection.has(id(10))).toBe(false);
    s().focusIndex('review', 4);
    s().focusIndex('review', 7, { extend: true });
    expect([...s().views.review.selection].sort()).toEqual([4, 5, 6, 7].map(id).sort());
  });

  test('a shift range over pages not yet loaded fetches them first', async () => {
    const { store } = await ready({ images: 2000 });
    store.getState().setFilters('review', { predicted: 'all' });
    await until(() => expect(store.getState().views.review.total).toBe(2000));
    await store.getState().clickTile('review', 10);
    await store.getState().clickTile('review', 650, { shift: true });
    expect(store.getState().views.review.selection.size).toBe(641);
  });

  test('labelling is optimistic, then confirmed by labels.set', async () => {
    const { client, store } = await ready();
    const s = () => store.getState();
    await s().clickTile('review', 0);
    await s().clickTile('review', 1, { shift: true });
    const ids = [s().itemAt('review', 0)!.image_id, s().itemAt('review', 1)!.image_id];
    const pending = s().setLabel('review', 'good');
    // Before the answer: already shown.
    expect(s().itemAt('review', 0)).toMatchObject({ label: 'good', origin: 'curator' });
    await pending;
    expect(client.callsOf('labels.set').at(-1)).toEqual({ imageIds: ids, label: 'good' });
    expect(s().itemAt('review', 1)).toMatchObject({ label: 'good', origin: 'curator' });
    expect(client.image(ids[0]!)).toMatchObject({ label: 'good', origin: 'curator' });
  });

  test('a failed labels.set rolls the optimistic change back and shows the error', async () => {
    const { client, store } = await ready();
    const s = () => store.getState();
    s().focusIndex('review', 3);
    const before = { ...s().itemAt('review', 3)! };
    client.failNext('labels.set', { code: 'conflict', message: 'the library is busy', file: 'library.sqlite', line: 1 });
    const pending = s().setLabel('review', before.label === 'bad' ? 'good' : 'bad');
    expect(s().itemAt('review', 3)!.origin).toBe('curator');
    await pending;
    expect(s().itemAt('review', 3)).toMatchObject({ label: before.label, origin: before.origin });
    expect(s().toasts.at(-1)).toMatchObject({ kind: 'error', text: 'Label: library.sqlite:1: the library is busy' });
  });

  test('undo reverts the last curator change in the grid', async () => {
    const { client, store } = await ready();
    const s = () => store.getState();
    s().focusIndex('review', 0);
    const before = { ...s().itemAt('review', 0)! };
    await s().setLabel('review', null);
    expect(s().itemAt('review', 0)).toMatchObject({ label: null, origin: 'curator' });
    await s().undo();
    expect(client.callsOf('labels.undo')).toEqual([{ batchId: expect.any(Number) }]);
    expect(s().itemAt('review', 0)).toMatchObject({ label: before.label, origin: before.origin });
    await s().undo();
    expect(s().toasts.at(-1)?.text).toBe('Nothing to undo');
  });

  test("Z undoes this window's own change, never one made elsewhere since, nor one whose label was changed since", async () => {
    const { store, lib } = await ready();
    const s = () => store.getState();
    const labelOf = (id: number) => lib.core.context.db.prepare('SELECT label, origin FROM labels WHERE image_id = ?').get(id) as { label: string | null; origin: string };
    s().focusIndex('review', 0);
    const mine = { ...s().itemAt('review', 0)! };
    await s().setLabel('review', mine.label === 'bad' ? 'good' : 'bad');
    const mineNow = labelOf(mine.image_id);
    // Another window (or the command line) labels another image afterwards.
    const other = s().itemAt('review', 1)!.image_id;
    const otherBefore = labelOf(other);
    await lib.core.call('labels.set', { imageIds: [other], label: otherBefore.label === 'good' ? 'bad' : 'good' });
    const otherSet = labelOf(other);
    await s().undo();
    expect(labelOf(mine.image_id)).toEqual({ label: mine.label, origin: mine.origin });
    expect(s().itemAt('review', 0)).toMatchObject({ label: mine.label, origin: mine.origin });
    expect(labelOf(other)).toEqual(otherSet);
    expect(mineNow.origin).toBe('curator');

    // Labelled here, then changed elsewhere: Z refuses, says so, and leaves the other window's label.
    s().focusIndex('review', 2);
    const third = { ...s().itemAt('review', 2)! };
    await s().setLabel('review', third.label === 'bad' ? 'good' : 'bad');
    await lib.core.call('labels.set', { imageIds: [third.image_id], label: null });
    await s().undo();
    expect(labelOf(third.image_id)).toEqual({ label: null, origin: 'curator' });
    expect(s().toasts.at(-1)).toMatchObject({ kind: 'error', text: expect.stringMatching(/^Undo: .*changed since/) });
    // Refused for good: the next Z has nothing of this window's left (the first change was undone).
    await s().undo();
    expect(s().toasts.at(-1)?.text).toBe('Nothing to undo');
    expect(labelOf(other)).toEqual(otherSet);
  });

  test('Z after Shift+Z undoes the redo (its new batch), not an older change', async () => {
    const { store, lib } = await ready();
    const s = () => store.getState();
    const labelOf = (id: number) => lib.core.context.db.prepare('SELECT label, origin FROM labels WHERE image_id = ?').get(id) as { label: string | null; origin: string };
    s().focusIndex('review', 0);
    const a = s().itemAt('review', 0)!.image_id;
    const aBefore = labelOf(a);
    await s().setLabel('review', aBefore.label === 'bad' ? 'good' : 'bad');
    const aSet = labelOf(a);
    s().focusIndex('review', 1);
    const b = s().itemAt('review', 1)!.image_id;
    const bBefore = labelOf(b);
    await s().setLabel('review', null);
    await s().undo();
    expect(labelOf(b)).toEqual(bBefore);
    await s().redo();
    expect(labelOf(b)).toEqual({ label: null, origin: 'curator' });
    await s().undo();
    expect(labelOf(b)).toEqual(bBefore);
    expect(labelOf(a)).toEqual(aSet);
    await s().undo();
    expect(labelOf(a)).toEqual(aBefore);
  });

  test('label.changed events from elsewhere patch both views', async () => {
    const { client, store } = await ready();
    const off = store.getState().connect();
    const it = store.getState().itemAt('review', 5)!;
    client.emit('label.changed', { changes: [{ image_id: it.image_id, old_label: it.label, new_label: 'good', old_origin: it.origin, new_origin: 'curator' }] });
    await until(() => expect(store.getState().itemAt('review', 5)).toMatchObject({ label: 'good', origin: 'curator' }));
    off();
  });

  test('moving the threshold updates the draft at once and refetches only after a pause, saving nothing', async () => {
    const { client, store } = await ready();
    vi.useFakeTimers();
    const s = () => store.getState();
    const pages = client.callsOf('review.page').length;
    for (const t of [0.6, 0.61, 0.62, 0.63]) s().moveThreshold(t);
    expect(s().draftThreshold).toBe(0.63);
    expect(client.callsOf('ml.setThreshold')).toHaveLength(0);
    expect(client.callsOf('review.page')).toHaveLength(pages);
    await vi.advanceTimersByTimeAsync(THRESHOLD_COMMIT_MS + 50);
    expect(client.callsOf('ml.setThreshold')).toEqual([]);
    expect(s().threshold).toBe(0.63);
    expect(client.callsOf('review.page').at(-1)).toMatchObject({ threshold: 0.63, offset: 0 });
    // Releasing commits at once.
    s().moveThreshold(0.8);
    const committing = s().commitThreshold();
    await vi.advanceTimersByTimeAsync(10);
    await committing;
    expect(s().threshold).toBe(0.8);
    expect(client.callsOf('ml.setThreshold')).toEqual([]);
    vi.useRealTimers();
    // Only "Use for export" saves it.
    await s().useThresholdForExport();
    // On the run whose scores the slider shows.
    expect(client.callsOf('ml.setThreshold')).toEqual([{ threshold: 0.8, runId: s().scores!.runId }]);
    expect(s().scores!.inForce).toMatchObject({ threshold: 0.8, source: 'curator' });
  });

  test('a threshold change pushed from another tab shows at once', async () => {
    const { store } = await ready();
    const s = () => store.getState();
    const runId = s().scores!.runId;
    s().applyThresholdChange({ curator: 0.95, active_run: runId, in_force: { threshold: 0.95, source: 'curator' } });
    expect(s().scores!.inForce).toEqual({ threshold: 0.95, source: 'curator' });
    expect(s().scores!.curator).toBe(0.95);
  });

  test("another run made active drops the undo of \"Use for export\": each run keeps its own curator threshold", async () => {
    const { client, lib, store } = await ready();
    const s = () => store.getState();
    const first = s().scores!.runId;
    await s().useThresholdForExport(0.9);
    expect(s().exportThresholdUndos).toEqual([{ runId: first, before: null, after: 0.9 }]);
    const other = (await lib.core.call('ml.runs', {})).runs.find((r) => r.status === 'done' && r.run_id !== first)!.run_id;
    await lib.core.call('ml.setActive', { runId: other });
    s().applyThresholdChange({ curator: null, active_run: other, in_force: (await lib.core.call('review.scores', {})).in_force });
    await until(() => expect(s().scores!.runId).toBe(other));
    expect(s().exportThresholdUndos).toEqual([]);
    await s().undoExportThreshold();
    expect(client.callsOf('ml.setThreshold')).toEqual([{ threshold: 0.9, runId: first }]);
    expect((await lib.core.call('review.scores', { runId: first })).in_force).toEqual({ threshold: 0.9, source: 'curator' });
  });

  test('without a trained run the gallery shows everything and the slider has no scores', async () => {
    const { client, store } = setup({ trained: false, images: 50 });
    await store.getState().loadScores();
    expect(store.getState().scoresStatus).toBe('none');
    await until(() => expect(store.getState().views.review.total).toBe(50));
    const args = client.callsOf('review.page').at(-1)!;
    expect(args.predicted).toBeUndefined();
    expect(args.threshold).toBeUndefined();
    expect(store.getState().toasts).toHaveLength(0);
  });

  test('a filter that matched nothing and is widened again refetches', async () => {
    const { store } = await ready();
    store.getState().setFilters('review', { taxon: 'no such genus' });
    await until(() => expect(store.getState().views.review.total).toBe(0));
    store.getState().setFilters('review', { taxon: '' });
    await until(() => expect(store.getState().views.review.total).toBeGreaterThan(0));
  });

  test('when a first model appears, the review goes back to predicted bad', async () => {
    const { client, store } = setup({ trained: false, images: 60 });
    await store.getState().loadScores();
    expect(store.getState().views.review.filters.predicted).toBe('all');
    await client.call('ml.train', { features: ['signals'], hidden: 0, epochs: 2 });
    await store.getState().loadScores();
    expect(store.getState().scoresStatus).toBe('ready');
    expect(store.getState().views.review.filters.predicted).toBe('bad');
    await until(() => expect(client.callsOf('review.page').filter((a) => !a.issuesOnly).at(-1)).toMatchObject({ predicted: 'bad', threshold: store.getState().threshold }));
  });
});

describe('predictions changed elsewhere', () => {
  test('tag files merged in another window (library.changed: tags) update the slider counts', async () => {
    const { client, store, lib } = await ready({ images: 120 });
    const s = () => store.getState();
    const off = s().connect();
    // Not held out: a merge keeps a held-out image's own prediction.
    const low = client.images.filter((m) => m.p_bad < 0.3 && !m.heldout).slice(0, 5);
    expect(low).toHaveLength(5);
    const before = thresholdNumbers(s().scores!, 0.5).flagged;
    const urls = lib.core.context.db.prepare(`SELECT url FROM image_urls WHERE image_id IN (${low.map((m) => m.id).join(',')})`).pluck().all() as string[];
    expect(await lib.core.call('ml.importTags', { files: [tagFile(urls, 0.99)] })).toMatchObject({ rows: 5, local: 5, heldout_kept: 0 });
    await until(() => expect(thresholdNumbers(s().scores!, 0.5).flagged).toBe(before + 5));
    off();
  });
});
