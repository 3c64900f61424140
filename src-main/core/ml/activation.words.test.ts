/**
 * The activation decision's words (curatorday audit L7): a tie reads as a tie, and each AUC is
 * named by its run and the test images both runs scored, not read as the new run's own test AUC.
 * `qc train` prints them as the core words them (cli/formatMl.test.ts); the app's toast shows the same words.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { DEV_IMAGES, DEV_URL_PREFIX, devRatings, tempDir } from '../../../test-support/fixtures';
import { sharedTestAucWords } from '../../../src-shared/domain/ml';
import { RunStore } from './runs';

describe('RunStore.activateIfBetter words', () => {
  let dir: string;
  let core: Core;
  let ids: number[];
  let bad: Set<number>;

  beforeAll(async () => {
    dir = tempDir();
    core = createCore({ dataDir: path.join(dir, 'data') });
    const rows = devRatings().slice(0, 12);
    const file = path.join(dir, 'r.txt');
    fs.writeFileSync(file, ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', ...rows.map((r) => r.join('\t'))].join('\n') + '\n');
    await core.call('library.import', { source: file, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
    const { db } = core.context;
    const labelled = db.prepare("SELECT image_id, label FROM labels WHERE label IN ('good', 'bad') ORDER BY image_id").all() as { image_id: number; label: string }[];
    ids = labelled.map((l) => l.image_id);
    bad = new Set(labelled.filter((l) => l.label === 'bad').map((l) => l.image_id));
    expect(bad.size).toBeGreaterThan(0);
    expect(bad.size).toBeLessThan(ids.length);
    const split = db.prepare("INSERT INTO splits (image_id, group_id, split, fold) VALUES (?, ?, 'test', -1)");
    ids.forEach((id, i) => split.run(id, i));
  }, 60_000);
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A finished run whose held-out p(bad) gets `flip` of the test images wrong. */
  function run(flip: number): number {
    const { db } = core.context;
    const id = Number(db.prepare("INSERT INTO runs (status, params, backbone, metrics) VALUES ('done', '{}', 'test', NULL)").run().lastInsertRowid);
    const put = db.prepare('INSERT INTO predictions (run_id, image_id, p_bad, heldout) VALUES (?, ?, ?, 1)');
    ids.forEach((img, i) => {
      const right = bad.has(img) ? 0.9 - i * 0.01 : 0.1 + i * 0.01;
      put.run(id, img, i < flip ? 1 - right : right);
    });
    return id;
  }

  it('a retrain that ties the active run says "a tie … each", not a loss; a loss and a win name each run beside its AUC', () => {
    const runs = new RunStore(core.context.db);
    const first = run(2);
    expect(runs.activateIfBetter(first)).toMatchObject({ active: first, activated: true });
    const auc = runs.compareOnSharedTest(first, first).auc[0]!;
    const n = ids.length;
    // The same scores: a tie, said as one.
    const tie = run(2);
    const t = runs.activateIfBetter(tie);
    expect(t).toMatchObject({ active: first, activated: false });
    expect(t.reason).toBe(`a tie on the ${n} test images both runs scored, AUC ${auc.toFixed(3)} each: run ${first} stays active`);
    expect(t.reason).not.toMatch(/ vs /);
    // Worse: each AUC beside its run.
    const worse = run(5);
    const [w, f] = runs.compareOnSharedTest(worse, first).auc;
    expect(runs.activateIfBetter(worse).reason).toBe(`on the ${n} test images both runs scored, AUC ${w!.toFixed(3)} for run ${worse} vs ${f!.toFixed(3)} for run ${first}: run ${first} stays active`);
    // Better: it takes over, with the same words.
    const better = run(0);
    const b = runs.activateIfBetter(better);
    expect(b).toMatchObject({ active: better, activated: true, reason: `on the ${n} test images both runs scored, AUC 1.000 for run ${better} vs ${f!.toFixed(3)} for run ${first}` });
  });

  it('AUCs that round alike at 3 digits get the digits that tell them apart; equal ones are a tie', () => {
    expect(sharedTestAucWords(2, 1, 0.99512, 0.99538, 60)).toBe('on the 60 test images both runs scored, AUC 0.9951 for run 2 vs 0.9954 for run 1');
    expect(sharedTestAucWords(2, 1, 0.995, 0.995 + 1e-12, 60)).toBe('a tie on the 60 test images both runs scored, AUC 0.995 each');
    expect(sharedTestAucWords(3, 1, 0.98, 0.963, 81)).toBe('on the 81 test images both runs scored, AUC 0.980 for run 3 vs 0.963 for run 1');
  });
});
