/**
 * The tag-file rule in the core: a TSV whose header is a tag file's (eolMediaURL, imclass,
 * confidence; what qc classify and qc export write) is never silently imported as a new bundle of
 * URLs, through any front door. library.import with no kind merges it (or a folder of them) into
 * the active run, as qc import does; asked for a bundle (qc classify of an earlier output), it reads its rows without the
 * earlier tag columns. Real parts: a seeded library, the importer, a local mirror, the export.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DEV_IMAGES, DEV_URL_PREFIX, devRatings, tempDir, FINAL_TAGS_HEADER, linesWriter } from '../../../test-support/fixtures';
import { SEED_URL_PREFIX, seedLibrary } from '../../../test-support/seedLibrary';
import { exportBundle } from '../export/tags';
import { tagFilesAt } from './importer';

/** Command-line flags and commands, which the app's messages never name (as messages.test.ts). */
const CLI_WORDS = /--[a-z]|\bqc [a-z]/;

describe('tag files given to library.import', () => {
  const dir = tempDir('qc-tagfiles-');
  const lib = seedLibrary({ images: 20, runs: 1 });
  const db = lib.core.context.db;
  afterAll(async () => {
    await lib.core.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(lib.dataDir, { recursive: true, force: true });
  });
  const write = linesWriter(dir);
  const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  const predictions = () => db.prepare('SELECT image_id, p_bad FROM predictions WHERE run_id = ? ORDER BY image_id').all(lib.runId);

  it('never imports a final-tags or chunk file as a bundle: with no kind it is merged into the run (import.tagmerge.test.ts), no bundle, no download', async () => {
    const final = write('out/bundle_finaltags.tsv', [FINAL_TAGS_HEADER, `${SEED_URL_PREFIX}1.jpg\t1\t11\t\tbad\t0.9\tmodel\t0.900000`, `${SEED_URL_PREFIX}2.jpg\t2\t12\t\tgood\t0.8\tmodel\t0.200000`]);
    const chunk = path.join(dir, 'out', 'bundle_a.tsv');
    fs.writeFileSync(chunk, `\uFEFFeolMediaURL\tidentifier\timclass\tconfidence\r\n${SEED_URL_PREFIX}3.jpg\t3\tbad\t0.7\r\n`);
    const before = { bundles: count('bundles'), imports: count('imports'), rows: count('source_rows'), images: count('images') };
    for (const f of [final, chunk]) {
      const r = await lib.core.call('library.import', { source: f });
      expect(r).toMatchObject({ kind: 'tags', bundle_id: null, images_new: 0, network_requests: 0, tags: { run_id: lib.runId, files: 1 } });
      expect(r).not.toMatchObject({ message: expect.stringMatching(CLI_WORDS) });
    }
    expect({ bundles: count('bundles'), imports: count('imports'), rows: count('source_rows'), images: count('images') }).toEqual(before);
    expect((await lib.core.call('library.sources', {})).bundles).toEqual([]);
    expect(predictions().length).toBeGreaterThan(0);
  });

  it('merges a folder holding tag files, and imports its pictures only when told it is a folder of pictures', async () => {
    const folder = path.join(dir, 'mixed');
    write('mixed/x_finaltags.tsv', [FINAL_TAGS_HEADER, `${DEV_URL_PREFIX}9000001.jpg\t1\t11\t\tbad\t0.9\tmodel\t0.900000`]);
    write('mixed/x_a.tsv', ['eolMediaURL\timclass\tconfidence', `${DEV_URL_PREFIX}9000001.jpg\tbad\t0.9`]);
    fs.copyFileSync(path.join(DEV_IMAGES, '9000002.jpg'), path.join(folder, 'picture.jpg'));
    const images = count('images');
    expect(await lib.core.call('library.import', { source: folder })).toMatchObject({ kind: 'tags', tags: { files: 2, rows: 2, remote: 2 } });
    expect(count('images')).toBe(images);
    const r = await lib.core.call('library.import', { source: folder, kind: 'folder' });
    expect(r).toMatchObject({ kind: 'folder', images_new: 1 });
  });

  it('finds tag files by their header, the one detector qc import uses: the file itself, or the *.tsv and *.txt of a folder in name order', () => {
    const folder = path.join(dir, 'detect');
    const b = write('detect/b_finaltags.tsv', [FINAL_TAGS_HEADER]);
    const a = write('detect/a_a.tsv', ['eolMediaURL\tidentifier\timclass\tconfidence']);
    write('detect/bundle.tsv', ['eolMediaURL\tidentifier', 'https://x.org/1.jpg\t1']);
    // A tag file saved by Excel as .txt is one; notes and other lists are not.
    const c = write('detect/c_a.txt', ['eolMediaURL\timclass\tconfidence']);
    write('detect/notes.txt', ['field notes']);
    write('detect/ratings.txt', ['obj_with_overall_rating\tobj_url\toverall_rating']);
    write('detect/pic.csv', ['eolMediaURL\timclass\tconfidence']);
    fs.mkdirSync(path.join(folder, 'sub.tsv'));
    fs.mkdirSync(path.join(folder, 'sub.txt'));
    expect(tagFilesAt(folder)).toEqual([a, b, c]);
    // A .txt that cannot be read is not one (field notes beside pictures); a .tsv is refused by name.
    if (process.platform !== 'win32' && process.getuid?.() !== 0) {
      const locked = write('detect-locked/notes.txt', ['x']);
      fs.chmodSync(locked, 0o000);
      expect(tagFilesAt(path.dirname(locked))).toEqual([]);
    }
    expect(tagFilesAt(b)).toEqual([b]);
    expect(tagFilesAt(path.join(folder, 'bundle.tsv'))).toEqual([]);
    expect(tagFilesAt(path.join(dir, 'nothing-here'))).toEqual([]);
  });

  it("opens no .txt beside pictures (each picture's caption): only the folder's .tsv are read for a tag header", () => {
    const folder = path.join(dir, 'captioned');
    const tsv = write('captioned/x_a.tsv', ['eolMediaURL\timclass\tconfidence']);
    for (let i = 0; i < 50; i++) write(`captioned/img${i}.txt`, ['a beetle on a leaf, macro']);
    // Even a .txt with a tag header: beside pictures a .txt is taken for a caption, and not read.
    write('captioned/z_b.txt', ['eolMediaURL\timclass\tconfidence']);
    fs.copyFileSync(path.join(DEV_IMAGES, '9000002.jpg'), path.join(folder, 'img0.JPG'));
    const opens = vi.spyOn(fs, 'openSync');
    try {
      expect(tagFilesAt(folder)).toEqual([tsv]);
      expect(opens.mock.calls.map(([f]) => f)).toEqual([tsv]);
    } finally {
      opens.mockRestore();
    }
    // With the picture gone, the folder's .txt are read again (a folder of tag files saved as "Unicode Text").
    fs.rmSync(path.join(folder, 'img0.JPG'));
    expect(tagFilesAt(folder)).toEqual([tsv, path.join(folder, 'z_b.txt')]);
  });

  it('imports a tag file asked for as a bundle (an earlier output classified again) without its earlier tag columns, so its export has each column once', async () => {
    const rows = devRatings().slice(0, 3);
    const f = write('again/old_finaltags.tsv', [FINAL_TAGS_HEADER, ...rows.map(([id, url], i) => `${url}\t${id}\t${i}\t\t${i ? 'good' : 'NA'}\t${i ? '0.8' : ''}\t${i ? 'model' : 'none'}\t${i ? '0.200000' : ''}`)]);
    const r = await lib.core.call('library.import', { source: f, kind: 'bundle', mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
    expect(r).toMatchObject({ kind: 'bundle', rows: 3, failed: 0 });
    const bundle = db.prepare('SELECT columns FROM bundles WHERE id = ?').get(r.bundle_id) as { columns: string };
    expect(JSON.parse(bundle.columns)).toEqual(['eolMediaURL', 'identifier', 'dataObjectVersionID', 'ancestry']);
    const raw = (db.prepare('SELECT raw FROM source_rows WHERE origin = ? ORDER BY line').pluck().all(f) as string[]).map((s) => Object.keys(JSON.parse(s) as object));
    expect(raw).toEqual(Array(3).fill(['eolMediaURL', 'identifier', 'dataObjectVersionID', 'ancestry']));
    const out = path.join(dir, 'again-out');
    await exportBundle(db, { bundleId: r.bundle_id!, runId: lib.runId, threshold: 0.5, outDir: out });
    for (const name of ['old_finaltags_a.tsv', 'old_finaltags_finaltags.tsv']) {
      const header = fs.readFileSync(path.join(out, name), 'utf8').split('\n')[0]!.split('\t');
      expect(new Set(header).size, `${name}: ${header.join(' ')}`).toBe(header.length);
    }
  });
});
