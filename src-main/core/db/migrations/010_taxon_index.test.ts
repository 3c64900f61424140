/**
 * Migration 010 on a real database: it fills the taxon names and each image's ancestries from a
 * library made at version 9, its triggers keep them right through imports and re-imports (rows
 * whose ancestry or URL changes), and the gallery's taxon match reads them by index.
 */
import { describe, expect, it } from 'vitest';
import { schemaVersion, type Db } from '../open';
import { dbAtVersion, useMigrationDb } from '../../../../test-support/migrationDb';

const mdb = useMigrationDb('qc-m010-');

const anc = (...names: [string, string][]) => JSON.stringify(Object.fromEntries(names.map(([rank, name]) => [rank, { name }])));
const AVES = anc(['kingdom', 'Animalia'], ['class', 'Aves'], ['genus', 'Corvus']);
const MAMMAL = anc(['kingdom', 'Animalia'], ['class', 'Mammalia'], ['genus', 'Vulpes']);
const PLANT = anc(['kingdom', 'Plantae'], ['genus', 'Quercus']);

/** Small library helpers on raw SQL (as the importer writes rows: source row, then image and URL). */
function writer(d: Db) {
  const imp = Number(d.prepare("INSERT INTO imports (kind, source) VALUES ('ratings', 'test')").run().lastInsertRowid);
  let line = 0;
  return {
    row: (url: string, ancestry: string | null, origin = 'file.tsv', at = ++line) =>
      d
        .prepare(
          `INSERT INTO source_rows (origin, line, kind, url, ancestry, raw, import_id) VALUES (?, ?, 'ratings', ?, ?, '{}', ?)
           ON CONFLICT (origin, line) DO UPDATE SET url = excluded.url, ancestry = excluded.ancestry`,
        )
        .run(origin, at, url, ancestry, imp),
    image: (url: string) => {
      const id = Number(d.prepare("INSERT INTO images (sha256, path, format, width, height, bytes, thumb_path, preview_path) VALUES (?, 'p', 'jpeg', 1, 1, 1, 't', 'v')").run(url).lastInsertRowid);
      d.prepare('INSERT INTO image_urls (url, image_id, import_id) VALUES (?, ?, ?)').run(url, id, imp);
      return id;
    },
    mapUrl: (url: string, imageId: number) => d.prepare('INSERT INTO image_urls (url, image_id, import_id) VALUES (?, ?, ?)').run(url, imageId, imp),
  };
}

/** The pairs image_taxa holds, as "imageId:ancestry", and what they should be from the source rows. */
function pairs(d: Db): { held: string[]; truth: string[] } {
  const held = (d.prepare('SELECT x.image_id || \':\' || t.ancestry AS k FROM image_taxa x JOIN taxa t ON t.id = x.taxon_id ORDER BY k').all() as { k: string }[]).map((r) => r.k);
  const truth = (
    d.prepare("SELECT DISTINCT u.image_id || ':' || s.ancestry AS k FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE s.ancestry IS NOT NULL ORDER BY k").all() as { k: string }[]
  ).map((r) => r.k);
  return { held, truth };
}

const namesOf = (d: Db, name: string) =>
  (d.prepare('SELECT t.ancestry FROM taxon_names n JOIN taxon_name_taxa nt ON nt.name_id = n.id JOIN taxa t ON t.id = nt.taxon_id WHERE n.name = ? ORDER BY t.ancestry').all(name) as { ancestry: string }[]).map(
    (r) => r.ancestry,
  );

