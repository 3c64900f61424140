/**
 * Nothing in the library's own folder comes back in as a picture: its thumbnails, previews and
 * copies of imported pictures would be new, unlabelled near-duplicates of its images. A chosen
 * folder that is the library (or inside it, or a link to it) is refused before anything is written;
 * a chosen folder that holds the library imports its pictures and leaves the library's folder out
 * with its reason; a mirror folder inside the library is refused; a `file:` URL or a mirror file that
 * leads into the library fails with its reason. Real folders, links and a real library.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEV_IMAGES, devRatings } from '../../../test-support/fixtures';
import { DEV_MIRRORS, useTempLibrary } from '../../../test-support/devLibrary';
import { writeRatingsFile } from '../../../test-support/image-server';
import type { QcError } from '../../../src-shared/contract/errors';
import { createCore } from '../app';
import { IN_LIBRARY, isInLibrary } from './inLibrary';

const ROWS = devRatings().slice(0, 4);

describe('the library folder is never a source of pictures', () => {
  const lib = useTempLibrary();
  const count = () => lib.core.context.db.prepare('SELECT COUNT(*) FROM images').pluck().get() as number;
  const imports = () => lib.core.context.db.prepare('SELECT COUNT(*) FROM imports').pluck().get() as number;
  const refusal = async (args: Parameters<typeof lib.core.call<'library.import'>>[1]) => {
    try {
      await lib.core.call('library.import', args);
    } catch (e) {
      return e as QcError;
    }
    throw new Error('the import was not refused');
  };

  beforeAll(async () => {
    // A library with images, so it has originals, thumbnails and previews on disk.
    const ratings = path.join(lib.dir, 'ratings.txt');
    writeRatingsFile(ratings, ROWS);
    await lib.core.call('library.import', { source: ratings, mirrors: DEV_MIRRORS });
    expect(count()).toBe(ROWS.length);
    const thumbs = path.join(lib.dataDir, 'thumbs');
    expect(fs.readdirSync(thumbs, { recursive: true }).length).toBeGreaterThan(0);
  });

  it('refuses the library folder, a folder inside it and a link to it as a folder to import, storing nothing', async () => {
    const link = path.join(lib.dir, 'link-to-library');
    fs.symlinkSync(lib.dataDir, link);
    const before = { images: count(), imports: imports() };
    for (const source of [lib.dataDir, path.join(lib.dataDir, 'thumbs'), link, path.join(link, 'previews')]) {
      const e = await refusal({ source });
      expect(e.code, source).toBe('bad_input');
      expect(e.message).toMatch(/inside it|library folder/);
      expect(e.file).toBe(path.resolve(source));
    }
    expect({ images: count(), imports: imports() }).toEqual(before);
  });

  it('imports the pictures of a folder that holds the library, and leaves the library folder out with its reason', async () => {
    // A curator's pictures folder with the library kept inside it.
    const { dir } = lib;
    const pictures = path.join(dir, 'pictures');
    fs.mkdirSync(pictures);
    fs.copyFileSync(path.join(DEV_IMAGES, path.basename(devRatings()[10]![1])), path.join(pictures, 'mine.jpg'));
    // A second library, kept inside the folder.
    const nested = path.join(pictures, 'qc-library');
    const inner = createCore({ dataDir: nested });
    try {
      const ratings = path.join(dir, 'ratings-inner.txt');
      writeRatingsFile(ratings, ROWS.slice(0, 2));
      await inner.call('library.import', { source: ratings, mirrors: DEV_MIRRORS });
      const innerThumbs = fs.readdirSync(path.join(nested, 'thumbs'), { recursive: true }).filter((n) => String(n).endsWith('.jpg') || String(n).endsWith('.webp'));
      expect(innerThumbs.length).toBeGreaterThan(0);
      const before = (inner.context.db.prepare('SELECT COUNT(*) FROM images').pluck().get() as number);
      const summary = await inner.call('library.import', { source: pictures });
      // Only the curator's picture came in; the library's own files were not read.
      expect(inner.context.db.prepare('SELECT COUNT(*) FROM images').pluck().get()).toBe(before + 1);
      expect(summary.images_new).toBe(1);
      const failures = (await inner.call('library.failures', {})).failures;
      expect(failures.find((f) => f.file === nested)).toMatchObject({ reason: 'local_refused', detail: IN_LIBRARY });
      expect(failures.filter((f) => f.file?.startsWith(nested + path.sep))).toEqual([]);
    } finally {
      await inner.close();
    }
  });

  it('refuses a mirror folder inside the library before anything is fetched', async () => {
    const ratings = path.join(lib.dir, 'ratings-mirror.txt');
    writeRatingsFile(ratings, devRatings().slice(20, 22));
    const before = { images: count(), imports: imports() };
    const e = await refusal({ source: ratings, mirrors: [{ prefix: DEV_MIRRORS[0]!.prefix, dir: path.join(lib.dataDir, 'thumbs') }] });
    expect(e.code).toBe('bad_input');
    expect(e.message).toMatch(/mirror folder is inside the library folder/);
    expect({ images: count(), imports: imports() }).toEqual(before);
  });

  it('fails a file: URL (given with allowLocal) and a mirror file that name a file of the library, and reads the others', async () => {
    const thumb = (fs.readdirSync(path.join(lib.dataDir, 'thumbs'), { recursive: true, withFileTypes: true }) as fs.Dirent[]).find((d) => d.isFile())!;
    const thumbFile = path.join(thumb.parentPath, thumb.name);
    // A mirror folder that holds the library (a home folder, say): its library files are not read.
    const mirror = lib.dir;
    const viaMirror = `https://mirror.test/x/${path.relative(mirror, thumbFile).split(path.sep).join('/')}`;
    fs.copyFileSync(path.join(DEV_IMAGES, path.basename(devRatings()[30]![1])), path.join(mirror, 'plain.jpg'));
    const list = path.join(lib.dir, 'urls.txt');
    const ownFile = path.join(lib.dir, 'own.jpg');
    fs.copyFileSync(path.join(DEV_IMAGES, path.basename(devRatings()[31]![1])), ownFile);
    fs.writeFileSync(list, [pathToFileURL(thumbFile).href, pathToFileURL(ownFile).href, viaMirror, 'https://mirror.test/x/plain.jpg', ''].join('\n'));
    const before = count();
    const summary = await lib.core.call('library.import', { source: list, allowLocal: true, mirrors: [{ prefix: 'https://mirror.test/x/', dir: mirror }] });
    expect(summary.images_new).toBe(2);
    expect(count()).toBe(before + 2);
    const failures = (await lib.core.call('library.failures', {})).failures;
    for (const url of [pathToFileURL(thumbFile).href, viaMirror]) {
      const f = failures.find((x) => x.url === url);
      expect(f, url).toMatchObject({ reason: 'local_refused' });
      expect(f!.detail).toContain(IN_LIBRARY);
    }
  });

  it('isInLibrary judges by identity: a path through a link, a folder not made yet under the library, and neighbours', () => {
    const link = path.join(lib.dir, 'link-to-library');
    expect(isInLibrary(path.join(link, 'thumbs', 'not-yet', 'deeper'), lib.dataDir)).toBe(true);
    expect(isInLibrary(lib.dataDir + path.sep, lib.dataDir)).toBe(true);
    expect(isInLibrary(`${lib.dataDir}-sibling`, lib.dataDir)).toBe(false);
    expect(isInLibrary(lib.dir, lib.dataDir)).toBe(false);
  });
});
