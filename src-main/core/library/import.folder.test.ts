/**
 * Folder imports read nothing outside the chosen folder, whatever links it holds, and say why each
 * entry named like an image did not come in (a link, a folder, a FIFO): real folders, real links,
 * a real library. Names that are not UTF-8 are read by their exact bytes. A folder read again by
 * another path (a link to it) is one input: its files' rows are stored once.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { DEV_IMAGES, devRatings } from '../../../test-support/fixtures';
import { DEV_MIRRORS, useTempLibrary } from '../../../test-support/devLibrary';
import { writeRatingsFile } from '../../../test-support/image-server';
import { LEADS_OUTSIDE, readFolderFile, scanFolder } from './folder';
import { FetchFailure } from './fetch';
import { skippedFilesText } from '../../../src-shared/domain/library';

const PHOTOS = devRatings()
  .slice(0, 10)
  .map(([, url]) => path.join(DEV_IMAGES, path.basename(url)));
const canFifo = process.platform !== 'win32' && spawnSync('mkfifo', ['--version']).status === 0;
const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Whether this file system takes a name that is not UTF-8 (Linux does; APFS refuses it). */
function tryBytesName(dir: string, name: Buffer, from: string): Buffer | null {
  const p = Buffer.concat([Buffer.from(dir + path.sep), name]);
  try {
    fs.writeFileSync(p, fs.readFileSync(from));
    return p;
  } catch {
    return null;
  }
}