describe('migration 010 (taxon names and image_taxa)', () => {
  it('fills names and image ancestries from a version-9 library', () => {
    const v9 = dbAtVersion(mdb.dir(), 9);
    expect(schemaVersion(v9)).toBe(9);
    const w = writer(v9);
    w.row('u1', AVES);
    w.row('u2', MAMMAL);
    w.row('u3', PLANT);
    w.row('u3', AVES, 'other.tsv'); // one URL, two ancestries
    w.row('u4', null);
    for (const u of ['u1', 'u2', 'u3', 'u4']) w.image(u);
    v9.close();

    const db = mdb.open();
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(10);
    const { held, truth } = pairs(db);
    expect(held).toEqual(truth);
    expect(held).toHaveLength(4);
    expect(namesOf(db, 'Animalia')).toEqual([AVES, MAMMAL].sort());
    expect(namesOf(db, 'Quercus')).toEqual([PLANT]);
    // Values only: the JSON keys are not names.
    expect(namesOf(db, 'kingdom')).toEqual([]);
    expect(namesOf(db, 'name')).toEqual([]);
  });

  it('triggers keep image_taxa equal to what the source rows say, through imports and re-imports', () => {
    const db = mdb.open();
    const w = writer(db);
    const check = () => {
      const { held, truth } = pairs(db);
      expect(held).toEqual(truth);
      return held;
    };
    // Row before image (an import), image before row (a later ratings file naming a stored URL).
    w.row('a', AVES, 'f1', 1);
    const a = w.image('a');
    const b = w.image('b');
    w.row('b', MAMMAL, 'f2', 1);
    expect(check()).toEqual([`${a}:${AVES}`, `${b}:${MAMMAL}`].sort());
    // A second URL of image a, named by a row with another ancestry.
    w.row('a2', PLANT, 'f1', 2);
    w.mapUrl('a2', a);
    expect(check()).toContain(`${a}:${PLANT}`);
    // Re-import of the same line with another ancestry: the old pair goes, the new one comes.
    w.row('b', PLANT, 'f2', 1);
    expect(check()).toEqual([`${a}:${AVES}`, `${a}:${PLANT}`, `${b}:${PLANT}`].sort());
    // Re-import of a line with another URL: the pair moves to the other image...
    w.row('b', AVES, 'f1', 1);
    expect(check()).toEqual([`${a}:${PLANT}`, `${b}:${AVES}`, `${b}:${PLANT}`].sort());
    // ...but stays where another row still gives it.
    w.row('b', AVES, 'f3', 1);
    w.row('a', AVES, 'f1', 1);
    expect(check()).toEqual([`${a}:${AVES}`, `${a}:${PLANT}`, `${b}:${AVES}`, `${b}:${PLANT}`].sort());
    // The ancestry removed: the pair goes.
    w.row('a2', null, 'f1', 2);
    expect(check()).toEqual([`${a}:${AVES}`, `${b}:${AVES}`, `${b}:${PLANT}`].sort());
    // A new ancestry brings its names.
    const odd = anc(['kingdom', 'Fungi'], ['genus', 'Amanita']);
    w.row('c', odd, 'f4', 1);
    const c = w.image('c');
    expect(namesOf(db, 'Amanita')).toEqual([odd]);
    expect(check()).toContain(`${c}:${odd}`);
  });

  it("the gallery's taxon match reads names by scan of the small table and images by index", () => {
    const db = mdb.open();
    const plan = (
      db
        .prepare(
          `EXPLAIN QUERY PLAN WITH m AS MATERIALIZED (
             SELECT DISTINCT nt.taxon_id FROM taxon_names n CROSS JOIN taxon_name_taxa nt ON nt.name_id = n.id WHERE n.name LIKE '%aves%')
           SELECT x.image_id FROM m CROSS JOIN image_taxa x ON x.taxon_id = m.taxon_id ORDER BY x.image_id`,
        )
        .all() as { detail: string }[]
    ).map((r) => r.detail);
    const text = plan.join('\n');
    expect(text).toMatch(/SEARCH nt USING PRIMARY KEY \(name_id=\?\)/);
    expect(text).toMatch(/SEARCH x USING PRIMARY KEY \(taxon_id=\?\)/);
    // Nothing but the names is scanned.
    expect(plan.filter((d) => d.startsWith('SCAN')).every((d) => /^SCAN (n|m)\b/.test(d))).toBe(true);
  });
});
