/**
 * Gallery pages on what a curator's library holds and the generator alone does not: a classified
 * bundle, several imports (a re-import of stored URLs, a bundle's, a folder's), images the run has
 * not scored (the folder's, imported after the run), curator labels. Every page of each query is
 * compared with a straightforward reference (every image, the filters as written in plain SQL,
 * sorted in JS), and the query plans are checked to walk an index rather than the library (no
 * timings: plans hold at any size).
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ReviewQuery } from '../../../src-shared/domain/library';
import { tempDir } from '../../../test-support/fixtures';
import { walkPages } from '../../../test-support/reviewPages';
import { generateScaleLibrary, SYNTHETIC_URL_PREFIX } from '../../../test-support/scaleLibrary';
import { createCore, defaultResourcesDir, type Core } from '../app';
import { GalleryPager, type PagePlan } from './page';

const N = 3000;
const T = 0.62;

interface Truth {
  id: number;
  p: number | null;
  label: string | null;
  origin: string;
  rank: number | null;
  /** A label issue of the run still open: the label unchanged since, no verdict on it. */
  open: number;
  ancestry: string;
  imports: Set<number>;
  inBundle: boolean;
}

const synthUrl = (i: number) => `${SYNTHETIC_URL_PREFIX}${String(i).padStart(8, '0')}.jpg`;

