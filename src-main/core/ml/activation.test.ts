/** New runs don't take over silently: a run becomes active only when it is better on the shared held-out test images. */
import { describe, expect, it } from 'vitest';
import { useSharedTestLibrary } from '../../../test-support/sharedTestLibrary';
import { RunStore } from './runs';

describe('RunStore.activateIfBetter', () => {
  const lib = useSharedTestLibrary();
  const run = lib.run;

  it('activates the first run, keeps the active one when the new run is worse, switches when it is better', () => {
    const runs = new RunStore(lib.core().context.db);
    const first = run(3);
    expect(runs.activateIfBetter(first)).toMatchObject({ active: first, activated: true });
    const worse = run(6);
    const d = runs.activateIfBetter(worse);
    expect(d).toMatchObject({ active: first, activated: false });
    expect(d.reason).toContain(`run ${first} stays active`);
    expect(runs.activeRunId()).toBe(first);
    const better = run(0);
    expect(runs.activateIfBetter(better)).toMatchObject({ active: better, activated: true });
    // Each run records the run in force when it finished (the retrain comparison's other side).
    expect([runs.summary(first).compared_with, runs.summary(worse).compared_with, runs.summary(better).compared_with]).toEqual([null, first, first]);
    expect(runs.activeRunId()).toBe(better);
    const cmp = runs.compareOnSharedTest(better, first);
    expect(cmp.images).toBe(lib.ids().length);
    expect(cmp.auc[0]).toBe(1);
    expect(cmp.auc[1]!).toBeLessThan(1);
  });

  it('keeps a run the curator picked when a later run is not better', () => {
    const runs = new RunStore(lib.core().context.db);
    const picked = run(1);
    runs.setActive(picked);
    const next = run(2);
    expect(runs.activateIfBetter(next).active).toBe(picked);
  });

  it('does not make a run active whose out-of-fold ranking is no better than chance; an older run stays, else none is active', () => {
    const runs = new RunStore(lib.core().context.db);
    lib.core().context.db.prepare('UPDATE runs SET archived = 1').run();
    const guess = run(0, { oof_auc: 0.31, test_auc: 0.9 });
    const d = runs.activateIfBetter(guess);
    expect(d).toMatchObject({ active: null, activated: false });
    expect(d.reason).toMatch(/out-of-fold AUC 0\.310 is no better than chance.*no run is active/);
    // "No run active" holds although a finished run exists (not the newest-finished fallback).
    expect(runs.activeRunId()).toBeNull();
    expect(() => runs.requireRun()).toThrow(`no run is active (run ${guess} ranked no better than chance and was not made active)`);
    // At exactly 0.5 too; where no out-of-fold AUC exists, the held-out test AUC decides.
    const coin = run(0, { oof_auc: 0.5 });
    expect(runs.activateIfBetter(coin)).toMatchObject({ active: null, activated: false });
    const good = run(0, { oof_auc: 0.93 });
    expect(runs.activateIfBetter(good)).toMatchObject({ active: good, activated: true, reason: 'the first finished run' });
    const testOnly = run(0, { oof_auc: null, test_auc: 0.42 });
    runs.setActive(null);
    lib.core().context.db.prepare('UPDATE runs SET archived = 1 WHERE id != ?').run(testOnly);
    const t = runs.activateIfBetter(testOnly);
    expect(t).toMatchObject({ active: null, activated: false });
    expect(t.reason).toMatch(/held-out test AUC 0\.420/);
    // The curator can still pick it.
    expect(runs.setActive(testOnly)).toBe(testOnly);
    lib.core().context.db.prepare('UPDATE runs SET archived = 0 WHERE id = ?').run(good);
    // With an older finished run, that one stays in force.
    const late = run(0, { oof_auc: 0.2 });
    runs.setActive(null);
    const l = runs.activateIfBetter(late);
    expect(l).toMatchObject({ active: testOnly, activated: false });
    expect(l.reason).toContain(`run ${testOnly} stays active`);
    expect(runs.activeRunId()).toBe(testOnly);
  });
});
