/**
 * The compute side of a training run (runs in the ML worker): out-of-fold predictions for the
 * train + validation rows (k heads each trained without its fold, over `oofRepeats` splits that keep
 * duplicate groups together), optionally Platt-scaled on their logits (train/calibrate.ts: the
 * head's p(bad) saturates to 1 otherwise), then, with `noise: 'prune'`, confident learning on them drops the
 * probably-mislabelled rows (cleanlab's CleanLearning) before the head is trained on the train split
 * (validation monitored per epoch) and scores every row. No database here.
 *
 * Label issues read their own out-of-fold p(bad) (`issueP`): one more k-fold pass over every
 * labelled row (train, validation and test, duplicate groups kept together), repeated twice as
 * often as the first pass, with heads trained without synthetic rows. Distorted copies make every
 * head surer that an unusual but good photo is bad, which buries wrong labels under such photos;
 * test rows scored by the final head sit on another scale than out-of-fold rows; and one image's
 * out-of-fold score depends on which of its near-duplicates the fold left in training, which more
 * repetitions average out. Measured on 20 planted flips in the dev set (5 seeds,
 * `report:ml -- --noise 0.05 --only-flip20`): precision@20 0.68 → 0.81, recall 0.77 → 0.93 (the
 * same pass with the first pass's 3 repetitions: 0.73, 0.93).
 * Thresholds and pruning keep the first pass (train + validation only, with the copies): they must
 * describe the head that is shipped, and the test split must not shape it.
 */
import type { EpochStats, HeadParams } from '../../../src-shared/domain/ml';
import { inSharedMemory, outOfFold, type FoldFitter } from './train/folds';
import { predictHead, trainHead, type LabelledMatrix, type Matrix, type TrainedHead } from './train/head';
import { confidentLearning } from './train/labelIssues';
import type { DistanceSpec } from './train/distance';
import { applyCalibration, calibrateHead, fitPlatt } from './train/calibrate';
import { headLogitsJs } from './train/predict';

export interface TrainJobRequest {
  /** Every row to score (labelled and unlabelled), row-major n × d. */
  x: Float32Array;
  n: number;
  d: number;
  /** Per row: 1 bad, 0 good, 255 unlabelled. */
  y: Uint8Array;
  /** Per row: 0 train, 1 validation, 2 test, 3 unlabelled. */
  split: Uint8Array;
  /** Per row: fold 0..k-1 for train/validation rows, -1 otherwise. */
  fold: Int8Array;
  folds: number;
  params: HeadParams;
  columnScale: Float32Array | null;
  /** Per row: label weight in the loss (labelWeight.ts); null = all 1. */
  weight?: Float32Array | null;
  /** Per row: family id (splits.ts familyGroups), kept on one side in the first pass's repeated out-of-fold splits. */
  group?: Int32Array | null;
  /**
   * Per row: duplicate group id, kept on one side in the label issues' pass (default: `group`).
   * Finer than families on purpose: a label its photo's other versions contradict is what that
   * pass looks for, while thresholds must not learn from them.
   */
  issueGroup?: Int32Array | null;
  /** Repetitions of the k-fold out-of-fold predictions (their mean is used). Default 1. */
  oofRepeats?: number;
  /** 'prune': leave rows that confident learning flags out of the final fit. Default 'none'. */
  noise?: 'prune' | 'none';
  /** Per row: 1 = never pruned (a label a curator confirmed). */
  protect?: Uint8Array | null;
  /** Out-of-fold p(bad) already computed for these rows and labels (a report comparing fits); skips step 1. */
  oofGiven?: Float32Array;
  /**
   * Synthetic training rows (augment.ts): distorted copies of train-split good images labelled bad
   * (1) and benign copies labelled good (0), `source` = the row of their original. They only ever
   * train: never scored, never out-of-fold, never in validation or test, so no threshold sees them.
   */
  synthetic?: { x: Float32Array; n: number; y: Uint8Array; source: Int32Array } | null;
  /**
   * A distance-from-good block over these columns (train/distance.ts): every head (each
   * out-of-fold one and the final one) fits it on the good real rows it trains on, so no held-out,
   * validation, test or synthetic row ever shapes it. Absent = none.
   */
  distance?: DistanceSpec | null;
  /**
   * Platt-scale the head on the out-of-fold logits (train/calibrate.ts; default false): the
   * out-of-fold p(bad) and the final head's become sigmoid(a·z + b). Monotone, so no threshold can
   * separate different rows, but p no longer saturates to 1 in float32 where the logits are large.
   */
  calibrate?: boolean;
  /**
   * Label issues from their own out-of-fold pass over every labelled row without synthetic rows
   * (`issueP`). Default true; false = the first pass's predictions (and the final head's for test
   * rows), as a report comparing the two asks. Skipped when it would equal the first pass (no test
   * rows and no synthetic rows).
   */
  issueOutOfFold?: boolean;
  /** Repetitions of the label issues' pass (default twice `oofRepeats`). */
  issueRepeats?: number;
}

