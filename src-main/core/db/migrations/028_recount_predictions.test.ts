/**
 * Migration 028 on a real database: a version-27 library whose gallery counts drifted above its
 * predictions (two scorers storing one image by INSERT OR REPLACE) has them counted again from the
 * rows, per run, label and origin; the triggers keep them from there.
 */
import { describe, expect, it } from 'vitest';
import { schemaVersion } from '../open';
import { dbAtVersion, useMigrationDb } from '../../../../test-support/migrationDb';

const mdb = useMigrationDb('qc-m028-');

describe('migration 028 (recount_predictions)', () => {
  it('counts the gallery counts again from the predictions', () => {
    const v27 = dbAtVersion(mdb.dir(), 27);
    const run = Number(v27.prepare("INSERT INTO runs (status, params, backbone) VALUES ('done', '{}', 'b')").run().lastInsertRowid);
    const img = (sha: string) => Number(v27.prepare("INSERT INTO images (sha256, path, format, width, height, bytes, thumb_path, preview_path) VALUES (?, 'p', 'jpeg', 1, 1, 1, 't', 'v')").run(sha).lastInsertRowid);
    const ids = ['a', 'b', 'c'].map(img);
    const put = v27.prepare('INSERT OR REPLACE INTO predictions (run_id, image_id, p_bad, heldout) VALUES (?, ?, 0.5, 0)');
    for (const id of ids) put.run(run, id);
    for (const id of ids) put.run(run, id); // the second scorer: counted again by the old statement
    expect(v27.prepare('SELECT SUM(n) FROM prediction_counts WHERE run_id = ?').pluck().get(run)).toBe(6);
    v27.close();
    const db = mdb.open();
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(28);
    expect(db.prepare('SELECT label, origin, n FROM prediction_counts WHERE run_id = ?').all(run)).toEqual([{ label: 'none', origin: 'none', n: 3 }]);
    // The triggers go on from the true count.
    db.prepare('DELETE FROM predictions WHERE run_id = ? AND image_id = ?').run(run, ids[0]);
    expect(db.prepare('SELECT SUM(n) FROM prediction_counts WHERE run_id = ?').pluck().get(run)).toBe(2);
  });
});
