import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import type { CoreContext } from '../context';
import type { FileKind } from '../../../src-shared/contract/transport';
import { imageFileOnDisk, insideDir, openImageFileOnDisk, resolveImageFile } from './files';
import { Importer } from './importer';
import { DEV_IMAGES, tempDir } from '../../../test-support/fixtures';

/** As both transports serve an image: the file checked (imageFileOnDisk), then opened only if it is still that file. */
async function openImageFile(core: Pick<CoreContext, 'db' | 'paths'>, kind: FileKind, imageId: number) {
  const file = await imageFileOnDisk(core, kind, imageId);
  return file && openImageFileOnDisk(file);
}

let dir: string;
let core: Core;

/** dir/src with small.jpg (a dev photo, its own preview) and large.png (1,600 px: it gets a separate WebP preview). */
async function sourceFolder(dir: string): Promise<string> {
  const src = path.join(dir, 'src');
  fs.mkdirSync(src);
  fs.copyFileSync(path.join(DEV_IMAGES, '9000001.jpg'), path.join(src, 'small.jpg'));
  await sharp(path.join(DEV_IMAGES, '9000002.jpg')).resize(1600).png().toFile(path.join(src, 'large.png'));
  return src;
}

/** Image id by the file name its URL ends in. */
function idsByFileName(c: Core): Record<string, number> {
  const rows = c.context.db.prepare('SELECT i.id, u.url FROM images i JOIN image_urls u ON u.image_id = i.id').all() as { id: number; url: string }[];
  return Object.fromEntries(rows.map((r) => [path.basename(r.url), r.id]));
}
/** image id by source file name */
const ids: Record<string, number> = {};

