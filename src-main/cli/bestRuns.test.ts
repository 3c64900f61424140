/**
 * `qc runs --best` (ml.bestRuns) ranks runs by the measure that picks the active run: each run's
 * held-out AUC on the test split with today's labels (runs.ts heldoutAucNow, compareOnSharedTest),
 * not the figure of the day it trained. After a curator's relabels the two ranked two runs in
 * opposite orders: the app made run 2 active "0.969 vs 0.961 for run 1" while `--best` put run 1
 * first at 0.980 (concepts audit 2). A seeded library (real SQLite, real handlers) with its test
 * split written, and labels changed as a curator would.
 */
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { seedLibrary } from '../../test-support/seedLibrary';
import { RunStore } from '../core/ml/runs';
import { formatBestRuns } from './seedFiles';

describe('ml.bestRuns after a curator changed labels', () => {
  const lib = seedLibrary({ images: 300, runs: 2 });
  afterAll(async () => {
    await lib.core.close();
    fs.rmSync(lib.dataDir, { recursive: true, force: true });
  });

  it('ranks by the held-out AUC with today\'s labels, as the active run is chosen, and says both figures', async () => {
    const db = lib.core.context.db;
    const runs = new RunStore(db);
    // The stored test split: every third labelled image.
    const labelled = lib.images.filter((im) => im.label !== null);
    const test = labelled.filter((_, i) => i % 3 === 0).map((im) => im.id);
    const put = db.prepare("INSERT INTO splits (image_id, group_id, split, fold) VALUES (?, ?, 'test', 0)");
    for (const id of test) put.run(id, id);
    // The stronger and the weaker run by the figures of the day they trained.
    const [stronger, weaker] = (await lib.core.call('ml.runs', {})).runs.filter((r) => r.status === 'done').sort((a, b) => b.metrics!.test_auc! - a.metrics!.test_auc!);
    expect(stronger!.metrics!.test_auc!).toBeGreaterThan(weaker!.metrics!.test_auc!);

    // A curator's relabels of the test images, each as the weaker run scored it: it is now right on all of them.
    const p = db.prepare('SELECT p_bad FROM predictions WHERE run_id = ? AND image_id = ?').pluck();
    const asBad = test.filter((id) => (p.get(weaker!.run_id, id) as number) >= 0.5);
    const asGood = test.filter((id) => (p.get(weaker!.run_id, id) as number) < 0.5);
    await lib.core.call('labels.set', { imageIds: asBad, label: 'bad' });
    await lib.core.call('labels.set', { imageIds: asGood, label: 'good' });

    const cmp = runs.compareOnSharedTest(weaker!.run_id, stronger!.run_id);
    expect(cmp.auc[0]!).toBeGreaterThan(cmp.auc[1]!);
    const after = await lib.core.call('ml.bestRuns', { n: 2 });
    expect(after.runs.map((r) => r.run_id)).toEqual([weaker!.run_id, stronger!.run_id]);
    expect(after.runs.map((r) => r.auc_now.auc)).toEqual([cmp.auc[0], cmp.auc[1]]);
    expect(after.runs[0]!.auc_now.images).toBe(test.length);
    // The stored figures are kept, and the CLI shows them beside today's.
    expect(after.runs[1]!.metrics!.test_auc).toBe(stronger!.metrics!.test_auc);
    const text = formatBestRuns(after);
    expect(text).toMatch(new RegExp(`^ 1\\. run ${weaker!.run_id}`));
    expect(text).toMatch(new RegExp(`AUC ${cmp.auc[1]!.toFixed(3)} \\(${stronger!.metrics!.test_auc!.toFixed(3)} with the labels it trained on\\)`));
  });
});
