/**
 * Migration 026 on a real database: each source row's image is filled from a version-25 library,
 * and the triggers keep it equal to what its URL maps to through any sequence of the writes the
 * library makes (rows inserted and re-pointed by an upsert, URLs mapped and unmapped, images deleted
 * by cascade, rows deleted), checked as a property over random sequences.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { schemaVersion, type Db } from '../open';
import { dbAtVersion, useMigrationDb } from '../../../../test-support/migrationDb';

const mdb = useMigrationDb('qc-m026-');

// Few URLs and lines, so a sequence often writes the same one twice.
const URLS = 3;
const url = (k: number) => `https://x/${k}.jpg`;

/** Each row's stored image beside the one its URL maps to now. */
function compare(d: Db): { kept: unknown[]; real: unknown[] } {
  return {
    kept: d.prepare('SELECT id, image_id FROM source_rows ORDER BY id').all(),
    real: d.prepare('SELECT s.id, (SELECT u.image_id FROM image_urls u WHERE u.url = s.url) AS image_id FROM source_rows s ORDER BY s.id').all(),
  };
}

function addImage(d: Db, sha: string): number {
  return Number(d.prepare("INSERT INTO images (sha256, path, format, width, height, bytes, thumb_path, preview_path) VALUES (?, 'p', 'jpeg', 1, 1, 1, 't', 'v')").run(sha).lastInsertRowid);
}

/** One write as the library makes it (importer.ts's statements, or an image's deletion). */
type Op =
  | { op: 'upsertRow'; line: number; url: number }
  | { op: 'mapUrl'; url: number }
  | { op: 'unmapUrl'; url: number }
  | { op: 'deleteRow'; line: number }
  | { op: 'deleteImage'; url: number }
  | { op: 'remap'; url: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('upsertRow' as const), line: fc.integer({ min: 1, max: 4 }), url: fc.integer({ min: 1, max: URLS }) }),
  fc.record({ op: fc.constant('mapUrl' as const), url: fc.integer({ min: 1, max: URLS }) }),
  fc.record({ op: fc.constant('unmapUrl' as const), url: fc.integer({ min: 1, max: URLS }) }),
  fc.record({ op: fc.constant('deleteRow' as const), line: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant('deleteImage' as const), url: fc.integer({ min: 1, max: URLS }) }),
  fc.record({ op: fc.constant('remap' as const), url: fc.integer({ min: 1, max: URLS }) }),
);

function apply(d: Db, imp: number, o: Op, n: number): void {
  switch (o.op) {
    case 'upsertRow':
      // importer.ts upsertRow: the same origin and line again may name another URL.
      d.prepare(
        `INSERT INTO source_rows (origin, line, kind, url, raw, import_id) VALUES ('r.tsv', ?, 'ratings', ?, '{}', ?)
         ON CONFLICT (origin, line) DO UPDATE SET url = excluded.url, import_id = excluded.import_id`,
      ).run(o.line, url(o.url), imp);
      return;
    case 'mapUrl':
      d.prepare('INSERT INTO image_urls (url, image_id, import_id) VALUES (?, ?, ?) ON CONFLICT (url) DO NOTHING').run(url(o.url), addImage(d, `sha-${n}`), imp);
      return;
    case 'unmapUrl':
      d.prepare('DELETE FROM image_urls WHERE url = ?').run(url(o.url));
      return;
    case 'deleteRow':
      d.prepare("DELETE FROM source_rows WHERE origin = 'r.tsv' AND line = ? AND NOT EXISTS (SELECT 1 FROM bundle_items b WHERE b.source_row_id = source_rows.id)").run(o.line);
      return;
    case 'deleteImage':
      // Not a write the app makes today: the cascade to image_urls must still clear the rows.
      d.prepare('DELETE FROM labels WHERE image_id IN (SELECT image_id FROM image_urls WHERE url = ?)').run(url(o.url));
      d.prepare('DELETE FROM images WHERE id IN (SELECT image_id FROM image_urls WHERE url = ?)').run(url(o.url));
      return;
    case 'remap':
      // Nor this: a mapped URL pointed at another image.
      d.prepare('UPDATE image_urls SET image_id = ? WHERE url = ?').run(addImage(d, `sha-${n}`), url(o.url));
      return;
  }
}

describe('migration 026 (source row image)', () => {
  it("fills each row's image from a version-25 library: the mapped URLs' images, NULL where a URL is not mapped", () => {
    const v25 = dbAtVersion(mdb.dir(), 25);
    const imp = Number(v25.prepare("INSERT INTO imports (kind, source) VALUES ('ratings', 'r.tsv')").run().lastInsertRowid);
    const ids: number[] = [];
    for (let k = 1; k <= 5; k++) {
      v25.prepare("INSERT INTO source_rows (origin, line, kind, url, raw, import_id) VALUES ('r.tsv', ?, 'ratings', ?, '{}', ?)").run(k, url(k), imp);
      if (k <= 3) {
        ids.push(addImage(v25, `s${k}`));
        v25.prepare('INSERT INTO image_urls (url, image_id, import_id) VALUES (?, ?, ?)').run(url(k), ids[k - 1], imp);
      }
    }
    // Two rows naming one mapped URL.
    v25.prepare("INSERT INTO source_rows (origin, line, kind, url, raw, import_id) VALUES ('r.tsv', 6, 'ratings', ?, '{}', ?)").run(url(2), imp);
    v25.close();

    const d = mdb.open();
    expect(schemaVersion(d)).toBeGreaterThanOrEqual(26);
    expect(d.prepare('SELECT line, image_id FROM source_rows ORDER BY line').raw().all()).toEqual([
      [1, ids[0]],
      [2, ids[1]],
      [3, ids[2]],
      [4, null],
      [5, null],
      [6, ids[1]],
    ]);
    // An import's images are one range of the new index.
    const plan = d.prepare('EXPLAIN QUERY PLAN SELECT image_id FROM source_rows WHERE import_id = ? AND image_id IS NOT NULL').all(imp) as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/COVERING INDEX source_rows_import_image/);
  });

  it("keeps every row's image equal to its URL's through any sequence of the library's writes", () => {
    const d = mdb.open();
    const imp = Number(d.prepare("INSERT INTO imports (kind, source) VALUES ('ratings', 'r.tsv')").run().lastInsertRowid);
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40, size: 'max' }), (ops) => {
        d.exec('DELETE FROM source_rows; DELETE FROM image_urls; DELETE FROM labels; DELETE FROM images');
        ops.forEach((o, n) => {
          apply(d, imp, o, n);
          const c = compare(d);
          expect(c.kept).toEqual(c.real);
        });
      }),
      { numRuns: 100 },
    );
  });
});
