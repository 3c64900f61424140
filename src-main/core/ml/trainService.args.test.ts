/**
 * ml.train's arguments that can be judged before a run exists are judged there: a wrong one is
 * refused with its name, and leaves no failed run behind (as a wrong groups file does:
 * trainService.groups.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { seedLibrary } from '../../../test-support/seedLibrary';

const TRAIN = { features: ['signals' as const], hidden: 0, augment: 0, epochs: 5 };

describe('ml.train arguments, refused before the run exists', () => {
  it('a target error too small for any library to prove (1 − 1e-17 is 1 in a double)', async () => {
    const lib = seedLibrary({ images: 60, trained: false });
    try {
      await expect(lib.core.call('ml.train', { ...TRAIN, targetError: 1e-17 })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/targetError: must be at least 1e-6/) });
      expect((await lib.core.call('ml.runs', { all: true })).runs).toEqual([]);
    } finally {
      await lib.core.close();
    }
  });
});
