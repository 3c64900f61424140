/**
 * Gallery pages on a generated library (scores rounded to 4 decimals, so many images tie):
 * keyset paging returns every match exactly once and in order, whether the grid scrolls page by
 * page or jumps; every filter's query walks an index (EXPLAIN QUERY PLAN), none sorts the
 * library; totals follow label changes; the slider's sketch agrees with the gallery.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewQuery } from '../../../src-shared/domain/library';
import { sketchOf, ThresholdSketch } from '../../../src-shared/domain/thresholdSketch';
import { tempDir } from '../../../test-support/fixtures';
import { walkPages } from '../../../test-support/reviewPages';
import { generateScaleLibrary } from '../../../test-support/scaleLibrary';
import { createCore, type Core } from '../app';
import { GalleryPager } from './page';
import { predictionSketch } from './sketch';

const N = 3000;
const T = 0.62;

interface Truth {
  id: number;
  p: number;
  label: string | null;
  origin: string;
  rank: number | null;
  ancestry: string;
}

describe('gallery pages at scale', () => {
  let dir: string;
  let core: Core;
  let runId: number;
  let truth: Truth[];

  beforeAll(async () => {
    dir = tempDir();
    runId = (await generateScaleLibrary(path.join(dir, 'lib'), { n: N, seed: 3 })).runId;
    core = createCore({ dataDir: path.join(dir, 'lib') });
    truth = core.context.db
      .prepare(
        `SELECT i.id, p.p_bad AS p, l.label, l.origin, li.rank,
                COALESCE((SELECT group_concat(s.ancestry) FROM image_urls u JOIN source_rows s ON s.url = u.url WHERE u.image_id = i.id), '') AS ancestry
         FROM images i JOIN labels l ON l.image_id = i.id JOIN predictions p ON p.run_id = ? AND p.image_id = i.id
         LEFT JOIN label_issues li ON li.run_id = p.run_id AND li.image_id = i.id`,
      )
      .all(runId) as Truth[];
  }, 120_000);
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const byConfidence = (a: Truth, b: Truth) => b.p - a.p || b.id - a.id;
  const page = (q: ReviewQuery, offset: number, limit = 200) => core.call('review.page', { threshold: T, sort: 'confidence', order: 'desc', ...q, offset, limit });

  /** Every item of a query, page by page (keyset after the first). */
  const walk = (q: ReviewQuery, limit: number) => walkPages((offset) => page(q, offset, limit));

  const cases: [string, ReviewQuery, (t: Truth) => boolean, (a: Truth, b: Truth) => number][] = [
    ['everything by confidence', {}, () => true, byConfidence],
    ['predicted bad', { predicted: 'bad' }, (t) => t.p >= T, byConfidence],
    ['predicted good, ascending', { predicted: 'good', order: 'asc' }, (t) => t.p < T, (a, b) => a.p - b.p || a.id - b.id],
    ['false positives', { outcome: 'fp' }, (t) => t.p >= T && t.label === 'good', byConfidence],
    ['unlabelled', { outcome: 'unlabeled' }, (t) => t.label === null, byConfidence],
    ['label bad', { label: 'bad' }, (t) => t.label === 'bad', byConfidence],
    ['origin import, label none', { origin: 'import', label: 'none' }, (t) => t.origin === 'import' && t.label === null, byConfidence],
    ['taxon Aves (common)', { taxon: 'aves' }, (t) => t.ancestry.includes('"Aves"'), byConfidence],
    ['taxon Genus123 (rare)', { taxon: 'Genus123' }, (t) => /"Genus123\d*"/.test(t.ancestry), byConfidence],
    ['by id, descending', { sort: 'id', order: 'desc' }, () => true, (a, b) => b.id - a.id],
    ['issues view', { issuesOnly: true, sort: 'issue-rank', order: 'asc' }, (t) => t.rank !== null, (a, b) => a.rank! - b.rank!],
    // Every image by issue rank: the issues first (by rank), then the others by id.
    ['issue rank over everything', { sort: 'issue-rank', order: 'asc' }, () => true, (a, b) => Number(a.rank === null) - Number(b.rank === null) || (a.rank ?? 0) - (b.rank ?? 0) || a.id - b.id],
    ['issue rank descending, label bad', { sort: 'issue-rank', order: 'desc', label: 'bad' }, (t) => t.label === 'bad', (a, b) => Number(a.rank === null) - Number(b.rank === null) || (b.rank ?? 0) - (a.rank ?? 0) || a.id - b.id],
  ];

  it.each(cases)('%s: every match exactly once, in order, across keyset pages', async (_name, q, keep, order) => {
    const want = truth.filter(keep).sort(order).map((t) => t.id);
    expect(want.length).toBeGreaterThan(0);
    const got = await walk(q, 97);
    expect(got.total).toBe(want.length);
    expect(got.items.map((it) => it.image_id)).toEqual(want);
  });

  it('scores tie often (the keyset needs the id to break ties)', () => {
    const distinct = new Set(truth.map((t) => t.p)).size;
    expect(distinct).toBeLessThan(truth.length * 0.9);
  });

  it('a jump far down the grid gives the same page as scrolling there', async () => {
    // A threshold no other test uses: no page of this query is known yet, so the jump skips from the top.
    const q: ReviewQuery = { predicted: 'bad', taxon: 'Animalia', threshold: T - 0.00015 };
    const ref = truth.filter((t) => t.p >= T - 0.00015 && t.ancestry.includes('"Animalia"')).sort(byConfidence).map((t) => t.id);
    const mid = Math.floor(ref.length / 2);
    expect(mid).toBeGreaterThan(64);
    const jump = await page(q, mid, 50);
    expect(jump.items.map((it) => it.image_id)).toEqual(ref.slice(mid, mid + 50));
    // Scrolled to from the top (keyset from the pages before), the same items.
    const scrolled = await walk(q, 64);
    expect(scrolled.items.slice(mid, mid + 50).map((it) => it.image_id)).toEqual(ref.slice(mid, mid + 50));
    expect((await page(q, mid, 50)).items.map((it) => it.image_id)).toEqual(ref.slice(mid, mid + 50));
  });

  it('long jumps (skipped on the index alone) land on the right items, for each plan', async () => {
    const cases: [ReviewQuery, (t: Truth) => boolean, (a: Truth, b: Truth) => number][] = [
      [{ threshold: 0.123 }, () => true, byConfidence],
      [{ outcome: 'unlabeled', threshold: 0.9 }, (t) => t.label === null, byConfidence],
      [{ sort: 'id', order: 'asc', label: 'good' }, (t) => t.label === 'good', (a, b) => a.id - b.id],
      [{ sort: 'issue-rank', order: 'asc' }, () => true, (a, b) => Number(a.rank === null) - Number(b.rank === null) || (a.rank ?? 0) - (b.rank ?? 0) || a.id - b.id],
    ];
    for (const [q, keep, order] of cases) {
      const ref = truth.filter(keep).sort(order).map((t) => t.id);
      expect(ref.length).toBeGreaterThan(700);
      for (const at of [ref.length - 30, 650, ref.length - 1]) {
        expect((await page(q, at, 40)).items.map((it) => it.image_id)).toEqual(ref.slice(at, at + 40));
      }
      expect((await page(q, ref.length, 40)).items).toEqual([]);
    }
  });

  it('totals and pages follow label changes (no stale cache)', async () => {
    const before = await page({ outcome: 'fp' }, 0, 10);
    const victim = before.items[0]!;
    await core.call('labels.set', { imageIds: [victim.image_id], label: 'bad' });
    const after = await page({ outcome: 'fp' }, 0, 10);
    expect(after.total).toBe(before.total - 1);
    expect(after.items.map((it) => it.image_id)).not.toContain(victim.image_id);
    const tp = await page({ outcome: 'tp' }, 0, 1000);
    expect(tp.items.some((it) => it.image_id === victim.image_id)).toBe(true);
    await core.call('labels.undo', {});
    expect((await page({ outcome: 'fp' }, 0, 10)).total).toBe(before.total);
  });

  it('every filter walks an index in the sort order: no scan of the library, no sort of its matches', () => {
    const pager = new GalleryPager(core.context.db);
    const db = core.context.db;
    const queries: ReviewQuery[] = [
      { sort: 'confidence', order: 'desc' },
      { predicted: 'bad', sort: 'confidence' },
      { predicted: 'good', sort: 'confidence', order: 'asc' },
      { outcome: 'fp', sort: 'confidence' },
      { outcome: 'tn', sort: 'confidence' },
      { outcome: 'unlabeled', sort: 'confidence' },
      { label: 'good', origin: 'curator', sort: 'confidence' },
      { origin: 'curator', sort: 'confidence' },
      { predicted: 'bad', taxon: 'Aves', sort: 'confidence' },
      { sort: 'id', order: 'asc' },
      { issuesOnly: true, sort: 'issue-rank', order: 'asc' },
    ];
    for (const q of queries) {
      const plan = pager.plan(q, runId, T);
      expect(plan.kind, JSON.stringify(q)).not.toBe('general');
      for (const keyset of [false, true]) {
        const where = [...plan.where, ...(keyset && plan.after ? [plan.after] : [])];
        const sql = `${plan.select} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${plan.order} LIMIT 200`;
        // The statement's own steps (parent 0), not those of the per-item eol_id subquery.
        const steps = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ ...plan.params, k0: 0.5, k1: 100 }) as { parent: number; detail: string }[]).filter((r) => r.parent === 0).map((r) => r.detail);
        const text = steps.join('\n');
        expect(text, `${JSON.stringify(q)}\n${text}`).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
        // The driving table is searched through an index (never a full SCAN of images or predictions).
        if (q.sort !== 'id') expect(text, `${JSON.stringify(q)}\n${text}`).not.toMatch(/^SCAN (i|p|l|images|predictions|labels)\b/m);
        expect(text).toMatch(/USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY|USING PRIMARY KEY/);
      }
    }
  });

  it("the slider's sketch equals one built from every score, and its grid counts equal the gallery's totals", async () => {
    const db = core.context.db;
    const rows = db.prepare('SELECT p.p_bad, p.heldout, l.label FROM predictions p JOIN labels l ON l.image_id = p.image_id WHERE p.run_id = ?').all(runId) as { p_bad: number; heldout: number; label: string | null }[];
    const held = rows.filter((r) => r.heldout === 1 && r.label !== null);
    const want = sketchOf(
      rows.map((r) => r.p_bad),
      { p_bad: held.map((r) => r.p_bad), bad: held.map((r) => (r.label === 'bad' ? 1 : 0)) },
      [0.61234],
    );
    expect(predictionSketch(db, runId, [0.61234, 0.5])).toEqual(want);
    const scores = await core.call('review.scores', {});
    const sketch = new ThresholdSketch(scores.sketch);
    expect(sketch.size).toBe(rows.length);
    expect(sketch.exact(scores.in_force.threshold)).toBe(true);
    for (const t of [...[100, 400, 417, 441, 700].map((k) => sketch.threshold(k)), scores.in_force.threshold]) {
      expect(sketch.flagged(t)).toBe((await page({ predicted: 'bad', threshold: t }, 0, 1)).total);
    }
  });
});
