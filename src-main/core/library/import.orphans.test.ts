/**
 * An import stores a picture's files before it commits the picture's row; one killed in between
 * leaves files that no row names. Each import lists what it stores in its journal (store.ts
 * ImportJournal), and settling a killed import at the next open removes the files it lists that no
 * row names: after it, every file in originals/, thumbs/ and previews/ has a row and every row's
 * files are there. `qc doctor` counts such files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { openDatabase, type Db } from '../db/open';
import { pacedSync } from '../db/paced';
import { runDoctor } from '../doctor';
import { libraryPaths } from '../paths';
import { DEV_IMAGES, tempDir, devPhotos } from '../../../test-support/fixtures';
import { useTempLibrary, writeDevRatings } from '../../../test-support/devLibrary';
import { poll, startQc } from '../../../test-support/killChild';
import { Importer } from './importer';
import { removeUnnamedFiles, type ImageStore } from './store';

const KINDS = ['originals', 'thumbs', 'previews'];

/** Every file under the content-addressed folders, relative to the library, with `/`. */
function storedFiles(root: string): string[] {
  const out: string[] = [];
  for (const kind of KINDS) {
    const dir = path.join(root, kind);
    if (!fs.existsSync(dir)) continue;
    for (const shard of fs.readdirSync(dir)) for (const name of fs.readdirSync(path.join(dir, shard))) out.push(`${kind}/${shard}/${name}`);
  }
  return out;
}

/** The files that no image row names, and the files rows name that are not there. */
function mismatch(db: Db, root: string): { unnamed: string[]; missing: string[] } {
  const rows = db.prepare('SELECT path, thumb_path, preview_path FROM images').all() as { path: string; thumb_path: string; preview_path: string }[];
  const named = new Set(rows.flatMap((r) => [r.path, r.thumb_path, r.preview_path]).map((p) => p.split(path.sep).join('/')));
  return {
    unnamed: storedFiles(root).filter((f) => !named.has(f)),
    missing: [...named].filter((f) => !fs.existsSync(path.join(root, f))),
  };
}

