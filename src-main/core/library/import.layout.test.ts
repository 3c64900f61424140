/**
 * Which folders are read as the rated layout, and that no picture of a folder is left out in
 * silence: a folder is the layout only when its subfolders are `1`…`5`, `agg`, `good` and `bad`
 * (any case); then pictures outside the classes (loose, in another subfolder of `agg`) are
 * imported unlabelled and subfolders of a class folder carry its class. Any other folder (numbered
 * batches `1`…`7`, a `Bad/` beside an `Unsorted/`) is a plain folder: every picture in it,
 * unlabelled. Real folders, a real library.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEV_IMAGES, devRatings } from '../../../test-support/fixtures';
import { useTempLibrary } from '../../../test-support/devLibrary';
import { scanFolder } from './folder';

const PHOTOS = devRatings()
  .slice(0, 16)
  .map(([, url]) => path.join(DEV_IMAGES, path.basename(url)));

/** Make `files` (paths relative to `root`) each a copy of another dev photo (from the `from`th on). */
function tree(root: string, files: string[], from = 0): void {
  files.forEach((f, i) => {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.copyFileSync(PHOTOS[from + i]!, path.join(root, f));
  });
}

/** What a scan reads: each picture's path under `root`, with its rating or label (`-` for none). */
function readAs(root: string): Record<string, string> {
  const scan = scanFolder(root);
  return Object.fromEntries(scan.rows.map((r) => [path.relative(root, r.file), r.rating !== null ? String(r.rating) : (r.folderLabel ?? '-')]));
}

