/**
 * Each listed issue says what became of it and where its label came from: its label now
 * (`label_now`: relabelled when it is not the given one), the verdict on the listed label
 * (`verdict`), and whether a folder import gave that label (`label_from_folder`, which the why-line
 * then names instead of "no ratings").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueWhy } from '../../../src-shared/domain/labelIssue';
import { seedLibrary, type SeededLibrary } from '../../../test-support/seedLibrary';

describe('what became of each issue', () => {
  let lib: SeededLibrary;
  let ids: number[];
  let given: Map<number, 'good' | 'bad'>;
  beforeAll(async () => {
    lib = seedLibrary({ images: 300, seed: 4 });
    const rows = lib.core.context.db.prepare('SELECT image_id, given FROM label_issues WHERE run_id = ? ORDER BY rank').all(lib.runId) as { image_id: number; given: 'good' | 'bad' }[];
    expect(rows.length).toBeGreaterThan(6);
    ids = rows.map((r) => r.image_id);
    given = new Map(rows.map((r) => [r.image_id, r.given]));
    await lib.core.call('ml.reviewIssues', { imageIds: [ids[0]!], action: 'confirm' });
    await lib.core.call('ml.reviewIssues', { imageIds: [ids[1]!], action: 'dismiss' });
    await lib.core.call('labels.set', { imageIds: [ids[2]!], label: given.get(ids[2]!) === 'good' ? 'bad' : 'good' });
    // Confirmed, then relabelled: the verdict was on the old label, the issue is closed by the relabel.
    await lib.core.call('ml.reviewIssues', { imageIds: [ids[3]!], action: 'confirm' });
    await lib.core.call('labels.set', { imageIds: [ids[3]!], label: null });
  });
  afterAll(async () => {
    await lib?.core.close();
  });

  it('lists closed issues (includeReviewed) with their verdict or their label now, open ones with neither', async () => {
    const all = await lib.core.call('ml.labelIssues', { limit: 10_000, includeReviewed: true });
    const of = (id: number) => all.issues.find((i) => i.image_id === id)!;
    const other = (id: number) => (given.get(id) === 'good' ? 'bad' : 'good');
    expect(of(ids[0]!)).toMatchObject({ verdict: 'confirmed', label_now: given.get(ids[0]!) });
    expect(of(ids[1]!)).toMatchObject({ verdict: 'dismissed', label_now: given.get(ids[1]!) });
    expect(of(ids[2]!)).toMatchObject({ verdict: null, label_now: other(ids[2]!) });
    expect(of(ids[3]!)).toMatchObject({ verdict: null, label_now: null });
    const closed = new Set(ids.slice(0, 4));
    for (const iss of all.issues.filter((i) => !closed.has(i.image_id))) expect(iss).toMatchObject({ verdict: null, label_now: iss.given });
    // The open list holds none of the closed ones, and says the same of its own.
    const open = await lib.core.call('ml.labelIssues', { limit: 10_000 });
    expect(open.issues.every((i) => i.verdict === null && i.label_now === i.given)).toBe(true);
    expect(open.issues.length).toBe(all.issues.length - 4);
  });

  it("says a label came from its folder when a folder import gave it and no rating row is behind it", async () => {
    const { db } = lib.core.context;
    const [folderId, curatorId] = ids.slice(4, 6) as [number, number];
    // As a folder import stores a picture of a class folder (agg/bad, Good/): a folder row with its label, no rating.
    for (const id of [folderId, curatorId]) {
      db.prepare("UPDATE source_rows SET kind = 'folder', rating = NULL, folder_label = ? WHERE url IN (SELECT url FROM image_urls WHERE image_id = ?)").run(given.get(id), id);
      db.prepare('UPDATE images SET rating = NULL, rating_class = NULL WHERE id = ?').run(id);
    }
    // The curator set the second one's label again (the same label): the folder is no longer what gave it.
    await lib.core.call('labels.set', { imageIds: [curatorId], label: given.get(curatorId)! });
    const r = await lib.core.call('ml.labelIssues', { imageIds: [folderId, curatorId, ids[6]!] });
    const of = (id: number) => r.issues.find((i) => i.image_id === id)!;
    expect(of(folderId).label_from_folder).toBe(true);
    expect(issueWhy(of(folderId))).toContain('; label from its folder');
    expect(issueWhy(of(folderId))).not.toContain('no ratings');
    expect(of(curatorId).label_from_folder).toBe(false);
    expect(issueWhy(of(curatorId))).toContain('no ratings');
    expect(of(ids[6]!).label_from_folder).toBe(false);
    expect(issueWhy(of(ids[6]!))).toContain('(1 rating row)');
  });
});