export interface TrainJobResult {
  head: TrainedHead;
  /** The main head's p(bad) for every row. */
  pAll: Float32Array;
  /** Out-of-fold p(bad) for train/validation rows, NaN elsewhere (calibrated when the head is). */
  oof: Float32Array;
  /**
   * The held-out p(bad) that label issues read, when they have their own pass: out of fold for
   * every labelled row (train, validation, test) from heads trained without synthetic rows, never
   * calibrated; NaN for unlabelled rows. Absent = `oof` for train/validation rows, `pAll` for test rows.
   */
  issueP?: Float32Array;
  /** Repetitions averaged in `issueP` (present with it). */
  issueRepeats?: number;
  /**
   * The logits behind the held-out p(bad) that label issues read, in double precision, per row: the
   * mean out-of-fold logit of `issueP`'s pass for every labelled row when it is present, else the
   * first pass's for train/validation rows and the final head's for test rows; NaN for the rest
   * (calibrated when the head is and `issueP` is absent). Unlike
   * float32 p(bad), which rounds to exactly 1 above a logit of ~17, they keep confident rows apart,
   * so label issues can rank them.
   */
  heldLogit?: Float64Array;
  /** Rows left out of the final fit as probably mislabelled (noise: 'prune'); absent = none. */
  pruned?: Int32Array;
  /** Synthetic rows left out of the final fit with their pruned originals (keptSynthetic). */
  syntheticLeftOut?: number;
  backend: string;
}

/**
 * What the worker reports while it trains: a stage starting (the out-of-fold passes' `folds` fits,
 * then the final `fit`), each fold fit finished (`fold`: its 0-based index over both passes), each
 * epoch of the final fit finished.
 */
export type TrainJobEvent = { type: 'stage'; stage: 'folds'; folds: number } | { type: 'stage'; stage: 'fit' } | { type: 'epoch'; stats: EpochStats } | { type: 'fold'; fold: number; folds: number };

export const SPLIT_CODE = { train: 0, validation: 1, test: 2, unlabelled: 3 } as const;

function rows(src: Matrix & { y: Uint8Array }, pick: (i: number) => boolean): LabelledMatrix & { index: Int32Array } {
  const index: number[] = [];
  for (let i = 0; i < src.n; i++) if (pick(i)) index.push(i);
  const x = new Float32Array(index.length * src.d);
  const y = new Uint8Array(index.length);
  index.forEach((r, k) => {
    x.set(src.x.subarray(r * src.d, (r + 1) * src.d), k * src.d);
    y[k] = src.y[r]!;
  });
  return { x, y, n: index.length, d: src.d, index: Int32Array.from(index) };
}

