/**
 * library.import given a tag file (an earlier classify's `_finaltags.tsv` or chunk `_a.tsv`, EOL's
 * tag TSV) or a folder of them, with no kind: the call the desktop app and browser mode make from
 * the Library screen. It merges their predictions into the active run through the same core path
 * as `qc import` (ml/tagImport.ts importTagsInParts over importTagFiles), and its summary carries
 * the same report ml.importTags gives. Real parts: a seeded library with a run, real files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, FINAL_TAGS_HEADER, linesWriter } from '../../../test-support/fixtures';
import { SEED_URL_PREFIX, seedLibrary } from '../../../test-support/seedLibrary';
import { tagMergeText } from '../../../src-shared/domain/library';


describe('library.import merges tag files as qc import does', () => {
  const dir = tempDir('qc-tagmerge-');
  const lib = seedLibrary({ images: 20, runs: 1 });
  const empty = seedLibrary({ images: 5, trained: false });
  const db = lib.core.context.db;
  afterAll(async () => {
    await lib.core.close();
    await empty.core.close();
    for (const d of [dir, lib.dataDir, empty.dataDir]) fs.rmSync(d, { recursive: true, force: true });
  });
  const write = linesWriter(dir);
  const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  const state = () => ({ imports: count('imports'), bundles: count('bundles'), rows: count('source_rows'), images: count('images') });
  const pOf = (url: string) => db.prepare('SELECT p.p_bad FROM predictions p JOIN image_urls u ON u.image_id = p.image_id WHERE p.run_id = ? AND u.url = ?').pluck().get(lib.runId, url);
  const remoteP = (url: string) => db.prepare('SELECT p_bad FROM url_predictions WHERE run_id = ? AND url = ?').pluck().get(lib.runId, url);

  it('a final-tags file: merged into the active run, nothing imported, the report ml.importTags gives', async () => {
    const heldout = db.prepare('SELECT u.url FROM predictions p JOIN image_urls u ON u.image_id = p.image_id WHERE p.run_id = ? AND p.heldout = 0 ORDER BY p.image_id').pluck().get(lib.runId) as string;
    const f = write('out/bundle_finaltags.tsv', [
      FINAL_TAGS_HEADER,
      `${heldout}\t1\t11\t\tbad\t0.9\tmodel\t0.912345`,
      `https://elsewhere.example/x.jpg\t2\t12\t\tgood\t0.8\tmodel\t0.200000`,
      `https://elsewhere.example/y.jpg\t3\t13\t\tNA\t\tnone\t`,
    ]);
    const before = state();
    const r = await lib.core.call('library.import', { source: f });
    expect(r).toMatchObject({ kind: 'tags', source: f, import_id: 0, images_new: 0, failed: 0, cancelled: false });
    expect(r.tags).toEqual({ run_id: lib.runId, files: 1, rows: 3, local: 1, heldout_kept: 0, remote: 1, skipped: 1 });
    expect(state()).toEqual(before);
    expect(pOf(heldout)).toBeCloseTo(0.912345, 6);
    expect(remoteP('https://elsewhere.example/x.jpg')).toBeCloseTo(0.2, 6);
    // The same files through ml.importTags (what qc import calls) report the same.
    expect(await lib.core.call('ml.importTags', { files: [f] })).toEqual(r.tags);
    expect(tagMergeText(r.tags!)).toBe(`3 tag rows from 1 file into run ${lib.runId}: 1 prediction of images here (0 of them kept as the run scored them out of fold), 1 by URL only (image not here), 1 without a prediction`);
  });

  it('a folder of tag files (chunks and final tags, UTF-8 BOM and CRLF): every one merged, in name order, its pictures not imported', async () => {
    const folder = path.join(dir, 'classified');
    write('classified/b_finaltags.tsv', [FINAL_TAGS_HEADER, `${SEED_URL_PREFIX}no-such.jpg\t1\t11\t\tbad\t0.7\tmodel\t0.700000`]);
    fs.writeFileSync(path.join(folder, 'b_a.tsv'), `\uFEFFeolMediaURL\tidentifier\timclass\tconfidence\r\nhttps://elsewhere.example/z.jpg\t3\tgood\t0.6\r\n`);
    write('classified/notes.txt', ['not a tag file']);
    const before = state();
    const r = await lib.core.call('library.import', { source: folder });
    expect(r.kind).toBe('tags');
    expect(r.tags).toMatchObject({ run_id: lib.runId, files: 2, rows: 2, remote: 2 });
    expect(remoteP('https://elsewhere.example/z.jpg')).toBeCloseTo(0.4, 6);
    expect(state()).toEqual(before);
  });

  it('a bad row is refused with its file and line, and the run keeps its predictions', async () => {
    const f = write('bad/c_finaltags.tsv', [FINAL_TAGS_HEADER, `https://elsewhere.example/w.jpg\t1\t11\t\tbad\t0.9\tmodel\t0.9`, `https://elsewhere.example/v.jpg\t2\t12\t\tbad\t1.7\tmodel\t1.7`]);
    await expect(lib.core.call('library.import', { source: f })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringContaining(`${f}:3: p_bad "1.7" is not a number in 0..1`) });
    expect(remoteP('https://elsewhere.example/w.jpg')).toBeUndefined();
  });

  it('with no trained model: the one error of a call that needs a run, with the file it stops; nothing imported', async () => {
    const f = write('norun/d_finaltags.tsv', [FINAL_TAGS_HEADER, `https://elsewhere.example/u.jpg\t1\t11\t\tbad\t0.9\tmodel\t0.9`]);
    const imports = (await empty.core.call('library.sources', {})).imports.length;
    await expect(empty.core.call('library.import', { source: f })).rejects.toMatchObject({ code: 'not_found', file: f, message: 'cannot merge its predictions: no trained model yet: train a model first' });
    // A folder of them: named by the folder.
    write('norun/e_a.tsv', ['eolMediaURL\tidentifier\timclass\tconfidence', 'https://elsewhere.example/t.jpg\t2\tgood\t0.6']);
    const folder = path.dirname(f);
    await expect(empty.core.call('library.import', { source: folder })).rejects.toMatchObject({ code: 'not_found', file: folder, message: 'cannot merge the predictions of its 2 tag files: no trained model yet: train a model first' });
    expect((await empty.core.call('library.sources', {})).imports).toHaveLength(imports);
  });
});
