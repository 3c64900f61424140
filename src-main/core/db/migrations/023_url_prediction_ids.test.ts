/**
 * Migration 023 on a real database: predictions merged by URL get `identifier`,
 * `data_object_version_id` and `ancestry`; those a version-22 library holds keep every column and
 * have none (until their tag files are imported again).
 */
import { describe, expect, it } from 'vitest';
import { createCore } from '../../app';
import { schemaVersion } from '../open';
import { useMigrationDb } from '../../../../test-support/migrationDb';

const mdb = useMigrationDb('qc-m023-');

describe('migration 023 (url prediction ids)', () => {
  it("adds identifier, data_object_version_id and ancestry to a version-22 library's merged predictions, which keep their columns", async () => {
    const { dataDir, db: v22 } = mdb.dataDirAt(22);
    const columns = (d: typeof v22) => (d.prepare('PRAGMA table_info(url_predictions)').all() as { name: string }[]).map((c) => c.name);
    expect(columns(v22)).not.toContain('identifier');
    const run = v22.prepare("INSERT INTO runs (status, params, backbone) VALUES ('done', '{}', 'b')").run().lastInsertRowid;
    v22.prepare("INSERT INTO url_predictions (run_id, url, p_bad, origin) VALUES (?, 'https://example.org/remote/0.jpg', 0.25, '/tags/remote_finaltags.tsv')").run(run);
    const before = v22.prepare('SELECT * FROM url_predictions').all();
    v22.close();

    const core = createCore({ dataDir });
    try {
      const db = core.context.db;
      expect(schemaVersion(db)).toBeGreaterThanOrEqual(23);
      expect(columns(db)).toEqual(expect.arrayContaining(['identifier', 'data_object_version_id', 'ancestry']));
      expect(db.prepare('SELECT * FROM url_predictions').all()).toEqual(before.map((r) => ({ ...(r as object), identifier: null, data_object_version_id: null, ancestry: null })));
    } finally {
      await core.close();
    }
  });
});
