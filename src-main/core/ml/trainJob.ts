/**
 * The compute side of a training run (runs in the ML worker): train the head on the train split
 * (validation monitored per epoch), score every row, and get out-of-fold predictions for the
 * train + validation rows from k heads each trained without its fold. No database here.
 */
import type { EpochStats, HeadParams } from '../../../src-shared/domain/ml';
import { predictHead, trainHead, type LabelledMatrix, type Matrix, type TrainedHead } from './train/head';

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
}

export interface TrainJobResult {
  head: TrainedHead;
  /** The main head's p(bad) for every row. */
  pAll: Float32Array;
  /** Out-of-fold p(bad) for train/validation rows, NaN elsewhere. */
  oof: Float32Array;
  backend: string;
}

export type TrainJobEvent = { type: 'epoch'; stats: EpochStats } | { type: 'fold'; fold: number; folds: number };

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

export async function runTrainJob(req: TrainJobRequest, onEvent: (e: TrainJobEvent) => void, signal?: AbortSignal): Promise<TrainJobResult> {
  const all = { x: req.x, n: req.n, d: req.d, y: req.y };
  const scale = req.columnScale ?? undefined;
  const base = { ...(signal && { signal }), ...(scale && { columnScale: scale }) };
  const train = rows(all, (i) => req.split[i] === SPLIT_CODE.train);
  const validation = rows(all, (i) => req.split[i] === SPLIT_CODE.validation);
  const head = await trainHead(train, validation.n ? validation : null, req.params, { ...base, onEpoch: (stats) => onEvent({ type: 'epoch', stats }) });
  const pAll = await predictHead(head, { x: req.x, n: req.n, d: req.d });

  const oof = new Float32Array(req.n).fill(NaN);
  for (let f = 0; f < req.folds; f++) {
    onEvent({ type: 'fold', fold: f, folds: req.folds });
    const labelled = (i: number) => req.split[i] === SPLIT_CODE.train || req.split[i] === SPLIT_CODE.validation;
    const fit = rows(all, (i) => labelled(i) && req.fold[i] !== f);
    const held = rows(all, (i) => labelled(i) && req.fold[i] === f);
    if (!held.n) continue;
    const foldHead = await trainHead(fit, null, req.params, base);
    const p = await predictHead(foldHead, held);
    held.index.forEach((r, k) => (oof[r] = p[k]!));
  }
  return { head, pAll, oof, backend: head.backend };
}