describe('a folder import', () => {
  const lib = useTempLibrary();
  let privateDir: string;

  beforeAll(() => {
    privateDir = path.join(lib.dir, 'private');
    fs.mkdirSync(privateDir);
    fs.copyFileSync(PHOTOS[8]!, path.join(privateDir, 'holiday.jpg'));
    fs.copyFileSync(PHOTOS[9]!, path.join(privateDir, 'family.jpg'));
  });

  const privateShas = () => fs.readdirSync(privateDir).map((n) => sha(path.join(privateDir, n)));
  const storedShas = () => new Set(lib.core.context.db.prepare('SELECT sha256 FROM images').pluck().all() as string[]);
  const storedUrls = () => lib.core.context.db.prepare('SELECT url FROM image_urls').pluck().all() as string[];
  const failuresOf = async (under: string) => (await lib.core.call('library.failures', {})).failures.filter((f) => f.file?.startsWith(under));

  it('in the seed layout, refuses class folders and files that link out of the chosen folder, and follows those that stay inside', async () => {
    const chosen = path.join(lib.dir, 'rated');
    const images = path.join(chosen, 'images');
    fs.mkdirSync(path.join(images, '1'), { recursive: true });
    fs.mkdirSync(path.join(images, 'agg'), { recursive: true });
    fs.mkdirSync(path.join(chosen, 'elsewhere', 'fours'), { recursive: true });
    fs.copyFileSync(PHOTOS[0]!, path.join(images, '1', 'own.jpg'));
    fs.copyFileSync(PHOTOS[1]!, path.join(chosen, 'elsewhere', 'fours', 'inside.jpg'));
    fs.symlinkSync('../../private', path.join(images, '2')); // the red team's case: a class folder that leads out
    fs.symlinkSync('../../../private', path.join(images, 'agg', 'good'));
    fs.symlinkSync('../elsewhere/fours', path.join(images, '4')); // a class folder that stays inside: read
    fs.symlinkSync(path.join(privateDir, 'holiday.jpg'), path.join(images, '1', 'out.jpg'));
    fs.symlinkSync('own.jpg', path.join(images, '1', 'again.jpg'));
    fs.mkdirSync(path.join(images, '1', 'folder.jpg'));
    if (canFifo) execFileSync('mkfifo', [path.join(images, '1', 'pipe.jpg')]);

    const started = performance.now();
    const s = await lib.core.call('library.import', { source: chosen });
    expect(performance.now() - started).toBeLessThan(20_000); // the FIFO did not hang it
    expect(s.kind).toBe('folder');
    expect(s.images_new).toBe(2);
    expect(s.failed).toBe(0);
    expect(s.failures_by_reason).toEqual({ local_refused: 3, not_file: canFifo ? 3 : 2 });
    expect(s.row_problems).toBe(canFifo ? 6 : 5);

    // Nothing of the private folder came in, under any URL.
    for (const h of privateShas()) expect(storedShas().has(h)).toBe(false);
    expect(storedUrls().some((u) => u.includes('private') || u.includes('/2/') || u.includes('/agg/'))).toBe(false);
    const inside = lib.core.context.db.prepare("SELECT i.rating_class FROM images i JOIN image_urls u ON u.image_id = i.id WHERE u.url LIKE '%/images/4/inside.jpg'").get() as { rating_class: number };
    expect(inside.rating_class).toBe(4);

    const failures = await failuresOf(images);
    const by = new Map(failures.map((f) => [path.relative(images, f.file!), f]));
    expect([...by.keys()].sort()).toEqual(['1/again.jpg', '1/folder.jpg', ...(canFifo ? ['1/pipe.jpg'] : []), '1/out.jpg', '2', 'agg/good'].sort());
    for (const k of ['2', 'agg/good', '1/out.jpg']) expect(by.get(k)).toMatchObject({ reason: 'local_refused', detail: LEADS_OUTSIDE });
    expect(by.get('1/again.jpg')?.detail).toMatch(/^a link/);
    expect(by.get('1/folder.jpg')?.detail).toMatch(/^a folder/);
    if (canFifo) expect(by.get('1/pipe.jpg')?.detail).toMatch(/FIFO/);

    // Again: the same failures, not twice as many; and retrying failures reads nothing outside.
    const again = await lib.core.call('library.import', { source: chosen });
    expect(again.failures_by_reason).toEqual(s.failures_by_reason);
    expect(await failuresOf(images)).toHaveLength(failures.length);
    await lib.core.call('library.retryFailed', {});
    for (const h of privateShas()) expect(storedShas().has(h)).toBe(false);
  });

  it('refuses `images` itself when it leads out of the chosen folder', async () => {
    const chosen = path.join(lib.dir, 'rated-images-link');
    fs.mkdirSync(path.join(lib.dir, 'outside-images', '3'), { recursive: true });
    fs.copyFileSync(PHOTOS[8]!, path.join(lib.dir, 'outside-images', '3', 'x.jpg'));
    fs.mkdirSync(chosen);
    fs.symlinkSync(path.join(lib.dir, 'outside-images'), path.join(chosen, 'images'));
    const s = await lib.core.call('library.import', { source: chosen });
    expect(s.rows).toBe(0);
    expect(s.failures_by_reason).toEqual({ local_refused: 1 });
    expect(storedShas().has(sha(PHOTOS[8]!))).toBe(false);
  });

  it('in a flat folder, records every entry named like an image that is not a file it reads, and reads names that are not UTF-8', async () => {
    const chosen = path.join(lib.dir, 'flat');
    fs.mkdirSync(path.join(chosen, 'dir2.jpg'), { recursive: true });
    fs.mkdirSync(path.join(chosen, 'dir.jpg'));
    fs.copyFileSync(PHOTOS[2]!, path.join(chosen, 'a.jpg'));
    fs.copyFileSync(PHOTOS[3]!, path.join(chosen, 'dir2.jpg', 'b.jpg'));
    fs.writeFileSync(path.join(chosen, 'notes.txt'), 'not a picture');
    fs.symlinkSync(path.join(privateDir, 'holiday.jpg'), path.join(chosen, 'out.jpg'));
    fs.symlinkSync('a.jpg', path.join(chosen, 'in.jpg'));
    fs.symlinkSync('nowhere.jpg', path.join(chosen, 'dangling.jpg'));
    fs.symlinkSync(privateDir, path.join(chosen, 'pictures')); // a folder link out, not named like an image
    fs.symlinkSync('.', path.join(chosen, 'loop')); // a folder link that stays inside: not followed, no cycle
    if (canFifo) execFileSync('mkfifo', [path.join(chosen, 'pipe.jpg')]);
    const latin1 = tryBytesName(chosen, Buffer.from('caf\xe9 \xff.jpg', 'latin1'), PHOTOS[4]!);

    const s = await lib.core.call('library.import', { source: chosen });
    expect(s.images_new).toBe(latin1 ? 3 : 2);
    expect(s.failed).toBe(0);
    // out.jpg and pictures lead out; in.jpg, dangling.jpg, dir.jpg, dir2.jpg (and pipe.jpg) are not regular files.
    expect(s.failures_by_reason).toEqual({ local_refused: 2, not_file: canFifo ? 5 : 4 });
    for (const h of privateShas()) expect(storedShas().has(h)).toBe(false);
    const failures = await failuresOf(chosen + path.sep);
    expect(failures.map((f) => path.basename(f.file!)).sort()).toEqual(['dangling.jpg', 'dir.jpg', 'dir2.jpg', 'in.jpg', 'out.jpg', 'pictures', ...(canFifo ? ['pipe.jpg'] : [])].sort());
    expect(failures.some((f) => f.reason === 'missing_file')).toBe(false);

    if (latin1) {
      // Stored under a URL that keeps its exact bytes, and an origin that shows them.
      expect(storedUrls()).toContain(`file://${chosen}/caf%E9%20%FF.jpg`);
      expect(storedShas().has(sha(PHOTOS[4]!))).toBe(true);
      const origin = lib.core.context.db.prepare("SELECT origin FROM source_rows WHERE url LIKE '%caf%E9%'").pluck().get();
      expect(origin).toBe(path.join(chosen, 'caf\\xE9 \\xFF.jpg'));
    }
  });

  it.skipIf(process.platform === 'win32')('retries a failed file whose name is not UTF-8 by its exact name', async () => {
    const chosen = path.join(lib.dir, 'bytes');
    fs.mkdirSync(chosen);
    const p = tryBytesName(chosen, Buffer.from('broken\xfe.jpg', 'latin1'), path.join(lib.dir, 'flat', 'notes.txt'));
    if (!p) return; // the file system refuses such names
    const s = await lib.core.call('library.import', { source: chosen });
    expect(s.failures_by_reason).toEqual({ not_image: 1 });
    fs.writeFileSync(p, fs.readFileSync(PHOTOS[5]!));
    const r = await lib.core.call('library.retryFailed', {});
    expect(r.failures_by_reason.not_image).toBeUndefined();
    expect(storedShas().has(sha(PHOTOS[5]!))).toBe(true);
  });

  it("imports JPEGs named .jfif and .jpe, and says which files it left out by their names' endings", async () => {
    const flat = path.join(lib.dir, 'endings');
    fs.mkdirSync(flat);
    fs.copyFileSync(PHOTOS[0]!, path.join(flat, 'a.JFIF'));
    fs.copyFileSync(PHOTOS[1]!, path.join(flat, 'b.jpe'));
    fs.copyFileSync(PHOTOS[2]!, path.join(flat, 'c.bmp')); // a name the importer does not read, whatever the bytes
    fs.writeFileSync(path.join(flat, 'notes.txt'), 'field notes');
    fs.writeFileSync(path.join(flat, 'README'), 'read me');
    fs.writeFileSync(path.join(flat, 'more.TXT'), 'more');
    const scan = scanFolder(flat);
    expect(scan.rows.map((r) => path.basename(r.file)).sort()).toEqual(['a.JFIF', 'b.jpe']);
    const summary = await lib.core.call('library.import', { source: flat });
    expect(summary.images_new + summary.images_existing).toBe(2);
    expect(summary.failed).toBe(0);
    expect(summary.skipped_files).toEqual({ count: 4, by_extension: { '.txt': 2, '.bmp': 1, '': 1 } });
    expect(skippedFilesText(summary.skipped_files!)).toBe("4 files not imported: their names do not end like an image's (2 .txt, 1 without extension, 1 .bmp)");
    // A folder with nothing to leave out says nothing of it.
    const clean = path.join(lib.dir, 'clean');
    fs.mkdirSync(clean);
    fs.copyFileSync(PHOTOS[3]!, path.join(clean, 'd.jpg'));
    expect((await lib.core.call('library.import', { source: clean })).skipped_files).toBeUndefined();
  });

  it('says a folder too deep for the system to open is too deep (not missing), and imports the rest', async () => {
    const deep = path.join(lib.dir, 'deep');
    fs.mkdirSync(deep);
    fs.copyFileSync(PHOTOS[2]!, path.join(deep, 'shallow.jpg'));
    // 22 folders of 200-byte names: past PATH_MAX (4096), made one relative step at a time.
    const name = 'd'.repeat(200);
    const made = spawnSync('bash', ['-c', `cd "$1" && for i in $(seq 22); do mkdir ${name} && cd ${name} || exit 1; done; cp "$2" deep.jpg`, 'mk', deep, PHOTOS[3]!]);
    // Removed the same way, whatever happens (a remover given the whole path would meet the same limit).
    onTestFinished(() => void spawnSync('bash', ['-c', `cd "$1" && rm -rf ${name}`, 'rm', deep]));
    expect(made.status, String(made.stderr)).toBe(0);
    const scan = scanFolder(deep);
    expect(scan.rows.map((r) => path.basename(r.file))).toEqual(['shallow.jpg']);
    expect(scan.problems).toHaveLength(1);
    expect(scan.problems[0]).toMatchObject({ reason: 'bad_url' });
    expect(scan.problems[0]!.detail).toMatch(/longer than the system allows .*ENAMETOOLONG/);
    const s = await lib.core.call('library.import', { source: deep });
    expect(s.failures_by_reason).toEqual({ bad_url: 1 });
    expect(s.images_new + s.images_existing).toBe(1);
  });

  it('stops, storing nothing, when the system is out of file handles while listing a subfolder (its files are not left out as missing)', async () => {
    const tree = path.join(lib.dir, 'tree');
    fs.mkdirSync(path.join(tree, 'sub'), { recursive: true });
    fs.copyFileSync(PHOTOS[0]!, path.join(tree, 'top.jpg'));
    fs.copyFileSync(PHOTOS[1]!, path.join(tree, 'sub', 'inner.jpg'));
    const before = await lib.core.call('library.status', {});
    // The fault is injected: running a real process out of handles would take the test runner with it.
    const real = fs.readdirSync;
    const spy = vi.spyOn(fs, 'readdirSync').mockImplementation(((p: fs.PathLike, o?: unknown) => {
      if (Buffer.from(String(p)).toString().endsWith(`${path.sep}sub`)) throw Object.assign(new Error('EMFILE: too many open files, scandir'), { code: 'EMFILE' });
      return (real as (p: fs.PathLike, o?: unknown) => unknown)(p, o);
    }) as typeof fs.readdirSync);
    try {
      const e = await lib.core.call('library.import', { source: tree }).catch((err: unknown) => err);
      expect(e).toMatchObject({ code: 'internal', file: path.join(tree, 'sub') });
      expect((e as Error).message).toMatch(/EMFILE.*nothing was imported, try again/);
    } finally {
      spy.mockRestore();
    }
    const after = await lib.core.call('library.status', {});
    expect(after.images).toBe(before.images);
    expect(after.failed).toBe(before.failed);
    // With handles to spare, the same folder imports whole.
    const s = await lib.core.call('library.import', { source: tree });
    expect(s.images_new + s.images_existing).toBe(2);
    expect(s.failed).toBe(0);
  });

  it('retries a failed file only inside the folder its import chose, not through a link swapped in since', async () => {
    const chosen = path.join(lib.dir, 'retry-swap');
    const one = path.join(chosen, '1');
    fs.mkdirSync(one, { recursive: true });
    fs.writeFileSync(path.join(one, 'holiday.jpg'), 'not a picture yet');
    const s = await lib.core.call('library.import', { source: chosen });
    expect(s.failures_by_reason).toEqual({ not_image: 1 });
    const failed = path.join(one, 'holiday.jpg');

    // The class folder becomes a link to the private folder, which holds a photo of the same name.
    fs.rmSync(one, { recursive: true });
    fs.symlinkSync(privateDir, one);
    await lib.core.call('library.retryFailed', {});
    for (const h of privateShas()) expect(storedShas().has(h)).toBe(false);
    expect((await failuresOf(failed)).map((f) => [f.reason, f.detail])).toEqual([['local_refused', `${LEADS_OUTSIDE}: ${failed}`]]);

    // A real folder again, with a picture: the retry brings it in.
    fs.rmSync(one);
    fs.mkdirSync(one);
    fs.copyFileSync(PHOTOS[7]!, path.join(one, 'holiday.jpg'));
    await lib.core.call('library.retryFailed', {});
    expect(storedShas().has(sha(PHOTOS[7]!))).toBe(true);
    expect(await failuresOf(failed)).toEqual([]);
  });

  it('refuses to retry a folder file that no folder import holds', async () => {
    const chosen = path.join(lib.dir, 'retry-unknown');
    fs.mkdirSync(chosen);
    fs.writeFileSync(path.join(chosen, 'later.jpg'), 'not a picture yet');
    const s = await lib.core.call('library.import', { source: chosen });
    expect(s.failures_by_reason).toEqual({ not_image: 1 });
    // The import's record no longer names the folder (as if it had been another folder's).
    lib.core.context.db.prepare("UPDATE imports SET source = ? WHERE kind = 'folder' AND source = ?").run(path.join(lib.dir, 'elsewhere'), chosen);
    fs.copyFileSync(PHOTOS[6]!, path.join(chosen, 'later.jpg'));
    await lib.core.call('library.retryFailed', {});
    const [f] = await failuresOf(path.join(chosen, 'later.jpg'));
    expect(f).toMatchObject({ reason: 'local_refused' });
    expect(f!.detail).toMatch(/no folder import holds this file/);
  });

  it('reads no file whose folder was swapped for a link out after the scan', async () => {
    const chosen = path.join(lib.dir, 'swap');
    fs.mkdirSync(path.join(chosen, '1'), { recursive: true });
    fs.copyFileSync(PHOTOS[6]!, path.join(chosen, '1', 'holiday.jpg'));
    const scan = scanFolder(chosen);
    expect(scan.rows).toHaveLength(1);
    expect((await readFolderFile(scan.rows[0]!.path, scan.base)).equals(fs.readFileSync(PHOTOS[6]!))).toBe(true);
    fs.rmSync(path.join(chosen, '1'), { recursive: true });
    fs.symlinkSync(privateDir, path.join(chosen, '1'));
    const e = await readFolderFile(scan.rows[0]!.path, scan.base).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FetchFailure);
    expect((e as FetchFailure).reason).toBe('local_refused');
    // Without the chosen folder (a retry), a link is still never followed.
    const link = Buffer.from(path.join(lib.dir, 'flat', 'out.jpg'));
    expect(((await readFolderFile(link, null).catch((x: unknown) => x)) as FetchFailure).reason).toBe('not_file');
  });
});