/** `fitter`: where the out-of-fold passes' fits run (folds.ts FoldFitter; the engine's thread pool), default one at a time here. */
export async function runTrainJob(req: TrainJobRequest, onEvent: (e: TrainJobEvent) => void, signal?: AbortSignal, fitter?: FoldFitter): Promise<TrainJobResult> {
  // With fits in the pool, the synthetic copies (often most of the rows) move into shared memory
  // once: the first pass's fits read them there and the final fit takes them from there, so they
  // are never held twice.
  if (fitter && req.synthetic?.n) req.synthetic.x = inSharedMemory(req.synthetic.x);
  const all = { x: req.x, n: req.n, d: req.d, y: req.y };
  const scale = req.columnScale ?? undefined;
  const base = { ...(signal && { signal }), ...(scale && { columnScale: scale }), ...(req.distance && { distance: req.distance }) };
  const labelled = (i: number) => req.split[i] === SPLIT_CODE.train || req.split[i] === SPLIT_CODE.validation;

  // 1. Out-of-fold p(bad) for train + validation rows, on the stored folds (and re-dealt ones).
  const lab = rows(all, labelled);
  const oof = new Float32Array(req.n).fill(NaN);
  const oofLogit = new Float64Array(req.n).fill(NaN);
  const isTest = (i: number) => req.split[i] === SPLIT_CODE.test;
  const testCount = req.split.reduce((c, s) => c + (s === SPLIT_CODE.test ? 1 : 0), 0);
  const issuePass = req.issueOutOfFold !== false && !req.oofGiven && lab.n + testCount > 0 && (testCount > 0 || Boolean(req.synthetic?.n));
  const issueRepeats = req.issueRepeats ?? 2 * (req.oofRepeats ?? 1);
  // Progress counts the fold fits of both passes: the first pass's, then the issue pass's.
  const firstFits = req.folds * (req.oofRepeats ?? 1);
  const allFits = firstFits + (issuePass ? req.folds * issueRepeats : 0);
  const oofOptions = (m: { index: Int32Array }, before: number, group = req.group) => ({
    k: req.folds,
    repeats: req.oofRepeats ?? 1,
    ...(group && { groups: Int32Array.from(m.index, (r) => group[r]!) }),
    ...(req.weight && { sampleWeight: Float32Array.from(m.index, (r) => req.weight![r]!) }),
    ...(signal && { signal }),
    ...(fitter && { fitter }),
    ...((scale || req.distance) && { train: { ...(scale && { columnScale: scale }), ...(req.distance && { distance: req.distance }) } }),
    onFold: (e: { fold: number }) => onEvent({ type: 'fold', fold: before + e.fold, folds: allFits }),
  });
  if ((!req.oofGiven && lab.n) || issuePass) onEvent({ type: 'stage', stage: 'folds', folds: allFits });
  if (req.oofGiven) {
    oof.set(req.oofGiven);
    req.oofGiven.forEach((p, r) => (oofLogit[r] = Math.log(p) - Math.log1p(-p)));
  } else if (lab.n) {
    const { pBad, logit } = await outOfFold(lab, lab.y, req.params, {
      ...oofOptions(lab, 0),
      folds: Int32Array.from(lab.index, (r) => req.fold[r]!),
      ...(req.synthetic?.n && { extra: syntheticFor(req.synthetic, lab.index, req.n) }),
    });
    lab.index.forEach((r, k) => {
      oof[r] = pBad[k]!;
      oofLogit[r] = logit[k]!;
    });
  }
  // 1b. The label issues' own pass (see the header): every labelled row, no synthetic rows.
  let issueP: Float32Array | undefined;
  let issueLogit = oofLogit;
  if (issuePass) {
    const every = rows(all, (i) => labelled(i) || isTest(i)); // a copy, dropped after this pass
    const { pBad, logit } = await outOfFold(every, every.y, req.params, { ...oofOptions(every, firstFits, req.issueGroup ?? req.group), repeats: issueRepeats });
    issueP = new Float32Array(req.n).fill(NaN);
    issueLogit = new Float64Array(req.n).fill(NaN);
    every.index.forEach((r, k) => {
      issueP![r] = pBad[k]!;
      issueLogit[r] = logit[k]!;
    });
  }

  // Platt scaling on the first pass's out-of-fold logits (train + validation rows only, never
  // test), before anything reads them: pruning and thresholds see calibrated p (label issues too
  // when they have no pass of their own).
  const fitRows = lab.n && req.calibrate === true && !req.oofGiven ? Array.from(lab.index).filter((r) => Number.isFinite(oofLogit[r]!)) : [];
  const calibration = fitRows.length ? fitPlatt(Float64Array.from(fitRows, (r) => oofLogit[r]!), Uint8Array.from(fitRows, (r) => req.y[r]!)) : null;
  if (calibration) for (const r of fitRows) oof[r] = applyCalibration(calibration, oofLogit[r]!);

  // 2. Noise-robust: drop the rows confident learning finds (never a protected one).
  let pruned = new Int32Array(0);
  if (req.noise === 'prune' && lab.n) {
    const p = Float32Array.from(lab.index, (r) => oof[r]!);
    const exclude = req.protect ? Uint8Array.from(lab.index, (r) => req.protect![r]!) : undefined;
    const cl = confidentLearning(lab.y, p, exclude ? { exclude } : {});
    pruned = Int32Array.from(cl.issues.map((iss) => lab.index[iss.index]!)).sort();
  }
  const out = new Uint8Array(req.n);
  for (const r of pruned) out[r] = 1;

  // 3. The head on the train split (validation monitored), without pruned rows.
  const realTrain = rows(all, (i) => req.split[i] === SPLIT_CODE.train && !out[i]);
  const validation = rows(all, (i) => req.split[i] === SPLIT_CODE.validation && !out[i]);
  const kept = keptSynthetic(req.synthetic, out);
  const train = withSynthetic(realTrain, req.synthetic, kept);
  onEvent({ type: 'stage', stage: 'fit' });
  const trainWeight = req.weight ? Float32Array.from({ length: train.n }, (_, k) => (k < realTrain.n ? req.weight![realTrain.index[k]!]! : 1)) : undefined;
  const trained = await trainHead(train, validation.n ? validation : null, req.params, {
    ...base,
    realRows: realTrain.n,
    ...(trainWeight && { sampleWeight: trainWeight }),
    onEpoch: (stats) => onEvent({ type: 'epoch', stats }),
  });
  // The calibration folded into the final head's last layer.
  const head = calibration ? calibrateHead(trained, calibration) : trained;
  const pAll = await predictHead(head, { x: req.x, n: req.n, d: req.d });
  // Held-out logits: the issue pass's for every labelled row when it ran; else the first pass's and
  // the final head's for the test split only (label issues read nothing else; headLogitsJs is plain
  // JS, ~10x predictHead's time for an MLP, so it never runs over the whole library).
  const heldLogit = new Float64Array(req.n).fill(NaN);
  for (let r = 0; r < req.n; r++) {
    const z = issueLogit[r]!;
    if (Number.isFinite(z)) heldLogit[r] = calibration && !issueP ? calibration.a * z + calibration.b : z;
  }
  if (!issueP) {
    const test = rows(all, isTest);
    if (test.n) headLogitsJs(head, test).forEach((z, k) => (heldLogit[test.index[k]!] = z));
  }
  return { head, pAll, oof, ...(issueP && { issueP, issueRepeats }), heldLogit, pruned, syntheticLeftOut: (req.synthetic?.n ?? 0) - kept.length, backend: head.backend };
}

