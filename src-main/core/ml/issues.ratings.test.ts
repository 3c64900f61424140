/**
 * Why each listed label issue is suspected: its rating rows (every URL of the image, every input
 * file's row) counted and their spread. On a seeded library where images have several rating rows
 * (a second ratings file, a second URL, rows without a rating), the list says what the
 * straightforward per-issue query says, and reads them with the same number of statements whether it
 * lists 3 issues or all of them (one set-based query, not one per issue).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { seedLibrary, type SeededLibrary } from '../../../test-support/seedLibrary';
import type { Db } from '../db/open';
import { IssueStore } from './issues';

let lib: SeededLibrary | null = null;
afterEach(async () => {
  await lib?.core.close();
  lib = null;
});

/** The rating rows of one image as the list first read them: one query per issue. */
const PER_ISSUE = 'SELECT s.rating FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE u.image_id = ? AND s.rating IS NOT NULL';

function spread(r: number[]): number | null {
  if (r.length < 2) return null;
  const m = r.reduce((a, b) => a + b, 0) / r.length;
  return Math.sqrt(r.reduce((a, b) => a + (b - m) ** 2, 0) / (r.length - 1));
}

/** The database seen through a prepare that counts every run of every statement it makes. */
function counting(db: Db): { db: Db; runs: () => number } {
  let n = 0;
  const prepare = (sql: string) => {
    const st = db.prepare(sql) as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const m of ['all', 'get', 'run', 'iterate']) {
      const orig = st[m]!;
      st[m] = (...a: unknown[]) => {
        n++;
        return orig.apply(st, a);
      };
    }
    return st;
  };
  return { db: { prepare, transaction: db.transaction.bind(db) } as unknown as Db, runs: () => n };
}

describe('the rating rows behind each listed issue', () => {
  it('match the per-issue query for images with several rating rows, read by one statement for the whole list', async () => {
    lib = seedLibrary({ images: 600 });
    const { core } = lib;
    const db = core.context.db;
    const runId = lib.runId!;
    // A second ratings file rating most images again (some rows without a rating), and a second URL
    // (with a row of its own) for every third image.
    db.transaction(() => {
      const imp = Number(db.prepare("INSERT INTO imports (kind, source, status) VALUES ('ratings', 'seed://second', 'done')").run().lastInsertRowid);
      const src = db.prepare("INSERT INTO source_rows (origin, line, kind, url, rating, raw, import_id) VALUES (?, ?, 'ratings', ?, ?, '{}', ?)");
      const url = db.prepare('INSERT INTO image_urls (url, image_id, import_id) VALUES (?, ?, ?)');
      const urls = db.prepare('SELECT image_id, url FROM image_urls ORDER BY image_id, url').all() as { image_id: number; url: string }[];
      urls.forEach(({ image_id: id, url: u }, k) => {
        if (id % 5 !== 0) src.run('seed://second', k + 2, u, id % 7 === 0 ? null : 1 + ((id * 37) % 40) / 10, imp);
        if (id % 3 === 0) {
          const other = `https://example.org/second/${id}.jpg`;
          url.run(other, id, imp);
          src.run('seed://third', k + 2, other, 5 - ((id * 13) % 30) / 10, imp);
          src.run('seed://fourth', k + 2, other, 2.5, imp);
        }
      });
    })();

    const got = await core.call('ml.labelIssues', { runId, limit: 5000, includeReviewed: true });
    expect(got.issues.length).toBeGreaterThan(10);
    const rowsOf = db.prepare(PER_ISSUE).raw();
    const want = got.issues.map((iss) => {
      const r = (rowsOf.all(iss.image_id) as [number][]).map((x) => x[0]);
      return { image_id: iss.image_id, rating_count: r.length, rating_spread: spread(r) };
    });
    expect(got.issues.map((i) => ({ image_id: i.image_id, rating_count: i.rating_count, rating_spread: i.rating_spread }))).toEqual(want);
    // The library does hold images with one, two, three and four rating rows among the issues.
    expect(new Set(want.map((w) => w.rating_count))).toEqual(new Set([1, 2, 3, 4]));

    // As many statement runs for the whole list as for three issues.
    const runsFor = (limit: number) => {
      const c = counting(db);
      const listed = new IssueStore(c.db).list(runId, limit, true).issues.length;
      return { listed, runs: c.runs() };
    };
    const few = runsFor(3);
    const all = runsFor(5000);
    expect(few.listed).toBe(3);
    expect(all.listed).toBe(got.issues.length);
    expect(all.runs).toBe(few.runs);
    // That one statement walks the listed ids, each image's URLs and their rows by index.
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${IssueStore.RATINGS_SQL}`).all('[1,2]') as { detail: string }[]).map((r) => r.detail).join('\n');
    expect(plan, plan).toMatch(/SCAN j/);
    expect(plan, plan).toMatch(/SEARCH u USING (COVERING )?INDEX image_urls_image \(image_id=\?\)/);
    expect(plan, plan).toMatch(/SEARCH s USING INDEX source_rows_url \(url=\?\)/);
  });
});