describe('resolveImageFile', () => {
  beforeAll(async () => {
    dir = tempDir('qc-files-');
    const src = await sourceFolder(dir);
    core = createCore({ dataDir: path.join(dir, 'data'), ml: 'in-process' });
    const summary = await core.call('library.import', { source: src });
    expect(summary.images_new).toBe(2);
    Object.assign(ids, idsByFileName(core));
  });
  afterAll(async () => {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds the thumbnail, preview and original of an image that is its own preview', () => {
    const id = ids['small.jpg']!;
    const original = fs.readFileSync(path.join(DEV_IMAGES, '9000001.jpg'));
    const thumb = resolveImageFile(core.context, 'thumb', id)!;
    expect(thumb.contentType).toBe('image/webp');
    expect(thumb.path.startsWith(path.join(core.context.paths.root, 'thumbs') + path.sep)).toBe(true);
    expect(fs.readFileSync(thumb.path).subarray(8, 12).toString('latin1')).toBe('WEBP');
    const orig = resolveImageFile(core.context, 'original', id)!;
    expect(orig.contentType).toBe('image/jpeg');
    expect(fs.readFileSync(orig.path).equals(original)).toBe(true);
    const preview = resolveImageFile(core.context, 'preview', id)!;
    expect(preview).toEqual(orig);
  });

  it('serves a separate WebP preview for a large original', () => {
    const id = ids['large.png']!;
    const preview = resolveImageFile(core.context, 'preview', id)!;
    expect(preview.contentType).toBe('image/webp');
    expect(preview.path).toContain(`${path.sep}previews${path.sep}`);
    expect(fs.existsSync(preview.path)).toBe(true);
    expect(resolveImageFile(core.context, 'original', id)!.contentType).toBe('image/png');
  });

  it('returns null for unknown or invalid ids', () => {
    expect(resolveImageFile(core.context, 'thumb', 999_999)).toBeNull();
    expect(resolveImageFile(core.context, 'thumb', 0)).toBeNull();
    expect(resolveImageFile(core.context, 'thumb', -1)).toBeNull();
    expect(resolveImageFile(core.context, 'thumb', 1.5)).toBeNull();
  });

  it('refuses a stored path that escapes the data dir', () => {
    const { db } = core.context;
    const ins = db
      .prepare("INSERT INTO images (sha256, path, format, width, height, bytes, thumb_path, preview_path) VALUES (?, ?, 'jpeg', 1, 1, 1, ?, ?)")
      .run('f'.repeat(64), '../../etc/passwd', path.resolve('/etc/passwd'), 'thumbs/../../outside.webp');
    const id = Number(ins.lastInsertRowid);
    expect(resolveImageFile(core.context, 'original', id)).toBeNull();
    expect(resolveImageFile(core.context, 'thumb', id)).toBeNull();
    expect(resolveImageFile(core.context, 'preview', id)).toBeNull();
    db.prepare('DELETE FROM images WHERE id = ?').run(id);
  });

  it('imageFileOnDisk serves nothing whose path leaves the folder of its kind, as written or through a link', async () => {
    const { db, paths } = core.context;
    const secret = path.join(dir, 'secret.txt');
    fs.writeFileSync(secret, 'TOP SECRET outside the library\n');
    fs.symlinkSync(secret, path.join(paths.originals, 'zz_link.jpg'));
    fs.symlinkSync(paths.root, path.join(paths.thumbs, 'zz_root'));
    const id = ids['small.jpg']!;
    const row = db.prepare('SELECT path, thumb_path, preview_path FROM images WHERE id = ?').get(id) as { path: string; thumb_path: string; preview_path: string };
    const set = db.prepare('UPDATE images SET path = ?, thumb_path = ?, preview_path = ? WHERE id = ?');
    try {
      for (const [original, thumb] of [
        ['originals/../library.sqlite', 'thumbs/../library.sqlite'],
        ['originals/zz_link.jpg', 'thumbs/zz_root/library.sqlite'],
        ['thumbs/../library.sqlite', row.path], // each kind stays in its own folder
      ] as const) {
        set.run(original, thumb, original, id);
        for (const kind of ['original', 'preview', 'thumb'] as const) expect(await imageFileOnDisk(core.context, kind, id), `${kind} ${original} ${thumb}`).toBeNull();
      }
      // A link inside originals/ to a file inside originals/ is fine: the answer is the file it leads to.
      fs.symlinkSync(path.join(paths.root, row.path), path.join(paths.originals, 'zz_inside.jpg'));
      set.run('originals/zz_inside.jpg', row.thumb_path, 'originals/zz_inside.jpg', id);
      const inside = (await imageFileOnDisk(core.context, 'original', id))!;
      expect(inside).toMatchObject({ path: fs.realpathSync(path.join(paths.root, row.path)), size: fs.statSync(path.join(paths.root, row.path)).size });
    } finally {
      set.run(row.path, row.thumb_path, row.preview_path, id);
      for (const f of ['originals/zz_link.jpg', 'originals/zz_inside.jpg', 'thumbs/zz_root']) fs.rmSync(path.join(paths.root, f), { force: true });
    }
    expect((await imageFileOnDisk(core.context, 'original', id))!.path).toBe(path.join(paths.root, row.path));
    // No thumbnail is made from an original that links out (here to a real photo outside the library).
    const before = fs.readdirSync(paths.thumbs, { recursive: true }).length;
    fs.symlinkSync(path.join(DEV_IMAGES, '9000003.jpg'), path.join(paths.originals, 'zz_photo.jpg'));
    set.run('originals/zz_photo.jpg', 'thumbs/zz/never.webp', 'originals/zz_photo.jpg', id);
    try {
      expect(await imageFileOnDisk(core.context, 'thumb', id)).toBeNull();
      expect(fs.readdirSync(paths.thumbs, { recursive: true }).length).toBe(before);
    } finally {
      set.run(row.path, row.thumb_path, row.preview_path, id);
      fs.rmSync(path.join(paths.originals, 'zz_photo.jpg'));
    }
  });
});

