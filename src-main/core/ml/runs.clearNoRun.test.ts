/**
 * Clearing the threshold ("auto") on a library with no run changes nothing: no settings row is
 * written (the library-wide `threshold_bad` key is read by nothing since each run keeps its own).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { seedLibrary, type SeededLibrary } from '../../../test-support/seedLibrary';

let lib: SeededLibrary | null = null;
afterEach(async () => {
  await lib?.core.close();
  lib = null;
});

describe('qc threshold auto without a run', () => {
  it('writes no settings row and leaves the default in force', async () => {
    lib = seedLibrary({ images: 10, trained: false });
    const db = lib.core.context.db;
    const settings = () => db.prepare('SELECT key, value FROM settings ORDER BY key').all();
    const before = settings();
    expect(await lib.core.call('ml.setThreshold', { threshold: null })).toEqual({ threshold: null, previous: null, in_force: { threshold: 0.5, source: 'default' }, active_run: null });
    expect(settings()).toEqual(before);
  });
});