describe('gallery pages with bundles, several imports and unscored images', () => {
  let dir: string;
  let core: Core;
  let runId: number;
  let truth: Truth[];
  let bundleId: number;
  const imports: Record<'generated' | 'ratings' | 'bundle' | 'folder', number> = { generated: 0, ratings: 0, bundle: 0, folder: 0 };

  beforeAll(async () => {
    dir = tempDir();
    const dataDir = path.join(dir, 'lib');
    runId = (await generateScaleLibrary(dataDir, { n: N, seed: 5 })).runId;
    core = createCore({ dataDir, ml: 'in-process' });
    imports.generated = (core.context.db.prepare("SELECT id FROM imports WHERE source = 'synthetic://scale'").get() as { id: number }).id;
    // A bundle of 300 stored URLs (a bare URL list, as a curator classifies one), imported for real.
    const bundleFile = path.join(dir, 'bundle.txt');
    fs.writeFileSync(bundleFile, ['eolMediaURL', ...Array.from({ length: 300 }, (_, k) => synthUrl(500 + 3 * k))].join('\n') + '\n');
    const b = await core.call('library.import', { source: bundleFile, kind: 'bundle' });
    bundleId = b.bundle_id!;
    imports.bundle = b.import_id;
    // A second ratings file naming 400 stored URLs (some also in the bundle).
    const ratingsFile = path.join(dir, 'ratings.tsv');
    const rows = Array.from({ length: 400 }, (_, k) => `${30_000_000 + k}\t${synthUrl(1200 + 2 * k)}\t${(1 + (k % 5)).toFixed(1)}\t{}`);
    fs.writeFileSync(ratingsFile, ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', ...rows].join('\n') + '\n');
    imports.ratings = (await core.call('library.import', { source: ratingsFile, kind: 'ratings' })).import_id;
    // A folder of 24 new pictures after the run: images without a prediction.
    const folder = path.join(dir, 'new');
    fs.mkdirSync(folder);
    const demo = path.join(defaultResourcesDir(), 'demo', 'images');
    const files = fs.readdirSync(demo).filter((f) => f.endsWith('.jpg')).slice(0, 24);
    for (const [k, f] of files.entries()) await sharp(path.join(demo, f)).modulate({ hue: 40 + 10 * k }).jpeg({ quality: 80 }).toFile(path.join(folder, `new${k}.jpg`));
    const fi = await core.call('library.import', { source: folder, kind: 'folder' });
    expect(fi.images_new).toBe(24);
    imports.folder = fi.import_id;
    // Curator labels on a few images, scored and unscored.
    const db = core.context.db;
    const someIds = (db.prepare('SELECT id FROM images ORDER BY id DESC LIMIT 40').all() as { id: number }[]).map((r) => r.id);
    await core.call('labels.set', { imageIds: someIds.filter((_, k) => k % 2 === 0), label: 'bad' });
    await core.call('labels.set', { imageIds: someIds.filter((_, k) => k % 2 === 1), label: 'good' });

    // The reference: every image, each filter as plain SQL (the definitions the gallery answers).
    const importsOf = db.prepare(
      `SELECT DISTINCT m.id FROM imports m WHERE EXISTS (SELECT 1 FROM image_urls u LEFT JOIN source_rows s ON s.url = u.url
         WHERE u.image_id = ? AND (u.import_id = m.id OR s.import_id = m.id))`,
    );
    const inBundle = db.prepare('SELECT EXISTS (SELECT 1 FROM bundle_items b JOIN source_rows s ON s.id = b.source_row_id JOIN image_urls u ON u.url = s.url WHERE b.bundle_id = ? AND u.image_id = ?) AS x');
    truth = (
      db
        .prepare(
          `SELECT i.id, p.p_bad AS p, l.label, l.origin, li.rank,
                  li.given = l.label AND NOT EXISTS (SELECT 1 FROM label_reviews rv WHERE rv.image_id = i.id AND rv.label = l.label) AS open,
                  COALESCE((SELECT group_concat(s.ancestry) FROM image_urls u JOIN source_rows s ON s.url = u.url WHERE u.image_id = i.id), '') AS ancestry
           FROM images i JOIN labels l ON l.image_id = i.id
           LEFT JOIN predictions p ON p.run_id = ? AND p.image_id = i.id LEFT JOIN label_issues li ON li.run_id = ? AND li.image_id = i.id`,
        )
        .all(runId, runId) as Omit<Truth, 'imports' | 'inBundle'>[]
    ).map((t) => ({
      ...t,
      imports: new Set((importsOf.all(t.id) as { id: number }[]).map((r) => r.id)),
      inBundle: (inBundle.get(bundleId, t.id) as { x: number }).x === 1,
    }));
  }, 180_000);
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const page = (q: ReviewQuery, offset: number, limit = 200) => core.call('review.page', { threshold: T, sort: 'confidence', order: 'desc', ...q, offset, limit });

  /** Every item of a query, page by page (keyset after the first), and a jump far down. */
  const walk = (q: ReviewQuery, limit: number) => walkPages((offset) => page(q, offset, limit));

  /** Confidence order: scored images by p(bad) (ties by id, the same way), then the unscored by id ascending. */
  const byConfidence =
    (desc = true) =>
    (a: Truth, b: Truth) => {
      if (a.p === null || b.p === null) return Number(a.p === null) - Number(b.p === null) || a.id - b.id;
      return desc ? b.p - a.p || b.id - a.id : a.p - b.p || a.id - b.id;
    };
  const byId = (desc: boolean) => (a: Truth, b: Truth) => (desc ? b.id - a.id : a.id - b.id);
  const byIssueRank = (a: Truth, b: Truth) => Number(a.rank === null) - Number(b.rank === null) || (a.rank ?? 0) - (b.rank ?? 0) || a.id - b.id;

  type Case = [string, () => ReviewQuery, (t: Truth) => boolean, (a: Truth, b: Truth) => number];
  const cases: Case[] = [
    ['bundle, predicted bad', () => ({ bundleId, predicted: 'bad' }), (t) => t.inBundle && t.p !== null && t.p >= T, byConfidence()],
    ['bundle by id', () => ({ bundleId, sort: 'id', order: 'desc' }), (t) => t.inBundle, byId(true)],
    ['bundle by issue rank', () => ({ bundleId, sort: 'issue-rank', order: 'asc' }), (t) => t.inBundle, byIssueRank],
    ['the generated import, predicted bad', () => ({ importId: imports.generated, predicted: 'bad' }), (t) => t.imports.has(imports.generated) && t.p !== null && t.p >= T, byConfidence()],
    ['the bundle import, false positives', () => ({ importId: imports.bundle, outcome: 'fp' }), (t) => t.imports.has(imports.bundle) && t.p !== null && t.p >= T && t.label === 'good', byConfidence()],
    ['bundle', () => ({ bundleId }), (t) => t.inBundle, byConfidence()],
    ['bundle, label good, ascending', () => ({ bundleId, label: 'good', order: 'asc' }), (t) => t.inBundle && t.label === 'good', byConfidence(false)],
    ['bundle and import', () => ({ bundleId, importId: imports.ratings }), (t) => t.inBundle && t.imports.has(imports.ratings), byConfidence()],
    ['the re-import of stored URLs', () => ({ importId: imports.ratings }), (t) => t.imports.has(imports.ratings), byConfidence()],
    ['the folder import (unscored)', () => ({ importId: imports.folder }), (t) => t.imports.has(imports.folder), byConfidence()],
    // Unscored images present: the scored by confidence, then the unscored by id.
    ['everything by confidence', () => ({}), () => true, byConfidence()],
    ['everything, ascending', () => ({ order: 'asc' }), () => true, byConfidence(false)],
    ['label good', () => ({ label: 'good' }), (t) => t.label === 'good', byConfidence()],
    ['label none, origin import', () => ({ label: 'none', origin: 'import' }), (t) => t.label === null && t.origin === 'import', byConfidence()],
    ['origin curator', () => ({ origin: 'curator' }), (t) => t.origin === 'curator', byConfidence()],
    ['unlabelled, ascending', () => ({ outcome: 'unlabeled', order: 'asc' }), (t) => t.label === null, byConfidence(false)],
    ['issues only, by confidence', () => ({ issuesOnly: true }), (t) => t.open === 1, byConfidence()],
    ['predicted all, taxon Aves', () => ({ predicted: 'all', taxon: 'Aves' }), (t) => t.ancestry.includes('"Aves"'), byConfidence()],
    // Sort by image id with filters: the images walked in id order (or, for few matches, the matches sorted).
    ['by id, predicted bad', () => ({ sort: 'id', predicted: 'bad' }), (t) => t.p !== null && t.p >= T, byId(true)],
    ['by id ascending, label good', () => ({ sort: 'id', order: 'asc', label: 'good' }), (t) => t.label === 'good', byId(false)],
    ['by id, true negatives', () => ({ sort: 'id', outcome: 'tn' }), (t) => t.p !== null && t.p < T && t.label === 'good', byId(true)],
    ['by id, false positives (few)', () => ({ sort: 'id', outcome: 'fp' }), (t) => t.p !== null && t.p >= T && t.label === 'good', byId(true)],
    ['by id, label bad, origin curator (few)', () => ({ sort: 'id', label: 'bad', origin: 'curator' }), (t) => t.label === 'bad' && t.origin === 'curator', byId(true)],
    ['by id, open issues', () => ({ sort: 'id', issuesOnly: true }), (t) => t.open === 1, byId(true)],
    ['by issue rank, label bad', () => ({ sort: 'issue-rank', order: 'asc', label: 'bad' }), (t) => t.label === 'bad', byIssueRank],
    // A label (or outcome) and an origin.
    ['label bad, origin import', () => ({ label: 'bad', origin: 'import' }), (t) => t.label === 'bad' && t.origin === 'import', byConfidence()],
    ['label good, origin curator, ascending', () => ({ label: 'good', origin: 'curator', order: 'asc' }), (t) => t.label === 'good' && t.origin === 'curator', byConfidence(false)],
    ['false positives, origin import', () => ({ outcome: 'fp', origin: 'import' }), (t) => t.p !== null && t.p >= T && t.label === 'good' && t.origin === 'import', byConfidence()],
    ['an import by id, ascending', () => ({ importId: imports.ratings, sort: 'id', order: 'asc' }), (t) => t.imports.has(imports.ratings), byId(false)],
  ];

  it('the library holds what the cases need', () => {
    expect(truth.filter((t) => t.inBundle)).toHaveLength(300);
    expect(truth.filter((t) => t.p === null)).toHaveLength(24);
    // The demo's import (the generator's first), the generated rows, the bundle, the ratings file, the folder.
    expect(new Set(truth.flatMap((t) => [...t.imports])).size).toBe(5);
  });

  it.each(cases)('%s: every match exactly once, in the reference order, across keyset pages and jumps', async (_name, query, keep, order) => {
    const q = query();
    const want = truth.filter(keep).sort(order).map((t) => t.id);
    expect(want.length).toBeGreaterThan(0);
    const got = await walk(q, 97);
    expect(got.total).toBe(want.length);
    expect(got.items.map((it) => it.image_id)).toEqual(want);
    // A jump (no page known before it, at another threshold-free key: a fresh pager state after a label change).
    const at = Math.floor(want.length / 2);
    expect((await page(q, at, 30)).items.map((it) => it.image_id)).toEqual(want.slice(at, at + 30));
  });

  /**
   * The statement's plan (every step, subqueries included), for the page (with its keyset
   * condition) and for its count; `outer`: the page's own steps (not the per-item eol_id subquery's).
   */
  function plans(plan: PagePlan): { page: string; outer: string; count: string } {
    const db = core.context.db;
    const where = plan.where.length ? `WHERE ${plan.where.join(' AND ')}` : '';
    const keyset = [...plan.where, ...(plan.after ? [plan.after] : [])];
    const explain = (sql: string) => db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ ...plan.params, k0: 0.5, k1: 100 }) as { parent: number; detail: string }[];
    const steps = explain(`${plan.select} WHERE ${keyset.join(' AND ') || '1'} ORDER BY ${plan.order} LIMIT 200`);
    return {
      page: steps.map((r) => r.detail).join('\n'),
      outer: steps.filter((r) => r.parent === 0).map((r) => r.detail).join('\n'),
      count: explain(`SELECT COUNT(*) FROM ${plan.countFrom ?? plan.lean} ${plan.countWhere ? `WHERE ${plan.countWhere.join(' AND ') || '1'}` : where}`).map((r) => r.detail).join('\n'),
    };
  }

  it('with unscored images, the confidence sort walks the run\'s index and then the unscored by id: no sort of the library', () => {
    const pager = new GalleryPager(core.context.db);
    const queries: ReviewQuery[] = [{}, { order: 'asc' }, { label: 'good' }, { origin: 'import', label: 'none' }, { outcome: 'unlabeled' }, { predicted: 'all', bundleId }];
    for (const q of queries) {
      for (const part of [pager.plan(q, runId, T), pager.plan(q, runId, T, 'unscored')]) {
        expect(part.kind, JSON.stringify(q)).not.toBe('general');
        expect(part.after, JSON.stringify(q)).not.toBeNull();
        const { page: p, outer } = plans(part);
        expect(p, `${JSON.stringify(q)}\n${p}`).not.toMatch(/^SCAN (i|p|images|predictions)\b/m);
        expect(outer, `${JSON.stringify(q)}\n${p}`).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
      }
    }
  });

  it('a sort by id with filters matching many images walks the images in id order: no sort of the matches on each page', () => {
    const pager = new GalleryPager(core.context.db);
    const queries: [ReviewQuery, ('rest' | undefined)?][] = [
      [{ sort: 'id', predicted: 'bad' }],
      [{ sort: 'id', order: 'asc', label: 'good' }],
      [{ sort: 'id', outcome: 'tn' }],
      [{ sort: 'id', predicted: 'good', label: 'bad' }],
      [{ sort: 'issue-rank', order: 'asc', label: 'bad' }, 'rest'],
    ];
    for (const [q, segment] of queries) {
      const { outer, page: p, count } = plans(pager.plan(q, runId, T, segment));
      expect(outer, `${JSON.stringify(q)}\n${p}`).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
      // Counted on the filters' index alone, not with a lookup of every match's image row.
      if (!segment) expect(count, `${JSON.stringify(q)}\n${count}`).not.toMatch(/\bi USING INTEGER PRIMARY KEY|SCAN i\b/);
      expect(outer, `${JSON.stringify(q)}\n${p}`).toMatch(/^SCAN i\b|^SEARCH i USING INTEGER PRIMARY KEY \(rowid[<>]\?\)/m);
    }
  });

  it('a label (or outcome) with an origin is counted and paged on one covering index, in score order', () => {
    const pager = new GalleryPager(core.context.db);
    const queries: ReviewQuery[] = [
      { label: 'bad', origin: 'import' },
      { label: 'good', origin: 'import', predicted: 'bad' },
      { outcome: 'fp', origin: 'import' },
      { label: 'none', origin: 'import', order: 'asc' },
      { label: 'bad', origin: 'curator' },
    ];
    for (const q of queries) {
      const { outer, count } = plans(pager.plan(q, runId, T));
      expect(count, `${JSON.stringify(q)}\n${count}`).toMatch(/COVERING INDEX predictions_run_label_origin_p/);
      expect(outer, `${JSON.stringify(q)}\n${outer}`).toMatch(/predictions_run_label_origin_p/);
      expect(outer, `${JSON.stringify(q)}\n${outer}`).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
    }
  });

  it("a bundle's or an import's filter looks its images up once, never walks their rows per image", () => {
    const pager = new GalleryPager(core.context.db);
    const queries: ReviewQuery[] = [
      { bundleId },
      { bundleId, predicted: 'bad' },
      { bundleId, sort: 'id' },
      { importId: imports.bundle },
      { importId: imports.ratings, predicted: 'bad' },
      { importId: imports.generated, label: 'good' },
    ];
    for (const q of queries) {
      const { page: p, count: c } = plans(pager.plan(q, runId, T));
      expect(c, `${JSON.stringify(q)}\n${c}`).not.toMatch(/CORRELATED/);
      for (const text of [p, c]) {
        expect(text, `${JSON.stringify(q)}\n${text}`).not.toMatch(/bundle_items|source_rows_import|image_urls_import/);
        expect(text, `${JSON.stringify(q)}\n${text}`).not.toMatch(/^SCAN (i|p|images|predictions)\b/m);
      }
    }
  });

  // Last: it changes the library.
  it('the unscored part follows labels and new predictions (its table is kept only while it is right)', async () => {
    const db = core.context.db;
    const check = async (q: ReviewQuery) => {
      const now = db.prepare('SELECT i.id, p.p_bad AS p, l.label FROM images i JOIN labels l ON l.image_id = i.id LEFT JOIN predictions p ON p.run_id = ? AND p.image_id = i.id').all(runId) as Truth[];
      const want = now.filter((t) => q.label === undefined || t.label === q.label).sort(byConfidence()).map((t) => t.id);
      const got = await walk(q, 150);
      expect(got.items.map((it) => it.image_id)).toEqual(want);
    };
    const unscored = truth.filter((t) => t.p === null).map((t) => t.id);
    await check({ label: 'bad' });
    await core.call('labels.set', { imageIds: unscored.slice(0, 3), label: 'bad' });
    await check({ label: 'bad' });
    // Scored later (as classify's scoreMissing does): it moves into the scored part.
    db.prepare('INSERT INTO predictions (run_id, image_id, p_bad) VALUES (?, ?, 0.99)').run(runId, unscored[0]);
    await check({ label: 'bad' });
    await check({});
    // One prediction removed and another image scored: the same counts, another set.
    db.prepare('DELETE FROM predictions WHERE run_id = ? AND image_id = ?').run(runId, unscored[0]);
    db.prepare('INSERT INTO predictions (run_id, image_id, p_bad) VALUES (?, ?, 0.01)').run(runId, unscored[1]);
    await check({});
  });

  it('checks its unscored table at most once per change of the library, not on every page', async () => {
    const db = core.context.db;
    await walk({ label: 'bad' }, 50);
    const prepare = vi.spyOn(db, 'prepare');
    const probes = () => prepare.mock.calls.filter(([sql]) => String(sql).includes('FROM temp.qc_unscored x WHERE NOT EXISTS')).length;
    try {
      // Paging on with nothing changed: no probe of the unscored images.
      await walk({ label: 'bad' }, 50);
      expect(probes()).toBe(0);
      // A label change: checked once again, then kept while paging.
      await core.call('labels.set', { imageIds: [truth.find((t) => t.p === null)!.id], label: 'good' });
      await walk({ label: 'bad' }, 50);
      expect(probes()).toBe(1);
    } finally {
      prepare.mockRestore();
    }
  });
});
