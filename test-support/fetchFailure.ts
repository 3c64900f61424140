/** The FetchFailure a download gives up with (for the fetch tests): fails the test if it succeeds or throws anything else. */
import { expect } from 'vitest';
import { FetchFailure } from '../src-main/core/library/fetch';

export async function fetchFailure(p: Promise<unknown>): Promise<FetchFailure> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FetchFailure);
  return e as FetchFailure;
}
