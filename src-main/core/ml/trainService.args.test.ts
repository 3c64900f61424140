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

  it('a backbone the manifest does not list, and more folds than groups of images', async () => {
    const lib = seedLibrary({ images: 40, trained: false });
    try {
      for (const backbone of ['nonexistent', '../../etc/passwd']) {
        await expect(lib.core.call('ml.train', { ...TRAIN, features: ['whole'], backbone })).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining(`no backbone with id "${backbone}"`), file: 'backbones.json' }); // the manifest by name, as ml.embed says it: not where the app is installed
      }
      expect((await lib.core.call('ml.runs', { all: true })).runs).toEqual([]);
      await expect(lib.core.call('ml.train', { ...TRAIN, folds: 100 })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/^100 folds need at least 100 groups of train and validation images, and these images form at most \d+ /) });
      expect((await lib.core.call('ml.runs', { all: true })).runs).toEqual([]);
      // Once split, the stored test images and groups count no more.
      expect((await lib.core.call('ml.train', TRAIN)).status).toBe('done');
      const trainGroups = (lib.core.context.db.prepare("SELECT COUNT(DISTINCT group_id) AS n FROM splits WHERE split != 'test'").get() as { n: number }).n;
      await expect(lib.core.call('ml.train', { ...TRAIN, folds: trainGroups + 1 })).rejects.toMatchObject({ message: expect.stringContaining(`form at most ${trainGroups} `) });
      expect((await lib.core.call('ml.runs', { all: true })).runs.map((r) => r.status)).toEqual(['done']);
    } finally {
      await lib.core.close();
    }
  }, 60_000);
});

describe('ml.train with another number of folds than the stored split was dealt for', () => {
  it('deals the train/validation folds anew for k, keeping each image’s split: a run with --folds 10 leaves a library the defaults train', async () => {
    const lib = seedLibrary({ images: 120, trained: false });
    try {
      const db = lib.core.context.db;
      const splits = () => db.prepare('SELECT image_id, split FROM splits ORDER BY image_id').all();
      const maxFold = () => (db.prepare("SELECT MAX(fold) AS f FROM splits WHERE split != 'test'").get() as { f: number }).f;
      expect((await lib.core.call('ml.train', { ...TRAIN, folds: 10 })).status).toBe('done');
      expect(maxFold()).toBe(9);
      const dealt = splits();
      for (const folds of [undefined, 3]) {
        const run = await lib.core.call('ml.train', { ...TRAIN, ...(folds && { folds }) });
        expect(run.status, run.error ?? '').toBe('done');
        expect(maxFold()).toBe((folds ?? 5) - 1);
        expect(splits()).toEqual(dealt);
      }
    } finally {
      await lib.core.close();
    }
  }, 120_000);
});
