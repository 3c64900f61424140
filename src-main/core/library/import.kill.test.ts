/**
 * A `qc import` process killed with SIGKILL half way leaves a consistent library (no partial file
 * registered, no duplicate rows), and re-running the import completes it without re-downloading.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { openDatabase } from '../db/open';
import { libraryPaths } from '../paths';
import { DEV_IMAGES, DEV_URL_PREFIX, REPO_ROOT, devRatings, tempDir } from '../../../test-support/fixtures';
import { startImageServer, writeRatingsFile, type ImageServer } from '../../../test-support/image-server';

const N = 60;

describe('an import killed with SIGKILL', () => {
  let server: ImageServer;
  let dir: string;

  beforeAll(async () => {
    server = await startImageServer({ imagesDir: DEV_IMAGES, delayMs: 120 });
    dir = tempDir();
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('leaves the library consistent, and the re-run completes it', async () => {
    const dataDir = path.join(dir, 'data');
    const file = path.join(dir, 'image_ratings.txt');
    writeRatingsFile(file, devRatings().slice(0, N).map(([id, url, r, a]) => [id, url.replace(DEV_URL_PREFIX, `${server.base}/img/`), r, a]));

    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src-main/cli/main.ts'), '--data', dataDir, 'import', file, '--concurrency', '3', '--json'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Kill once roughly a third of the images have been requested.
    const deadline = Date.now() + 30_000;
    while (server.totalHits() < N / 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(server.totalHits(), stderr).toBeGreaterThanOrEqual(N / 3);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

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
    const hitsBefore = server.totalHits();
    const core = createCore({ dataDir });
    try {
      // Temporary files of the killed writer are swept at open.
      expect(fs.readdirSync(paths.tmp)).toEqual([]);
      const s = await core.call('library.import', { source: file });
      expect(s.images_new).toBe(N - stored);
      expect(s.images_existing).toBe(stored);
      expect(s.failed).toBe(0);
      expect(s.network_requests).toBe(N - stored);
      expect(server.totalHits() - hitsBefore).toBe(N - stored);
      const again = core.context.db;
      expect((again.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n).toBe(N);
      expect((again.prepare('SELECT COUNT(*) AS n FROM source_rows').get() as { n: number }).n).toBe(N);
      expect((again.prepare('SELECT COUNT(*) AS n FROM image_urls').get() as { n: number }).n).toBe(N);
    } finally {
      core.close();
    }
  }, 90_000);
});
