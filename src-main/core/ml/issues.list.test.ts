/**
 * The Issues screen's list (`ml.labelIssues` with its 5,000-row limit) on a generated library with
 * about 5,000 label issues and split groups of several versions: the same rows, in the same order,
 * with the same counts as the straightforward query, and a plan whose cost follows the rows listed
 * (each issue's versions looked up from its group), not the run's issues times the rows listed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/fixtures';
import { generateScaleLibrary } from '../../../test-support/scaleLibrary';
import { createCore, type Core } from '../app';
import { IssueStore } from './issues';

// The list as it was first written: for each issue listed, its versions' open issues counted by a
// correlated subquery the planner drives from the run's issues.
const REFERENCE = (open: boolean) => `SELECT li.rank, li.image_id, li.given, li.suggested, li.self_confidence, li.estimated = 0 AS beyond_estimate,
    CASE li.given WHEN 'bad' THEN li.self_confidence ELSE 1 - li.self_confidence END AS p_bad, li.score, li.weight, i.rating, CASE WHEN l.label = li.given THEN l.origin END AS origin,
    (SELECT url FROM image_urls u WHERE u.image_id = li.image_id ORDER BY u.created_at LIMIT 1) AS url,
    (SELECT COUNT(*) FROM splits so JOIN label_issues o ON o.run_id = li.run_id AND o.image_id = so.image_id
      WHERE so.group_id = s.group_id AND so.image_id != li.image_id AND o.given = li.given
        AND EXISTS (SELECT 1 FROM labels ol WHERE ol.image_id = o.image_id AND ol.label = o.given)
        AND NOT EXISTS (SELECT 1 FROM label_reviews v WHERE v.image_id = o.image_id AND v.label = o.given)) AS shared_versions
  FROM label_issues li
  JOIN images i ON i.id = li.image_id JOIN labels l ON l.image_id = li.image_id LEFT JOIN splits s ON s.image_id = li.image_id
  WHERE li.run_id = ? ${open ? 'AND li.given = l.label AND NOT EXISTS (SELECT 1 FROM label_reviews rv WHERE rv.image_id = li.image_id AND rv.label = l.label)' : ''}
  ORDER BY li.rank LIMIT ?`;

describe('the label issues list at 5,000 issues', () => {
  let dir: string;
  let core: Core;
  let runId: number;

  beforeAll(async () => {
    dir = tempDir();
    const dataDir = path.join(dir, 'lib');
    // 60 % of the images are labelled; nearly every label an issue: about 5,000.
    runId = (await generateScaleLibrary(dataDir, { n: 9000, seed: 11, issueShare: 0.95 })).runId;
    core = createCore({ dataDir, ml: 'in-process' });
    const db = core.context.db;
    // Split groups as a training writes them: most images alone, every tenth of them with two more
    // versions, a few images with no split row.
    db.transaction(() => {
      const put = db.prepare("INSERT INTO splits (image_id, group_id, split, fold) VALUES (?, ?, 'train', 0)");
      for (const { id } of db.prepare('SELECT id FROM images ORDER BY id').all() as { id: number }[]) {
        if (id % 17 === 0) continue;
        const base = id - (id % 3);
        put.run(id, base % 30 === 0 ? base : id);
      }
    })();
    // Curator verdicts and a relabel: some issues are no longer open.
    const some = (db.prepare('SELECT image_id FROM label_issues WHERE run_id = ? ORDER BY rank LIMIT 60').all(runId) as { image_id: number }[]).map((r) => r.image_id);
    await core.call('ml.reviewIssues', { imageIds: some.slice(0, 20), action: 'dismiss' });
    await core.call('labels.set', { imageIds: some.slice(20, 30), label: 'good' });
  }, 180_000);
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists the same rows, order and counts as the straightforward query', async () => {
    const db = core.context.db;
    expect((db.prepare('SELECT COUNT(*) AS n FROM label_issues WHERE run_id = ?').get(runId) as { n: number }).n).toBeGreaterThan(5000);
    for (const includeReviewed of [false, true]) {
      const got = await core.call('ml.labelIssues', { limit: 5000, includeReviewed });
      // The origin only of the label listed (none for one relabelled since).
      const want = (db.prepare(REFERENCE(!includeReviewed)).all(runId, 5000) as { shared_versions: number; image_id: number; origin: string | null }[]).map(({ origin, ...w }) =>
        origin === null ? w : { ...w, origin },
      );
      expect(got.issues).toHaveLength(5000);
      expect(got.issues.map((i) => i.image_id)).toEqual(want.map((w) => w.image_id));
      expect(got.issues.map((i) => i.shared_versions)).toEqual(want.map((w) => w.shared_versions));
      expect(got.issues.map(({ rating_count: _c, rating_spread: _s, label_now: _l, verdict: _v, label_from_folder: _f, ...rest }) => ({ ...rest, beyond_estimate: Number(rest.beyond_estimate) }))).toEqual(want);
      // The groups of three do share: the count is not trivially zero.
      expect(got.issues.filter((i) => i.shared_versions! > 0).length).toBeGreaterThan(100);
    }
  });

  it('counts each issue\'s versions from its split group, not by walking the run\'s issues per row', () => {
    for (const includeReviewed of [false, true]) {
      const plan = (core.context.db.prepare(`EXPLAIN QUERY PLAN ${IssueStore.listSql(includeReviewed)}`).all(runId, 5000) as { detail: string }[]).map((r) => r.detail).join('\n');
      expect(plan, plan).not.toMatch(/SEARCH o USING PRIMARY KEY \(run_id=\?\)$/m);
      expect(plan, plan).toMatch(/SEARCH so USING (COVERING )?INDEX splits_group \(group_id=\?\)/);
      expect(plan, plan).toMatch(/SEARCH o USING PRIMARY KEY \(run_id=\? AND image_id=\?\)/);
    }
  });
});
