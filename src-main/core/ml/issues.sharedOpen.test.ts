/**
 * The why-line's "N other versions of this photo … are suspected too" (`shared_versions`) counts
 * only the versions whose issue is still open: one relabelled, confirmed or dismissed since is no
 * longer suspected, and a verdict taken back counts again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueWhy } from '../../../src-shared/domain/labelIssue';
import { seedLibrary, type SeededLibrary } from '../../../test-support/seedLibrary';

describe('shared_versions counts open issues only', () => {
  let lib: SeededLibrary;
  /** Three photos, each with two versions the run lists with the same given label: [a, b] pairs. */
  let pairs: [number, number, 'good' | 'bad'][];
  beforeAll(() => {
    lib = seedLibrary({ images: 400, seed: 7 });
    const { db } = lib.core.context;
    const issues = db.prepare('SELECT image_id, given FROM label_issues WHERE run_id = ? ORDER BY rank').all(lib.runId) as { image_id: number; given: 'good' | 'bad' }[];
    pairs = [];
    for (const given of ['bad', 'good', 'bad'] as const) {
      const used = new Set(pairs.flatMap(([a, b]) => [a, b]));
      const two = issues.filter((i) => i.given === given && !used.has(i.image_id)).slice(0, 2);
      expect(two).toHaveLength(2);
      pairs.push([two[0]!.image_id, two[1]!.image_id, given]);
    }
    // Split groups as a training writes them: each pair one photo's versions, every other image alone.
    const put = db.prepare("INSERT INTO splits (image_id, group_id, split, fold) VALUES (?, ?, 'train', 0)");
    db.transaction(() => {
      const grouped = new Map(pairs.flatMap(([a, b]) => [[a, a], [b, a]] as [number, number][]));
      for (const id of db.prepare('SELECT id FROM images').pluck().all() as number[]) put.run(id, grouped.get(id) ?? id);
    })();
  });
  afterAll(async () => {
    await lib?.core.close();
  });

  const sharedOf = async (id: number) => {
    const r = await lib.core.call('ml.labelIssues', { imageIds: [id], includeReviewed: true });
    return r.issues[0]!;
  };

  it('drops a version relabelled, confirmed or dismissed, and counts it again when reopened', async () => {
    const [[a1, b1, g1], [a2, b2], [a3, b3]] = pairs as [[number, number, 'good' | 'bad'], [number, number, string], [number, number, string]];
    for (const [a, b] of pairs) {
      expect((await sharedOf(a)).shared_versions).toBe(1);
      expect((await sharedOf(b)).shared_versions).toBe(1);
    }
    await lib.core.call('labels.set', { imageIds: [b1], label: g1 === 'bad' ? 'good' : 'bad' });
    await lib.core.call('ml.reviewIssues', { imageIds: [b2], action: 'confirm' });
    await lib.core.call('ml.reviewIssues', { imageIds: [b3], action: 'dismiss' });
    for (const a of [a1, a2, a3]) {
      const iss = await sharedOf(a);
      expect(iss.shared_versions, `image ${a}`).toBe(0);
      expect(issueWhy(iss)).not.toContain('suspected too');
    }
    // The closed ones still count their open partner (it is still suspected).
    expect((await sharedOf(b2)).shared_versions).toBe(1);
    await lib.core.call('ml.reviewIssues', { imageIds: [b3], action: 'reopen' });
    expect((await sharedOf(a3)).shared_versions).toBe(1);
    expect(issueWhy(await sharedOf(a3))).toContain('1 other version of this photo');
  });
});
