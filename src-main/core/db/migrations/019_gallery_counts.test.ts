/**
 * Migration 019 on a real database: each run's predictions counted per label and origin, filled
 * from a version-18 library and kept by triggers through new predictions, label changes (the copies
 * on predictions), deletions and a run's removal; and the change counters move when an import's or
 * a bundle's images or a run's scores change, never on a label change.
 */
import { describe, expect, it } from 'vitest';
import { schemaVersion, type Db } from '../open';
import { dbAtVersion, useMigrationDb } from '../../../../test-support/migrationDb';

const mdb = useMigrationDb('qc-m019-');

/** A library with a ratings file of 30 rows (labels alternating, no label on every fifth), a bundle of 10 and a run scoring 20 images. */
function fill(d: Db): { run: number; imp: number } {
  const imp = Number(d.prepare("INSERT INTO imports (kind, source) VALUES ('ratings', 'r.tsv')").run().lastInsertRowid);
  const bundle = Number(d.prepare("INSERT INTO bundles (name, origin, columns, format) VALUES ('b', 'b.txt', '[\"eolMediaURL\"]', 'urls')").run().lastInsertRowid);
  const run = Number(d.prepare("INSERT INTO runs (status, params, backbone, provider) VALUES ('done', '{}', 'b', 'cpu')").run().lastInsertRowid);
  for (let k = 1; k <= 30; k++) {
    const url = `https://x/${k}.jpg`;
    const row = Number(d.prepare("INSERT INTO source_rows (origin, line, kind, url, raw, import_id) VALUES ('r.tsv', ?, 'ratings', ?, '{}', ?)").run(k, url, imp).lastInsertRowid);
    const id = Number(d.prepare("INSERT INTO images (sha256, path, format, width, height, bytes, thumb_path, preview_path) VALUES (?, 'p', 'jpeg', 1, 1, 1, 't', 'v')").run(url).lastInsertRowid);
    d.prepare('INSERT INTO image_urls (url, image_id, import_id) VALUES (?, ?, ?)').run(url, id, imp);
    d.prepare("INSERT INTO labels (image_id, label, origin) VALUES (?, ?, 'import')").run(id, k % 5 === 0 ? null : k % 2 ? 'bad' : 'good');
    if (k <= 20) d.prepare('INSERT INTO predictions (run_id, image_id, p_bad) VALUES (?, ?, ?)').run(run, id, k / 31);
    if (k <= 10) d.prepare('INSERT INTO bundle_items (bundle_id, line, source_row_id) VALUES (?, ?, ?)').run(bundle, k, row);
  }
  return { run, imp };
}

/** The counters, and the same numbers counted from the predictions. */
const counted = (d: Db) => ({
  kept: d.prepare('SELECT run_id, label, origin, n FROM prediction_counts WHERE n != 0 ORDER BY 1, 2, 3').all(),
  real: d.prepare("SELECT run_id, COALESCE(label, 'none') AS label, COALESCE(origin, 'none') AS origin, COUNT(*) AS n FROM predictions GROUP BY 1, 2, 3 ORDER BY 1, 2, 3").all(),
});
const change = (d: Db, key: string) => d.prepare('SELECT n FROM change_counts WHERE key = ?').pluck().get(key) as number;

describe('migration 019 (gallery counts)', () => {
  it('fills the counters from a version-18 library and keeps them through predictions, labels and deletions', () => {
    const v18 = dbAtVersion(mdb.dir(), 18);
    const { run } = fill(v18);
    v18.close();

    const d = mdb.open();
    expect(schemaVersion(d)).toBeGreaterThanOrEqual(19);
    let c = counted(d);
    expect(c.kept).toEqual(c.real);
    expect(d.prepare('SELECT SUM(n) FROM prediction_counts WHERE run_id = ?').pluck().get(run)).toBe(20);

    const scores0 = change(d, 'scores');
    const sources0 = change(d, 'sources');
    // Labels change (curator verdicts, a label cleared): counters follow; neither change counter moves.
    d.prepare("UPDATE labels SET label = 'bad', origin = 'curator' WHERE image_id IN (2, 4, 5)").run();
    d.prepare('UPDATE labels SET label = NULL WHERE image_id = 1').run();
    c = counted(d);
    expect(c.kept).toEqual(c.real);
    expect(change(d, 'scores')).toBe(scores0);
    expect(change(d, 'sources')).toBe(sources0);

    // A second run, new predictions of the first (classify's scoreMissing), one removed, one rescored.
    const run2 = Number(d.prepare("INSERT INTO runs (status, params, backbone, provider) VALUES ('done', '{}', 'b', 'cpu')").run().lastInsertRowid);
    d.prepare('INSERT INTO predictions (run_id, image_id, p_bad) SELECT ?, id, 0.5 FROM images').run(run2);
    d.prepare('INSERT INTO predictions (run_id, image_id, p_bad) VALUES (?, 25, 0.9)').run(run);
    expect(change(d, 'scores')).toBeGreaterThan(scores0);
    const scores1 = change(d, 'scores');
    d.prepare('DELETE FROM predictions WHERE run_id = ? AND image_id = 3').run(run);
    d.prepare('UPDATE predictions SET p_bad = 0.01 WHERE run_id = ? AND image_id = 6').run(run);
    expect(change(d, 'scores')).toBe(scores1 + 2);
    c = counted(d);
    expect(c.kept).toEqual(c.real);
    expect(d.prepare('SELECT SUM(n) FROM prediction_counts WHERE run_id = ?').pluck().get(run2)).toBe(30);

    // An image removed (its predictions go with it), then a whole run.
    d.prepare('DELETE FROM images WHERE id = 7').run();
    c = counted(d);
    expect(c.kept).toEqual(c.real);
    expect(change(d, 'sources')).toBeGreaterThan(sources0);
    d.prepare('DELETE FROM runs WHERE id = ?').run(run2);
    c = counted(d);
    expect(c.kept).toEqual(c.real);
    expect(d.prepare('SELECT COUNT(*) FROM prediction_counts WHERE run_id = ?').pluck().get(run2)).toBe(0);
  });

  it('moves the sources counter when an import or a bundle gains or loses images', () => {
    const d = mdb.open();
    const { imp } = fill(d);
    const step = (sql: string, ...params: unknown[]) => {
      const before = change(d, 'sources');
      d.prepare(sql).run(...params);
      return change(d, 'sources') - before;
    };
    expect(step("INSERT INTO source_rows (origin, line, kind, url, raw, import_id) VALUES ('r.tsv', 99, 'ratings', 'https://x/3.jpg', '{}', ?)", imp)).toBe(1);
    expect(step("UPDATE source_rows SET url = 'https://x/4.jpg' WHERE line = 99")).toBe(1);
    expect(step('DELETE FROM source_rows WHERE line = 99')).toBe(1);
    expect(step('DELETE FROM bundle_items WHERE line = 10')).toBe(1);
    expect(step("UPDATE image_urls SET image_id = 2 WHERE url = 'https://x/1.jpg'")).toBe(1);
    expect(step("UPDATE labels SET label = 'good' WHERE image_id = 3")).toBe(0);
  });
});
