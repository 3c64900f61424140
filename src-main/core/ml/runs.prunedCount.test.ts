/**
 * A run's summary counts the labels its noise-robust training left out of the final fit (run_pruned),
 * so the runs table can say how many without fetching each run's report: `ml.runs` and `ml.run`
 * give the count, each run its own, and `ml.run`'s list has that many rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedLibrary, type SeededLibrary } from '../../../test-support/seedLibrary';

describe("a run's count of left-out labels", () => {
  let lib: SeededLibrary;
  let other: number;
  beforeAll(() => {
    lib = seedLibrary({ images: 120, seed: 5 });
    const { db } = lib.core.context;
    other = (db.prepare('SELECT id FROM runs WHERE id <> ? ORDER BY id DESC LIMIT 1').pluck().get(lib.runId) as number | undefined) ?? -1;
    const put = db.prepare('INSERT INTO run_pruned (run_id, image_id, given, p_bad) VALUES (?, ?, ?, ?)');
    const ids = lib.images.map((im) => im.id);
    // 37 left out by the active run, 11 (some the same images) by the other one.
    ids.slice(0, 37).forEach((id, i) => put.run(lib.runId, id, i % 2 ? 'bad' : 'good', (i % 10) / 10));
    if (other > 0) ids.slice(30, 41).forEach((id, i) => put.run(other, id, i % 2 ? 'bad' : 'good', (i % 10) / 10));
  });
  afterAll(async () => {
    await lib?.core.close();
  });

  it('ml.runs gives each run its own count, read from the table; a run with none has 0', async () => {
    expect(other).toBeGreaterThan(0);
    const { runs } = await lib.core.call('ml.runs', {});
    const byId = new Map(runs.map((r) => [r.run_id, r]));
    expect(byId.get(lib.runId!)!.pruned).toBe(37);
    expect(byId.get(other)!.pruned).toBe(11);
    // A run with no row in the table (one that failed before its final fit) counts 0.
    const fresh = lib.core.context.db.prepare("INSERT INTO runs (status, backbone, params) VALUES ('failed', 'x', '{}') RETURNING id").pluck().get() as number;
    const again = await lib.core.call('ml.runs', {});
    expect(again.runs.find((r) => r.run_id === fresh)?.pruned).toBe(0);
  });

  it("ml.run's count is the length of its list of left-out labels", async () => {
    const run = await lib.core.call('ml.run', { runId: lib.runId! });
    expect(run.pruned).toBe(37);
    const listed = lib.core.context.db.prepare('SELECT COUNT(*) FROM run_pruned WHERE run_id = ?').pluck().get(lib.runId) as number;
    expect(run.pruned).toBe(listed);
  });
});
