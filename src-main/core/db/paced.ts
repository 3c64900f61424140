/**
 * Long writes to a library run as many short transactions with a pause between them, so another
 * process waiting for the write lock (busy timeout: open.ts) gets it between two of them, and, in
 * the async form, this process's other calls run too. The work is a generator that yields between
 * its transactions; these drive it.
 */

/** The pause between two transactions of one long write, ms. */
export const WRITE_PAUSE_MS = 40;

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** Run chunked work, pausing at each yield. */
export async function pacedAsync(steps: Iterator<void>): Promise<void> {
  while (!steps.next().done) await new Promise((r) => setTimeout(r, WRITE_PAUSE_MS));
}

/** The same with a synchronous pause, for work that runs while a library opens (in a constructor). */
export function pacedSync(steps: Iterator<void>): void {
  while (!steps.next().done) Atomics.wait(PAUSE, 0, 0, WRITE_PAUSE_MS);
}
