/**
 * A verdict taken back gives back the one it replaced: `ml.reviewIssues` answers with the verdicts
 * it replaced or removed (`replaced`), and a reopen with `restore` puts exactly those back (label,
 * verdict, run), announced and counted as a verdict like any other. Refused: restore without
 * reopen, an image named twice or not among imageIds, an image that does not exist. A real seeded
 * library (real SQLite, real handlers).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMap } from '../../../src-shared/contract/events';
import { seedLibrary, type SeededLibrary } from '../../../test-support/seedLibrary';

describe('ml.reviewIssues restore', () => {
  let lib: SeededLibrary;
  const heard: EventMap['library.changed'][] = [];
  /** Open issues of the run, by rank, with the label each was listed with. */
  let issues: { image_id: number; given: 'good' | 'bad' }[];
  beforeAll(async () => {
    lib = seedLibrary({ images: 200 });
    lib.core.events.on('library.changed', (p) => heard.push(p));
    issues = (await lib.core.call('ml.labelIssues', { limit: 100 })).issues;
    expect(issues.length).toBeGreaterThanOrEqual(4);
  });
  afterAll(async () => {
    await lib?.core.close();
  });
  const other = (l: 'good' | 'bad') => (l === 'good' ? 'bad' : 'good');
  const row = (id: number) => lib.core.context.db.prepare('SELECT label, action, run_id FROM label_reviews WHERE image_id = ?').get(id);
  const openNow = async () => (await lib.core.call('ml.labelIssues', { limit: 1000 })).issues.map((i) => i.image_id);

  it('confirm on the listed label, relabel, dismiss on the new one, reopen with restore: the confirm is back with its run, and holds when the label comes back', async () => {
    const { image_id: x, given } = issues[0]!;
    const run = lib.runId;
    expect((await lib.core.call('ml.reviewIssues', { imageIds: [x], action: 'confirm', shown: [given] })).replaced).toBeUndefined();
    await lib.core.call('labels.set', { imageIds: [x], label: other(given) });
    const dismissed = await lib.core.call('ml.reviewIssues', { imageIds: [x], action: 'dismiss', shown: [other(given)] });
    expect(dismissed.replaced).toEqual([{ image_id: x, label: given, action: 'confirmed', run_id: run }]);
    expect(row(x)).toEqual({ label: other(given), action: 'dismissed', run_id: run });

    const undone = await lib.core.call('ml.reviewIssues', { imageIds: [x], action: 'reopen', restore: dismissed.replaced! });
    expect(undone.changed).toBe(1);
    // What the undo took away, for a redo's own undo.
    expect(undone.replaced).toEqual([{ image_id: x, label: other(given), action: 'dismissed', run_id: run }]);
    expect(row(x)).toEqual({ label: given, action: 'confirmed', run_id: run });
    // Announced as reopened (no verdict holds on the label the image has now), with the confirm it
    // restored: other windows know it holds again if that label comes back.
    expect(heard.at(-1)).toEqual({ reason: 'issues', reviewed: { imageIds: [x], action: 'reopen', restored: [{ image_id: x, label: given, action: 'confirmed', run_id: run }] } });

    // The listed label back: the confirm holds, so the issue stays closed and the open count with it.
    const before = await lib.core.call('ml.labelIssues', { limit: 0 });
    await lib.core.call('labels.set', { imageIds: [x], label: given });
    expect(await openNow()).not.toContain(x);
    expect((await lib.core.call('ml.labelIssues', { limit: 0 })).total).toBe(before.total);
    expect((await lib.core.call('images.get', { imageId: x })).issue_review).toBe('confirmed');
  });

  it('a verdict restored on the current label closes the issue again: the event names it as that verdict, the open count follows', async () => {
    const { image_id: y, given } = issues[1]!;
    const open0 = (await lib.core.call('ml.labelIssues', { limit: 0 })).total;
    const confirmed = await lib.core.call('ml.reviewIssues', { imageIds: [y], action: 'confirm', shown: [given] });
    expect(confirmed.open).toBe(open0 - 1);
    const dismissed = await lib.core.call('ml.reviewIssues', { imageIds: [y], action: 'dismiss', shown: [given] });
    expect(dismissed.replaced).toEqual([{ image_id: y, label: given, action: 'confirmed', run_id: lib.runId }]);
    const undone = await lib.core.call('ml.reviewIssues', { imageIds: [y], action: 'reopen', restore: dismissed.replaced! });
    expect(row(y)).toEqual({ label: given, action: 'confirmed', run_id: lib.runId });
    expect(heard.at(-1)).toEqual({ reason: 'issues', reviewed: { imageIds: [y], action: 'confirm' } });
    expect(undone.open).toBe(open0 - 1);
    expect(await openNow()).not.toContain(y);

    // Restored beside one with nothing to restore: that one is reopened, each announced as what holds now.
    const { image_id: z, given: gz } = issues[2]!;
    const both = await lib.core.call('ml.reviewIssues', { imageIds: [y, z], action: 'dismiss', shown: [given, gz] });
    expect(both.replaced).toEqual([{ image_id: y, label: given, action: 'confirmed', run_id: lib.runId }]);
    const n = heard.length;
    const back = await lib.core.call('ml.reviewIssues', { imageIds: [y, z], action: 'reopen', restore: both.replaced! });
    expect(back.changed).toBe(2);
    expect(heard.slice(n)).toEqual(
      expect.arrayContaining([
        { reason: 'issues', reviewed: { imageIds: [z], action: 'reopen' } },
        { reason: 'issues', reviewed: { imageIds: [y], action: 'confirm' } },
      ]),
    );
    expect(heard.slice(n)).toHaveLength(2);
    expect(row(z)).toBeUndefined();
    expect(row(y)).toEqual({ label: given, action: 'confirmed', run_id: lib.runId });
    expect(await openNow()).toContain(z);
  });

  it('refuses restore without reopen, an image named twice or not among imageIds, and an image that does not exist; a deleted run is stored as none', async () => {
    const { image_id: w, given } = issues[3]!;
    const v = { image_id: w, label: given, action: 'confirmed' as const, run_id: lib.runId };
    await expect(lib.core.call('ml.reviewIssues', { imageIds: [w], action: 'confirm', restore: [v] })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(lib.core.call('ml.reviewIssues', { imageIds: [w], action: 'reopen', restore: [v, v] })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(lib.core.call('ml.reviewIssues', { imageIds: [issues[0]!.image_id], action: 'reopen', restore: [v] })).rejects.toMatchObject({ code: 'invalid_argument' });
    const missing = (lib.core.context.db.prepare('SELECT MAX(id) FROM images').pluck().get() as number) + 1;
    await expect(lib.core.call('ml.reviewIssues', { imageIds: [w, missing], action: 'reopen', restore: [v, { ...v, image_id: missing }] })).rejects.toMatchObject({
      code: 'not_found',
      message: `no image with id ${missing}`,
    });
    expect(row(w)).toBeUndefined();
    // The run it names is gone: the verdict comes back without one.
    await lib.core.call('ml.reviewIssues', { imageIds: [w], action: 'reopen', restore: [{ ...v, run_id: 999_999 }] });
    expect(row(w)).toEqual({ label: given, action: 'confirmed', run_id: null });
  });
});
