/** Checks and column statistics for the row-major matrices the head trains on. */
import { QcError } from '../../../../src-shared/contract/errors';
import type { Matrix } from './types';

/** Standard deviations below this are treated as this (constant columns become 0 after centring). */
export const STD_FLOOR = 1e-6;

/** Throw a bad_input QcError unless m (and y, when given) have consistent shapes. */
export function checkMatrix(m: Matrix, what: string, y?: Uint8Array): void {
  if (!Number.isInteger(m.n) || !Number.isInteger(m.d) || m.n < 0 || m.d < 1) throw new QcError('bad_input', `${what}: bad shape ${m.n} x ${m.d}`);
  if (m.x.length !== m.n * m.d) throw new QcError('bad_input', `${what}: x has ${m.x.length} values, expected ${m.n} x ${m.d} = ${m.n * m.d}`);
  if (y && y.length !== m.n) throw new QcError('bad_input', `${what}: ${y.length} labels for ${m.n} rows`);
}

/**
 * The multiplier of a standardised column, (x − mean) · columnScale / std: zero for a column that
 * did not vary in training (std at STD_FLOOR). Its weights never learnt anything, and a value off
 * the constant at prediction time (a backbone channel dead in every training image, woken by
 * another decode's 1e-7) must not count 1 / STD_FLOOR times: it once moved an exported model's
 * p(bad) 1e-3 away from `qc classify`'s. Training, prediction and export all use this one rule.
 */
export function standardScale(std: number, columnScale = 1): number {
  return std > STD_FLOOR ? columnScale / std : 0;
}

/** Column means and standard deviations (population, floored at STD_FLOOR), two passes in double precision. */
export function columnStats(m: Matrix): { mean: Float64Array; std: Float64Array } {
  const { x, n, d } = m;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let i = 0, o = 0; i < n; i++, o += d) for (let j = 0; j < d; j++) mean[j] = mean[j]! + x[o + j]!;
  for (let j = 0; j < d; j++) mean[j] = n ? mean[j]! / n : 0;
  for (let i = 0, o = 0; i < n; i++, o += d) {
    for (let j = 0; j < d; j++) {
      const e = x[o + j]! - mean[j]!;
      std[j] = std[j]! + e * e;
    }
  }
  for (let j = 0; j < d; j++) std[j] = Math.max(STD_FLOOR, Math.sqrt(n ? std[j]! / n : 0));
  return { mean, std };
}
