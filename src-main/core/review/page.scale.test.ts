/**
 * The Review screen's pages must not cost more as the library grows: a small source (a bundle or an
 * import of a few per cent of the library) is paged from its images kept in score order, and the
 * first page after a label change neither recounts the run's predictions nor gathers the source's
 * images again. Checked on a real library (the real migrations, a generated run, a bundle and a
 * ratings file imported for real, unscored pictures) by query plans and by the statements a page
 * runs (no timings: they hold at any size), and every page against a plain-SQL reference, also
 * after a label change, a re-import and a rescoring.
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
const synthUrl = (i: number) => `${SYNTHETIC_URL_PREFIX}${String(i).padStart(8, '0')}.jpg`;

describe('gallery pages of a small source in a large library', () => {
  let dir: string;
  let core: Core;
  let runId: number;
  let bundleId: number;
  let importId: number;

  /** Write a ratings file naming these stored URLs and import it; its import id. */
  const importRatings = async (name: string, urls: number[]) => {
    const file = path.join(dir, name);
    const rows = urls.map((u, k) => `${31_000_000 + u}\t${synthUrl(u)}\t${(1 + (k % 5)).toFixed(1)}\t{}`);
    fs.writeFileSync(file, ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', ...rows].join('\n') + '\n');
    return (await core.call('library.import', { source: file, kind: 'ratings' })).import_id;
  };

  beforeAll(async () => {
    dir = tempDir();
    const dataDir = path.join(dir, 'lib');
    runId = (await generateScaleLibrary(dataDir, { n: N, seed: 11 })).runId;
    core = createCore({ dataDir, ml: 'in-process' });
    // A bundle of 2 % of the library and a ratings file of 4 %: each under the share that drives a page from its images.
    const bundleFile = path.join(dir, 'bundle.txt');
    fs.writeFileSync(bundleFile, ['eolMediaURL', ...Array.from({ length: 60 }, (_, k) => synthUrl(300 + 41 * k))].join('\n') + '\n');
    bundleId = (await core.call('library.import', { source: bundleFile, kind: 'bundle' })).bundle_id!;
    importId = await importRatings('ratings.tsv', Array.from({ length: 120 }, (_, k) => 200 + 23 * k));
    // Pictures the run has not scored (they follow the scored ones in the confidence sort).
    const folder = path.join(dir, 'new');
    fs.mkdirSync(folder);
    const demo = path.join(defaultResourcesDir(), 'demo', 'images');
    for (const [k, f] of fs.readdirSync(demo).filter((x) => x.endsWith('.jpg')).slice(0, 6).entries()) {
      await sharp(path.join(demo, f)).modulate({ hue: 40 + 10 * k }).jpeg({ quality: 80 }).toFile(path.join(folder, `new${k}.jpg`));
    }
    await core.call('library.import', { source: folder, kind: 'folder' });
  }, 180_000);
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const page = (q: ReviewQuery, offset: number, limit = 200) => core.call('review.page', { threshold: T, sort: 'confidence', order: 'desc', ...q, offset, limit });

  /** The reference: the filters in plain SQL over every image, scored by p(bad) (ties by id), then the unscored by id. */
  function reference(q: ReviewQuery): number[] {
    const db = core.context.db;
    const conds = ['1'];
    const params: unknown[] = [runId];
    if (q.bundleId !== undefined) {
      conds.push('EXISTS (SELECT 1 FROM bundle_items b JOIN source_rows s ON s.id = b.source_row_id JOIN image_urls u ON u.url = s.url WHERE b.bundle_id = ? AND u.image_id = i.id)');
      params.push(q.bundleId);
    }
    if (q.importId !== undefined) {
      conds.push('EXISTS (SELECT 1 FROM image_urls u LEFT JOIN source_rows s ON s.url = u.url WHERE u.image_id = i.id AND (u.import_id = ? OR s.import_id = ?))');
      params.push(q.importId, q.importId);
    }
    if (q.predicted === 'bad') conds.push(`p.p_bad >= ${T}`);
    if (q.label === 'none') conds.push('l.label IS NULL');
    else if (q.label && q.label !== 'any') conds.push(`l.label = '${q.label}'`);
    if (q.origin && q.origin !== 'any') conds.push(`l.origin = '${q.origin}'`);
    const rows = db
      .prepare(`SELECT i.id, p.p_bad AS p FROM images i JOIN labels l ON l.image_id = i.id LEFT JOIN predictions p ON p.run_id = ? AND p.image_id = i.id WHERE ${conds.join(' AND ')}`)
      .all(...params) as { id: number; p: number | null }[];
    const desc = q.order !== 'asc';
    return rows
      .sort((a, b) => {
        if (a.p === null || b.p === null) return Number(a.p === null) - Number(b.p === null) || a.id - b.id;
        return desc ? b.p - a.p || b.id - a.id : a.p - b.p || a.id - b.id;
      })
      .map((r) => r.id);
  }

  const queries = (): ReviewQuery[] => [
    { bundleId },
    { bundleId, predicted: 'bad' },
    { bundleId, label: 'good', order: 'asc' },
    { importId },
    { importId, predicted: 'bad', origin: 'import' },
    { importId, bundleId },
    {},
    { label: 'good' },
    { label: 'bad', origin: 'import' },
    { label: 'none', order: 'asc' },
  ];

  /** Every page of each query (keyset after the first, and a jump) equals the reference. */
  async function checkAll(): Promise<void> {
    for (const q of queries()) {
      const want = reference(q);
      const got = await walkPages((offset) => page(q, offset, 37));
      expect(got.total, JSON.stringify(q)).toBe(want.length);
      expect(got.items.map((it) => it.image_id), JSON.stringify(q)).toEqual(want);
      const at = Math.floor(want.length / 2);
      expect((await page(q, at, 11)).items.map((it) => it.image_id), JSON.stringify(q)).toEqual(want.slice(at, at + 11));
    }
  }

  /** The page's statement plan, with its keyset condition (`outer`: its own steps, not the per-item eol_id subquery's), and its count's. */
  function plans(plan: PagePlan): { page: string; outer: string; count: string } {
    const db = core.context.db;
    const explain = (sql: string) => db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ ...plan.params, k0: 0.5, k1: 100 }) as { parent: number; detail: string }[];
    const keyset = [...plan.where, ...(plan.after ? [plan.after] : [])];
    const steps = explain(`${plan.select} WHERE ${keyset.join(' AND ')} ORDER BY ${plan.order} LIMIT 200`);
    const conds = plan.countWhere ?? plan.where;
    return {
      page: steps.map((r) => r.detail).join('\n'),
      outer: steps.filter((r) => r.parent === 0).map((r) => r.detail).join('\n'),
      count: explain(`SELECT COUNT(*) FROM ${plan.countFrom ?? plan.lean} ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''}`)
        .map((r) => r.detail)
        .join('\n'),
    };
  }

  it('a small bundle or import is paged in score order by index: no sort of its matches, no scan of the images or predictions', () => {
    const pager = new GalleryPager(core.context.db);
    for (const q of [{ bundleId }, { bundleId, predicted: 'bad' as const }, { importId }, { importId, label: 'good' as const }, { importId, bundleId }]) {
      const plan = pager.plan({ sort: 'confidence', order: 'desc', ...q }, runId, T);
      const { page: p, outer, count } = plans(plan);
      const say = `${JSON.stringify(q)}\n${p}\n--- count\n${count}`;
      expect(outer, say).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
      for (const text of [p, count]) expect(text, say).not.toMatch(/^SCAN (i|p|images|predictions)\b/m);
    }
  });

  it('every page of each query is the reference, before and after a label change', async () => {
    await checkAll();
    const ids = reference({ bundleId }).slice(0, 8);
    await core.call('labels.set', { imageIds: ids, label: 'bad' });
    await checkAll();
  });

  it('the first page after a label change neither counts the run nor gathers the source again; pages run O(page) statements', async () => {
    const db = core.context.db;
    const someImage = reference({}).at(-1)!;
    // Each query seen once (its tables filled), then a label change and its undo, as a B/G keystroke.
    for (const q of queries()) await page(q, 0);
    const prepare = vi.spyOn(db, 'prepare');
    try {
      for (const q of queries()) {
        await core.call('labels.set', { imageIds: [someImage], label: 'bad' });
        await core.call('labels.undo', {});
        prepare.mockClear();
        await page(q, 0);
        await page(q, 200);
        const sqls = prepare.mock.calls.map(([sql]) => String(sql).replace(/\s+/g, ' '));
        const say = `${JSON.stringify(q)}\n${sqls.join('\n')}`;
        // The run's total and its label/origin counts come from the counters (migration 019).
        expect(sqls.filter((s) => /COUNT\(\*\).*FROM predictions/.test(s) && !/temp\./.test(s)), say).toEqual([]);
        // The bundle's and the import's images are kept across a label change (they do not depend on labels).
        expect(sqls.filter((s) => /INSERT .*INTO temp\.qc_(bundle|import)_(match|order)/.test(s)), say).toEqual([]);
      }
    } finally {
      prepare.mockRestore();
    }
  });

  // Last: they change the library.
  it('a re-import that adds images to the source, and a rescoring, are followed', async () => {
    const db = core.context.db;
    await checkAll();
    // The same import's file, read again with more rows: the import filter is now a new import's; the bundle follows URLs.
    const again = await importRatings('ratings2.tsv', Array.from({ length: 40 }, (_, k) => 201 + 29 * k));
    const want = reference({ importId: again });
    expect(want.length).toBeGreaterThan(0);
    expect((await walkPages((offset) => page({ importId: again }, offset, 17))).items.map((it) => it.image_id)).toEqual(want);
    // Rescoring a bundle image (as a tag import does): its place in the score order moves.
    const moved = reference({ bundleId }).at(-1)!;
    const top = (db.prepare('SELECT MAX(p_bad) FROM predictions WHERE run_id = ?').pluck().get(runId) as number) + 1e-6;
    db.prepare('UPDATE predictions SET p_bad = ? WHERE run_id = ? AND image_id = ?').run(top, runId, moved);
    expect((await page({ bundleId }, 0, 5)).items[0]!.image_id).toBe(moved);
    await checkAll();
  });
});
