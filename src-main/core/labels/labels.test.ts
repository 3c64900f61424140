import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventMap } from '../../../src-shared/contract/events';
import { QcError } from '../../../src-shared/contract/errors';
import type { LabelOrigin, LabelValue } from '../../../src-shared/domain/label';
import { createCore, type Core } from '../app';
import { DEV_IMAGES } from '../../../test-support/fixtures';

/** Where each photo goes in the seed's folder layout; the name says its expected label. */
const LAYOUT: [string, string][] = [
  ['9000001.jpg', '1/bad-a.jpg'],
  ['9000002.jpg', '1/bad-b.jpg'],
  ['9000003.jpg', '2/bad-c.jpg'],
  ['9000004.jpg', '3/none-d.jpg'],
  ['9000005.jpg', '5/good-e.jpg'],
  ['9000006.jpg', 'agg/good/good-f.jpg'],
];
type Name = 'bad-a' | 'bad-b' | 'bad-c' | 'none-d' | 'good-e' | 'good-f';

interface Library {
  core: Core;
  dir: string;
  source: string;
  ids: Record<Name, number>;
  events: EventMap['label.changed'][];
}

const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

async function makeLibrary(): Promise<Library> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const source = path.join(dir, 'drive');
  for (const [from, to] of LAYOUT) {
    const dest = path.join(source, 'images', to);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(path.join(DEV_IMAGES, from), dest);
  }
  const core = createCore({ dataDir: path.join(dir, 'data') });
  cleanups.push(() => core.close());
  const events: EventMap['label.changed'][] = [];
  cleanups.push(core.events.on('label.changed', (e) => events.push(e)));

  const summary = await core.call('library.import', { source });
  expect(summary.kind).toBe('folder');
  expect(summary.failed).toBe(0);
  expect(summary.images_new).toBe(6);
  expect(summary.labels).toEqual({ good: 2, bad: 3, unlabeled: 1 });

  const ids = {} as Record<Name, number>;
  for (const [, to] of LAYOUT) {
    const url = pathToFileURL(path.join(source, 'images', to)).href;
    const row = core.context.db.prepare('SELECT image_id FROM image_urls WHERE url = ?').get(url) as { image_id: number } | undefined;
    expect(row, `image for ${to}`).toBeDefined();
    ids[path.basename(to, '.jpg') as Name] = row!.image_id;
  }
  expect(new Set(Object.values(ids)).size).toBe(6);
  return { core, dir, source, ids, events };
}

const labelOf = (lib: Library, name: Name) =>
  lib.core.context.db.prepare('SELECT label, origin FROM labels WHERE image_id = ?').get(lib.ids[name]) as { label: LabelValue; origin: LabelOrigin };

const allLabels = (lib: Library) =>
  Object.fromEntries((Object.keys(lib.ids) as Name[]).map((n) => [n, labelOf(lib, n)])) as Record<Name, { label: LabelValue; origin: LabelOrigin }>;

const events = (lib: Library) => lib.core.context.db.prepare('SELECT * FROM label_events ORDER BY id').all() as Record<string, unknown>[];
const batches = (lib: Library) => lib.core.context.db.prepare('SELECT id, actor, reverts FROM label_batches ORDER BY id').all() as { id: number; actor: string; reverts: number | null }[];

/** label_events only grows: what was there before is still there, unchanged, at the start. */
function expectGrown(before: Record<string, unknown>[], after: Record<string, unknown>[]) {
  expect(after.length).toBeGreaterThanOrEqual(before.length);
  expect(after.slice(0, before.length)).toEqual(before);
}

