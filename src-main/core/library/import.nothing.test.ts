/**
 * Imports that have nothing to do record nothing: a folder with no image files is refused, naming
 * the folder and what it left out, and `--retry-failed` with no failed URL answers without adding
 * an import row (each used to record a "done, 0 images" import, filling the list of sources).
 * A real library, real folders.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { qcRejection, tempDir } from '../../../test-support/fixtures';
import { DEV_MIRRORS, devLibrary } from '../../../test-support/devLibrary';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('imports with nothing to import', () => {
  it('refuses a folder holding no image files, naming it and what it left out; records no import', async () => {
    const core = createCore({ dataDir: path.join(dir, 'empty-lib') });
    try {
      const imports = () => core.context.db.prepare('SELECT COUNT(*) FROM imports').pluck().get();
      const empty = path.join(dir, 'empty');
      fs.mkdirSync(empty);
      const notes = path.join(dir, 'notes');
      fs.mkdirSync(notes);
      fs.writeFileSync(path.join(notes, 'a.txt'), 'x');
      fs.writeFileSync(path.join(notes, 'b.txt'), 'y');
      fs.writeFileSync(path.join(notes, 'raw.bmp'), 'z');
      for (const [folder, says] of [
        [empty, /no image files/],
        [notes, /no image files.*left out: (2 \.txt, 1 \.bmp|1 \.bmp, 2 \.txt)/],
      ] as const) {
        const e = await qcRejection(core.call('library.import', { source: folder, kind: 'folder' }));
        expect([e.code, e.message, e.file]).toEqual(['bad_input', expect.stringMatching(says), fs.realpathSync(folder)]);
        const auto = await qcRejection(core.call('library.import', { source: folder }));
        expect(auto.code).toBe('bad_input');
      }
      expect(imports()).toBe(0);
      expect((await core.call('library.sources', {})).imports).toEqual([]);
    } finally {
      await core.close();
    }
  });

  it('a folder with no picture but input lists (a ratings file, tag files saved by Excel as .txt) names them, to import them instead', async () => {
    const core = createCore({ dataDir: path.join(dir, 'lists-lib') });
    try {
      const folder = path.join(dir, 'lists');
      fs.mkdirSync(folder);
      fs.writeFileSync(path.join(folder, 'image_ratings.txt'), 'obj_with_overall_rating\tobj_url\toverall_rating\n1\thttps://x.org/1.jpg\t2\n');
      // Excel's "Unicode Text": UTF-16LE with its byte order mark.
      fs.writeFileSync(path.join(folder, 'bundle_a.txt'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('eolMediaURL\timclass\tconfidence\r\nhttps://x.org/1.jpg\tbad\t0.9\r\n', 'utf16le')]));
      fs.writeFileSync(path.join(folder, 'notes.txt'), 'field notes\n');
      fs.writeFileSync(path.join(folder, 'exemplars.tsv'), 'target_id\tobject_url\tancestry\n1\thttps://x.org/1.jpg\t{}\n');
      const e = await qcRejection(core.call('library.import', { source: folder, kind: 'folder' }));
      expect(e.code).toBe('bad_input');
      expect(e.message).toContain('no image files');
      expect(e.message).toContain('it holds bundle_a.txt (a tag file), exemplars.tsv (an exemplars file), image_ratings.txt (a ratings file): import those files, not the folder');
      expect(e.message).not.toContain('notes.txt (');
      expect(core.context.db.prepare('SELECT COUNT(*) FROM imports').pluck().get()).toBe(0);
    } finally {
      await core.close();
    }
  });

  it('a folder given with a kind that reads a file is refused in words that fit each kind; records no import', async () => {
    const core = createCore({ dataDir: path.join(dir, 'kind-lib') });
    try {
      const folder = path.join(dir, 'pictures');
      fs.mkdirSync(folder);
      for (const [kind, says] of [
        ['ratings', 'ratings are read from a file (a TSV), not a folder'],
        ['exemplars', 'exemplars are read from a file (a TSV), not a folder'],
        ['bundle', 'a bundle is a file (a TSV or a list of URLs), not a folder'],
      ] as const) {
        const e = await qcRejection(core.call('library.import', { source: folder, kind }));
        expect([e.code, e.message, e.file]).toEqual(['bad_input', says, folder]);
      }
      expect(core.context.db.prepare('SELECT COUNT(*) FROM imports').pluck().get()).toBe(0);
    } finally {
      await core.close();
    }
  });

  it('retrying with no failed URL answers that nothing was tried and adds no import row, however often', async () => {
    const { core } = await devLibrary(path.join(dir, 'retry'), 3);
    try {
      const imports = () => core.context.db.prepare('SELECT COUNT(*) FROM imports').pluck().get();
      const before = imports();
      for (let i = 0; i < 2; i++) {
        const r = await core.call('library.retryFailed', { mirrors: DEV_MIRRORS });
        expect(r).toMatchObject({ import_id: 0, kind: 'retry', urls: 0, images_new: 0, failed: 0, network_requests: 0, cancelled: false });
      }
      expect(imports()).toBe(before);
    } finally {
      await core.close();
    }
  });
});
