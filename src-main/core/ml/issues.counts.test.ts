/**
 * The sidebar's issue count (ml.labelIssues with limit 0, asked after label changes) is one pass
 * over the run's issues, not three full counts; its numbers equal the issues counted one by one
 * after any mix of label changes and verdicts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mulberry32 } from '../../../src-shared/domain/random';
import { seedLibrary, type SeededLibrary } from '../../../test-support/seedLibrary';

describe('the open issue counts', () => {
  let lib: SeededLibrary;
  beforeAll(() => {
    lib = seedLibrary({ images: 300, seed: 9 });
    // Some issues beyond the estimate too.
    lib.core.context.db.prepare('UPDATE label_issues SET estimated = 0 WHERE run_id = ? AND rank % 3 = 0').run(lib.runId);
  });
  afterAll(async () => {
    await lib?.core.close();
  });

  /** Counted issue by issue from the tables: open while the label is the one listed and no verdict holds on it. */
  const byHand = () => {
    const { db } = lib.core.context;
    const rows = db
      .prepare(
        `SELECT li.estimated, li.given, l.label, (SELECT COUNT(*) FROM label_reviews rv WHERE rv.image_id = li.image_id AND rv.label = l.label) AS verdicts
         FROM label_issues li LEFT JOIN labels l ON l.image_id = li.image_id WHERE li.run_id = ?`,
      )
      .all(lib.runId) as { estimated: number; given: string; label: string | null; verdicts: number }[];
    const open = rows.filter((r) => r.label === r.given && r.verdicts === 0);
    return { total: open.filter((r) => r.estimated === 1).length, beyond: open.filter((r) => r.estimated === 0).length, reviewed: rows.length - open.length };
  };

  it('counts in one statement and agrees with the issues counted one by one', async () => {
    const rand = mulberry32(4);
    const issueIds = lib.core.context.db.prepare('SELECT image_id FROM label_issues WHERE run_id = ?').pluck().all(lib.runId) as number[];
    expect(issueIds.length).toBeGreaterThan(5);
    const pick = () => issueIds[Math.floor(rand() * issueIds.length)]!;
    let sawClosed = false;
    for (let step = 0; step < 25; step++) {
      const what = rand();
      if (what < 0.5) await lib.core.call('labels.set', { imageIds: [pick(), pick()], label: (['good', 'bad', null] as const)[Math.floor(rand() * 3)]! });
      else await lib.core.call('ml.reviewIssues', { imageIds: [pick()], action: (['confirm', 'dismiss', 'reopen'] as const)[Math.floor(rand() * 3)]! });
      const spy = vi.spyOn(lib.core.context.db, 'prepare');
      let r;
      let sql: string[];
      try {
        r = await lib.core.call('ml.labelIssues', { limit: 0 });
      } finally {
        sql = spy.mock.calls.map((c) => String(c[0]));
        spy.mockRestore();
      }
      const want = byHand();
      expect({ total: r.total, beyond: r.beyond, reviewed: r.reviewed }, `step ${step}`).toEqual(want);
      if (want.reviewed > 0 && want.beyond > 0) sawClosed = true;
      // One counting statement over the issues (it was three: two open counts and a total).
      expect(sql.filter((s) => /FROM label_issues/.test(s) && !/ORDER BY li.rank/.test(s)), `step ${step}`).toHaveLength(1);
    }
    expect(sawClosed).toBe(true);
  });
});
