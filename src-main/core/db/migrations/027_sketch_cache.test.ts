/**
 * Migration 027 on a real database: a version-26 library gains an empty `sketch_cache`, and a run's
 * stored sketch goes with the run (foreign key, ON DELETE CASCADE), so no row outlives its run.
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
    expect(schemaVersion(db)).toBe(27);
    expect(db.prepare('SELECT COUNT(*) AS n FROM sketch_cache').get()).toEqual({ n: 0 });
    const put = db.prepare("INSERT INTO sketch_cache (run_id, bins, scores_change, all_counts) VALUES (?, 10, 0, '[]')");
    put.run(run);
    put.run(other);
    // A row for a run that does not exist is refused.
    expect(() => put.run(other + 100)).toThrow(/FOREIGN KEY/);
    db.prepare('DELETE FROM runs WHERE id = ?').run(run);
    expect(db.prepare('SELECT run_id FROM sketch_cache').pluck().all()).toEqual([other]);
  });
});