/** Synthetic rows re-pointed at the labelled sub-matrix: source = index into `labIndex` (-1 when the original is not a labelled row). */
function syntheticFor(syn: NonNullable<TrainJobRequest['synthetic']>, labIndex: Int32Array, n: number): { x: Float32Array; y: Uint8Array; n: number; source: Int32Array } {
  const at = new Int32Array(n).fill(-1);
  labIndex.forEach((r, k) => (at[r] = k));
  return { x: syn.x, y: syn.y, n: syn.n, source: Int32Array.from(syn.source, (r) => (r >= 0 && r < n ? at[r]! : -1)) };
}

/** The train rows with the synthetic rows appended (training only). */
function withSynthetic(train: LabelledMatrix & { index: Int32Array }, syn: TrainJobRequest['synthetic'], keep: Int32Array): LabelledMatrix & { index: Int32Array } {
  if (!syn?.n || !keep.length) return train;
  const { d } = train;
  const x = new Float32Array((train.n + keep.length) * d);
  x.set(train.x);
  const y = new Uint8Array(train.n + keep.length);
  y.set(train.y);
  keep.forEach((j, t) => {
    x.set(syn.x.subarray(j * d, (j + 1) * d), (train.n + t) * d);
    y[train.n + t] = syn.y[j]!;
  });
  return { x, y, n: train.n + keep.length, d, index: train.index };
}

/**
 * The synthetic rows of the final fit: all but the benign copies of an original confident learning
 * pruned. Those copies carry its label, so a wrong "good" pruned from the fit would otherwise
 * still train through its edits (cleanlab's CleanLearning drops the example, not a part of it).
 * Distorted copies stay: they are bad whatever the original's label. Copies weigh 1: giving benign
 * ones their original's label weight too measured worse (`report:ml -- --leave-kind-out`: benign
 * edits flagged 3% → 8%, held-out AUC 0.956 → 0.951).
 */
export function keptSynthetic(syn: TrainJobRequest['synthetic'], pruned: Uint8Array): Int32Array {
  if (!syn?.n) return new Int32Array(0);
  const keep: number[] = [];
  for (let j = 0; j < syn.n; j++) if (!(syn.y[j] === 0 && pruned[syn.source[j]!] === 1)) keep.push(j);
  return Int32Array.from(keep);
}
