/**
 * The label-issue review loop on a real library (SQLite made by the migrations, the real core):
 * why each issue is suspected, confirm / dismiss / reopen remembered across retrains, confirmed
 * labels never pruned, and the noise-robust run listing what it left out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { seedLibrary, type SeededLibrary } from '../../../test-support/seedLibrary';
import { IssueStore } from './issues';
import { issueWhy } from '../../../src-shared/domain/labelIssue';

let lib: SeededLibrary | null = null;
afterEach(async () => {
  await lib?.core.close();
  lib = null;
});

const TRAIN = { features: ['signals' as const], hidden: 0, epochs: 15, folds: 3 };

describe('label issues and their review', () => {
  it('lists open issues with why they are suspected, and remembers confirm and dismiss across retrains', async () => {
    lib = seedLibrary({ images: 240, trained: false });
    const { core } = lib;
    // Plant 12 wrong labels as a careless curator would.
    const labelled = lib.images.filter((im) => im.label);
    const flipped = labelled.filter((_, i) => i % 15 === 3).slice(0, 12);
    for (const im of flipped) await core.call('labels.set', { imageIds: [im.id], label: im.label === 'good' ? 'bad' : 'good' });

    const run = await core.call('ml.train', TRAIN);
    expect(run.status).toBe('done');
    const first = await core.call('ml.labelIssues', { runId: run.run_id, limit: 1000 });
    // Confident learning's estimate first (the open count), then the labels the held-out prediction
    // still disagrees with beyond it (counted apart).
    const within = first.issues.filter((i) => !i.beyond_estimate);
    expect(first.total).toBe(within.length);
    expect(first.beyond).toBe(first.issues.length - within.length);
    expect(first.issues.slice(0, within.length)).toEqual(within);
    expect(first.total).toBeGreaterThan(3);
    expect(first.reviewed).toBe(0);
    expect(first.ranking).toMatch(/self-confidence/);
    // Ranks ascend, scores never decrease within each part, and each issue says why: its label, p(bad), the ratings and the weight.
    first.issues.forEach((iss, k) => {
      if (k) {
        expect(iss.rank).toBeGreaterThan(first.issues[k - 1]!.rank);
        if (iss.beyond_estimate === first.issues[k - 1]!.beyond_estimate) expect(iss.score!).toBeGreaterThanOrEqual(first.issues[k - 1]!.score! - 1e-12);
      }
      expect(iss.suggested).not.toBe(iss.given);
      expect(iss.given === 'bad' ? iss.p_bad : 1 - iss.p_bad).toBeLessThan(0.5);
      expect(iss.rating).toEqual(expect.any(Number));
      expect(iss.rating_count).toBe(1);
      expect(iss.weight).toBeGreaterThan(0);
      expect(iss.weight).toBeLessThanOrEqual(1);
    });
    // Planted flips dominate the top of the list.
    const flippedIds = new Set(flipped.map((f) => f.id));
    const top = first.issues.slice(0, 8).filter((i) => flippedIds.has(i.image_id)).length;
    expect(top).toBeGreaterThanOrEqual(5);

    expect(new Set(first.issues.map((i) => i.image_id)).size).toBe(first.issues.length);
    // Each issue counts the other suspects of its photo (the split's group) with its given label.
    const groupOf = new Map((core.context.db.prepare('SELECT image_id, group_id FROM splits').all() as { image_id: number; group_id: number }[]).map((r) => [r.image_id, r.group_id]));
    for (const iss of first.issues) {
      const same = first.issues.filter((o) => o.image_id !== iss.image_id && o.given === iss.given && groupOf.get(o.image_id) === groupOf.get(iss.image_id));
      expect(iss.shared_versions).toBe(same.length);
      if (same.length) expect(issueWhy(iss)).toContain(`suspected too`);
    }
    const [a, b, c] = within.map((i) => i.image_id);
    expect(await core.call('ml.reviewIssues', { imageIds: [a!], action: 'confirm' })).toEqual({ changed: 1, open: first.total - 1 });
    expect(await core.call('ml.reviewIssues', { imageIds: [b!], action: 'dismiss' })).toEqual({ changed: 1, open: first.total - 2 });
    const after = await core.call('ml.labelIssues', { limit: 1000 });
    expect(after.issues.map((i) => i.image_id)).not.toContain(a);
    expect(after.issues.map((i) => i.image_id)).not.toContain(b);
    expect(after.reviewed).toBe(2);
    // A verdict on one beyond the estimate leaves the open count alone and counts as reviewed.
    const past = after.issues.find((i) => i.beyond_estimate)!;
    expect(await core.call('ml.reviewIssues', { imageIds: [past.image_id], action: 'dismiss' })).toEqual({ changed: 1, open: first.total - 2 });
    const afterPast = await core.call('ml.labelIssues', { limit: 1000 });
    expect(afterPast).toMatchObject({ total: first.total - 2, beyond: first.beyond - 1, reviewed: 3 });
    await core.call('ml.reviewIssues', { imageIds: [past.image_id], action: 'reopen' });
    const withReviewed = await core.call('ml.labelIssues', { limit: 1000, includeReviewed: true });
    expect(withReviewed.issues.map((i) => i.image_id)).toEqual(expect.arrayContaining([a, b]));

    // Retrain: the verdicts hold; the confirmed label is never pruned and never listed.
    const again = await core.call('ml.train', TRAIN);
    const second = await core.call('ml.labelIssues', { runId: again.run_id, limit: 1000, includeReviewed: true });
    expect(second.issues.map((i) => i.image_id)).not.toContain(a);
    expect(second.issues.map((i) => i.image_id)).not.toContain(b);
    const detail = await core.call('ml.run', { runId: again.run_id });
    const noise = detail.evaluation!.noise!;
    expect(noise.handling).toBe('prune');
    expect(noise.pruned.map((p) => p.image_id)).not.toContain(a);
    expect(noise.oof_repeats).toBeGreaterThanOrEqual(1);
    expect(noise.label_weights!.mean).toBeGreaterThan(0);
    expect(noise.label_weights!.mean).toBeLessThanOrEqual(1);
    // The pruned list is what the run stored, most suspicious first, and mostly planted flips.
    const stored = core.context.db.prepare('SELECT image_id FROM run_pruned WHERE run_id = ?').all(again.run_id) as { image_id: number }[];
    expect(new Set(noise.pruned.map((p) => p.image_id))).toEqual(new Set(stored.map((s) => s.image_id)));
    expect(noise.pruned.length).toBeGreaterThan(0);
    const pGiven = noise.pruned.map((p) => (p.given === 'bad' ? p.p_bad : 1 - p.p_bad));
    for (let k = 1; k < pGiven.length; k++) expect(pGiven[k]).toBeGreaterThanOrEqual(pGiven[k - 1]! - 1e-12);

    // A verdict holds only for the label it was given on: relabelling the dismissed image drops it.
    const store = new IssueStore(core.context.db);
    expect(store.reviewed().get(b!)).toBe('dismissed');
    const bLabel = lib.images.find((im) => im.id === b)!;
    const current = second.issues.find((i) => i.image_id === b)?.given ?? (flippedIds.has(b!) ? (bLabel.label === 'good' ? 'bad' : 'good') : bLabel.label);
    await core.call('labels.set', { imageIds: [b!], label: current === 'good' ? 'bad' : 'good' });
    expect(store.reviewed().has(b!)).toBe(false);
    // Reopen forgets a verdict.
    expect((await core.call('ml.reviewIssues', { imageIds: [a!, c!], action: 'reopen' })).changed).toBe(1);
    expect(store.reviewed().has(a!)).toBe(false);
  });

  it('trains on every label with noise: none, and refuses bad review input', async () => {
    lib = seedLibrary({ images: 120, trained: false });
    const { core } = lib;
    const run = await core.call('ml.train', { ...TRAIN, noise: 'none', labelWeights: false });
    const noise = (await core.call('ml.run', { runId: run.run_id })).evaluation!.noise!;
    expect(noise.handling).toBe('none');
    expect(noise.pruned).toEqual([]);
    expect(noise.label_weights).toBeNull();
    await expect(core.call('ml.reviewIssues', { imageIds: [1], action: 'approve' as never })).rejects.toThrow(/action/);
    // An unlabelled image has no label to confirm.
    const unlabelled = lib.images.find((im) => !im.label)!;
    expect((await core.call('ml.reviewIssues', { imageIds: [unlabelled.id], action: 'confirm' })).changed).toBe(0);
    // An image named twice counts once; an id of no image is refused and nothing is written.
    const labelled = lib.images.filter((im) => im.label).map((im) => im.id);
    expect((await core.call('ml.reviewIssues', { imageIds: [labelled[0]!, labelled[0]!, labelled[0]!], action: 'dismiss' })).changed).toBe(1);
    const missing = Math.max(...lib.images.map((im) => im.id)) + 1000;
    await expect(core.call('ml.reviewIssues', { imageIds: [labelled[1]!, missing], action: 'confirm' })).rejects.toMatchObject({ code: 'not_found', message: `no image with id ${missing}` });
    expect(new IssueStore(core.context.db).reviewed().has(labelled[1]!)).toBe(false);
  });
});
