/**
 * Migration 018 on a real database: a re-import that drops rows from its file finds the bundle
 * items naming each row by index (no scan of bundle_items per removed row, for its NOT EXISTS
 * probes and for the foreign-key check of each deleted row), and the gallery's label + origin
 * filter counts on an index alone. Query plans, not times: they hold at any size.
 */
import { describe, expect, it } from 'vitest';
import { schemaVersion, type Db } from '../open';
// The statements the importer runs when a re-import leaves out rows of its file (staleRowImages, deleteStaleRows).
import { DELETE_STALE_ROWS_SQL, STALE_ROW_IMAGES_SQL } from '../../library/importer';
import { dbAtVersion, useMigrationDb } from '../../../../test-support/migrationDb';

const mdb = useMigrationDb('qc-m018-');

const plan = (d: Db, sql: string, ...params: unknown[]) => (d.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('\n');

// The gallery's count for label + origin (review/page.ts names this index for it).
const LABEL_ORIGIN_COUNT = "SELECT COUNT(*) FROM predictions p INDEXED BY predictions_run_label_origin_p WHERE p.run_id = 1 AND p.label = 'bad' AND p.origin = 'import'";

/** A library with a ratings file of 30 rows, a bundle naming 10 of them, and a run scoring every image. */
function fill(d: Db): void {
  const imp = Number(d.prepare("INSERT INTO imports (kind, source) VALUES ('ratings', 'r.tsv')").run().lastInsertRowid);
  const bundle = Number(d.prepare("INSERT INTO bundles (name, origin, columns, format) VALUES ('b', 'b.txt', '[\"eolMediaURL\"]', 'urls')").run().lastInsertRowid);
  const run = Number(d.prepare("INSERT INTO runs (status, params, backbone, provider) VALUES ('done', '{}', 'b', 'cpu')").run().lastInsertRowid);
  for (let k = 1; k <= 30; k++) {
    const url = `https://x/${k}.jpg`;
    const row = Number(d.prepare("INSERT INTO source_rows (origin, line, kind, url, raw, import_id) VALUES ('r.tsv', ?, 'ratings', ?, '{}', ?)").run(k, url, imp).lastInsertRowid);
    const id = Number(d.prepare("INSERT INTO images (sha256, path, format, width, height, bytes, thumb_path, preview_path) VALUES (?, 'p', 'jpeg', 1, 1, 1, 't', 'v')").run(url).lastInsertRowid);
    d.prepare('INSERT INTO image_urls (url, image_id, import_id) VALUES (?, ?, ?)').run(url, id, imp);
    d.prepare("INSERT INTO labels (image_id, label, origin) VALUES (?, ?, 'import')").run(id, k % 2 ? 'bad' : 'good');
    d.prepare('INSERT INTO predictions (run_id, image_id, p_bad) VALUES (?, ?, ?)').run(run, id, k / 31);
    if (k <= 10) d.prepare('INSERT INTO bundle_items (bundle_id, line, source_row_id) VALUES (?, ?, ?)').run(bundle, k, row);
  }
}

describe('migration 018 (scale indexes)', () => {
  it('on a version-17 library: removed rows find their bundle items by index; label + origin counts on a covering index', () => {
    const v17 = dbAtVersion(mdb.dir(), 17);
    fill(v17);
    v17.close();

    const db = mdb.open();
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(18);
    for (const sql of [STALE_ROW_IMAGES_SQL, DELETE_STALE_ROWS_SQL]) {
      const text = plan(db, sql, 'r.tsv', 99);
      expect(text, text).not.toMatch(/SCAN (b|bundle_items)\b/);
      expect(text, text).toMatch(/bundle_items_source_row/);
    }
    expect(plan(db, LABEL_ORIGIN_COUNT)).toMatch(/COVERING INDEX predictions_run_label_origin_p/);

    // The statements still do what they did: rows no bundle names go, the bundle's rows stay.
    const losing = db.prepare(STALE_ROW_IMAGES_SQL).all('r.tsv', 99) as { image_id: number }[];
    expect(losing).toHaveLength(20);
    expect(db.prepare(DELETE_STALE_ROWS_SQL).run('r.tsv', 99).changes).toBe(20);
    expect((db.prepare('SELECT COUNT(*) AS n FROM source_rows').get() as { n: number }).n).toBe(10);
    expect((db.prepare('SELECT COUNT(*) AS n FROM bundle_items').get() as { n: number }).n).toBe(10);
    // A row a bundle names cannot be deleted (the foreign key, now checked through the index).
    expect(() => db.prepare('DELETE FROM source_rows WHERE line = 3').run()).toThrow(/FOREIGN KEY/);
    expect((db.prepare(LABEL_ORIGIN_COUNT).get() as Record<string, number>)['COUNT(*)']).toBe(15);
  });
});