describe.skipIf(process.platform === 'win32')('a folder imported by another path (a link to it)', () => {
  const lib = useTempLibrary();
  const mirrors = DEV_MIRRORS;
  const count = (sql: string, ...params: unknown[]) => lib.core.context.db.prepare(sql).pluck().get(...params) as number;
  const origins = () => lib.core.context.db.prepare("SELECT origin FROM source_rows WHERE kind = 'folder' ORDER BY origin").pluck().all() as string[];
  const failures = async () => (await lib.core.call('library.failures', {})).failures.map((f) => [f.file, f.reason]).sort();
  const under = (folder: string, rel: string[]) => rel.map((r) => path.join(folder, r)).sort();

  it('stores its files once, under the path it was last read by, and a picture rated by its folder counts once', async () => {
    const real = path.join(lib.dir, 'x', 'real');
    const images = path.join(real, 'images');
    fs.mkdirSync(path.join(images, '1'), { recursive: true });
    fs.mkdirSync(path.join(images, 'agg', 'good'), { recursive: true });
    const [id0, url0, rating0] = devRatings()[0]!;
    fs.copyFileSync(PHOTOS[0]!, path.join(images, '1', 'a.jpg')); // also rated rating0 by a ratings file
    fs.copyFileSync(PHOTOS[1]!, path.join(images, 'agg', 'good', 'b.jpg'));
    fs.copyFileSync(PHOTOS[2]!, path.join(real, 'loose.jpg')); // beside images: unlabelled
    fs.writeFileSync(path.join(images, '1', 'broken.jpg'), 'not a picture'); // a failure of its URL
    fs.symlinkSync(PHOTOS[3]!, path.join(images, '1', 'out.jpg')); // leads out: a folder problem
    const link = path.join(lib.dir, 'x', 'link');
    fs.symlinkSync(real, link);
    const ratings = path.join(lib.dir, 'ratings.txt');
    writeRatingsFile(ratings, [[id0, url0, rating0]]);
    await lib.core.call('library.import', { source: ratings, mirrors });
    const ratingOfA = () => lib.core.context.db.prepare('SELECT i.rating FROM images i JOIN image_urls u ON u.image_id = i.id WHERE u.url = ?').pluck().get(url0) as number;
    const stored = ['images/1/a.jpg', 'images/1/broken.jpg', 'images/agg/good/b.jpg', 'loose.jpg']; // every file's row, the broken one's too

    const first = await lib.core.call('library.import', { source: link });
    expect(first).toMatchObject({ kind: 'folder', source: path.join(link, 'images'), images_new: 2, images_existing: 1, failures_by_reason: { not_image: 1, local_refused: 1 } });
    // The link leading out is a problem of the folder; the broken picture is a file that failed.
    expect(first).toMatchObject({ failed: 1, row_problems: 1, row_problems_by_reason: { local_refused: 1 } });
    expect(origins()).toEqual(under(link, stored));
    expect(ratingOfA()).toBe((rating0 + 1) / 2);
    const images0 = count('SELECT COUNT(*) FROM images');
    const failures0 = await failures();
    expect(failures0).toEqual([[path.join(link, 'images/1/broken.jpg'), 'not_image'], [path.join(link, 'images/1/out.jpg'), 'local_refused']].sort());

    // Through its real path: the same files, now under that path; not a second rater of a.jpg.
    const again = await lib.core.call('library.import', { source: real });
    expect(again).toMatchObject({ kind: 'folder', source: images, images_new: 0, images_existing: 3, failures_by_reason: { not_image: 1, local_refused: 1 } });
    expect(again.rows_removed).toBeUndefined();
    expect(origins()).toEqual(under(real, stored));
    expect(ratingOfA()).toBe((rating0 + 1) / 2);
    expect(count('SELECT COUNT(*) FROM images')).toBe(images0);
    expect(count("SELECT COUNT(*) FROM image_urls WHERE url LIKE 'file:%'")).toBe(3);
    expect(count('SELECT COUNT(*) FROM image_urls WHERE url LIKE ?', `%${path.basename(link)}%`)).toBe(0);
    expect(await failures()).toEqual(failures0.map(([f, r]) => [f!.replace(link, real), r]).sort());

    // Its layout folder chosen by the link (rows under link/images), then the whole folder again.
    await lib.core.call('library.import', { source: path.join(link, 'images') });
    expect(origins()).toEqual([...under(link, stored.filter((f) => f.startsWith('images/'))), path.join(real, 'loose.jpg')].sort());
    expect(ratingOfA()).toBe((rating0 + 1) / 2);
    await lib.core.call('library.import', { source: real });
    expect(origins()).toEqual(under(real, stored));
    expect(ratingOfA()).toBe((rating0 + 1) / 2);
    expect(await failures()).toEqual(failures0.map(([f, r]) => [f!.replace(link, real), r]).sort());
  });
});
