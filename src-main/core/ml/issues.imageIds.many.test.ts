/**
 * `ml.labelIssues` with `imageIds` and no `limit`, on a generated library with more than 1,000 open
 * label issues for one run: every id asked about that is an open issue comes back (the schema takes
 * up to 10,000 ids), not only the first 1,000; without `imageIds` the default is still 1,000, and
 * an explicit limit still applies to the ids asked about.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/fixtures';
import { generateScaleLibrary } from '../../../test-support/scaleLibrary';
import { createCore, type Core } from '../app';

describe('ml.labelIssues by more than 1,000 imageIds', () => {
  let dir: string;
  let core: Core;
  let runId: number;
  let openIds: number[] = [];

  beforeAll(async () => {
    dir = tempDir();
    const dataDir = path.join(dir, 'lib');
    // 60 % of the images are labelled and nearly every label is an issue: about 1,200 issues.
    runId = (await generateScaleLibrary(dataDir, { n: 2100, seed: 5, issueShare: 0.95 })).runId;
    core = createCore({ dataDir, ml: 'in-process' });
    // The open issues (the given label is still the image's, no verdict), from the tables themselves.
    openIds = (
      core.context.db
        .prepare(
          `SELECT li.image_id FROM label_issues li JOIN labels l ON l.image_id = li.image_id
           WHERE li.run_id = ? AND li.given = l.label AND NOT EXISTS (SELECT 1 FROM label_reviews rv WHERE rv.image_id = li.image_id AND rv.label = l.label)
           ORDER BY li.rank`,
        )
        .all(runId) as { image_id: number }[]
    ).map((r) => r.image_id);
  }, 180_000);
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers every open issue of the ids asked about, past 1,000, in rank order', async () => {
    expect(openIds.length).toBeGreaterThan(1000);
    expect(openIds.length).toBeLessThanOrEqual(10_000);
    // Asked in reverse order: the answer is by rank, whatever the order asked.
    const got = await core.call('ml.labelIssues', { imageIds: [...openIds].reverse() });
    expect(got.run_id).toBe(runId);
    expect(got.issues).toHaveLength(openIds.length);
    expect(got.issues.map((i) => i.image_id)).toEqual(openIds);
    expect(got.total + got.beyond).toBe(openIds.length);
  });

  it('keeps the default of 1,000 without imageIds, and an explicit limit with them', async () => {
    const all = await core.call('ml.labelIssues', {});
    expect(all.issues).toHaveLength(1000);
    expect(all.issues.map((i) => i.image_id)).toEqual(openIds.slice(0, 1000));
    const some = await core.call('ml.labelIssues', { imageIds: openIds, limit: 1001 });
    expect(some.issues.map((i) => i.image_id)).toEqual(openIds.slice(0, 1001));
  });
});
