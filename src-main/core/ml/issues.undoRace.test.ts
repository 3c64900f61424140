/**
 * An undo takes back only the verdict it gave: `ml.reviewIssues` reopen with `undoing` (the action
 * taken back, on the `shown` labels it was given on) is refused (`conflict`, nothing changed, nothing
 * announced) where another verdict is stored now, so window A's Z never deletes window B's later
 * verdict; where none is stored now (taken back since) nothing is put back, so B's Z never brings
 * back a verdict A took back. A plain reopen (qc issues --reopen) still removes whatever is stored.
 * A real seeded library (real SQLite, real handlers).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EventMap } from '../../../src-shared/contract/events';
import { seedLibrary, type SeededLibrary } from '../../../test-support/seedLibrary';

let lib: SeededLibrary | null = null;
afterEach(async () => {
  await lib?.core.close();
  lib = null;
});

const other = (l: 'good' | 'bad') => (l === 'good' ? 'bad' : 'good');

describe('an undone verdict and another window’s verdict', () => {
  it('A confirms, B dismisses, A presses Z: refused and B’s dismissal stays; B presses Z: A’s confirm (never undone) is back; A’s Z then leaves none', async () => {
    lib = seedLibrary({ images: 200 });
    const { core } = lib;
    const heard: EventMap['library.changed'][] = [];
    core.events.on('library.changed', (p) => heard.push(p));
    const row = (id: number) => core.context.db.prepare('SELECT label, action, run_id FROM label_reviews WHERE image_id = ?').get(id);
    const { image_id: x, given } = (await core.call('ml.labelIssues', { limit: 10 })).issues[0]!;
    const run = lib.runId;

    const a = await core.call('ml.reviewIssues', { imageIds: [x], action: 'confirm', shown: [given] });
    const b = await core.call('ml.reviewIssues', { imageIds: [x], action: 'dismiss', shown: [given] });
    expect(row(x)).toEqual({ label: given, action: 'dismissed', run_id: run });
    expect(b.replaced).toEqual([{ image_id: x, label: given, action: 'confirmed', run_id: run }]);
    const openAfterB = (await core.call('ml.labelIssues', { limit: 0 })).total;

    // A presses Z: the confirm it takes back is not what is stored (B's dismissal is): refused, nothing changed.
    const n = heard.length;
    await expect(
      core.call('ml.reviewIssues', { imageIds: [x], action: 'reopen', undoing: { action: 'confirm' }, shown: [given], ...(a.replaced && { restore: a.replaced }) }),
    ).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining(`image ${x} now holds dismissed on ${given}, not confirmed on ${given}; nothing was undone`) });
    expect(row(x)).toEqual({ label: given, action: 'dismissed', run_id: run });
    expect(heard.length).toBe(n);
    expect((await core.call('ml.labelIssues', { limit: 0 })).total).toBe(openAfterB);

    // B presses Z: its dismissal is taken back and what it replaced, A's confirm (still standing), is back.
    const bUndo = await core.call('ml.reviewIssues', { imageIds: [x], action: 'reopen', undoing: { action: 'dismiss' }, shown: [given], restore: b.replaced! });
    expect(bUndo.changed).toBe(1);
    expect(row(x)).toEqual({ label: given, action: 'confirmed', run_id: run });

    // A's undo, tried again now that its confirm is the verdict stored: X holds none.
    await core.call('ml.reviewIssues', { imageIds: [x], action: 'reopen', undoing: { action: 'confirm' }, shown: [given] });
    expect(row(x)).toBeUndefined();
    // And B's undo, were it sent again, would not bring A's confirm back (the dismissal it takes back is gone).
    const again = await core.call('ml.reviewIssues', { imageIds: [x], action: 'reopen', undoing: { action: 'dismiss' }, shown: [given], restore: b.replaced! });
    expect(again.changed).toBe(0);
    expect(row(x)).toBeUndefined();
  });

  it('A confirms, B dismisses, a plain reopen (command line) then B’s Z: A’s confirm is not brought back; the other order (B’s Z, then A’s) leaves none', async () => {
    lib = seedLibrary({ images: 200 });
    const { core } = lib;
    const row = (id: number) => core.context.db.prepare('SELECT label, action FROM label_reviews WHERE image_id = ?').get(id);
    const { image_id: x, given } = (await core.call('ml.labelIssues', { limit: 10 })).issues[0]!;
    const open0 = (await core.call('ml.labelIssues', { limit: 0 })).total;
    await core.call('ml.reviewIssues', { imageIds: [x], action: 'confirm', shown: [given] });
    const b0 = await core.call('ml.reviewIssues', { imageIds: [x], action: 'dismiss', shown: [given] });
    await core.call('ml.reviewIssues', { imageIds: [x], action: 'reopen' });
    expect((await core.call('ml.reviewIssues', { imageIds: [x], action: 'reopen', undoing: { action: 'dismiss' }, shown: [given], restore: b0.replaced! })).changed).toBe(0);
    expect(row(x)).toBeUndefined();
    expect((await core.call('ml.labelIssues', { limit: 0 })).total).toBe(open0);

    const a = await core.call('ml.reviewIssues', { imageIds: [x], action: 'confirm', shown: [given] });
    const b = await core.call('ml.reviewIssues', { imageIds: [x], action: 'dismiss', shown: [given] });
    await core.call('ml.reviewIssues', { imageIds: [x], action: 'reopen', undoing: { action: 'dismiss' }, shown: [given], restore: b.replaced! });
    expect(row(x)).toEqual({ label: given, action: 'confirmed' });
    await core.call('ml.reviewIssues', { imageIds: [x], action: 'reopen', undoing: { action: 'confirm' }, shown: [given], ...(a.replaced && { restore: a.replaced }) });
    expect(row(x)).toBeUndefined();
    expect((await core.call('ml.labelIssues', { limit: 0 })).total).toBe(open0);
  });

  it('refused as a whole when one of several images holds another verdict; an undo after the label changed elsewhere still takes back its own verdict; a plain reopen removes whatever is stored', async () => {
    lib = seedLibrary({ images: 200 });
    const { core } = lib;
    const row = (id: number) => core.context.db.prepare('SELECT label, action FROM label_reviews WHERE image_id = ?').get(id);
    const issues = (await core.call('ml.labelIssues', { limit: 10 })).issues;
    const [p, q] = issues;
    const shown = [p!.given, q!.given];
    await core.call('ml.reviewIssues', { imageIds: [p!.image_id, q!.image_id], action: 'dismiss', shown });
    // The command line confirms q since: the undo of the two dismissals touches neither.
    await core.call('ml.reviewIssues', { imageIds: [q!.image_id], action: 'confirm' });
    await expect(core.call('ml.reviewIssues', { imageIds: [p!.image_id, q!.image_id], action: 'reopen', undoing: { action: 'dismiss' }, shown })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining(`on 1 image since`),
    });
    expect(row(p!.image_id)).toEqual({ label: p!.given, action: 'dismissed' });
    expect(row(q!.image_id)).toEqual({ label: q!.given, action: 'confirmed' });

    // p relabelled elsewhere: its dismissal (on the label it was given on) is still the one stored, and is taken back.
    await core.call('labels.set', { imageIds: [p!.image_id], label: other(p!.given) });
    const undone = await core.call('ml.reviewIssues', { imageIds: [p!.image_id], action: 'reopen', undoing: { action: 'dismiss' }, shown: [p!.given] });
    expect(undone.changed).toBe(1);
    expect(row(p!.image_id)).toBeUndefined();

    // qc issues --reopen: no verdict named, whatever is stored goes.
    expect((await core.call('ml.reviewIssues', { imageIds: [q!.image_id], action: 'reopen' })).changed).toBe(1);
    expect(row(q!.image_id)).toBeUndefined();

    // undoing goes only with reopen, and with the labels the verdicts were given on.
    await expect(core.call('ml.reviewIssues', { imageIds: [q!.image_id], action: 'confirm', undoing: { action: 'confirm' }, shown: [q!.given] })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(core.call('ml.reviewIssues', { imageIds: [q!.image_id], action: 'reopen', undoing: { action: 'confirm' } })).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});