describe('folder layout', () => {
  const lib = useTempLibrary();

  it('numbered batch folders 1…7 are a plain folder: every picture, none rated', async () => {
    const batches = path.join(lib.dir, 'batches');
    tree(batches, ['1/a.jpg', '2/b.jpg', '3/c.jpg', '4/d.jpg', '5/e.jpg', '6/f.jpg', '7/g.jpg']);
    expect(scanFolder(batches).layout).toBe('flat');
    expect(readAs(batches)).toEqual({ '1/a.jpg': '-', '2/b.jpg': '-', '3/c.jpg': '-', '4/d.jpg': '-', '5/e.jpg': '-', '6/f.jpg': '-', '7/g.jpg': '-' });
    const s = await lib.core.call('library.import', { source: batches });
    expect(s.rows).toBe(7);
    expect(s.images_new).toBe(7);
    expect(s.labels).toEqual({ good: 0, bad: 0, unlabeled: 7 });
    expect(lib.core.context.db.prepare('SELECT COUNT(*) FROM images WHERE rating IS NOT NULL').pluck().get()).toBe(0);
  });

  it('a folder with another subfolder beside 1…5 and agg is a plain folder: nothing in it is dropped', async () => {
    const mixed = path.join(lib.dir, 'mixed');
    tree(mixed, ['1/x.jpg', '6/y.jpg', 'z.jpg', 'agg/Good/w.jpg', 'Bad/g.jpg', '5/sub/e.jpg']);
    expect(scanFolder(mixed).layout).toBe('flat');
    expect(readAs(mixed)).toEqual({ '1/x.jpg': '-', '6/y.jpg': '-', 'z.jpg': '-', 'agg/Good/w.jpg': '-', 'Bad/g.jpg': '-', '5/sub/e.jpg': '-' });
    const s = await lib.core.call('library.import', { source: mixed });
    expect(s.rows).toBe(6);
    expect(s.failed + s.row_problems).toBe(0);
  });

  it('in the layout, class folders are matched in any case, their subfolders carry their class, and pictures outside the classes come in unlabelled', async () => {
    const rated = path.join(lib.dir, 'rated');
    tree(rated, ['agg/Good/a.jpg', 'agg/bad/c.jpg', 'agg/BAD/c2.jpg', 'agg/unsure/u.jpg', 'agg/loose-in-agg.jpg', '1/sub/d.jpg', '1/sub/deeper/d2.jpg', '5/e.jpg', 'loose.jpg']);
    fs.writeFileSync(path.join(rated, 'notes.txt'), 'field notes');
    fs.mkdirSync(path.join(rated, '.thumbs')); // hidden: neither a subfolder that breaks the layout nor read
    fs.copyFileSync(PHOTOS[11]!, path.join(rated, '.thumbs', 'hidden.jpg'));
    const scan = scanFolder(rated);
    expect(scan.layout).toBe('rated');
    expect(readAs(rated)).toEqual({
      'agg/Good/a.jpg': 'good',
      'agg/bad/c.jpg': 'bad',
      'agg/BAD/c2.jpg': 'bad',
      'agg/unsure/u.jpg': '-',
      'agg/loose-in-agg.jpg': '-',
      '1/sub/d.jpg': '1',
      '1/sub/deeper/d2.jpg': '1',
      '5/e.jpg': '5',
      'loose.jpg': '-',
    });
    expect(scan.rows.find((r) => r.file.endsWith('Good/a.jpg'))!.raw).toMatchObject({ path: 'agg/Good/a.jpg', folder: 'agg/good' });
    const s = await lib.core.call('library.import', { source: rated });
    expect(s.rows).toBe(9);
    expect(s.skipped_files).toEqual({ count: 1, by_extension: { '.txt': 1 }, hidden_folders: 1 }); // .thumbs: counted, not read
    expect(s.failed + s.row_problems).toBe(0);
    expect(s.labels).toEqual({ good: 1 + 1, bad: 2 + 2, unlabeled: 3 }); // rule: 1 → bad, 5 → good
  });

  it('a folder sorted into Good/ and Bad/ (any case) is labelled as agg/good and agg/bad are; beside another subfolder it is a plain folder', async () => {
    const sorted = path.join(lib.dir, 'sorted');
    tree(sorted, ['Good/a.jpg', 'Good/sub/a2.jpg', 'BAD/b.jpg', 'loose.jpg'], 12); // photos no other test labels
    const scan = scanFolder(sorted);
    expect(scan.layout).toBe('rated');
    expect(readAs(sorted)).toEqual({ 'Good/a.jpg': 'good', 'Good/sub/a2.jpg': 'good', 'BAD/b.jpg': 'bad', 'loose.jpg': '-' });
    expect(scan.rows.find((r) => r.file.endsWith('sub/a2.jpg'))!.raw).toMatchObject({ path: 'Good/sub/a2.jpg', folder: 'good' });
    expect(scan.rows.find((r) => r.file.endsWith('BAD/b.jpg'))!.raw).toMatchObject({ folder: 'bad' });
    const s = await lib.core.call('library.import', { source: sorted });
    expect(s.labels).toEqual({ good: 2, bad: 1, unlabeled: 1 });
    // Under an `images` folder too, and beside rating folders.
    const wrapped = path.join(lib.dir, 'sorted-wrapped');
    tree(wrapped, ['images/good/x.jpg', 'images/2/y.jpg', 'cover.jpg']);
    expect(readAs(wrapped)).toEqual({ 'images/good/x.jpg': 'good', 'images/2/y.jpg': '2', 'cover.jpg': '-' });
    // A Bad/ beside a folder that is no class: nothing is guessed.
    const plain = path.join(lib.dir, 'sorted-plain');
    tree(plain, ['Bad/x.jpg', 'Unsorted/y.jpg']);
    expect(scanFolder(plain).layout).toBe('flat');
    expect(readAs(plain)).toEqual({ 'Bad/x.jpg': '-', 'Unsorted/y.jpg': '-' });
  });

  it('reads the layout in an `images` subfolder, and the chosen folder’s other pictures unlabelled', () => {
    const chosen = path.join(lib.dir, 'wrapped');
    tree(chosen, ['images/2/a.jpg', 'images/agg/good/b.jpg', 'cover.jpg', 'extra/c.jpg']);
    const scan = scanFolder(chosen);
    expect(scan.layout).toBe('rated');
    expect(scan.root).toBe(path.join(chosen, 'images'));
    expect(readAs(chosen)).toEqual({ 'images/2/a.jpg': '2', 'images/agg/good/b.jpg': 'good', 'cover.jpg': '-', 'extra/c.jpg': '-' });
    // An `images` folder that is not the layout is a plain subfolder.
    const plain = path.join(lib.dir, 'plain-images');
    tree(plain, ['images/2/a.jpg', 'images/8/b.jpg']);
    expect(scanFolder(plain).layout).toBe('flat');
    expect(readAs(plain)).toEqual({ 'images/2/a.jpg': '-', 'images/8/b.jpg': '-' });
  });
});
