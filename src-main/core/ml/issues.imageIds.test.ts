/**
 * `ml.labelIssues` with `imageIds` (the Issues screen's question for one image's "why" line when the
 * list it holds stops at 5,000): on a library trained for real, asking by ids answers exactly the
 * entries the full list holds for those ids, field for field (the rating rows behind the why line
 * included), in rank order; ids of images that are no open issue, or of no image at all, are simply
 * absent; the counts stay the run's; ids the schema does not take are refused before any query.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { LabelIssue } from '../../../src-shared/domain/ml';
import { useTrainedDevCore } from '../../../test-support/trainedLibrary';

describe('ml.labelIssues by imageIds', () => {
  const trained = useTrainedDevCore(20);
  let issueIds: number[] = [];
  let dismissed = 0;
  let notIssue = 0;
  let noImage = 0;

  beforeAll(async () => {
    const core = trained();
    const db = core.context.db;
    const open = await core.call('ml.labelIssues', { limit: 10_000 });
    issueIds = open.issues.map((i) => i.image_id);
    expect(issueIds.length, 'the trained library has label issues to ask about').toBeGreaterThanOrEqual(5);
    // A second rating row for every other issue: their why line has a spread to tell, not only a count.
    db.transaction(() => {
      const imp = Number(db.prepare("INSERT INTO imports (kind, source, status) VALUES ('ratings', 'test://second', 'done')").run().lastInsertRowid);
      const put = db.prepare("INSERT INTO source_rows (origin, line, kind, url, rating, raw, import_id) VALUES ('test://second', ?, 'ratings', ?, ?, '{}', ?)");
      open.issues.forEach((iss, k) => {
        if (k % 2 === 0) put.run(k + 2, iss.url, (iss.rating ?? 3) >= 3 ? 1 : 5, imp);
      });
    })();
    // A curator's verdict: no longer open, listed only with includeReviewed.
    dismissed = issueIds[1]!;
    await core.call('ml.reviewIssues', { imageIds: [dismissed], action: 'dismiss' });
    const ids = new Set(issueIds);
    const images = (db.prepare('SELECT id FROM images ORDER BY id').all() as { id: number }[]).map((r) => r.id);
    notIssue = images.find((id) => !ids.has(id))!;
    expect(notIssue).toBeDefined();
    noImage = images[images.length - 1]! + 1000;
  });

  const pick = (list: LabelIssue[], ids: number[]) => list.filter((i) => ids.includes(i.image_id));

  it('answers exactly the full list\'s entries of the ids that are open issues, field for field, by rank', async () => {
    const core = trained();
    const full = await core.call('ml.labelIssues', { limit: 10_000 });
    expect(full.issues.map((i) => i.image_id)).not.toContain(dismissed);
    // Asked out of rank order, with a repeat, an image that is no issue, one dismissed and one that does not exist.
    const wanted = [issueIds[3]!, issueIds[0]!, notIssue, issueIds[issueIds.length - 1]!, dismissed, noImage, issueIds[0]!, issueIds[2]!];
    const got = await core.call('ml.labelIssues', { imageIds: wanted });
    const want = pick(full.issues, wanted);
    expect(want.length).toBe(4);
    expect(got.issues).toEqual(want);
    expect(got.issues.map((i) => i.rank)).toEqual([...got.issues.map((i) => i.rank)].sort((a, b) => a - b));
    // The why line's inputs are there and not all trivial: a spread where a second rating row was added.
    expect(got.issues.some((i) => i.rating_count === 2 && (i.rating_spread ?? 0) > 0)).toBe(true);
    expect(got.issues.every((i) => i.rating_count! >= 1 && typeof i.p_bad === 'number' && i.url)).toBe(true);
    // The counts are the run's, not those of the images asked about.
    expect({ run_id: got.run_id, total: got.total, beyond: got.beyond, reviewed: got.reviewed, ranking: got.ranking }).toEqual({
      run_id: full.run_id,
      total: full.total,
      beyond: full.beyond,
      reviewed: full.reviewed,
      ranking: full.ranking,
    });
    expect(got.reviewed).toBe(1);
  });

  it('lists a reviewed issue only with includeReviewed, as the full list does', async () => {
    const core = trained();
    const fullAll = await core.call('ml.labelIssues', { limit: 10_000, includeReviewed: true });
    const got = await core.call('ml.labelIssues', { imageIds: [dismissed, issueIds[0]!], includeReviewed: true });
    expect(got.issues).toEqual(pick(fullAll.issues, [dismissed, issueIds[0]!]));
    expect(got.issues.map((i) => i.image_id)).toContain(dismissed);
    expect((await core.call('ml.labelIssues', { imageIds: [dismissed] })).issues).toEqual([]);
  });

  it('answers no entries for ids that are no open issue or no image, and for an empty list', async () => {
    const core = trained();
    for (const imageIds of [[notIssue], [noImage], [notIssue, noImage], []]) {
      const got = await core.call('ml.labelIssues', { imageIds });
      expect(got.issues, JSON.stringify(imageIds)).toEqual([]);
      expect(got.total).toBeGreaterThan(0);
    }
  });

  it('stops at limit, by rank, among the ids asked about', async () => {
    const core = trained();
    const wanted = [issueIds[4]!, issueIds[3]!, issueIds[2]!];
    const got = await core.call('ml.labelIssues', { imageIds: wanted, limit: 2 });
    expect(got.issues.map((i) => i.image_id)).toEqual([issueIds[2]!, issueIds[3]!]);
    expect((await core.call('ml.labelIssues', { imageIds: wanted, limit: 0 })).issues).toEqual([]);
  });

  it('refuses ids the schema does not take, naming the field', async () => {
    const core = trained();
    const bad: unknown[] = [[0], [-3], [1.5], ['7'], [null], 'x', 7, Array.from({ length: 10_001 }, (_, k) => k + 1)];
    for (const imageIds of bad) {
      await expect(core.call('ml.labelIssues', { imageIds } as never), JSON.stringify(imageIds).slice(0, 40)).rejects.toMatchObject({
        code: 'invalid_argument',
        message: expect.stringMatching(/imageIds/),
      });
    }
    // The largest list it takes is answered.
    const most = await core.call('ml.labelIssues', { imageIds: [...Array.from({ length: 9_999 }, (_, k) => noImage + k), issueIds[0]!] });
    expect(most.issues.map((i) => i.image_id)).toEqual([issueIds[0]!]);
  });
});
