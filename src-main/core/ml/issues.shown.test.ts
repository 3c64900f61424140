/**
 * A verdict on a label issue is on the label the curator saw: `ml.reviewIssues` with `shown` refuses
 * (conflict, nothing stored) when the label changed since, and the list gives a label's origin only
 * when it is the label the run listed (never "labelled bad by a curator" for a curator's good).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { issueWhy } from '../../../src-shared/domain/labelIssue';
import { seedLibrary, type SeededLibrary } from '../../../test-support/seedLibrary';

let lib: SeededLibrary | null = null;
afterEach(async () => {
  await lib?.core.close();
  lib = null;
});

const other = (l: 'good' | 'bad') => (l === 'good' ? 'bad' : 'good');

describe('a verdict on the label shown', () => {
  it('refuses a confirm of a label changed since it was shown, and stores nothing', async () => {
    lib = seedLibrary({ images: 240 });
    const { core } = lib;
    const db = core.context.db;
    const reviews = () => db.prepare('SELECT image_id, label, action FROM label_reviews ORDER BY image_id').all();
    const first = await core.call('ml.labelIssues', { limit: 1000 });
    expect(first.issues.length).toBeGreaterThan(3);
    const [a, b] = first.issues;
    // Another window relabels `a` after this one showed it with the run's label.
    await core.call('labels.set', { imageIds: [a!.image_id], label: other(a!.given) });
    const before = reviews();
    await expect(core.call('ml.reviewIssues', { imageIds: [b!.image_id, a!.image_id], action: 'confirm', shown: [b!.given, a!.given] })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/changed since it was shown.*nothing was stored/),
    });
    expect(reviews()).toEqual(before);
    expect((await core.call('ml.labelIssues', { limit: 1000 })).total).toBe(first.total - (a!.beyond_estimate ? 0 : 1));
    // The label as it is now: stored, on that label.
    expect((await core.call('ml.reviewIssues', { imageIds: [a!.image_id, b!.image_id], action: 'confirm', shown: [other(a!.given), b!.given] })).changed).toBe(2);
    expect(reviews()).toEqual(
      expect.arrayContaining([
        { image_id: a!.image_id, label: other(a!.given), action: 'confirmed' },
        { image_id: b!.image_id, label: b!.given, action: 'confirmed' },
      ]),
    );
    // One label shown for each id, else refused before anything is read.
    await expect(core.call('ml.reviewIssues', { imageIds: [b!.image_id], action: 'dismiss', shown: [] })).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('gives the origin of the listed label only, so a curator who changed it is not said to have given it', async () => {
    lib = seedLibrary({ images: 240 });
    const { core } = lib;
    const first = await core.call('ml.labelIssues', { limit: 1000 });
    const [a, b] = first.issues.filter((i) => i.origin === 'import');
    // `a`: a curator sets the other label; `b`: a curator keeps the run's label (now the curator's).
    await core.call('labels.set', { imageIds: [a!.image_id], label: other(a!.given) });
    await core.call('labels.set', { imageIds: [b!.image_id], label: b!.given });
    const all = await core.call('ml.labelIssues', { limit: 1000, includeReviewed: true });
    const listedA = all.issues.find((i) => i.image_id === a!.image_id)!;
    const listedB = all.issues.find((i) => i.image_id === b!.image_id)!;
    expect(listedA.given).toBe(a!.given);
    expect(listedA.origin).toBeUndefined();
    expect(issueWhy(listedA)).not.toContain('by a curator');
    expect(listedB.origin).toBe('curator');
    expect(issueWhy(listedB)).toContain(`labelled ${b!.given} by a curator`);
  });
});
