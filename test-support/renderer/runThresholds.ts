/** Test fixture: give the seeded library's runs the recommended thresholds training would store. */
import { evaluateRun } from '../../src-main/core/ml/evaluate';
import { SPLIT_CODE, type TrainJobResult } from '../../src-main/core/ml/trainJob';
import type { TestContext } from './render';

/**
 * The seeded runs prove no threshold at their 5% target error. Store a split (a fifth of the
 * labelled images the test split) and evaluate each run again as training does (evaluate.ts, on its
 * stored predictions: out-of-fold = held out and not test, the Review slider's images) at a target
 * error the seeded scores can prove, so each run recommends a threshold.
 */
export function recommendThresholds(ctx: TestContext, targetError: number): void {
  const { db } = ctx.lib.core.context;
  const put = db.prepare('INSERT INTO splits (image_id, group_id, split, fold) VALUES (?, ?, ?, ?)');
  for (const im of ctx.lib.images.filter((i) => i.label)) put.run(im.id, im.id, im.id % 5 === 0 ? 'test' : 'train', im.id % 5);
  for (const run of ctx.client.runs) {
    const rows = db
      .prepare(
        `SELECT p.p_bad AS p, p.heldout, l.label, s.split FROM predictions p JOIN labels l ON l.image_id = p.image_id
         LEFT JOIN splits s ON s.image_id = p.image_id WHERE p.run_id = ? ORDER BY p.image_id`,
      )
      .all(run.run_id) as { p: number; heldout: number; label: string | null; split: 'train' | 'test' | null }[];
    const y = Uint8Array.from(rows, (r) => (r.label === 'bad' ? 1 : r.label === 'good' ? 0 : 255));
    const split = Uint8Array.from(rows, (r) => (r.split ? SPLIT_CODE[r.split] : SPLIT_CODE.unlabelled));
    const pAll = Float32Array.from(rows, (r) => r.p);
    const oof = Float32Array.from(rows, (r) => (r.heldout && r.split === 'train' ? r.p : NaN));
    const ev = evaluateRun({ head: { history: [] }, pAll, oof, backend: 'seed' } as unknown as TrainJobResult, y, split, { ...run.params, targetError });
    db.prepare("UPDATE runs SET evaluation = json_set(evaluation, '$.thresholds', json(?)) WHERE id = ?").run(JSON.stringify(ev.thresholds), run.run_id);
  }
}
