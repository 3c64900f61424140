/**
 * Review's rows say whether their issue is still open (`issue_open`), by the Issues list's own
 * condition: a relabelled, confirmed or dismissed issue keeps its rank but reads 0, an open one 1,
 * an image without an issue null; whatever the sort or filter that serves the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GalleryItem, ReviewQuery } from '../../../src-shared/domain/library';
import { seedLibrary, type SeededLibrary } from '../../../test-support/seedLibrary';
import { walkPages } from '../../../test-support/reviewPages';

describe('issue_open on review pages', () => {
  let lib: SeededLibrary;
  beforeAll(async () => {
    lib = seedLibrary({ images: 300, seed: 5 });
    const ids = lib.core.context.db.prepare('SELECT image_id FROM label_issues WHERE run_id = ? ORDER BY rank').pluck().all(lib.runId) as number[];
    expect(ids.length).toBeGreaterThan(6);
    const given = (id: number) => lib.core.context.db.prepare('SELECT given FROM label_issues WHERE run_id = ? AND image_id = ?').pluck().get(lib.runId, id) as 'good' | 'bad';
    await lib.core.call('ml.reviewIssues', { imageIds: [ids[0]!], action: 'confirm' });
    await lib.core.call('ml.reviewIssues', { imageIds: [ids[1]!], action: 'dismiss' });
    await lib.core.call('labels.set', { imageIds: [ids[2]!], label: given(ids[2]!) === 'good' ? 'bad' : 'good' });
    await lib.core.call('labels.set', { imageIds: [ids[3]!], label: null });
    // A verdict taken back: open again.
    await lib.core.call('ml.reviewIssues', { imageIds: [ids[4]!], action: 'dismiss' });
    await lib.core.call('ml.reviewIssues', { imageIds: [ids[4]!], action: 'reopen' });
  });
  afterAll(async () => {
    await lib?.core.close();
  });

  /** Each image's issue state counted from the tables: null without an issue, 1 open, 0 closed. */
  const byHand = () => {
    const rows = lib.core.context.db
      .prepare(
        `SELECT i.id, li.given, l.label, (SELECT COUNT(*) FROM label_reviews rv WHERE rv.image_id = i.id AND rv.label = l.label) AS verdicts
         FROM images i JOIN labels l ON l.image_id = i.id LEFT JOIN label_issues li ON li.run_id = ? AND li.image_id = i.id`,
      )
      .all(lib.runId) as { id: number; given: string | null; label: string | null; verdicts: number }[];
    return new Map(rows.map((r) => [r.id, r.given === null ? null : r.label === r.given && r.verdicts === 0 ? 1 : 0]));
  };

  const all = (q: ReviewQuery) => walkPages((offset) => lib.core.call('review.page', { ...q, offset, limit: 100 }));

  it('is 1 for open issues, 0 for closed ones, null without one, on every kind of page', async () => {
    const want = byHand();
    expect([...want.values()].filter((v) => v === 0).length).toBe(4);
    for (const q of [
      { sort: 'issue-rank', order: 'asc' },
      { sort: 'confidence', order: 'desc' },
      { sort: 'id', order: 'asc' },
      { sort: 'confidence', order: 'desc', label: 'good' },
    ] as ReviewQuery[]) {
      const { items } = await all(q);
      expect(items.length).toBeGreaterThan(0);
      for (const it of items) expect(it.issue_open ?? null, `${JSON.stringify(q)} image ${it.image_id}`).toBe(want.get(it.image_id));
      // Closed issues keep their rank (the badge can be muted, not dropped).
      if (q.label === undefined) expect(items.some((it: GalleryItem) => it.issue_rank !== null && it.issue_open === 0)).toBe(true);
    }
  });

  it('the issues view lists exactly the open issues, the same as ml.labelIssues', async () => {
    const { items } = await all({ issuesOnly: true, sort: 'issue-rank', order: 'asc' });
    expect(items.every((it) => it.issue_open === 1)).toBe(true);
    const listed = await lib.core.call('ml.labelIssues', { limit: 100_000 });
    expect(items.map((it) => it.image_id).sort((a, b) => a - b)).toEqual(listed.issues.map((i) => i.image_id).sort((a, b) => a - b));
    expect(items.length).toBe([...byHand().values()].filter((v) => v === 1).length);
  });
});
