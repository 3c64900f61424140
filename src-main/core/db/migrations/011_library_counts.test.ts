/**
 * Migration 011 on a real database: the counts `qc status` shows come from a table the triggers
 * keep, and after every kind of change (images added and removed, rating classes and labels set,
 * changed and removed, by import or curator) they equal a count of the rows themselves.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../src-shared/domain/random';
import { libraryStatus } from '../../library/status';
import { schemaVersion, type Db } from '../open';
import { dbAtVersion, useMigrationDb } from '../../../../test-support/migrationDb';

const mdb = useMigrationDb('qc-m011-');

/** The counts as the rows say (what status counted before migration 011). */
function recount(d: Db) {
  const images = (d.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n;
  const labels = { good: 0, bad: 0, unlabeled: 0 };
  const byOrigin = { import: 0, curator: 0 };
  for (const r of d.prepare('SELECT label, origin, COUNT(*) AS n FROM labels GROUP BY label, origin').all() as { label: 'good' | 'bad' | null; origin: 'import' | 'curator'; n: number }[]) {
    if (r.label) labels[r.label] += r.n;
    byOrigin[r.origin] += r.n;
  }
  labels.unlabeled = images - labels.good - labels.bad;
  const ratings: Record<string, number> = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
  for (const r of d.prepare('SELECT rating_class AS c, COUNT(*) AS n FROM images WHERE rating_class IS NOT NULL GROUP BY rating_class').all() as { c: number; n: number }[]) ratings[String(r.c)] = r.n;
  return { images, labels, labels_by_origin: byOrigin, ratings };
}

const shown = (d: Db) => {
  const s = libraryStatus(d, mdb.dir());
  return { images: s.images, labels: s.labels, labels_by_origin: s.labels_by_origin, ratings: s.ratings };
};

function addImages(d: Db, n: number, rand: () => number, from = 0) {
  const img = d.prepare("INSERT INTO images (sha256, path, format, width, height, bytes, thumb_path, preview_path, rating_class) VALUES (?, 'p', 'jpeg', 1, 1, 1, 't', 'v', ?)");
  const lab = d.prepare('INSERT INTO labels (image_id, label, origin) VALUES (?, ?, ?)');
  d.transaction(() => {
    for (let i = 0; i < n; i++) {
      const r = rand();
      const id = Number(img.run(`h${from + i}`, r < 0.1 ? null : 1 + Math.floor(r * 5)).lastInsertRowid);
      // Most images have a label row (imports write one); some do not.
      if (rand() < 0.9) lab.run(id, ['good', 'bad', null][Math.floor(rand() * 3)], rand() < 0.8 ? 'import' : 'curator');
    }
  })();
}

describe('migration 011 (library counts)', () => {
  it('counts what a version-10 library holds', () => {
    const v10 = dbAtVersion(mdb.dir(), 10);
    addImages(v10, 500, mulberry32(1));
    const want = recount(v10);
    v10.close();
    const db = mdb.open();
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(11);
    expect(shown(db)).toEqual(want);
    expect(want.images).toBe(500);
  });

  it('stays equal to a recount through inserts, updates and deletes of images and labels', () => {
    const db = mdb.open();
    const rand = mulberry32(2);
    addImages(db, 300, rand);
    expect(shown(db)).toEqual(recount(db));
    const ids = (db.prepare('SELECT id FROM images').pluck().all() as number[]).slice();
    const pick = () => ids[Math.floor(rand() * ids.length)]!;
    const setLabel = db.prepare(
      `INSERT INTO labels (image_id, label, origin) VALUES (?, ?, ?)
       ON CONFLICT (image_id) DO UPDATE SET label = excluded.label, origin = excluded.origin`,
    );
    for (let k = 0; k < 400; k++) {
      const r = rand();
      if (r < 0.4) setLabel.run(pick(), ['good', 'bad', null][Math.floor(rand() * 3)], rand() < 0.5 ? 'import' : 'curator');
      else if (r < 0.6) db.prepare('UPDATE images SET rating_class = ? WHERE id = ?').run(rand() < 0.2 ? null : 1 + Math.floor(rand() * 5), pick());
      else if (r < 0.7) db.prepare('DELETE FROM labels WHERE image_id = ?').run(pick());
      else if (r < 0.8) {
        // An image removed with its label (foreign keys cascade).
        const id = pick();
        db.prepare('DELETE FROM images WHERE id = ?').run(id);
        ids.splice(ids.indexOf(id), 1);
      } else addImages(db, 3, rand, 10_000 + k * 3);
      if (k % 50 === 0) expect(shown(db)).toEqual(recount(db));
    }
    expect(shown(db)).toEqual(recount(db));
  });
});
