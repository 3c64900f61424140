/**
 * Migration 020 on a real database: imports get `shown_source` and bundles `shown_origin`; the
 * imports and bundles a version-19 library holds keep their rows and are listed as stored (none is
 * shown otherwise), and a plain import after it is listed by its own path, as before.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../../app';
import { schemaVersion } from '../open';
import { useMigrationDb } from '../../../../test-support/migrationDb';

const mdb = useMigrationDb('qc-m020-');

describe('migration 020 (shard shown as)', () => {
  it("adds the shown columns to a version-19 library's imports and bundles, which keep their rows and are listed as stored", async () => {
    const { dataDir, db: v19 } = mdb.dataDirAt(19);
    const columns = (d: typeof v19, table: string) => (d.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
    expect(columns(v19, 'imports')).not.toContain('shown_source');
    expect(columns(v19, 'bundles')).not.toContain('shown_origin');
    // A shard classified by an older version: its import and bundle named by the copy.
    const copy = '/out/.shards/b.shard-1-of-2.tsv';
    v19.prepare("INSERT INTO imports (kind, source, status, summary) VALUES ('bundle', ?, 'done', ?)").run(copy, JSON.stringify({ images_new: 2, images_existing: 1 }));
    v19.prepare("INSERT INTO bundles (name, origin, columns, format) VALUES (?, ?, '[\"eolMediaURL\"]', 'tsv')").run(path.basename(copy), copy);
    v19.close();

    const core = createCore({ dataDir });
    try {
      const db = core.context.db;
      expect(schemaVersion(db)).toBeGreaterThanOrEqual(20);
      expect(columns(db, 'imports')).toContain('shown_source');
      expect(columns(db, 'bundles')).toContain('shown_origin');
      expect(db.prepare('SELECT source, shown_source FROM imports').all()).toEqual([{ source: copy, shown_source: null }]);
      expect(db.prepare('SELECT name, origin, shown_origin FROM bundles').all()).toEqual([{ name: path.basename(copy), origin: copy, shown_origin: null }]);
      let listed = await core.call('library.sources', {});
      expect(listed.imports).toMatchObject([{ kind: 'bundle', source: copy, images: 3 }]);
      expect(listed.bundles).toMatchObject([{ name: path.basename(copy), origin: copy, rows: 0 }]);

      // A plain bundle import: listed by its own path, with nothing shown in its place.
      const list = path.join(mdb.dir(), 'plain.tsv');
      fs.writeFileSync(list, 'eolMediaURL\tidentifier\n');
      const s = await core.call('library.import', { source: list, kind: 'bundle' });
      expect(s.source).toBe(list);
      expect(db.prepare('SELECT shown_source FROM imports WHERE id = ?').pluck().get(s.import_id)).toBeNull();
      expect(db.prepare('SELECT shown_origin FROM bundles WHERE id = ?').pluck().get(s.bundle_id)).toBeNull();
      listed = await core.call('library.sources', {});
      expect(listed.imports[0]).toMatchObject({ id: s.import_id, source: list });
      expect(listed.bundles[0]).toMatchObject({ id: s.bundle_id, name: 'plain.tsv', origin: list });
    } finally {
      await core.close();
    }
  });
});
