/**
 * library.sources counts an import's images (seconds at a million) only when no count is stored:
 * a finished import's summary has it, and so has one that failed, was cancelled by an error or was
 * interrupted (importer.ts UnfinishedSummary); one still running, or stopped before its count was
 * stored, is counted again only when what an import holds has changed (change_counts.sources), and
 * while it runs at most every RUNNING_RECOUNT_MS.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCore, type Core } from '../app';
import { listSources } from './status';
import { tempDir } from '../../../test-support/fixtures';

/** An import row of `status` whose URLs map `n` images (`summary` as stored). */
function importOf(core: Core, status: string, n: number, summary: string | null): number {
  const db = core.context.db;
  const id = Number(db.prepare("INSERT INTO imports (kind, source, status, summary) VALUES ('ratings', ?, ?, ?)").run(`/x/${status}.tsv`, status, summary).lastInsertRowid);
  for (let k = 0; k < n; k++) addImage(core, id, `https://x/${id}/${k}.jpg`);
  return id;
}

function addImage(core: Core, importId: number, url: string): void {
  const db = core.context.db;
  const img = Number(db.prepare("INSERT INTO images (sha256, path, format, width, height, bytes, thumb_path, preview_path) VALUES (?, 'p', 'jpeg', 1, 1, 1, 't', 'v')").run(url).lastInsertRowid);
  db.prepare('INSERT INTO image_urls (url, image_id, import_id) VALUES (?, ?, ?)').run(url, img, importId);
}

describe('library.sources', () => {
  let core: Core | null = null;
  let dir = '';
  afterEach(async () => {
    vi.restoreAllMocks();
    await core?.close();
    core = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads a stored count, and counts an import with none only when what imports hold has changed', () => {
    dir = tempDir('qc-sources-count-');
    core = createCore({ dataDir: dir });
    const db = core.context.db;
    const failed = importOf(core, 'failed', 3, JSON.stringify({ images: 3 }));
    const legacy = importOf(core, 'failed', 2, null); // stopped before counts were stored
    const running = importOf(core, 'running', 4, null);
    const counts = () => prepared.mock.calls.filter(([sql]) => /\bUNION\b/.test(sql)).length;
    const prepared = vi.spyOn(db, 'prepare');
    const images = () => Object.fromEntries(listSources(db).imports.map((m) => [m.id, m.images]));

    expect(images()).toEqual({ [failed]: 3, [legacy]: 2, [running]: 4 });
    const first = counts();
    // Nothing changed: no import is counted again.
    expect(images()).toEqual({ [failed]: 3, [legacy]: 2, [running]: 4 });
    expect(counts()).toBe(first);

    // The stored count is what is shown (the failed import is never counted).
    db.prepare('DELETE FROM image_urls WHERE import_id = ?').run(failed);
    // What imports hold changed: the legacy import is counted again, the running one keeps its count a while.
    addImage(core, legacy, 'https://x/legacy/new.jpg');
    addImage(core, running, 'https://x/running/new.jpg');
    expect(images()).toEqual({ [failed]: 3, [legacy]: 3, [running]: 4 });
    expect(counts()).toBe(first + 1);
    // Past RUNNING_RECOUNT_MS the running import is counted again.
    const now = performance.now();
    vi.spyOn(performance, 'now').mockReturnValue(now + 60_000);
    expect(images()).toEqual({ [failed]: 3, [legacy]: 3, [running]: 5 });
  });
});