describe('labels of an imported folder', () => {
  it('follow the rule: 1,2 → bad, 3 → none, 5 → good, agg/good → good (all from the import)', async () => {
    const lib = await makeLibrary();
    expect(allLabels(lib)).toEqual({
      'bad-a': { label: 'bad', origin: 'import' },
      'bad-b': { label: 'bad', origin: 'import' },
      'bad-c': { label: 'bad', origin: 'import' },
      'none-d': { label: null, origin: 'import' },
      'good-e': { label: 'good', origin: 'import' },
      'good-f': { label: 'good', origin: 'import' },
    });
    const classes = lib.core.context.db.prepare('SELECT id, rating, rating_class FROM images').all() as { id: number; rating: number | null; rating_class: number | null }[];
    const byId = new Map(classes.map((c) => [c.id, c]));
    expect(byId.get(lib.ids['bad-a'])).toMatchObject({ rating: 1, rating_class: 1 });
    expect(byId.get(lib.ids['bad-c'])).toMatchObject({ rating: 2, rating_class: 2 });
    expect(byId.get(lib.ids['none-d'])).toMatchObject({ rating: 3, rating_class: 3 });
    expect(byId.get(lib.ids['good-e'])).toMatchObject({ rating: 5, rating_class: 5 });
    expect(byId.get(lib.ids['good-f'])).toMatchObject({ rating: null, rating_class: null });

    // One import batch with one event per image; imports emit no label.changed.
    expect(batches(lib).map((b) => b.actor)).toEqual(['import']);
    expect(events(lib)).toHaveLength(6);
    expect(lib.events).toEqual([]);

    const status = await lib.core.call('library.status', {});
    expect(status.images).toBe(6);
    expect(status.labels).toEqual({ good: 2, bad: 3, unlabeled: 1 });
    expect(status.labels_by_origin).toEqual({ import: 6, curator: 0 });
    expect(status.ratings).toEqual({ '1': 2, '2': 1, '3': 1, '4': 0, '5': 1 });
    expect(status.imports).toBe(1);
    expect(status.failed).toBe(0);
  });

  it('labels.set makes the origin curator and emits label.changed', async () => {
    const lib = await makeLibrary();
    const before = events(lib);
    const result = await lib.core.call('labels.set', { imageIds: [lib.ids['none-d'], lib.ids['bad-a'], lib.ids['none-d']], label: 'good' });
    expect(result.batch_id).toEqual(expect.any(Number));
    expect(result.unchanged).toBe(0);
    expect(result.changed).toEqual([
      { image_id: lib.ids['none-d'], old_label: null, new_label: 'good', old_origin: 'import', new_origin: 'curator' },
      { image_id: lib.ids['bad-a'], old_label: 'bad', new_label: 'good', old_origin: 'import', new_origin: 'curator' },
    ]);
    expect(labelOf(lib, 'none-d')).toEqual({ label: 'good', origin: 'curator' });
    expect(labelOf(lib, 'bad-a')).toEqual({ label: 'good', origin: 'curator' });
    expect(labelOf(lib, 'bad-b')).toEqual({ label: 'bad', origin: 'import' });
    expect(lib.events).toEqual([{ changes: result.changed }]);
    expectGrown(before, events(lib));
    expect(events(lib)).toHaveLength(before.length + 2);

    // Setting what is already there changes nothing, writes no batch and emits nothing.
    const batchCount = batches(lib).length;
    const again = await lib.core.call('labels.set', { imageIds: [lib.ids['bad-a']], label: 'good' });
    expect(again).toEqual({ batch_id: null, changed: [], unchanged: 1 });
    expect(batches(lib)).toHaveLength(batchCount);
    expect(lib.events).toHaveLength(1);

    // A curator may also set an image to none, and it stays a curator decision.
    const none = await lib.core.call('labels.set', { imageIds: [lib.ids['good-e']], label: null });
    expect(none.changed).toEqual([{ image_id: lib.ids['good-e'], old_label: 'good', new_label: null, old_origin: 'import', new_origin: 'curator' }]);
    expect(labelOf(lib, 'good-e')).toEqual({ label: null, origin: 'curator' });
  });

  it('re-importing the same folder never overwrites a curator label', async () => {
    const lib = await makeLibrary();
    await lib.core.call('labels.set', { imageIds: [lib.ids['bad-a']], label: 'good' });
    await lib.core.call('labels.set', { imageIds: [lib.ids['good-e']], label: null });
    const before = events(lib);

    const summary = await lib.core.call('library.import', { source: lib.source });
    expect(summary.images_new).toBe(0);
    expect(summary.images_existing).toBe(6);
    expect(summary.network_requests).toBe(0);
    // bad-a is now good and good-e none (curator): good f,a; bad b,c; none d,e.
    expect(summary.labels).toEqual({ good: 2, bad: 2, unlabeled: 2 });

    expect(labelOf(lib, 'bad-a')).toEqual({ label: 'good', origin: 'curator' });
    expect(labelOf(lib, 'good-e')).toEqual({ label: null, origin: 'curator' });
    expect(labelOf(lib, 'bad-b')).toEqual({ label: 'bad', origin: 'import' });
    // Nothing changed, so the re-import left no label history.
    expect(events(lib)).toEqual(before);

    const status = await lib.core.call('library.status', {});
    expect(status.images).toBe(6);
    expect(status.imports).toBe(2);
    expect(status.labels).toEqual({ good: 2, bad: 2, unlabeled: 2 });
    expect(status.labels_by_origin).toEqual({ import: 4, curator: 2 });
  });

  it('labels.undo restores label and origin, batch by batch, and then has nothing left', async () => {
    const lib = await makeLibrary();
    const initial = allLabels(lib);
    const snapshots = [events(lib)];

    const b1 = await lib.core.call('labels.set', { imageIds: [lib.ids['bad-a'], lib.ids['none-d']], label: 'good' });
    snapshots.push(events(lib));
    const b2 = await lib.core.call('labels.set', { imageIds: [lib.ids['bad-a'], lib.ids['good-f']], label: 'bad' });
    snapshots.push(events(lib));
    expect(labelOf(lib, 'bad-a')).toEqual({ label: 'bad', origin: 'curator' });
    expect(labelOf(lib, 'good-f')).toEqual({ label: 'bad', origin: 'curator' });
    lib.events.length = 0;

    // First undo reverts b2: bad-a back to the curator's good, good-f back to the import's good.
    const u1 = await lib.core.call('labels.undo', {});
    snapshots.push(events(lib));
    expect(u1.batch_id).toEqual(expect.any(Number));
    expect(u1.batch_id).toBeGreaterThan(b2.batch_id!);
    expect(u1.changed).toHaveLength(2);
    expect(labelOf(lib, 'bad-a')).toEqual({ label: 'good', origin: 'curator' });
    expect(labelOf(lib, 'good-f')).toEqual({ label: 'good', origin: 'import' });
    expect(labelOf(lib, 'none-d')).toEqual({ label: 'good', origin: 'curator' });
    expect(lib.events).toEqual([{ changes: u1.changed }]);

    // Second undo reverts b1: everything is as imported again, origins included.
    const u2 = await lib.core.call('labels.undo', {});
    snapshots.push(events(lib));
    expect(u2.batch_id).toEqual(expect.any(Number));
    expect(u2.changed.map((c) => c.image_id).sort()).toEqual([lib.ids['bad-a'], lib.ids['none-d']].sort());
    expect(allLabels(lib)).toEqual(initial);

    // Nothing left to undo.
    const u3 = await lib.core.call('labels.undo', {});
    snapshots.push(events(lib));
    expect(u3).toEqual({ batch_id: null, changed: [], unchanged: 0 });
    expect(allLabels(lib)).toEqual(initial);
    expect(lib.events).toHaveLength(2);

    expect(batches(lib)).toEqual([
      { id: expect.any(Number), actor: 'import', reverts: null },
      { id: b1.batch_id, actor: 'curator', reverts: null },
      { id: b2.batch_id, actor: 'curator', reverts: null },
      { id: u1.batch_id, actor: 'undo', reverts: b2.batch_id },
      { id: u2.batch_id, actor: 'undo', reverts: b1.batch_id },
    ]);

    // label_events only grew, one step at a time: 6 import, +2, +2, +2 (undo), +2 (undo), +0.
    for (let i = 1; i < snapshots.length; i++) expectGrown(snapshots[i - 1]!, snapshots[i]!);
    expect(snapshots.map((s) => s.length)).toEqual([6, 8, 10, 12, 14, 14]);
  });

  it('labels.setRule relabels import labels under the new rule but keeps curator labels', async () => {
    const lib = await makeLibrary();
    await lib.core.call('labels.set', { imageIds: [lib.ids['bad-b']], label: 'good' });
    const before = events(lib);

    const res = await lib.core.call('labels.setRule', { rule: { bad: [1, 2, 3], good: [4, 5], exemplar: 'good' } });
    expect(res.relabelled).toBe(1);
    expect(await lib.core.call('labels.getRule', {})).toEqual({ bad: [1, 2, 3], good: [4, 5], exemplar: 'good' });
    expect(allLabels(lib)).toEqual({
      'bad-a': { label: 'bad', origin: 'import' },
      'bad-b': { label: 'good', origin: 'curator' },
      'bad-c': { label: 'bad', origin: 'import' },
      'none-d': { label: 'bad', origin: 'import' },
      'good-e': { label: 'good', origin: 'import' },
      'good-f': { label: 'good', origin: 'import' },
    });
    expectGrown(before, events(lib));
    expect(batches(lib).at(-1)?.actor).toBe('rule');

    // A stricter rule: only 1 is bad, only 5 good; the folder label of good-f still wins.
    const strict = await lib.core.call('labels.setRule', { rule: { bad: [1], good: [5], exemplar: 'good' } });
    expect(strict.relabelled).toBe(2);
    expect(labelOf(lib, 'bad-c')).toEqual({ label: null, origin: 'import' });
    expect(labelOf(lib, 'none-d')).toEqual({ label: null, origin: 'import' });
    expect(labelOf(lib, 'good-f')).toEqual({ label: 'good', origin: 'import' });
    expect(labelOf(lib, 'bad-b')).toEqual({ label: 'good', origin: 'curator' });

    // A later import follows the stored rule, not the default.
    await lib.core.call('library.import', { source: lib.source });
    expect(labelOf(lib, 'bad-c')).toEqual({ label: null, origin: 'import' });

    const status = await lib.core.call('library.status', {});
    expect(status.labels).toEqual({ good: 3, bad: 1, unlabeled: 2 });
    expect(status.labels_by_origin).toEqual({ import: 5, curator: 1 });
  });

  it('undo back to an import label gives the label of the current rule, not a stale one', async () => {
    const lib = await makeLibrary();
    await lib.core.call('labels.set', { imageIds: [lib.ids['none-d']], label: 'good' });
    // The rule changes while the curator owns the label; the import side now says bad for class 3.
    await lib.core.call('labels.setRule', { rule: { bad: [1, 2, 3], good: [4, 5], exemplar: 'good' } });
    expect(labelOf(lib, 'none-d')).toEqual({ label: 'good', origin: 'curator' });
    const undo = await lib.core.call('labels.undo', {});
    expect(undo.changed).toEqual([{ image_id: lib.ids['none-d'], old_label: 'good', new_label: 'bad', old_origin: 'curator', new_origin: 'import' }]);
    expect(labelOf(lib, 'none-d')).toEqual({ label: 'bad', origin: 'import' });
  });

  it("a refused undo says which of its change's labels were changed since, in the singular or plural", async () => {
    const lib = await makeLibrary();
    const one = await lib.core.call('labels.set', { imageIds: [lib.ids['none-d']], label: 'good' });
    await lib.core.call('labels.set', { imageIds: [lib.ids['none-d']], label: 'bad' });
    await expect(lib.core.call('labels.undo', { batchId: one.batch_id! })).rejects.toMatchObject({ code: 'conflict', message: `the label of change ${one.batch_id} was changed since (another window or the command line); nothing was undone` });
    const two = await lib.core.call('labels.set', { imageIds: [lib.ids['bad-a'], lib.ids['bad-b']], label: 'good' });
    await lib.core.call('labels.set', { imageIds: [lib.ids['bad-a'], lib.ids['bad-b']], label: 'bad' });
    await expect(lib.core.call('labels.undo', { batchId: two.batch_id! })).rejects.toMatchObject({ message: expect.stringMatching(/^both labels of change \d+ were changed since/) });
    const three = await lib.core.call('labels.set', { imageIds: [lib.ids['bad-a'], lib.ids['bad-b'], lib.ids['bad-c']], label: 'good' });
    await lib.core.call('labels.set', { imageIds: [lib.ids['bad-a'], lib.ids['bad-b']], label: 'bad' });
    await expect(lib.core.call('labels.undo', { batchId: three.batch_id! })).rejects.toMatchObject({ message: expect.stringMatching(/^2 of the 3 labels of change \d+ were changed since/) });
    await lib.core.call('labels.set', { imageIds: [lib.ids['bad-c']], label: 'bad' });
    await expect(lib.core.call('labels.undo', { batchId: three.batch_id! })).rejects.toMatchObject({ message: expect.stringMatching(/^all 3 labels of change \d+ were changed since/) });
  });

  it('labels.undo with a batch id undoes that change only, and refuses one whose labels were changed since', async () => {
    const lib = await makeLibrary();
    // This window labels bad-a; another window then labels bad-b.
    const mine = await lib.core.call('labels.set', { imageIds: [lib.ids['bad-a']], label: 'good' });
    const theirs = await lib.core.call('labels.set', { imageIds: [lib.ids['bad-b']], label: 'good' });
    const undoMine = await lib.core.call('labels.undo', { batchId: mine.batch_id! });
    expect(undoMine.changed).toEqual([{ image_id: lib.ids['bad-a'], old_label: 'good', new_label: 'bad', old_origin: 'curator', new_origin: 'import' }]);
    expect(labelOf(lib, 'bad-b')).toEqual({ label: 'good', origin: 'curator' });
    // Undone already: refused, nothing written.
    const before = { labels: allLabels(lib), events: events(lib), batches: batches(lib) };
    await expect(lib.core.call('labels.undo', { batchId: mine.batch_id! })).rejects.toMatchObject({ code: 'conflict' });
    // Not a curator change (the import's batch, an undo's batch, no batch at all): not found.
    const importBatch = batches(lib).find((b) => b.actor === 'import')!.id;
    for (const batchId of [importBatch, undoMine.batch_id!, 999_999]) await expect(lib.core.call('labels.undo', { batchId })).rejects.toMatchObject({ code: 'not_found' });
    expect({ labels: allLabels(lib), events: events(lib), batches: batches(lib) }).toEqual(before);

    // Another window changes an image of this window's change: undoing it is refused and changes nothing.
    const mine2 = await lib.core.call('labels.set', { imageIds: [lib.ids['bad-c'], lib.ids['good-e']], label: 'bad' });
    await lib.core.call('labels.set', { imageIds: [lib.ids['good-e']], label: 'good' });
    const before2 = { labels: allLabels(lib), events: events(lib), batches: batches(lib) };
    await expect(lib.core.call('labels.undo', { batchId: mine2.batch_id! })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/^1 of the 2 labels of change \d+ was changed since .*nothing was undone$/) });
    // Set back to the label this change gave it, by a later change that is still in force: still refused.
    await lib.core.call('labels.set', { imageIds: [lib.ids['good-e']], label: 'bad' });
    await expect(lib.core.call('labels.undo', { batchId: mine2.batch_id! })).rejects.toMatchObject({ code: 'conflict' });
    expect(labelOf(lib, 'bad-c')).toEqual(before2.labels['bad-c']);

    // Without an id, `qc undo` still undoes the newest curator change of the library.
    const newest = await lib.core.call('labels.undo', {});
    expect(newest.changed).toEqual([{ image_id: lib.ids['good-e'], old_label: 'bad', new_label: 'good', old_origin: 'curator', new_origin: 'curator' }]);
    expect(labelOf(lib, 'bad-b')).toEqual({ label: 'good', origin: 'curator' });
    expect(theirs.batch_id).not.toBeNull();
  });

  it('undoing by id newest first walks back an image changed twice by the same window', async () => {
    const lib = await makeLibrary();
    const b1 = await lib.core.call('labels.set', { imageIds: [lib.ids['none-d']], label: 'good' });
    const b2 = await lib.core.call('labels.set', { imageIds: [lib.ids['none-d']], label: 'bad' });
    // The older change first: the newer one set its image since.
    await expect(lib.core.call('labels.undo', { batchId: b1.batch_id! })).rejects.toMatchObject({ code: 'conflict' });
    await lib.core.call('labels.undo', { batchId: b2.batch_id! });
    expect(labelOf(lib, 'none-d')).toEqual({ label: 'good', origin: 'curator' });
    await lib.core.call('labels.undo', { batchId: b1.batch_id! });
    expect(labelOf(lib, 'none-d')).toEqual({ label: null, origin: 'import' });
  });

  it('a rule that names a class twice is stored once per class, in order', async () => {
    const lib = await makeLibrary();
    const res = await lib.core.call('labels.setRule', { rule: { bad: [2, 1, 2, 1], good: [5, 4, 5], exemplar: 'good' } });
    expect(res.rule).toEqual({ bad: [1, 2], good: [4, 5], exemplar: 'good' });
    expect(await lib.core.call('labels.getRule', {})).toEqual({ bad: [1, 2], good: [4, 5], exemplar: 'good' });
  });

  it('a save started from a rule that changed meanwhile is refused (conflict) and undoes nothing', async () => {
    const lib = await makeLibrary();
    const seen: EventMap['library.changed'][] = [];
    lib.core.events.on('library.changed', (p) => seen.push(p));
    const started = await lib.core.call('labels.getRule', {});
    // Another window (or `qc rule`) makes class 3 bad.
    await lib.core.call('labels.setRule', { rule: { bad: [1, 2, 3], good: [4, 5], exemplar: 'good' } });
    const before = { labels: allLabels(lib), events: events(lib) };
    // This window's edit began from the old rule: it changed only the exemplars.
    const stale = lib.core.call('labels.setRule', { rule: { ...started, exemplar: 'bad' }, expected: started });
    await expect(stale).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/changed elsewhere.*nothing was saved/) });
    expect(await lib.core.call('labels.getRule', {})).toEqual({ bad: [1, 2, 3], good: [4, 5], exemplar: 'good' });
    expect(allLabels(lib)).toEqual(before.labels);
    expect(events(lib)).toEqual(before.events);
    // Started from the rule in force (classes in any order), it is saved.
    const ok = await lib.core.call('labels.setRule', { rule: { bad: [1, 2, 3], good: [4, 5], exemplar: null }, expected: { bad: [3, 2, 1], good: [5, 4], exemplar: 'good' } });
    expect(ok.rule.exemplar).toBeNull();
    // Every change of the rule is announced, even one that relabelled nothing (this library has no exemplars).
    expect(ok.relabelled).toBe(0);
    expect(seen).toEqual([{ reason: 'rule' }, { reason: 'rule' }]);
  });

  it('an invalid rule is refused and changes nothing', async () => {
    const lib = await makeLibrary();
    const before = { labels: allLabels(lib), events: events(lib) };
    await expect(lib.core.call('labels.setRule', { rule: { bad: [1, 2, 3], good: [3, 4, 5], exemplar: 'good' } })).rejects.toMatchObject({ code: 'bad_input' });
    expect(await lib.core.call('labels.getRule', {})).toEqual({ bad: [1, 2], good: [4, 5], exemplar: 'good' });
    expect(allLabels(lib)).toEqual(before.labels);
    expect(events(lib)).toEqual(before.events);
  });

  it('an unknown image id is not_found and changes nothing', async () => {
    const lib = await makeLibrary();
    const before = { labels: allLabels(lib), events: events(lib), batches: batches(lib) };
    const unknown = Math.max(...Object.values(lib.ids)) + 1000;

    const err = await lib.core.call('labels.set', { imageIds: [lib.ids['bad-a'], unknown], label: 'good' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(QcError);
    expect((err as QcError).code).toBe('not_found');
    expect((err as QcError).message).toContain(String(unknown));

    // A fractional id is not an id at all: refused by the API schema, naming the field.
    await expect(lib.core.call('labels.set', { imageIds: [1.5], label: 'bad' })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('imageIds[0]') });

    expect(allLabels(lib)).toEqual(before.labels);
    expect(events(lib)).toEqual(before.events);
    expect(batches(lib)).toEqual(before.batches);
    expect(lib.events).toEqual([]);
    const status = await lib.core.call('library.status', {});
    expect(status.labels_by_origin).toEqual({ import: 6, curator: 0 });
  });

  it('status counts match the labels after curator work', async () => {
    const lib = await makeLibrary();
    await lib.core.call('labels.set', { imageIds: [lib.ids['bad-a'], lib.ids['bad-b']], label: 'good' });
    await lib.core.call('labels.set', { imageIds: [lib.ids['good-f']], label: null });
    const status = await lib.core.call('library.status', {});
    const rows = lib.core.context.db.prepare('SELECT label, origin FROM labels').all() as { label: LabelValue; origin: LabelOrigin }[];
    expect(status.labels).toEqual({
      good: rows.filter((r) => r.label === 'good').length,
      bad: rows.filter((r) => r.label === 'bad').length,
      unlabeled: rows.filter((r) => r.label === null).length,
    });
    expect(status.labels).toEqual({ good: 3, bad: 1, unlabeled: 2 });
    expect(status.labels_by_origin).toEqual({ import: 3, curator: 3 });
    // Curator labels do not touch ratings.
    expect(status.ratings).toEqual({ '1': 2, '2': 1, '3': 1, '4': 0, '5': 1 });
  });
});
