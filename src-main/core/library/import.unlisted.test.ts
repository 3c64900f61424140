/**
 * A folder under the chosen one that cannot be listed (no permission, an I/O error) is unknown, not
 * gone: importing the folder again keeps the ratings and labels earlier imports stored from it, and
 * says "permission denied". The chosen folder itself, or the layout's `images`, that cannot be
 * listed refuses the whole import. Tests may run as root (chmod stops nothing), so the listing's
 * failure is injected into fs.readdirSync for that one folder; the folders, files and library are real.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEV_IMAGES, devRatings } from '../../../test-support/fixtures';
import { useTempLibrary } from '../../../test-support/devLibrary';
import { readFolderFile } from './folder';
import { FetchFailure } from './fetch';

const PHOTOS = devRatings()
  .slice(0, 6)
  .map(([, url]) => path.join(DEV_IMAGES, path.basename(url)));

/** fs.readdirSync fails with `code` for the folder `dir` (given as a string or bytes), as the system would. */
function unlistable(dir: string, code = 'EACCES') {
  const real = fs.readdirSync;
  return vi.spyOn(fs, 'readdirSync').mockImplementation(((p: fs.PathLike, ...rest: unknown[]) => {
    if ((Buffer.isBuffer(p) ? p.toString() : String(p)) === dir) {
      throw Object.assign(new Error(`${code}: permission denied, scandir '${dir}'`), { code, errno: -13, syscall: 'scandir', path: dir });
    }
    return (real as (...a: unknown[]) => unknown)(p, ...rest);
  }) as typeof fs.readdirSync);
}

describe('a folder that cannot be listed', () => {
  const lib = useTempLibrary();
  const db = () => lib.core.context.db;
  afterEach(() => vi.restoreAllMocks());

  const ratingOf = (file: string) =>
    db()
      .prepare('SELECT i.rating_class AS rating, l.label FROM image_urls u JOIN images i ON i.id = u.image_id LEFT JOIN labels l ON l.image_id = i.id WHERE u.url = ?')
      .get(pathToFileURL(file).href) as { rating: number | null; label: string | null } | undefined;
  const rowsUnder = (dir: string) => db().prepare('SELECT COUNT(*) FROM source_rows WHERE origin LIKE ?').pluck().get(dir + path.sep + '%') as number;

  /** A seed layout x/images/{1,5} with two pictures each. */
  const seed = (name: string) => {
    const chosen = path.join(lib.dir, name);
    const files: string[] = [];
    for (const [i, d] of ['1', '1', '5', '5'].entries()) {
      const f = path.join(chosen, 'images', d, `p${i}.jpg`);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.copyFileSync(PHOTOS[i]!, f);
      files.push(f);
    }
    return { chosen, images: path.join(chosen, 'images'), files };
  };

  it('keeps the ratings and labels of the pictures under a subfolder it cannot list, and says permission denied', async () => {
    const { chosen, images, files } = seed('sub');
    const first = await lib.core.call('library.import', { source: chosen });
    expect(first.rows).toBe(4);
    expect(ratingOf(files[2]!)).toEqual({ rating: 5, label: 'good' });
    expect(ratingOf(files[0]!)).toEqual({ rating: 1, label: 'bad' });

    const spy = unlistable(path.join(images, '5'));
    const again = await lib.core.call('library.import', { source: chosen });
    expect(spy).toHaveBeenCalled();
    expect(again.rows).toBe(2);
    expect(again.rows_removed ?? 0).toBe(0);
    expect(rowsUnder(path.join(images, '5'))).toBe(2);
    expect(ratingOf(files[2]!)).toEqual({ rating: 5, label: 'good' });
    expect(ratingOf(files[3]!)).toEqual({ rating: 5, label: 'good' });
    expect(ratingOf(files[0]!)).toEqual({ rating: 1, label: 'bad' });
    const failures = (await lib.core.call('library.failures', {})).failures.filter((f) => f.file === path.join(images, '5'));
    expect(failures).toHaveLength(1);
    expect(failures[0]!.reason).toBe('local_refused');
    expect(failures[0]!.detail).toMatch(/permission denied \(EACCES\)/);

    // Listed again: still there, and a picture really removed from it goes as before.
    vi.restoreAllMocks();
    fs.rmSync(files[3]!);
    const third = await lib.core.call('library.import', { source: chosen });
    expect(third.rows_removed).toBe(1);
    expect(rowsUnder(path.join(images, '5'))).toBe(1);
    expect(ratingOf(files[2]!)).toEqual({ rating: 5, label: 'good' });
    expect((await lib.core.call('library.failures', {})).failures.filter((f) => f.file === path.join(images, '5'))).toHaveLength(0);
  });

  it('keeps the rows under a folder that fails with an I/O error too (said as it is, not as missing)', async () => {
    const { chosen, images, files } = seed('eio');
    await lib.core.call('library.import', { source: chosen });
    unlistable(path.join(images, '1'), 'EIO');
    const again = await lib.core.call('library.import', { source: chosen });
    expect(again.rows_removed ?? 0).toBe(0);
    expect(ratingOf(files[0]!)).toEqual({ rating: 1, label: 'bad' });
    const f = (await lib.core.call('library.failures', {})).failures.find((x) => x.file === path.join(images, '1'));
    expect(f?.reason).not.toBe('missing_file');
    expect(f?.detail).toMatch(/EIO/);
  });

  it.each([
    ['the layout\'s images folder', (s: { chosen: string; images: string }) => s.images, 'EACCES'],
    ['the chosen folder', (s: { chosen: string; images: string }) => s.chosen, 'EPERM'],
  ])('refuses the whole import when %s cannot be listed, changing nothing', async (_what, which, code) => {
    const s = seed(`top-${code}`);
    await lib.core.call('library.import', { source: s.chosen });
    const before = rowsUnder(s.chosen);
    expect(before).toBe(4);
    unlistable(which(s), code);
    await expect(lib.core.call('library.import', { source: s.chosen })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(new RegExp(`permission denied \\(${code}\\)`)) });
    expect(rowsUnder(s.chosen)).toBe(before);
    expect(ratingOf(s.files[2]!)).toEqual({ rating: 5, label: 'good' });
    expect(ratingOf(s.files[0]!)).toEqual({ rating: 1, label: 'bad' });
  });

  it('says permission denied, not "no such file", for a file it may not open', async () => {
    const dir = path.join(lib.dir, 'locked');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'a.jpg');
    fs.copyFileSync(PHOTOS[0]!, file);
    const real = fs.promises.open;
    vi.spyOn(fs.promises, 'open').mockImplementation(((p: fs.PathLike, ...rest: unknown[]) => {
      if ((Buffer.isBuffer(p) ? p.toString() : String(p)) === file) return Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
      return (real as (...a: unknown[]) => Promise<fs.promises.FileHandle>)(p, ...rest);
    }) as typeof fs.promises.open);
    const err = await readFolderFile(Buffer.from(file), fs.realpathSync(dir, { encoding: 'buffer' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FetchFailure);
    expect((err as FetchFailure).reason).toBe('local_refused');
    expect((err as FetchFailure).message).toMatch(/permission denied \(EACCES\)/);
  });
});