describe('an import killed with SIGKILL between storing a picture and committing its row', () => {
  const lib = useTempLibrary({ serve: { delayMs: 100 }, open: false });
  const N = 40;

  it('leaves files no row names until the next open, which removes them; qc doctor counts them', async () => {
    const { dataDir } = lib;
    const paths = libraryPaths(dataDir);
    const file = path.join(lib.dir, 'ratings.txt');
    writeDevRatings(file, N, lib.server.base);

    const child = startQc(dataDir, ['import', file, '--concurrency', '3', '--json']);

    // Once the child stores pictures, this test takes the write lock: the child stores the next
    // picture's files and then waits for the lock to commit its row. Killed there, it leaves them.
    const imagesStored = () => {
      if (!fs.existsSync(paths.db)) return 0;
      const d = openDatabase(paths.db, { readonly: true });
      try {
        return d.prepare("SELECT 1 FROM sqlite_master WHERE name = 'images'").get() ? (d.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n : 0;
      } finally {
        d.close();
      }
    };
    const deadline = Date.now() + 60_000;
    await poll(() => imagesStored() >= 3, deadline - Date.now());
    const db = openDatabase(paths.db);
    db.exec('BEGIN IMMEDIATE');
    await poll(() => mismatch(db, dataDir).unnamed.length > 0, deadline - Date.now());
    expect(await child.kill(), child.stderr()).toBe('SIGKILL');
    db.exec('ROLLBACK');
    const before = mismatch(db, dataDir);
    const storedRows = (db.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n;
    db.close();
    expect(before.unnamed.length, child.stderr()).toBeGreaterThan(0);
    expect(before.missing).toEqual([]);
    expect(storedRows).toBeLessThan(N);
    // The killed import listed them in its journal.
    const journal = fs.readFileSync(path.join(dataDir, 'journal', 'import-1'), 'utf8');
    for (const f of before.unnamed) expect(journal).toContain(f.split('/').join(path.sep));

    // qc doctor (read-only) counts them, and says the next open removes them.
    const sick = await runDoctor({ dataDir, modelsDir: path.join(lib.dir, 'no-models'), skipProviders: true });
    const item = sick.items.find((i) => i.id === 'library.files');
    expect(item).toMatchObject({ ok: false, why: expect.stringMatching(new RegExp(`^${before.unnamed.length} files? .*no image row names.*killed import`)) });

    // The next open settles the killed import: its files that no row names are gone, rows' files stay.
    const core = createCore({ dataDir });
    try {
      const d = core.context.db;
      expect(mismatch(d, dataDir)).toEqual({ unnamed: [], missing: [] });
      expect((d.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n).toBe(storedRows);
      expect(d.prepare('SELECT status, error FROM imports WHERE id = 1').get()).toEqual({ status: 'failed', error: expect.stringMatching(/^interrupted/) });
      expect(fs.readdirSync(path.join(dataDir, 'journal'))).toEqual([]);
      const well = await runDoctor({ dataDir, modelsDir: path.join(lib.dir, 'no-models'), skipProviders: true });
      expect(well.items.find((i) => i.id === 'library.files')).toMatchObject({ ok: true });

      // The re-run completes it, and leaves no journal behind.
      const s = await core.call('library.import', { source: file });
      expect(s.images_new + s.images_existing).toBe(N);
      expect(s.failed).toBe(0);
      expect(mismatch(d, dataDir)).toEqual({ unnamed: [], missing: [] });
      expect(fs.readdirSync(path.join(dataDir, 'journal'))).toEqual([]);
    } finally {
      await core.close();
    }
  }, 120_000);
});

describe('files no row names', () => {
  let dir: string;
  const photos = devPhotos().slice(0, 4);

  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function photoFolder(name: string): string {
    const folder = path.join(dir, name);
    fs.mkdirSync(folder, { recursive: true });
    for (const p of photos) fs.copyFileSync(path.join(DEV_IMAGES, p), path.join(folder, p));
    return folder;
  }

  it('a picture whose files another process removed before its row was committed is stored again', async () => {
    const dataDir = path.join(dir, 'again');
    const core = createCore({ dataDir });
    // Another process settling a killed import's journal that lists the same picture (it found no
    // row naming the files) removes them between this import's store and its commit.
    const other = openDatabase(libraryPaths(dataDir).db);
    try {
      const real = core.context.store;
      let removed = 0;
      const store = Object.assign(Object.create(real) as ImageStore, {
        write: async (...a: Parameters<ImageStore['write']>) => {
          const w = await real.write(...a);
          if (removed++ < 2) {
            const n = { n: 0 };
            pacedSync(removeUnnamedFiles(other, dataDir, w.stored, n));
            expect(n.n).toBe(w.stored.length);
          }
          return w;
        },
      });
      const importer = new Importer({ ...core.context, store });
      const s = await importer.run({ source: photoFolder('again-in'), concurrency: 1 }, { signal: new AbortController().signal, progress: () => {} });
      expect(s.images_new).toBe(photos.length);
      expect(s.failed).toBe(0);
      expect(removed).toBeGreaterThan(2);
      expect(mismatch(core.context.db, dataDir)).toEqual({ unnamed: [], missing: [] });
    } finally {
      other.close();
      await core.close();
    }
  });

  it('are removed only under the content-addressed folders, never one a row names, never through a link', async () => {
    const dataDir = path.join(dir, 'safe');
    const core = createCore({ dataDir });
    try {
      await core.call('library.import', { source: photoFolder('safe-in') });
      const db = core.context.db;
      const named = db.prepare('SELECT path, thumb_path, preview_path FROM images').raw().all() as string[][];
      const hash = (c: string) => c.repeat(64);
      const put = (rel: string) => {
        fs.mkdirSync(path.dirname(path.join(dataDir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dataDir, rel), 'x');
        return rel;
      };
      const stray = put(path.join('originals', 'aa', `${hash('a')}.jpg`));
      const strayThumb = put(path.join('thumbs', 'aa', `${hash('a')}.webp`));
      // Not content-addressed names (another shard than the hash says, not a hash, outside the folders).
      const kept = [put(path.join('originals', 'bb', `${hash('a')}.jpg`)), put(path.join('originals', 'aa', 'notes.txt')), put(path.join('runs', 'aa', `${hash('a')}.jpg`))];
      // A shard that is a link: the file it leads to is not the library's.
      const outside = path.join(dir, 'outside');
      fs.mkdirSync(outside, { recursive: true });
      fs.writeFileSync(path.join(outside, `${hash('c')}.jpg`), 'theirs');
      fs.symlinkSync(outside, path.join(dataDir, 'originals', 'cc'));
      const removed = { n: 0 };
      pacedSync(removeUnnamedFiles(db, dataDir, [...named.flat(), stray, strayThumb, ...kept, path.join('originals', 'cc', `${hash('c')}.jpg`), 'library.sqlite', `..${path.sep}outside`], removed));
      expect(removed.n).toBe(2);
      expect(fs.existsSync(path.join(dataDir, stray))).toBe(false);
      expect(fs.existsSync(path.join(dataDir, strayThumb))).toBe(false);
      for (const rel of [...named.flat(), ...kept]) expect(fs.existsSync(path.join(dataDir, rel)), rel).toBe(true);
      expect(fs.readFileSync(path.join(outside, `${hash('c')}.jpg`), 'utf8')).toBe('theirs');
      expect(fs.existsSync(path.join(dataDir, 'library.sqlite'))).toBe(true);
      fs.unlinkSync(path.join(dataDir, 'originals', 'cc'));
      for (const rel of kept) fs.rmSync(path.join(dataDir, rel));
      expect(mismatch(db, dataDir)).toEqual({ unnamed: [], missing: [] });
    } finally {
      await core.close();
    }
  });

  it('a journal left by an import that is no longer running is settled at the next open', async () => {
    const dataDir = path.join(dir, 'stray-journal');
    const first = createCore({ dataDir });
    await first.call('library.import', { source: photoFolder('stray-in') });
    await first.close();
    // What an import that stopped without settling its journal leaves (its row marked failed).
    const rel = path.join('previews', 'dd', `${'d'.repeat(64)}.webp`);
    fs.mkdirSync(path.join(dataDir, 'previews', 'dd'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, rel), 'x');
    fs.mkdirSync(path.join(dataDir, 'journal'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'journal', 'import-1'), `${rel}\n`);
    const core = createCore({ dataDir });
    try {
      expect(fs.existsSync(path.join(dataDir, rel))).toBe(false);
      expect(fs.readdirSync(path.join(dataDir, 'journal'))).toEqual([]);
      expect(mismatch(core.context.db, dataDir)).toEqual({ unnamed: [], missing: [] });
    } finally {
      await core.close();
    }
  });
});
