/**
 * Migration 021 on a real database: source rows get `shown_line`; the rows a version-20 library
 * holds keep every column and have none (shown as stored).
 */
import { describe, expect, it } from 'vitest';
import { createCore } from '../../app';
import { schemaVersion } from '../open';
import { useMigrationDb } from '../../../../test-support/migrationDb';

const mdb = useMigrationDb('qc-m021-');

describe('migration 021 (source row shown line)', () => {
  it("adds shown_line to a version-20 library's source rows, which keep their columns", async () => {
    const { dataDir, db: v20 } = mdb.dataDirAt(20);
    const columns = (d: typeof v20) => (d.prepare('PRAGMA table_info(source_rows)').all() as { name: string }[]).map((c) => c.name);
    expect(columns(v20)).not.toContain('shown_line');
    const importId = v20.prepare("INSERT INTO imports (kind, source, status) VALUES ('bundle', '/out/.shards/b.shard-1-of-2.tsv', 'done')").run().lastInsertRowid;
    v20.prepare("INSERT INTO source_rows (origin, line, kind, url, raw, import_id) VALUES ('/out/.shards/b.shard-1-of-2.tsv', 3, 'bundle', 'https://example.org/a.jpg', '{}', ?)").run(importId);
    const before = v20.prepare('SELECT * FROM source_rows').all();
    v20.close();

    const core = createCore({ dataDir });
    try {
      const db = core.context.db;
      expect(schemaVersion(db)).toBeGreaterThanOrEqual(21);
      expect(columns(db)).toContain('shown_line');
      // The version-20 columns and shown_line (later migrations add columns of their own).
      const kept = [...Object.keys(before[0] as object), 'shown_line'].join(', ');
      expect(db.prepare(`SELECT ${kept} FROM source_rows`).all()).toEqual(before.map((r) => ({ ...(r as object), shown_line: null })));
    } finally {
      await core.close();
    }
  });
});
