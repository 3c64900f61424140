/**
 * Migration 025 on a real database: a run trained before it (its evaluation stored with
 * `errorUpper`) reads back with `error_upper` everywhere, and nothing else changed.
 */
import { describe, expect, it } from 'vitest';
import { createCore } from '../../app';
import { schemaVersion } from '../open';
import { useMigrationDb } from '../../../../test-support/migrationDb';

const mdb = useMigrationDb('qc-m025-');

describe('migration 025 (error_upper)', () => {
  it("renames the bound in a version-24 library's stored evaluations, and only that", async () => {
    const { dataDir, db: v24 } = mdb.dataDirAt(24);
    const stats = (t: number) => ({ threshold: t, flagged: 10, tp: 9, fp: 1, coverage: 0.5, error: 0.1, errorUpper: 0.39 });
    const evaluation = {
      thresholds: { bad: { threshold: 0.9, chosen_on: stats(0.9), on_test: stats(0.9), best_bound: { ...stats(0.8), on_test: stats(0.8) } }, good: { threshold: null, chosen_on: null, on_test: null, best_bound: null } },
      curves: { bad: { oof: [stats(0.1), stats(0.5)], test: [stats(0.5)] }, good: { oof: [], test: [] } },
      note: 'the text errorUpper in a value stays',
    };
    const old = JSON.stringify(evaluation);
    const run = v24.prepare("INSERT INTO runs (status, params, backbone, evaluation) VALUES ('done', '{}', 'b', ?)").run(old).lastInsertRowid;
    const other = v24.prepare("INSERT INTO runs (status, params, backbone) VALUES ('failed', '{}', 'b')").run().lastInsertRowid;
    v24.close();

    const core = createCore({ dataDir });
    try {
      const db = core.context.db;
      expect(schemaVersion(db)).toBeGreaterThanOrEqual(25);
      const stored = db.prepare('SELECT evaluation FROM runs WHERE id = ?').pluck().get(run) as string;
      expect(stored).not.toContain('"errorUpper"');
      expect(JSON.parse(stored)).toEqual(JSON.parse(old.replaceAll('"errorUpper":', '"error_upper":')));
      expect(JSON.parse(stored).thresholds.bad.best_bound.error_upper).toBe(0.39);
      expect(JSON.parse(stored).note).toBe('the text errorUpper in a value stays');
      expect(db.prepare('SELECT evaluation FROM runs WHERE id = ?').pluck().get(other)).toBeNull();
    } finally {
      await core.close();
    }
  });
});
