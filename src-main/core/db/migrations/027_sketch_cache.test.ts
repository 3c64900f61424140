/**
 * Migration 027 on a real database: a version-26 library gains an empty `sketch_cache`, a run's
 * stored sketch goes with the run (foreign key, ON DELETE CASCADE), so no row outlives its run, and
 * every change of the stored splits moves `change_counts.scores` (the held-out counts read them).
 */
import { describe, expect, it } from 'vitest';
import { schemaVersion } from '../open';
import { dbAtVersion, useMigrationDb } from '../../../../test-support/migrationDb';

const mdb = useMigrationDb('qc-m027-');

describe('migration 027 (sketch_cache)', () => {
  it('adds an empty table to a version-26 library, whose rows go with their run', () => {
    const v26 = dbAtVersion(mdb.dir(), 26);
    const run = Number(v26.prepare("INSERT INTO runs (status, params, backbone) VALUES ('done', '{}', 'b')").run().lastInsertRowid);
    const other = Number(v26.prepare("INSERT INTO runs (status, params, backbone) VALUES ('done', '{}', 'b')").run().lastInsertRowid);
    v26.close();
    const db = mdb.open();
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(27);
    expect(db.prepare('SELECT COUNT(*) AS n FROM sketch_cache').get()).toEqual({ n: 0 });
    const put = db.prepare("INSERT INTO sketch_cache (run_id, bins, scores_change, all_counts) VALUES (?, 10, 0, '[]')");
    put.run(run);
    put.run(other);
    // A row for a run that does not exist is refused.
    expect(() => put.run(other + 100)).toThrow(/FOREIGN KEY/);
    db.prepare('DELETE FROM runs WHERE id = ?').run(run);
    expect(db.prepare('SELECT run_id FROM sketch_cache').pluck().all()).toEqual([other]);
  });

  it('moves the scores counter on every write of the splits, and on nothing else there', () => {
    const db = mdb.open();
    const counter = () => db.prepare("SELECT n FROM change_counts WHERE key = 'scores'").pluck().get() as number;
    const img = (sha: string) => Number(db.prepare("INSERT INTO images (sha256, path, format, width, height, bytes, thumb_path, preview_path) VALUES (?, 'p', 'jpeg', 1, 1, 1, 't', 'v')").run(sha).lastInsertRowid);
    const before = counter();
    const a = img('a');
    const b = img('b');
    // Images stored leave it.
    const start = counter();
    expect(start).toBe(before);
    db.prepare("INSERT INTO splits (image_id, group_id, split, fold) VALUES (?, ?, 'train', 0)").run(a, a);
    expect(counter()).toBe(start + 1);
    // As trainService writes them: INSERT OR REPLACE of a row that exists.
    db.prepare("INSERT OR REPLACE INTO splits (image_id, group_id, split, fold) VALUES (?, ?, 'test', 0)").run(a, a);
    const afterReplace = counter();
    expect(afterReplace).toBeGreaterThan(start + 1);
    db.prepare("UPDATE splits SET fold = 1 WHERE image_id = ?").run(a);
    expect(counter()).toBe(afterReplace + 1);
    db.prepare('DELETE FROM splits WHERE image_id = ?').run(a);
    expect(counter()).toBe(afterReplace + 2);
    // A write elsewhere (an image) leaves it.
    db.prepare("UPDATE images SET width = 2 WHERE id = ?").run(b);
    expect(counter()).toBe(afterReplace + 2);
  });
});
