/**
 * The slider's sketch kept in the library (sketch.ts SketchCache, migration 027): a core opened on
 * a library whose sketch an earlier one counted answers its first review.scores from the stored row
 * (no pass over every scored image, none over the held-out ones), brought up to date from the label
 * changes made since, and equal to a sketch counted from scratch; a rescored prediction, a damaged
 * row or a changed grid make it count again; a writer holding the lock never slows or fails the call.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ResultOf } from '../../../src-shared/contract/handlers';
import { SKETCH_BINS } from '../../../src-shared/domain/thresholdSketch';
import { seedLibrary } from '../../../test-support/seedLibrary';
import { createCore, type Core } from '../app';
import { predictionSketch, SketchCache } from './sketch';

const opened: Core[] = [];
afterEach(async () => {
  for (const c of opened.splice(0)) await c.close();
});

function openCore(dataDir: string): Core {
  const core = createCore({ dataDir, ml: 'in-process' });
  opened.push(core);
  return core;
}

/** A library with a run, some held-out images in the stored test split (the sketch counts only the out-of-fold ones). */
function library() {
  const lib = seedLibrary({ images: 300, seed: 23 });
  opened.push(lib.core);
  const put = lib.core.context.db.prepare("INSERT OR REPLACE INTO splits (image_id, group_id, split, fold) VALUES (?, ?, 'test', 0)");
  lib.images.filter((im) => im.heldout && im.id % 4 === 0).forEach((im) => put.run(im.id, im.id));
  return lib;
}

/** review.scores on `core`, with which of the two passes it made. */
async function scores(core: Core) {
  const { db } = core.context;
  const prepare = db.prepare.bind(db);
  const sql: string[] = [];
  let rangeCounts = 0;
  // Every statement prepared, and how many range counts over the (run_id, p_bad) index ran: the
  // all-scores pass makes one per bin (1,000), a flagged count from the bins one per threshold.
  const spy = vi.spyOn(db, 'prepare').mockImplementation(((text: string) => {
    sql.push(text);
    const st = prepare(text);
    if (/p_bad >= \? AND p_bad < \?/.test(text)) {
      const get = st.get.bind(st);
      st.get = ((...args: unknown[]) => (rangeCounts++, get(...(args as [])))) as typeof st.get;
    }
    return st;
  }) as typeof db.prepare);
  try {
    const r = await core.call('review.scores', {});
    return { r, allPass: rangeCounts >= SKETCH_BINS, heldPass: sql.some((s) => /predictions_run_heldout/.test(s)) };
  } finally {
    spy.mockRestore();
  }
}

const rebuilt = (core: Core, r: ResultOf<'review.scores'>) =>
  predictionSketch(core.context.db, r.run_id, [r.recommended, r.best_bound, r.estimate?.threshold ?? null, r.curator, r.in_force.threshold]);

const storedRow = (core: Core, runId: number) =>
  core.context.db.prepare('SELECT bins, scores_change, held_last_event FROM sketch_cache WHERE run_id = ?').get(runId) as
    | { bins: number; scores_change: number; held_last_event: number }
    | undefined;