describe('imageFileOnDisk: a link or folder swapped between the check and the open', () => {
  let dir3: string;
  let core3: Core;
  let id: number;
  let row: { thumb_path: string };
  const SECRET = Buffer.from('TOP SECRET outside the library\n');

  beforeAll(async () => {
    dir3 = tempDir('qc-files-swap-');
    const src = await sourceFolder(dir3);
    core3 = createCore({ dataDir: path.join(dir3, 'data'), ml: 'in-process' });
    await core3.call('library.import', { source: src });
    id = idsByFileName(core3)['small.jpg']!;
    row = core3.context.db.prepare('SELECT thumb_path FROM images WHERE id = ?').get(id) as { thumb_path: string };
    fs.mkdirSync(path.join(dir3, 'outside'));
    fs.writeFileSync(path.join(dir3, 'outside', 'secret.webp'), SECRET);
    fs.writeFileSync(path.join(dir3, 'outside', 't.webp'), SECRET);
  });
  afterAll(async () => {
    await core3.close();
    fs.rmSync(dir3, { recursive: true, force: true });
  });

  /** Reads what an open file holds, and closes it. */
  async function readOpen(open: Awaited<ReturnType<typeof openImageFile>>): Promise<Buffer | null> {
    if (!open) return null;
    try {
      const buf = Buffer.alloc(open.size);
      await open.handle.read(buf, 0, open.size, 0);
      return buf;
    } finally {
      await open.handle.close();
    }
  }

  it('answers the real path it checked: a thumbs/ link swapped to point outside afterwards is never followed', async () => {
    const { db, paths } = core3.context;
    const realThumb = path.join(paths.root, row.thumb_path);
    const thumbBytes = fs.readFileSync(realThumb);
    const link = path.join(paths.thumbs, 'zz_link.webp');
    fs.symlinkSync(realThumb, link);
    const set = db.prepare('UPDATE images SET thumb_path = ? WHERE id = ?');
    set.run('thumbs/zz_link.webp', id);
    try {
      const checked = (await imageFileOnDisk(core3.context, 'thumb', id))!;
      expect(checked).not.toBeNull();
      // The swap, after the check and before the caller opens what it was given.
      fs.rmSync(link);
      fs.symlinkSync(path.join(dir3, 'outside', 'secret.webp'), link);
      // As the desktop app's app:// handler does: open the answered path.
      const read = fs.readFileSync(checked.path);
      expect(read.equals(SECRET)).toBe(false);
      expect(read.equals(thumbBytes)).toBe(true);
      const opened = await readOpen(await openImageFileOnDisk(checked));
      expect(opened?.equals(thumbBytes)).toBe(true);
      // Asked again after the swap: the link now leads out, so nothing at all.
      expect(await imageFileOnDisk(core3.context, 'thumb', id)).toBeNull();
      expect(await openImageFile(core3.context, 'thumb', id)).toBeNull();
    } finally {
      set.run(row.thumb_path, id);
      fs.rmSync(link, { force: true });
    }
  });

  it('opens nothing when a folder above the checked file is swapped for a link out before the open', async () => {
    const { db, paths } = core3.context;
    const folder = path.join(paths.thumbs, 'zz_dir');
    fs.mkdirSync(folder);
    fs.copyFileSync(path.join(paths.root, row.thumb_path), path.join(folder, 't.webp'));
    const set = db.prepare('UPDATE images SET thumb_path = ? WHERE id = ?');
    set.run('thumbs/zz_dir/t.webp', id);
    try {
      const checked = (await imageFileOnDisk(core3.context, 'thumb', id))!;
      expect(checked.path).toBe(fs.realpathSync(path.join(folder, 't.webp')));
      // The swap: the checked file's folder becomes a link to a folder outside holding a t.webp.
      fs.renameSync(folder, `${folder}.moved`);
      fs.symlinkSync(path.join(dir3, 'outside'), folder);
      expect(fs.readFileSync(checked.path).equals(SECRET)).toBe(true); // the path alone would now read the secret
      expect(await openImageFileOnDisk(checked)).toBeNull();
      // The file itself replaced by a link out: refused too.
      fs.rmSync(folder);
      fs.renameSync(`${folder}.moved`, folder);
      const again = (await imageFileOnDisk(core3.context, 'thumb', id))!;
      fs.rmSync(path.join(folder, 't.webp'));
      fs.symlinkSync(path.join(dir3, 'outside', 'secret.webp'), path.join(folder, 't.webp'));
      expect(await openImageFileOnDisk(again)).toBeNull();
    } finally {
      set.run(row.thumb_path, id);
      fs.rmSync(folder, { recursive: true, force: true });
      fs.rmSync(`${folder}.moved`, { recursive: true, force: true });
    }
    // Untouched, the thumbnail is opened and read whole.
    const whole = await readOpen(await openImageFile(core3.context, 'thumb', id));
    expect(whole?.equals(fs.readFileSync(path.join(paths.root, row.thumb_path)))).toBe(true);
  });

  it('serves a hard link planted in the library only when it is a picture: never a key or a text elsewhere on the disk', async () => {
    const { db, paths } = core3.context;
    const original = db.prepare('SELECT path FROM images WHERE id = ?').pluck().get(id) as string;
    const planted = path.join(paths.originals, 'zz_planted.jpg');
    const set = db.prepare('UPDATE images SET path = ? WHERE id = ?');
    // A hard link's real path is inside, and its device and inode are its own: only its bytes tell.
    fs.linkSync(path.join(dir3, 'outside', 'secret.webp'), planted);
    set.run('originals/zz_planted.jpg', id);
    try {
      expect(fs.statSync(planted).nlink).toBe(2);
      expect(await imageFileOnDisk(core3.context, 'original', id)).not.toBeNull();
      expect(await openImageFile(core3.context, 'original', id)).toBeNull();
      // A hard link to a picture (a library a backup tool snapshotted with hard links) is served.
      fs.rmSync(planted);
      fs.linkSync(path.join(paths.root, original), planted);
      const served = await readOpen(await openImageFile(core3.context, 'original', id));
      expect(served?.equals(fs.readFileSync(path.join(paths.root, original)))).toBe(true);
      // An empty file is nothing to serve either.
      fs.rmSync(planted);
      fs.writeFileSync(planted, '');
      expect(await openImageFile(core3.context, 'original', id)).toBeNull();
    } finally {
      set.run(original, id);
      fs.rmSync(planted, { force: true });
    }
  });
});

