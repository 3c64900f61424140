/**
 * Library writes never go through a link planted inside the library (audit 3, finding 2): a
 * shared, synced or unpacked library folder whose `originals/7b`, `thumbs/c5`, a kind folder or
 * `tmp/` leads elsewhere. putFile refuses, naming the link, and creates nothing outside; an import
 * records the failure for that picture and brings in the others. Real files, a real library.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QcError } from '../../../src-shared/contract/errors';
import { DEV_IMAGES, tempDir } from '../../../test-support/fixtures';
import { createCore } from '../app';
import { libraryPaths, type LibraryPaths } from '../paths';
import { ImageStore, putFile } from './store';

let dir: string;
let paths: LibraryPaths;
let outside: string;

beforeEach(() => {
  dir = tempDir('qc-store-links-');
  paths = libraryPaths(path.join(dir, 'data'));
  new ImageStore(paths);
  outside = path.join(dir, 'outside');
  fs.mkdirSync(outside);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Everything under `folder`, recursively. */
const under = (folder: string) => fs.readdirSync(folder, { recursive: true }).map(String).sort();

async function refusal(p: Promise<unknown>): Promise<QcError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(QcError);
  return e as QcError;
}

describe('putFile and links inside the library', () => {
  it('refuses a subfolder of a kind folder that is a link out (originals/7b, thumbs/c5), naming it', async () => {
    for (const rel of ['originals/7b/7b00.jpg', 'thumbs/c5/c500.webp']) {
      const link = path.join(paths.root, path.dirname(rel));
      fs.symlinkSync(outside, link);
      const e = await refusal(putFile(paths, rel, Buffer.from('bytes')));
      expect(e.code).toBe('bad_input');
      expect(e.message).toContain(`${link} is a link`);
      for (const replace of [true, false]) await expect(putFile(paths, rel, Buffer.from('bytes'), { replace })).rejects.toThrow(/is a link/);
      expect(under(outside)).toEqual([]);
      expect(under(paths.tmp)).toEqual([]);
    }
  });

  it('refuses when a whole kind folder, or a folder on the way, is a link out', async () => {
    fs.rmSync(paths.previews, { recursive: true });
    fs.symlinkSync(outside, paths.previews);
    await expect(putFile(paths, 'previews/ab/ab00.webp', Buffer.from('x'))).rejects.toThrow(`${paths.previews} is a link`);
    // runs/ID/train_graphs (export/graphs.ts writes a run's charts with putFile)
    fs.mkdirSync(path.join(paths.root, 'runs'));
    fs.symlinkSync(outside, path.join(paths.root, 'runs', '7'));
    await expect(putFile(paths, 'runs/7/train_graphs/loss.svg', Buffer.from('<svg/>'), { replace: true })).rejects.toThrow(/is a link/);
    expect(under(outside)).toEqual([]);
  });

  it("refuses when the library's tmp/ is a link out (the file would be written there first)", async () => {
    fs.rmSync(paths.tmp, { recursive: true });
    fs.symlinkSync(outside, paths.tmp);
    await expect(putFile(paths, 'originals/ab/ab00.jpg', Buffer.from('x'))).rejects.toThrow(`${paths.tmp} is a link`);
    expect(under(outside)).toEqual([]);
    expect(fs.existsSync(path.join(paths.originals, 'ab', 'ab00.jpg'))).toBe(false);
  });

  it('replaces a link where the file itself should be, never writing through it', async () => {
    const victim = path.join(outside, 'victim.txt');
    fs.writeFileSync(victim, 'keep me');
    fs.mkdirSync(path.join(paths.originals, 'ab'));
    const dest = path.join(paths.originals, 'ab', 'ab00.jpg');
    fs.symlinkSync(victim, dest);
    await putFile(paths, 'originals/ab/ab00.jpg', Buffer.from('stored'));
    expect(fs.lstatSync(dest).isFile()).toBe(true);
    expect(fs.readFileSync(dest, 'utf8')).toBe('stored');
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep me');
  });

  it('still stores into plain folders, making them one level at a time, and keeps a file already there', async () => {
    await putFile(paths, 'thumbs/ab/ab00.webp', Buffer.from('one'));
    await putFile(paths, 'thumbs/ab/ab00.webp', Buffer.from('two'));
    expect(fs.readFileSync(path.join(paths.thumbs, 'ab', 'ab00.webp'), 'utf8')).toBe('one');
    await putFile(paths, 'thumbs/ab/ab00.webp', Buffer.from('three'), { replace: true });
    expect(fs.readFileSync(path.join(paths.thumbs, 'ab', 'ab00.webp'), 'utf8')).toBe('three');
    expect(under(paths.tmp)).toEqual([]);
  });
});

describe('an import into a library with a link planted in originals/', () => {
  it('records a failure naming the link for the picture that would go through it, and imports the others', async () => {
    const photos = path.join(dir, 'photos');
    fs.mkdirSync(photos);
    const names = ['9000001.jpg', '9000002.jpg', '9000003.jpg'];
    for (const n of names) fs.copyFileSync(path.join(DEV_IMAGES, n), path.join(photos, n));
    const hash = createHash('sha256').update(fs.readFileSync(path.join(photos, names[1]!))).digest('hex');
    const others = names.filter((n) => n !== names[1]).map((n) => createHash('sha256').update(fs.readFileSync(path.join(photos, n))).digest('hex').slice(0, 2));
    expect(others).not.toContain(hash.slice(0, 2)); // the other pictures are stored in other shards
    const link = path.join(paths.originals, hash.slice(0, 2));
    fs.symlinkSync(outside, link);
    const core = createCore({ dataDir: paths.root, ml: 'in-process' });
    try {
      const s = await core.call('library.import', { source: photos });
      expect(s.images_new).toBe(2);
      expect(s.failures_by_reason).toEqual({ internal: 1 });
      const failures = core.context.db.prepare('SELECT url, reason, detail FROM failures').all() as { url: string; reason: string; detail: string }[];
      expect(failures).toHaveLength(1);
      expect(failures[0]!.url).toContain(names[1]);
      expect(failures[0]!.detail).toContain(`${link} is a link`);
      expect(under(outside)).toEqual([]);
      expect((core.context.db.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n).toBe(2);
      // With the link gone, importing again brings the picture in where it belongs.
      fs.rmSync(link);
      expect((await core.call('library.import', { source: photos, retryFailed: true })).images_new).toBe(1);
      expect(fs.lstatSync(link).isDirectory()).toBe(true);
      expect(under(outside)).toEqual([]);
    } finally {
      await core.close();
    }
  });
});
