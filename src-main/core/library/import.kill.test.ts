/**
 * A `qc import` process killed with SIGKILL half way leaves a consistent library (no partial file
 * registered, no duplicate rows), and re-running the import completes it without re-downloading.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { openDatabase, type Db } from '../db/open';
import { libraryPaths } from '../paths';
import { useTempLibrary, writeDevRatings } from '../../../test-support/devLibrary';
import { poll, startQc } from '../../../test-support/killChild';
import { processStart, thisProcess } from './store';

const N = 60;

describe('an import killed with SIGKILL', () => {
  const lib = useTempLibrary({ serve: { delayMs: 120 }, open: false });

  it('leaves the library consistent, and the re-run completes it', async () => {
    const { dataDir } = lib;
    const file = path.join(lib.dir, 'image_ratings.txt');
    writeDevRatings(file, N, lib.server.base);

    const child = startQc(dataDir, ['import', file, '--concurrency', '3', '--json']);
    // Kill once roughly a third of the images have been requested.
    await poll(() => lib.server.totalHits() >= N / 3, 30_000);
    expect(lib.server.totalHits(), child.stderr()).toBeGreaterThanOrEqual(N / 3);
    expect(await child.kill()).toBe('SIGKILL');

    // The library as the killed process left it.
    const paths = libraryPaths(dataDir);
    const db = openDatabase(paths.db);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const images = db.prepare('SELECT id, path, thumb_path, preview_path FROM images').all() as { id: number; path: string; thumb_path: string; preview_path: string }[];
    const stored = images.length;
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(N);
    for (const img of images) {
      for (const rel of [img.path, img.thumb_path, img.preview_path]) expect(fs.statSync(path.join(dataDir, rel)).size).toBeGreaterThan(0);
    }
    // Every stored image has its URL and a label row; every row of the file was kept once.
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    expect(count('SELECT COUNT(*) AS n FROM image_urls')).toBe(stored);
    expect(count('SELECT COUNT(*) AS n FROM labels')).toBe(stored);
    expect(count('SELECT COUNT(*) AS n FROM source_rows')).toBe(N);
    expect(count("SELECT COUNT(*) AS n FROM imports WHERE status = 'running'")).toBe(1);
    db.close();

    // Re-run in process: it skips what is stored and fetches only the rest.
    const hitsBefore = lib.server.totalHits();
    const core = createCore({ dataDir });
    try {
      // Temporary files of the killed writer are swept at open.
      expect(fs.readdirSync(paths.tmp)).toEqual([]);
      const s = await core.call('library.import', { source: file });
      expect(s.images_new).toBe(N - stored);
      expect(s.images_existing).toBe(stored);
      expect(s.failed).toBe(0);
      expect(s.network_requests).toBe(N - stored);
      expect(lib.server.totalHits() - hitsBefore).toBe(N - stored);
      const again = core.context.db;
      expect((again.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n).toBe(N);
      expect((again.prepare('SELECT COUNT(*) AS n FROM source_rows').get() as { n: number }).n).toBe(N);
      expect((again.prepare('SELECT COUNT(*) AS n FROM image_urls').get() as { n: number }).n).toBe(N);
    } finally {
      core.close();
    }
  }, 90_000);
});

/**
 * A process is known by more than its pid (store.ts ownerEnded): pids are reused, and in a
 * container every run is pid 1, so an import killed there would otherwise stay `running` for ever.
 */
describe('an import left running by a process whose pid lives on', () => {
  const lib = useTempLibrary({ serve: { delayMs: 150 }, open: false });

  const running = (db: Db, pid: number, start: string | null) =>
    Number(db.prepare("INSERT INTO imports (kind, source, status, pid, pid_start) VALUES ('ratings', 'x', 'running', ?, ?)").run(pid, start).lastInsertRowid);
  const row = (db: Db, id: number) => db.prepare('SELECT status, error FROM imports WHERE id = ?').get(id) as { status: string; error: string | null };

  it('is marked interrupted at the next open when the pid is this process but the import is not one it runs', async () => {
    const core = createCore({ dataDir: lib.dataDir });
    try {
      const db = core.context.db;
      // What a killed `qc` that was pid N leaves, when the next `qc` is pid N again (a container's pid 1).
      const id = running(db, process.pid, thisProcess().start);
      const other = createCore({ dataDir: lib.dataDir });
      await other.close();
      expect(row(db, id)).toEqual({ status: 'failed', error: expect.stringMatching(/^interrupted: .*pid \d+/) });
    } finally {
      await core.close();
    }
  });

  it.skipIf(processStart(process.ppid) === null)('is marked interrupted when the live process with its pid started at another time', async () => {
    const core = createCore({ dataDir: lib.dataDir });
    try {
      const db = core.context.db;
      const reused = running(db, process.ppid, `${processStart(process.ppid)}0`);
      const live = running(db, process.ppid, processStart(process.ppid));
      const before = running(db, process.ppid, null); // recorded before migration 013: the pid alone
      const other = createCore({ dataDir: lib.dataDir });
      await other.close();
      expect(row(db, reused).status).toBe('failed');
      expect(row(db, live).status).toBe('running');
      expect(row(db, before).status).toBe('running');
      db.prepare("UPDATE imports SET status = 'done' WHERE id IN (?, ?)").run(live, before);
    } finally {
      await core.close();
    }
  });

  it('is not marked while this process runs it, when the library is opened again in this process', async () => {
    const file = path.join(lib.dir, 'slow.txt');
    writeDevRatings(file, 8, lib.server.base);
    const core = createCore({ dataDir: lib.dataDir });
    try {
      const done = core.call('library.import', { source: file, concurrency: 1 });
      const db = core.context.db;
      const mine = () => db.prepare("SELECT id, status, pid, pid_start FROM imports WHERE source = ?").get(file) as { id: number; status: string; pid: number; pid_start: string | null } | undefined;
      const deadline = Date.now() + 20_000;
      while (!mine() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(mine()).toMatchObject({ status: 'running', pid: process.pid, pid_start: thisProcess().start });
      const other = createCore({ dataDir: lib.dataDir });
      await other.close();
      expect(mine()?.status).toBe('running');
      expect((await done).images_new).toBe(8);
      expect(mine()?.status).toBe('done');
    } finally {
      await core.close();
    }
  }, 60_000);
});
