/**
 * A label the curator set or confirmed carries no rating agreement into confident learning: the
 * ratings it overruled are no evidence against it, so after a retrain the curator's own fix is not
 * ranked above a confidently disputed import label by the rating term (labelIssues.ts lowers the
 * score of a label its ratings contradict by 2·(0.5 − agreement)).
 */
import { afterEach, expect, it } from 'vitest';
import { DEFAULT_LABEL_RULE } from '../../../src-shared/domain/label';
import { seedLibrary, type SeededLibrary } from '../../../test-support/seedLibrary';
import { findRunIssues, labelConfidences } from './issues';
import { SPLIT_CODE } from './trainJob';

let lib: SeededLibrary | null = null;
afterEach(async () => {
  await lib?.core.close();
  lib = null;
});

it('a curator label against its ratings is ranked by the model alone, below a more confident import-label issue', async () => {
  lib = seedLibrary({ images: 120, seed: 3 });
  const { db } = lib.core.context;
  // Two import labels "good" the raters agree with (the highest ratings): one the curator turns bad.
  const [fixed, other] = db
    .prepare("SELECT i.id FROM images i JOIN labels l ON l.image_id = i.id WHERE l.label = 'good' AND l.origin = 'import' ORDER BY i.rating DESC LIMIT 2")
    .pluck()
    .all() as number[];
  await lib.core.call('labels.set', { imageIds: [fixed!], label: 'bad' });
  // A third: an import label the curator confirmed.
  const confirmed = db.prepare("SELECT i.id FROM images i JOIN labels l ON l.image_id = i.id WHERE l.label = 'bad' AND l.origin = 'import' LIMIT 1").pluck().get() as number;
  await lib.core.call('ml.reviewIssues', { imageIds: [confirmed], action: 'confirm' });

  const conf = labelConfidences(db, DEFAULT_LABEL_RULE);
  // The ratings are still read (the preview and the weight show them), but they weigh nothing against the curator.
  expect(conf.get(fixed!)).toMatchObject({ basis: 'curator', ratingCount: 1, ratingAgreement: null });
  expect(conf.get(fixed!)!.ratingMean).toBeGreaterThan(3.5);
  expect(conf.get(confirmed)).toMatchObject({ basis: 'confirmed', ratingAgreement: null });
  expect(conf.get(other!)!.ratingAgreement).toBeGreaterThan(0.9);

  // The run as trainService feeds it: every labelled image, the model sure of each label except two:
  // it doubts the curator's "bad" mildly (p(bad) 0.4) and the other "good" strongly (p(bad) 0.95).
  const ids = [...conf.keys()];
  const n = ids.length;
  const labelOf = db.prepare('SELECT label FROM labels WHERE image_id = ?').pluck();
  const y = Uint8Array.from(ids, (id) => (labelOf.get(id) === 'bad' ? 1 : 0));
  expect(y[ids.indexOf(fixed!)]).toBe(1);
  const pAll = Float32Array.from(ids, (id, i) => (id === fixed ? 0.4 : id === other ? 0.95 : y[i] ? 0.97 : 0.03));
  const oof = Float32Array.from(pAll);
  const split = new Uint8Array(n).fill(SPLIT_CODE.train);
  const agreement = Float64Array.from(ids, (id) => conf.get(id)!.ratingAgreement ?? NaN);
  const rows = findRunIssues({ pAll, oof }, y, split, undefined, agreement).rows;
  const rank = (id: number) => rows.findIndex((r) => r.row === ids.indexOf(id));
  expect(rank(fixed!)).toBeGreaterThanOrEqual(0);
  expect(rank(other!)).toBeGreaterThanOrEqual(0);
  expect(rank(other!)).toBeLessThan(rank(fixed!));
});
