/**
 * A core that stays open settles an import whose process ended (killed beside the app or
 * `qc serve`) in the background: library.status and library.sources answer at once, showing it
 * interrupted (failed) while its images are derived again in short steps (importer.ts
 * SETTLE_STEP_MS), and the calls that come meanwhile neither wait for it nor start a second one. At
 * a million images that settle took ten minutes and froze every call (the scale audit).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCore, type Core } from '../app';
import { tempDir } from '../../../test-support/fixtures';

/** Images the killed import reached: far more than one step derives (a step ends past 50 ms). */
const N = 30_000;

/** A pid no process has now (one that has exited). */
const gonePid = () => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);

/** An import of `N` rated URLs left `running` by a process that has ended, its images' ratings and labels not derived yet. */
function killedImport(core: Core): number {
  const db = core.context.db;
  const id = Number(db.prepare("INSERT INTO imports (kind, source, status, pid, pid_start) VALUES ('ratings', '/x/ratings.tsv', 'running', ?, NULL)").run(gonePid()).lastInsertRowid);
  const image = db.prepare("INSERT INTO images (sha256, path, format, width, height, bytes, thumb_path, preview_path) VALUES (?, 'p', 'jpeg', 1, 1, 1, 't', 'v')");
  const url = db.prepare('INSERT INTO image_urls (url, image_id, import_id) VALUES (?, ?, ?)');
  const row = db.prepare("INSERT INTO source_rows (origin, line, kind, url, rating, raw, import_id) VALUES ('/x/ratings.tsv', ?, 'ratings', ?, ?, '{}', ?)");
  db.transaction(() => {
    for (let k = 1; k <= N; k++) {
      const u = `https://x/${k}.jpg`;
      const img = Number(image.run(`sha-${k}`).lastInsertRowid);
      url.run(u, img, id);
      row.run(k, u, k % 2 ? 1 : 5, id);
    }
  })();
  return id;
}

const underived = (core: Core) => core.context.db.prepare('SELECT COUNT(*) FROM images WHERE rating IS NULL').pluck().get() as number;
const statusOf = (core: Core, id: number) => core.context.db.prepare('SELECT status FROM imports WHERE id = ?').pluck().get(id);

describe('settling an import killed in another process, in a core that stays open', () => {
  let core: Core | null = null;
  let dir = '';
  afterEach(async () => {
    await core?.close();
    core = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('library.status and library.sources answer before the settle ends, show it interrupted, and start no second settle', async () => {
    dir = tempDir('qc-settle-bg-');
    core = createCore({ dataDir: dir });
    const id = killedImport(core);
    expect(underived(core)).toBe(N);
    const writers = vi.spyOn(core.context.labels, 'importWriter');
    const settled = new Promise<void>((resolve) => core!.events.on('library.changed', () => resolve()));

    await core.call('library.status', {});
    // Answered while the settle has steps to go: the import is not marked yet, part of its images wait.
    expect(statusOf(core, id)).toBe('running');
    expect(underived(core)).toBeGreaterThan(0);
    // The list shows it as it will be stored, and counts its images.
    const sources = await core.call('library.sources', {});
    expect(sources.imports.find((m) => m.id === id)).toMatchObject({ status: 'failed', images: N });
    await core.call('library.status', {});
    expect(statusOf(core, id)).toBe('running');
    // (Its images are still being collected, or derived by the one writer it takes.)
    expect(writers.mock.calls.filter(([importId]) => importId === id).length).toBeLessThanOrEqual(1);

    await settled;
    expect(core.context.db.prepare('SELECT status, error FROM imports WHERE id = ?').get(id)).toEqual({ status: 'failed', error: expect.stringMatching(/^interrupted: its process \(pid \d+\) ended/) });
    // Its count is stored as its summary: the list of imports reads it instead of counting again.
    expect(JSON.parse(core.context.db.prepare('SELECT summary FROM imports WHERE id = ?').pluck().get(id) as string)).toEqual({ images: N });
    // Every image it reached derived from its rows: rating 1 → bad, 5 → good.
    expect(underived(core)).toBe(0);
    expect(core.context.db.prepare("SELECT COUNT(*) FROM labels WHERE label = 'bad' AND origin = 'import'").pluck().get()).toBe(N / 2);
    expect(core.context.db.prepare("SELECT COUNT(*) FROM labels WHERE label = 'good' AND origin = 'import'").pluck().get()).toBe(N / 2);
    // One settle for all three calls.
    expect(writers.mock.calls.filter(([importId]) => importId === id)).toHaveLength(1);
    expect((await core.call('library.sources', {})).imports.find((m) => m.id === id)).toMatchObject({ status: 'failed', images: N });
  }, 120_000);
});
