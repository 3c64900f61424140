/**
 * A curator's decisions carried by a tag file: `qc export` of one library writes its curator labels
 * as rows whose `source` is curator; `qc import` of that `library_finaltags.tsv` into another
 * library with the same images makes them curator labels there (one undoable curator batch), never
 * over a different curator label the library has (a conflict, kept), and says so. Real parts: two
 * seeded libraries with a run, the real export, the core's calls.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, linesWriter } from '../../../test-support/fixtures';
import { SEED_URL_PREFIX, seedLibrary } from '../../../test-support/seedLibrary';
import { tagMergeNotes } from '../../../src-shared/domain/library';

describe('qc import of a tag file carries its curator rows as curator labels', () => {
  const dir = tempDir('qc-tagcurator-');
  const from = seedLibrary({ images: 12, runs: 1 });
  const to = seedLibrary({ images: 12, runs: 1 });
  afterAll(async () => {
    await from.core.close();
    await to.core.close();
    for (const d of [dir, from.dataDir, to.dataDir]) fs.rmSync(d, { recursive: true, force: true });
  });
  const labelOf = (id: number) => to.core.context.db.prepare('SELECT label, origin FROM labels WHERE image_id = ?').get(id);

  it('labels the images here, keeps a different curator label of this library (a conflict), and an undo reverts them', async () => {
    await from.core.call('labels.set', { imageIds: [1, 2], label: 'good' });
    await from.core.call('labels.set', { imageIds: [3], label: 'bad' });
    await from.core.call('export.tags', { outDir: path.join(dir, 'out') });
    const file = path.join(dir, 'out', 'library_finaltags.tsv');
    const rows = fs.readFileSync(file, 'utf8').split('\n').filter((l) => /\tcurator\t[^\t]*$/.test(l)); // source, then p_bad
    expect(rows).toHaveLength(3);

    // This library's curator already said image 2 is bad: the file's "good" is a conflict, kept as bad.
    await to.core.call('labels.set', { imageIds: [2], label: 'bad' });
    // Image 3 already the file's curator label: unchanged.
    await to.core.call('labels.set', { imageIds: [3], label: 'bad' });
    const r = await to.core.call('ml.importTags', { files: [file] });
    expect(r.curator).toEqual({ rows: 3, labelled: 1, unchanged: 1, conflicts: 1, not_here: 0 });
    expect(labelOf(1)).toEqual({ label: 'good', origin: 'curator' });
    expect(labelOf(2)).toEqual({ label: 'bad', origin: 'curator' });
    expect(labelOf(3)).toEqual({ label: 'bad', origin: 'curator' });
    expect(tagMergeNotes(r)).toContain("3 curator rows (a curator's label decided the tag): 1 made a curator's label here, 1 already so, 1 conflicting (this library's curator labelled it otherwise: kept) (one curator change: run qc undo on this library to take it back; the app's Undo does not)");

    // Recorded as a curator batch: the next undo reverts the import's labels, not the earlier ones.
    const undone = await to.core.call('labels.undo', {});
    expect(undone.changed.map((c) => c.image_id)).toEqual([1]);
    expect(labelOf(1)).toMatchObject({ origin: 'import' });
    expect(labelOf(2)).toEqual({ label: 'bad', origin: 'curator' });
  });

  it("refuses a curator row whose tag is not a curator's (nothing written), and counts one whose URL has no image here", async () => {
    const write = linesWriter(dir);
    const header = 'eolMediaURL\tlabel\tlabel_origin\timclass\tconfidence\tsource\tp_bad';
    const odd = write('odd_finaltags.tsv', [header, `${SEED_URL_PREFIX}5.jpg\tgood\tcurator\tbad\t\tcurator\t0.500000`]);
    const before = labelOf(5);
    await expect(to.core.call('ml.importTags', { files: [odd] })).rejects.toThrow(`${odd}:2: a curator row's label "good" disagrees with its imclass "bad"`);
    expect(labelOf(5)).toEqual(before);
    const bundle = write('b_finaltags.tsv', ['eolMediaURL\timclass\tconfidence\tsource\tp_bad', `${SEED_URL_PREFIX}5.jpg\tbad\t\tcurator\t0.100000`, 'https://elsewhere.example/x.jpg\tNA\t\tcurator\t']);
    const r = await to.core.call('ml.importTags', { files: [bundle] });
    expect(r.curator).toEqual({ rows: 2, labelled: 1, unchanged: 0, conflicts: 0, not_here: 1 });
    expect(labelOf(5)).toEqual({ label: 'bad', origin: 'curator' });
  });

  it('carries no curator label for a URL whose last row (in its file, or a later file) is no curator row: the last row decides the label as it decides the prediction (audit-new72 F1)', async () => {
    const write = linesWriter(dir);
    const header = 'eolMediaURL\tlabel\tlabel_origin\timclass\tconfidence\tsource\tp_bad';
    const before = [labelOf(6), labelOf(7)];
    expect(before.map((l) => (l as { origin: string }).origin)).toEqual(['import', 'import']);
    // An old and a newer library_finaltags.tsv joined: image 6's curator label was cleared since.
    const joined = write('joined_finaltags.tsv', [header, `${SEED_URL_PREFIX}6.jpg\tbad\tcurator\tbad\t\tcurator\t0.900000`, `${SEED_URL_PREFIX}6.jpg\t\timport\tNA\t0.9\tmodel\t0.100000`]);
    // Across files: the later file's model row for image 7 replaces the earlier file's curator row.
    const older = write('a_finaltags.tsv', [header, `${SEED_URL_PREFIX}7.jpg\tbad\tcurator\tbad\t\tcurator\t0.900000`]);
    const newer = write('b2_finaltags.tsv', [header, `${SEED_URL_PREFIX}7.jpg\t\timport\tNA\t0.8\tmodel\t0.200000`]);
    const r = await to.core.call('ml.importTags', { files: [joined, older, newer] });
    expect(r.curator).toMatchObject({ labelled: 0, unchanged: 0, conflicts: 0, not_here: 0 });
    expect([labelOf(6), labelOf(7)]).toEqual(before);
  });

  it('a folder merged in parts (over 10,000 files) says each part made its own curator change, and that a conflict may be with an earlier part (audit-new72 F3)', async () => {
    const folder = path.join(dir, 'parts');
    fs.mkdirSync(folder);
    const header = 'eolMediaURL\tlabel\tlabel_origin\timclass\tconfidence\tsource\tp_bad';
    for (let i = 1; i < 10_000; i++) fs.writeFileSync(path.join(folder, `f${String(i).padStart(5, '0')}_finaltags.tsv`), `${header}\n`);
    // The first part labels image 8 bad; the second image 9 bad, and image 8 good (kept: the first part's).
    fs.writeFileSync(path.join(folder, 'f00000_finaltags.tsv'), `${header}\n${SEED_URL_PREFIX}8.jpg\tbad\tcurator\tbad\t\tcurator\t0.900000\n`);
    fs.writeFileSync(
      path.join(folder, 'f10000_finaltags.tsv'),
      `${header}\n${SEED_URL_PREFIX}9.jpg\tbad\tcurator\tbad\t\tcurator\t0.900000\n${SEED_URL_PREFIX}8.jpg\tgood\tcurator\tNA\t\tcurator\t0.100000\n`,
    );
    const r = await to.core.call('library.import', { source: folder });
    expect(r.tags?.files).toBe(10_001);
    expect(r.tags?.curator).toEqual({ rows: 3, labelled: 2, unchanged: 0, conflicts: 1, not_here: 0, batches: 2 });
    expect(tagMergeNotes(r.tags!)).toContain(
      "3 curator rows (a curator's label decided the tag): 2 made curators' labels here, 0 already so, 1 conflicting (this library's curator, or an earlier part of this import, labelled it otherwise: kept) (in 2 curator changes, one for each part of the import: run qc undo on this library once for each; the app's Undo does not take them back)",
    );
    // Two undo steps, as said.
    await to.core.call('labels.undo', {});
    expect(labelOf(9)).toMatchObject({ origin: 'import' });
    expect(labelOf(8)).toEqual({ label: 'bad', origin: 'curator' });
    await to.core.call('labels.undo', {});
    expect(labelOf(8)).toMatchObject({ origin: 'import' });
  }, 120_000);
});
