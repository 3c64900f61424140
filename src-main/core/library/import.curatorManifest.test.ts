/**
 * export-training's `curator_labels.tsv` read back by a folder import (folder.ts
 * readCuratorManifest, importer.ts): the folder a picture sits in now is the later word (a picture
 * the curator moved to agg/bad is bad, its folder's label, not the manifest's), a sha256 listed with
 * both labels is refused naming both lines, a byte order mark, an empty manifest or one of its
 * header only refuse nothing, a refusal names its file and line once, the manifest is not counted
 * among the files not imported, and choosing the export's `images` itself finds it beside.
 * Real folders, real pictures of the dev set, a real library.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeError, QcError } from '../../../src-shared/contract/errors';
import { importCountNotes, skippedFilesText } from '../../../src-shared/domain/library';
import { DEV_IMAGES, devRatings } from '../../../test-support/fixtures';
import { useTempLibrary } from '../../../test-support/devLibrary';
import { CURATOR_MANIFEST_HEADER } from './folder';

const PHOTOS = devRatings()
  .slice(0, 4)
  .map(([, url]) => path.join(DEV_IMAGES, path.basename(url)));
const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe("a folder import of export-training's layout with curator_labels.tsv", () => {
  const lib = useTempLibrary();
  let n = 0;
  /** DIR/images/agg/<label>/<photo> for each [photo index, folder label], and the manifest's text beside images/. */
  const exportDir = (placed: [number, 'good' | 'bad'][], manifest: string | Buffer | null): string => {
    const dir = path.join(lib.dir, `export${++n}`);
    for (const [i, label] of placed) {
      const to = path.join(dir, 'images', 'agg', label);
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(PHOTOS[i]!, path.join(to, path.basename(PHOTOS[i]!)));
    }
    if (manifest !== null) fs.writeFileSync(path.join(dir, 'curator_labels.tsv'), manifest);
    return dir;
  };
  const line = (i: number, label: string, folder = label) => `${sha(PHOTOS[i]!)}\t${label}\timages/agg/${folder}/${path.basename(PHOTOS[i]!)}`;
  const labelOf = (i: number) => lib.core.context.db.prepare('SELECT l.label, l.origin FROM labels l JOIN images i ON i.id = l.image_id WHERE i.sha256 = ?').get(sha(PHOTOS[i]!));
  const undoAll = async () => {
    // Each import's curator batch taken back, so the next test starts from the folder labels.
    while ((await lib.core.call('labels.undo', {})).batch_id !== null);
  };

  it('takes the label of the folder a picture was moved to since the export, not the manifest\'s, and says how many were so (audit-new72 F2)', async () => {
    // Photo 0 listed good, moved by the curator to agg/bad; photo 1 listed bad and still in agg/bad;
    // photo 2 listed bad with a file column of agg/good, and in agg/good (a hand edit): its folder says good.
    const dir = exportDir(
      [
        [0, 'bad'],
        [1, 'bad'],
        [2, 'good'],
      ],
      [CURATOR_MANIFEST_HEADER, line(0, 'good'), line(1, 'bad'), line(2, 'bad', 'good'), ''].join('\n'),
    );
    const r = await lib.core.call('library.import', { source: dir });
    expect(r.curator_labels).toEqual({ rows: 3, labelled: 1, unchanged: 0, conflicts: 0, not_here: 0, moved: 2 });
    expect(labelOf(0)).toEqual({ label: 'bad', origin: 'import' });
    expect(labelOf(1)).toEqual({ label: 'bad', origin: 'curator' });
    expect(labelOf(2)).toEqual({ label: 'good', origin: 'import' });
    expect(importCountNotes(r)).toContain(
      "3 pictures a curator labelled (curator_labels.tsv): 1 made a curator's label here, 0 already so, 0 conflicting, 2 no longer in the folder of their listed label (changed by hand since the export: their folder's label taken, not made a curator's) (one curator change: run qc undo on this library to take it back; the app's Undo does not)",
    );
    await undoAll();
  });

  it('refuses a sha256 listed with both labels, naming both lines, and the file and line once (audit-new72 F2, F7)', async () => {
    const dir = exportDir([[3, 'bad']], [CURATOR_MANIFEST_HEADER, line(3, 'bad'), line(0, 'good'), line(3, 'good'), ''].join('\n'));
    const manifest = path.join(dir, 'curator_labels.tsv');
    const imports = () => lib.core.context.db.prepare('SELECT COUNT(*) FROM imports').pluck().get();
    const before = imports();
    const e = (await lib.core.call('library.import', { source: dir }).catch((err: unknown) => err)) as QcError;
    expect(e).toBeInstanceOf(QcError);
    expect(e).toMatchObject({ code: 'bad_input', file: manifest, line: 4 });
    expect(describeError(e)).toBe(`${manifest}:4: sha256 ${sha(PHOTOS[3]!)} is listed good here and bad at line 2: a picture has one curator label; nothing was imported`);
    expect(imports()).toBe(before);
    // A bad header, said with its file and line once.
    fs.writeFileSync(manifest, 'SHA256\tlabel\tfile\n');
    const h = (await lib.core.call('library.import', { source: dir }).catch((err: unknown) => err)) as QcError;
    expect(describeError(h)).toBe(`${manifest}:1: not a list of curator labels (its header must be sha256, label, file); nothing was imported`);
  });

  it('reads a manifest saved with a byte order mark and upper-case sha256s, and imports the folder beside an empty or header-only one (audit-new72 F7)', async () => {
    const bom = exportDir([[1, 'bad']], Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${CURATOR_MANIFEST_HEADER}\r\n${line(1, 'bad').replace(/^[0-9a-f]+/, (s) => s.toUpperCase())}\r\n`)]));
    expect((await lib.core.call('library.import', { source: bom })).curator_labels).toMatchObject({ rows: 1, labelled: 1 });
    expect(labelOf(1)).toEqual({ label: 'bad', origin: 'curator' });
    await undoAll();
    for (const text of ['', `${CURATOR_MANIFEST_HEADER}\n`]) {
      const dir = exportDir([[2, 'good']], text);
      const r = await lib.core.call('library.import', { source: dir });
      expect(r.curator_labels, JSON.stringify(text)).toBeUndefined();
      expect(labelOf(2)).toEqual({ label: 'good', origin: 'import' });
    }
  });

  it("does not count the manifest it applied among the files not imported, and finds it beside the export's images folder when that is chosen (audit-new72 F8)", async () => {
    const dir = exportDir([[1, 'bad']], [CURATOR_MANIFEST_HEADER, line(1, 'bad'), ''].join('\n'));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'x');
    const r = await lib.core.call('library.import', { source: dir });
    expect(r.curator_labels).toMatchObject({ labelled: 1 });
    expect(r.skipped_files).toMatchObject({ count: 1, by_extension: { '.txt': 1 } });
    expect(skippedFilesText(r.skipped_files!)).not.toContain('.tsv');
    await undoAll();
    const images = await lib.core.call('library.import', { source: path.join(dir, 'images') });
    expect(images.curator_labels).toEqual({ rows: 1, labelled: 1, unchanged: 0, conflicts: 0, not_here: 0 });
    expect(labelOf(1)).toEqual({ label: 'bad', origin: 'curator' });
    await undoAll();
  });
});