describe("review.scores' sketch kept in the library", () => {
  it('answers a new core from the stored row, brought up to date from the label changes since, equal to a full count', async () => {
    const lib = library();
    const first = await scores(lib.core);
    expect(first.allPass && first.heldPass).toBe(true);
    expect(storedRow(lib.core, lib.runId!)).toMatchObject({ bins: SKETCH_BINS });
    await lib.core.close();

    // Another process changes labels of held-out images, and never asks for the sketch.
    const writer = openCore(lib.dataDir);
    const held = lib.images.filter((im) => im.heldout && im.id % 4 !== 0);
    await writer.call('labels.set', { imageIds: held.filter((im) => im.label === 'good').slice(0, 3).map((im) => im.id), label: 'bad' });
    await writer.call('labels.set', { imageIds: held.filter((im) => im.label === 'bad').slice(0, 2).map((im) => im.id), label: null });
    await writer.close();

    const reader = openCore(lib.dataDir);
    const again = await scores(reader);
    expect(again.allPass).toBe(false);
    expect(again.heldPass).toBe(false);
    expect(again.r.sketch).toEqual(rebuilt(reader, again.r));
    const sum = (a: number[]) => a.reduce((s, x) => s + x, 0);
    // The stored counts did follow the other process's changes: three more bad, two fewer labelled bad-then-none.
    expect(sum(again.r.sketch.heldoutBad)).toBe(sum(first.r.sketch.heldoutBad) + 3 - 2);
    expect(sum(again.r.sketch.heldoutGood)).toBe(sum(first.r.sketch.heldoutGood) - 3);
    expect(again.r.sketch.all).toEqual(first.r.sketch.all);
  });

  it('counts again after a prediction is rescored, and stores the new counts', async () => {
    const lib = library();
    const first = await scores(lib.core);
    const before = storedRow(lib.core, lib.runId!)!;
    const im = lib.images.find((x) => x.p_bad !== null && x.p_bad < 0.2)!;
    lib.core.context.db.prepare('UPDATE predictions SET p_bad = 0.999 WHERE run_id = ? AND image_id = ?').run(lib.runId, im.id);
    await lib.core.close();

    const reader = openCore(lib.dataDir);
    const again = await scores(reader);
    expect(again.allPass).toBe(true);
    expect(again.r.sketch).toEqual(rebuilt(reader, again.r));
    expect(again.r.sketch.all).not.toEqual(first.r.sketch.all);
    expect(storedRow(reader, lib.runId!)!.scores_change).toBeGreaterThan(before.scores_change);
  });

  it('counts again after the stored splits change (a training run that stopped before scoring), equal to a full count', async () => {
    const lib = library();
    const first = await scores(lib.core);
    await lib.core.close();
    // Another process's run assigns some out-of-fold images to the test split, then fails: no prediction changes.
    const writer = openCore(lib.dataDir);
    const moved = lib.images.filter((im) => im.heldout && im.id % 4 !== 0 && im.label !== null).slice(0, 6);
    const put = writer.context.db.prepare("INSERT OR REPLACE INTO splits (image_id, group_id, split, fold) VALUES (?, ?, 'test', 0)");
    for (const im of moved) put.run(im.id, im.id);
    await writer.close();
    const reader = openCore(lib.dataDir);
    const again = await scores(reader);
    expect(again.heldPass).toBe(true);
    expect(again.r.sketch).toEqual(rebuilt(reader, again.r));
    const held = (r: typeof first.r) => [...r.sketch.heldoutBad, ...r.sketch.heldoutGood].reduce((s, x) => s + x, 0);
    expect(held(again.r)).toBe(held(first.r) - moved.length);
  });

  it('does not trust a damaged row or one made on another grid', async () => {
    const lib = library();
    await scores(lib.core);
    const { db } = lib.core.context;
    const damage = [
      "UPDATE sketch_cache SET all_counts = '[1,2,3]'",
      // The right length, but counts no pass could give.
      `UPDATE sketch_cache SET all_counts = '${JSON.stringify(new Array(SKETCH_BINS + 1).fill(-1))}'`,
      `UPDATE sketch_cache SET all_counts = '${JSON.stringify(new Array(SKETCH_BINS + 1).fill(0.5))}'`,
      "UPDATE sketch_cache SET all_counts = 'not json', held_counts = '{\"bad\":[-1]}'",
      "UPDATE sketch_cache SET held_counts = '{\"bad\":1}'",
      `UPDATE sketch_cache SET bins = ${SKETCH_BINS + 1}`,
    ];
    for (const sql of damage) {
      db.exec(sql);
      const fresh = new SketchCache(db);
      const r = await lib.core.call('review.scores', {});
      const marked = [r.recommended, r.best_bound, r.estimate?.threshold ?? null, r.curator, r.in_force.threshold];
      expect(fresh.sketch(r.run_id, marked), sql).toEqual(rebuilt(lib.core, r));
      // The pass that counted again stored whole counts over the damaged ones.
      expect(storedRow(lib.core, r.run_id)!.bins, sql).toBe(SKETCH_BINS);
    }
  });

  it('answers at once, and correctly, while another process holds the write lock; stores the sketch once it is free', async () => {
    const lib = library();
    const lockHolder = new Database(path.join(lib.dataDir, 'library.sqlite'));
    try {
      lockHolder.exec('BEGIN IMMEDIATE');
      const t = performance.now();
      const busy = await scores(lib.core);
      // The library's busy wait is seconds long; the cache's write does not wait at all.
      expect(performance.now() - t).toBeLessThan(1500);
      expect(busy.r.sketch).toEqual(rebuilt(lib.core, busy.r));
      expect(storedRow(lib.core, lib.runId!)).toBeUndefined();
      lockHolder.exec('ROLLBACK');
    } finally {
      lockHolder.close();
    }
    // The call's own busy wait is back as it was.
    expect(lib.core.context.db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    // The next first call (a new core) counts and stores it.
    await lib.core.close();
    const reader = openCore(lib.dataDir);
    const again = await scores(reader);
    expect(again.allPass).toBe(true);
    expect(storedRow(reader, lib.runId!)).toMatchObject({ bins: SKETCH_BINS });
  });

  /** review.page's total for a predicted filter, with whether it counted the run's matches in SQL. */
  async function page(core: Core, predicted: 'bad' | 'good', threshold: number) {
    const spy = vi.spyOn(core.context.db, 'prepare');
    try {
      const r = await core.call('review.page', { predicted, threshold, offset: 0, limit: 20 });
      return { total: r.total, counted: spy.mock.calls.some((c) => /COUNT\(\*\)[\s\S]*p_bad (>=|<) @t/.test(String(c[0]))) };
    } finally {
      spy.mockRestore();
    }
  }
  const plainCount = (core: Core, runId: number, predicted: 'bad' | 'good', t: number) =>
    core.context.db.prepare(`SELECT COUNT(*) FROM predictions WHERE run_id = ? AND p_bad ${predicted === 'bad' ? '>=' : '<'} ?`).pluck().get(runId, t) as number;

  it("gives the gallery's predicted bad and good totals from the kept bins, equal to a count, from a new core's first page on", async () => {
    const lib = library();
    await scores(lib.core);
    await lib.core.close();
    const reader = openCore(lib.dataDir);
    // The first page of a new core, before any review.scores: the stored bins give its total.
    const thresholds = [0.5, 0.123456789, 0.9, 0.02, 0.999];
    for (const t of thresholds) {
      for (const predicted of ['bad', 'good'] as const) {
        const p = await page(reader, predicted, t);
        expect(p.counted, `${predicted} at ${t}`).toBe(false);
        expect(p.total, `${predicted} at ${t}`).toBe(plainCount(reader, lib.runId!, predicted, t));
      }
    }
    // The counts move with the thresholds (not all 0 or all the run).
    expect(new Set(await Promise.all(thresholds.map(async (t) => (await page(reader, 'bad', t)).total))).size).toBe(thresholds.length);
    // A rescored prediction: the bins are stale, so the page counts, and right.
    const im = lib.images.find((x) => x.p_bad !== null && x.p_bad < 0.3)!;
    reader.context.db.prepare('UPDATE predictions SET p_bad = 0.95 WHERE run_id = ? AND image_id = ?').run(lib.runId, im.id);
    const after = await page(reader, 'bad', 0.5);
    expect(after.counted).toBe(true);
    expect(after.total).toBe(plainCount(reader, lib.runId!, 'bad', 0.5));
  });

  it("keeps the gallery's cached totals across the sketch's own store (the app asks for the first page, then the scores)", async () => {
    const lib = library();
    // A label filter with the predicted one, whose total is counted in SQL and cached per library version.
    const q = { predicted: 'bad' as const, label: 'good' as const, threshold: 0.4, offset: 0, limit: 20 };
    const counts = async () => {
      const spy = vi.spyOn(lib.core.context.db, 'prepare');
      try {
        const r = await lib.core.call('review.page', q);
        return { total: r.total, counted: spy.mock.calls.some((c) => /COUNT\(\*\)/.test(String(c[0]))) };
      } finally {
        spy.mockRestore();
      }
    };
    expect((await counts()).counted).toBe(true);
    const s = await scores(lib.core);
    expect(s.allPass).toBe(true);
    expect(storedRow(lib.core, lib.runId!)).toBeDefined();
    const again = await counts();
    expect(again.counted).toBe(false);
    // A real change of the library still starts the counts again.
    await lib.core.call('labels.set', { imageIds: [lib.images.find((im) => im.label === 'good' && (im.p_bad ?? 0) >= 0.4)!.id], label: 'bad' });
    const changed = await counts();
    expect(changed.counted).toBe(true);
    expect(changed.total).toBe(again.total - 1);
  });
});
