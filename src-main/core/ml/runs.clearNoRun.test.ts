/**
 * Clearing the threshold ("auto": the run's recommendation) on a library with no run is refused,
 * as setting one is (README: "refused before any run"), and writes nothing: no settings row (the
 * library-wide `threshold_bad` key is read by nothing since each run keeps its own).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { qcRejection } from '../../../test-support/fixtures';
import { seedLibrary, type SeededLibrary } from '../../../test-support/seedLibrary';

let lib: SeededLibrary | null = null;
afterEach(async () => {
  await lib?.core.close();
  lib = null;
});

describe('qc threshold auto without a run', () => {
  it('is refused like a number and writes no settings row', async () => {
    lib = seedLibrary({ images: 10, trained: false });
    const db = lib.core.context.db;
    const settings = () => db.prepare('SELECT key, value FROM settings ORDER BY key').all();
    const before = settings();
    for (const threshold of [null, 0.8]) {
      const e = await qcRejection(lib.core.call('ml.setThreshold', { threshold }));
      expect([e.code, e.message]).toEqual(['bad_input', expect.stringContaining('There is no run yet')]);
    }
    expect(settings()).toEqual(before);
  });
});
