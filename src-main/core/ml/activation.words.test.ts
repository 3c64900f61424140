/**
 * The activation decision's words (curatorday audit L7): a tie reads as a tie, and each AUC is
 * named by its run and the test images both runs scored, not read as the new run's own test AUC.
 * `qc train` prints them as the core words them (cli/formatMl.test.ts); the app's toast shows the same words.
 */
import { describe, expect, it } from 'vitest';
import { useSharedTestLibrary } from '../../../test-support/sharedTestLibrary';
import { sharedTestAucWords } from '../../../src-shared/domain/ml';
import { RunStore } from './runs';

describe('RunStore.activateIfBetter words', () => {
  const lib = useSharedTestLibrary();
  const run = lib.run;

  it('a retrain that ties the active run says "a tie … each", not a loss; a loss and a win name each run beside its AUC', () => {
    const runs = new RunStore(lib.core().context.db);
    const first = run(2);
    expect(runs.activateIfBetter(first)).toMatchObject({ active: first, activated: true });
    const auc = runs.compareOnSharedTest(first, first).auc[0]!;
    const n = lib.ids().length;
    // The same scores: a tie, said as one.
    const tie = run(2);
    const t = runs.activateIfBetter(tie);
    expect(t).toMatchObject({ active: first, activated: false });
    expect(t.reason).toBe(`a tie on the ${n} test images both runs scored, AUC ${auc.toFixed(3)} each: run ${first} stays active`);
    expect(t.reason).not.toMatch(/ vs /);
    // Worse: each AUC beside its run.
    const worse = run(5);
    const [w, f] = runs.compareOnSharedTest(worse, first).auc;
    expect(runs.activateIfBetter(worse).reason).toBe(`on the ${n} test images both runs scored, AUC ${w!.toFixed(3)} for run ${worse} vs ${f!.toFixed(3)} for run ${first}: run ${first} stays active`);
    // Better: it takes over, with the same words.
    const better = run(0);
    const b = runs.activateIfBetter(better);
    expect(b).toMatchObject({ active: better, activated: true, reason: `on the ${n} test images both runs scored, AUC 1.000 for run ${better} vs ${f!.toFixed(3)} for run ${first}` });
  });

  it('AUCs that round alike at 3 digits get the digits that tell them apart; equal ones are a tie', () => {
    expect(sharedTestAucWords(2, 1, 0.99512, 0.99538, 60)).toBe('on the 60 test images both runs scored, AUC 0.9951 for run 2 vs 0.9954 for run 1');
    expect(sharedTestAucWords(2, 1, 0.995, 0.995 + 1e-12, 60)).toBe('a tie on the 60 test images both runs scored, AUC 0.995 each');
    expect(sharedTestAucWords(3, 1, 0.98, 0.963, 81)).toBe('on the 81 test images both runs scored, AUC 0.980 for run 3 vs 0.963 for run 1');
  });
});