describe('imageFileOnDisk: thumbnails and previews left for later', () => {
  let dir2: string;
  let core2: Core;
  const later: Record<string, number> = {};

  beforeAll(async () => {
    dir2 = tempDir('qc-files-later-');
    const src = await sourceFolder(dir2);
    fs.copyFileSync(path.join(DEV_IMAGES, '9000003.jpg'), path.join(src, 'gone.jpg'));
    core2 = createCore({ dataDir: path.join(dir2, 'data'), ml: 'in-process' });
    // As ml.classify imports a bundle: the images are checked, their thumbnails and previews not made.
    const importer = new Importer(core2.context);
    const s = await importer.run({ source: src }, { signal: new AbortController().signal, progress: () => {} }, { derived: 'later' });
    expect(s.images_new).toBe(3);
    Object.assign(later, idsByFileName(core2));
  });
  afterAll(async () => {
    await core2.close();
    fs.rmSync(dir2, { recursive: true, force: true });
  });

  it('stores only the originals, then makes each thumbnail and preview once, when first asked for', async () => {
    const { root } = core2.context.paths;
    const filesUnder = (sub: string) => (fs.existsSync(path.join(root, sub)) ? fs.readdirSync(path.join(root, sub), { recursive: true }).filter((f) => String(f).endsWith('.webp')) : []);
    expect(filesUnder('thumbs')).toEqual([]);
    expect(filesUnder('previews')).toEqual([]);
    const id = later['large.png']!;
    // Several requests at once share one rendering and all get the same file.
    const thumbs = await Promise.all([1, 2, 3].map(() => imageFileOnDisk(core2.context, 'thumb', id)));
    expect(new Set(thumbs.map((t) => t?.path)).size).toBe(1);
    const thumb = thumbs[0]!;
    expect(thumb).toMatchObject({ contentType: 'image/webp', size: fs.statSync(thumb.path).size });
    const meta = await sharp(thumb.path).metadata();
    expect([meta.format, Math.max(meta.width!, meta.height!)]).toEqual(['webp', 256]);
    expect(filesUnder('thumbs')).toHaveLength(1);
    expect(fs.readdirSync(core2.context.paths.tmp)).toEqual([]);
    const preview = (await imageFileOnDisk(core2.context, 'preview', id))!;
    expect(preview.path).toContain(`${path.sep}previews${path.sep}`);
    const pm = await sharp(preview.path).metadata();
    expect(Math.max(pm.width!, pm.height!)).toBe(1024);
    // A small sRGB JPEG is its own preview: nothing is made for it.
    const small = later['small.jpg']!;
    expect((await imageFileOnDisk(core2.context, 'preview', small))!.path).toBe(resolveImageFile(core2.context, 'original', small)!.path);
    expect(filesUnder('previews')).toHaveLength(1);
  });

  it('makes nothing through a link planted in thumbs/ (a subfolder leading out of the library): serves nothing, writes nothing outside', async () => {
    const id = later['small.jpg']!;
    const thumb = resolveImageFile(core2.context, 'thumb', id)!.path;
    const shard = path.dirname(thumb);
    expect(fs.existsSync(shard)).toBe(false); // not made yet (large.png's thumbnail is in another shard)
    const outside = path.join(dir2, 'outside');
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, shard);
    try {
      expect(await imageFileOnDisk(core2.context, 'thumb', id)).toBeNull();
      expect(await imageFileOnDisk(core2.context, 'thumb', id)).toBeNull(); // asked again: still nothing
      expect(fs.readdirSync(outside)).toEqual([]);
      expect(fs.readdirSync(core2.context.paths.tmp)).toEqual([]);
    } finally {
      fs.rmSync(shard);
    }
    // Without the link, it is made where it belongs.
    expect((await imageFileOnDisk(core2.context, 'thumb', id))!.path).toBe(thumb);
    expect(fs.lstatSync(shard).isDirectory()).toBe(true);
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it('serves nothing when the original it would be made from is gone, and nothing for unknown ids', async () => {
    const id = later['gone.jpg']!;
    fs.rmSync(resolveImageFile(core2.context, 'original', id)!.path);
    expect(await imageFileOnDisk(core2.context, 'thumb', id)).toBeNull();
    expect(await imageFileOnDisk(core2.context, 'original', id)).toBeNull();
    expect(await imageFileOnDisk(core2.context, 'thumb', 999_999)).toBeNull();
    expect(fs.existsSync(resolveImageFile(core2.context, 'thumb', id)!.path)).toBe(false);
  });
});

describe('insideDir', () => {
  it('keeps paths inside the root and refuses the rest', () => {
    const root = path.resolve('/data/lib');
    expect(insideDir(root, 'thumbs/ab/x.webp')).toBe(path.join(root, 'thumbs', 'ab', 'x.webp'));
    expect(insideDir(root, 'thumbs/../originals/x.jpg')).toBe(path.join(root, 'originals', 'x.jpg'));
    for (const bad of ['', '.', '..', '../x', 'a/../../x', '/etc/passwd', 'C:\\x', 'a\0b']) expect(insideDir(root, bad), bad).toBeNull();
  });
});
