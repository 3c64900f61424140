/**
 * export-training reads the library's images a page at a time (keyset on the id), never all at
 * once (a million rows held ~650 MB before the first file): the folders, lists and samples are the
 * same whatever the page size, and no read hands back more rows than a page. The download lists are
 * written as their URLs come, and each sample is read back from its list: the same URLs, in the same
 * order, as seededSample over the whole list.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCore, type Core } from '../app';
import { DEV_DIR, DEV_IMAGES, DEV_URL_PREFIX, tempDir } from '../../../test-support/fixtures';
import { CLASS_WORDS, exportTraining, linesAt, seededSample, seededSamplePositions, TRAINING_PAGE_ROWS } from './training';

/** Every file under `dir` (relative path → bytes), hidden stage folders included if any were left. */
function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) {
      const abs = path.join(e.parentPath, e.name);
      out.set(path.relative(dir, abs), fs.readFileSync(abs));
    }
  }
  return out;
}

describe('export-training in pages', () => {
  const dir = tempDir();
  let core: Core;
  let images = 0;

  beforeAll(async () => {
    core = createCore({ dataDir: path.join(dir, 'lib'), ml: 'in-process' });
    // 40 rated dev images (every class) through the mirror, and 5 rated rows whose picture is not there (imageless).
    const lines = fs.readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'latin1').trim().split('\n');
    const gone = lines.slice(41, 46).map((l) => l.split('\t')).map(([id, , ...rest]) => [id, `${DEV_URL_PREFIX}gone/${id}.jpg`, ...rest].join('\t'));
    const ratings = path.join(dir, 'ratings.txt');
    fs.writeFileSync(ratings, `${[...lines.slice(0, 41), ...gone].join('\n')}\n`, 'latin1');
    await core.call('library.import', { source: ratings, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }], retries: 0 });
    const db = core.context.db;
    const ids = (db.prepare('SELECT id FROM images ORDER BY id').all() as { id: number }[]).map((r) => r.id);
    images = ids.length;
    expect(images).toBeGreaterThan(30);
    // A curator's labels (the manifest), and one original gone (missing, its URL still listed).
    await core.call('labels.set', { imageIds: [ids[3]!, ids[17]!], label: 'good' });
    await core.call('labels.set', { imageIds: [ids[9]!], label: null });
    const lost = db.prepare('SELECT path FROM images WHERE id = ?').get(ids[25]) as { path: string };
    fs.rmSync(path.join(core.context.paths.root, lost.path));
  }, 120_000);

  afterAll(async () => {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the same folders, lists, samples and manifest with pages of 1, 7 and the default', async () => {
    const { db, paths } = core.context;
    const run = async (name: string, pageRows?: number) => {
      const out = path.join(dir, name);
      const progress: [number, number][] = [];
      const r = await exportTraining(db, paths, { outDir: out, sample: 3, seed: 5, pageRows, onProgress: (d, t) => progress.push([d, t]) });
      return { files: tree(out), summary: { ...r, dir: '', lists: r.lists.map((l) => path.basename(l)) }, progress };
    };
    const whole = await run('whole');
    expect(TRAINING_PAGE_ROWS).toBeGreaterThan(images);
    expect(whole.summary.missing).toBe(1);
    expect(whole.summary.curator_labels).toBe(2);
    // The imageless rows' URLs are listed too (read after the images, in the same snapshot).
    const listed = [...whole.files].filter(([f]) => /^[a-z]+_download\.txt$/.test(f)).flatMap(([, b]) => b.toString('utf8').split('\n'));
    expect(listed.filter((u) => u.startsWith(`${DEV_URL_PREFIX}gone/`)).length).toBe(5);
    expect(whole.progress.at(-1)).toEqual([images, images]);
    // Each sample is seededSample's draw over its whole list (the class's own stream of the seed).
    let sampled = 0;
    CLASS_WORDS.forEach((w, i) => {
      const all = whole.files.get(`${w}_download.txt`)!.toString('utf8').split('\n').filter(Boolean);
      const pick = whole.files.get(`${w}_download_3.txt`)!.toString('utf8').split('\n').filter(Boolean);
      expect(pick, w).toEqual(seededSample(all, 3, (5 * 31 + i + 1) >>> 0));
      if (all.length > 3) sampled++;
    });
    expect(sampled).toBeGreaterThan(1);
    for (const pageRows of [1, 7]) {
      const paged = await run(`paged-${pageRows}`, pageRows);
      expect(paged.summary).toEqual(whole.summary);
      expect([...paged.files.keys()].sort()).toEqual([...whole.files.keys()].sort());
      for (const [f, bytes] of whole.files) expect(paged.files.get(f)!.equals(bytes), f).toBe(true);
      expect(paged.progress).toEqual(whole.progress);
    }
  }, 60_000);

  it('never reads more image rows at once than a page, whatever the library holds', async () => {
    const { db, paths } = core.context;
    // Every row any statement hands back in one call (on any connection: the export reads in a snapshot of its own).
    const Statement = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as { all: (...a: unknown[]) => unknown[] };
    const all = Statement.all;
    const sizes: number[] = [];
    const spy = vi.spyOn(Statement, 'all').mockImplementation(function (this: unknown, ...a: unknown[]) {
      const rows = all.apply(this, a);
      sizes.push(rows.length);
      return rows;
    });
    try {
      const r = await exportTraining(db, paths, { outDir: path.join(dir, 'spied'), sample: 3, pageRows: 7 });
      expect(r.by_class[1] + r.by_class[2] + r.by_class[3] + r.by_class[4] + r.by_class[5] + r.missing).toBe(images);
    } finally {
      spy.mockRestore();
    }
    // All the images were read (in pages of 7, one URL list per image), none with more than 7 rows
    // in hand; the 5 imageless rows are read in one.
    expect(Math.max(...sizes)).toBe(7);
    expect(sizes.filter((n) => n === 7).length).toBeGreaterThanOrEqual(Math.floor(images / 7));
  }, 60_000);
});

describe('a sample drawn from a list as written', () => {
  it('seededSamplePositions picks the positions of seededSample, in its order', () => {
    for (const length of [0, 1, 2, 5, 37, 1000]) {
      const items = Array.from({ length }, (_, i) => `u${i}`);
      for (const n of [1, 3, 36, 1000, 5000]) {
        for (const seed of [0, 1, 156, 2 ** 31 + 7]) {
          expect(seededSamplePositions(length, n, seed).map((p) => items[p]), `${length} ${n} ${seed}`).toEqual(seededSample(items, n, seed));
        }
      }
    }
  });

  it('linesAt reads the lines asked for, in the order asked, across the reads of a list of several MB', () => {
    const dir = tempDir();
    try {
      // Lines of varied length (some non-ASCII), so lines straddle the 1 MB reads at many offsets.
      const lines = Array.from({ length: 60_000 }, (_, i) => `https://example.org/${'é'.repeat(i % 7)}${'x'.repeat((i * 37) % 90)}/${i}`);
      const file = path.join(dir, 'list.txt');
      fs.writeFileSync(file, `${lines.join('\n')}\n`);
      expect(fs.statSync(file).size).toBeGreaterThan(3 << 20);
      const positions = seededSamplePositions(lines.length, 7000, 9);
      expect(linesAt(file, positions)).toEqual(positions.map((p) => lines[p]));
      expect(linesAt(file, [59_999, 0])).toEqual([lines[59_999], lines[0]]);
      expect(linesAt(file, [])).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
