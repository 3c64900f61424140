/**
 * fast-check settings for the fuzz tests (`*.fuzz.test.ts`): a few hundred runs in the normal
 * suite; `npm run fuzz` sets QC_FUZZ_SECONDS=60 and each property runs for that long instead.
 */
import type fc from 'fast-check';

export const FUZZ_SECONDS = Number(process.env.QC_FUZZ_SECONDS ?? 0);

export function fuzzParams<T>(runs = 200): fc.Parameters<T> {
  return FUZZ_SECONDS > 0
    ? { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: FUZZ_SECONDS * 1000, markInterruptAsFailure: false }
    : { numRuns: Number(process.env.QC_FUZZ_RUNS ?? runs) };
}

/** A vitest timeout that leaves room for a timed fuzz run. */
export const FUZZ_TIMEOUT_MS = FUZZ_SECONDS > 0 ? FUZZ_SECONDS * 1000 + 120_000 : 120_000;
