/**
 * Per-image attribution: which signal groups pushed this image's score. For each group of the
 * quality signals (SIGNAL_GROUPS: sharpness, noise, exposure, …) the image's values are replaced by
 * those of a typical good training image — the distance block's medians — and the image is scored
 * again (the distance columns recomputed from the replaced values, as prediction does); the drop in
 * the logit is that group's share. Feature blocks without a good reference (the backbone
 * embeddings) are replaced by the training mean. Occlusion against a reference, not gradients, so
 * it reads the same for a linear head and an MLP, and it uses headLogitsJs (double precision, the
 * head's own arithmetic).
 */
import { QcError } from '../../../../src-shared/contract/errors';
import { headInputWidth, headLogitsJs } from './predict';
import type { Matrix, TrainedHead } from './types';

export interface AttributionPart {
  name: string;
  /** Columns of the input row (not the appended distance columns). */
  columns: number[];
}

export interface Attribution {
  name: string;
  /** logit(p) − logit(p with the part at its good reference): > 0 pushed towards bad. */
  logit: number;
}


/**
 * The signal groups of a head's distance block as parts (columns of the input row), plus any
 * extra parts (e.g. { name: 'appearance', columns: the embedding columns }).
 */
export function signalParts(head: TrainedHead, extra: AttributionPart[] = []): AttributionPart[] {
  const b = head.distance;
  if (!b) return extra;
  return [...b.groups.map((g) => ({ name: g.name, columns: g.columns.map((c) => b.start + c) })), ...extra];
}

/**
 * Attribution of one input row (the head's input width) to each part, largest push towards bad
 * first. A part's reference: the distance block's median where the column is in the block, else
 * the head's training mean of the column.
 */
export function attribute(head: TrainedHead, row: Float32Array, parts: AttributionPart[]): { pBad: number; parts: Attribution[] } {
  const d = headInputWidth(head);
  if (row.length !== d) throw new QcError('bad_input', `attribution: the head expects ${d} columns, got ${row.length}`);
  const b = head.distance;
  const reference = (j: number) => (b && j >= b.start && j < b.start + b.width ? b.center[j - b.start]! : head.mean[j]!);
  // One matrix: the row itself, then one copy per part with that part at its reference.
  const m: Matrix = { x: new Float32Array((parts.length + 1) * d), n: parts.length + 1, d };
  for (let k = 0; k <= parts.length; k++) m.x.set(row, k * d);
  parts.forEach((part, k) => {
    for (const j of part.columns) {
      if (!Number.isInteger(j) || j < 0 || j >= d) throw new QcError('bad_input', `attribution: part ${part.name} names column ${j} outside 0..${d - 1}`);
      m.x[(k + 1) * d + j] = reference(j);
    }
  });
  // The head's own logits (double precision): a logit recovered from a float32 p would saturate at
  // p = 1 and show no push at all for the images the model is surest of.
  const z = headLogitsJs(head, m);
  const base = z[0]!;
  const out = parts.map((part, k) => ({ name: part.name, logit: base - z[k + 1]! }));
  out.sort((a, c) => c.logit - a.logit);
  return { pBad: 1 / (1 + Math.exp(-base)), parts: out };
}
