/**
 * A tag-file merge killed part way (`qc import <tags>` given SIGKILL between two of its
 * transactions) leaves part of its predictions merged. The merge stays on record (migration 029)
 * until the same files are merged again: the status and an export of the run say so, where before
 * the part looked like the whole and its export published it as complete.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { libraryPaths } from '../paths';
import { tempDir } from '../../../test-support/fixtures';
import { poll, startQc } from '../../../test-support/killChild';

/** More rows than several of the merge's transactions (tagImport.ts BATCH). */
const N = 30_000;

describe('a tag-file merge killed part way', () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dataDir = path.join(dir, 'data');

  it('stays on record, in the status and the export, until the files are merged again', async () => {
    const first = createCore({ dataDir });
    first.context.db.prepare("INSERT INTO runs (id, status, params, backbone) VALUES (3, 'done', '{}', 'b')").run();
    await first.close();
    const tags = path.join(dir, 'far_a.tsv');
    fs.writeFileSync(tags, ['eolMediaURL\timclass\tconfidence', ...Array.from({ length: N }, (_, i) => `https://far.example/${i}.jpg\tbad\t0.900000`)].join('\n') + '\n');

    const db = new Database(libraryPaths(dataDir).db, { timeout: 60_000 });
    const merged = () => db.prepare('SELECT COUNT(*) FROM url_predictions WHERE run_id = 3').pluck().get() as number;
    let stored = 0;
    try {
      const child = startQc(dataDir, ['import', tags, '--run', '3', '--json']);
      // The test takes the write lock between two of the child's transactions, so it stands still
      // where the test looked, and is killed there.
      const held = await poll(() => {
        if (!child.alive()) return true;
        db.exec('BEGIN IMMEDIATE');
        stored = merged();
        if (stored > 0 && stored < N) return true;
        db.exec('ROLLBACK');
        return false;
      }, 60_000);
      expect(held && child.alive(), `the child ended or never merged part of its rows (merged ${stored}): ${child.stderr()}`).toBe(true);
      expect(await child.kill()).toBe('SIGKILL');
      db.exec('ROLLBACK');
    } finally {
      db.close();
    }
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(N);

    const core = createCore({ dataDir });
    try {
      const onRecord = [{ run_id: 3, files: 1, first_file: tags, started_at: expect.any(String) }];
      expect((await core.call('library.status', {})).unfinished_tag_merges).toEqual(onRecord);
      const partial = await core.call('export.tags', { outDir: path.join(dir, 'partial'), runId: 3 });
      expect(partial.unfinished_tag_merges).toEqual(onRecord);
      expect(partial.rows).toBe(stored);

      // Merged again, whole: off the record, and the export has every row.
      expect(await core.call('ml.importTags', { files: [tags], runId: 3 })).toMatchObject({ remote: N });
      expect((await core.call('library.status', {})).unfinished_tag_merges).toBeUndefined();
      const whole = await core.call('export.tags', { outDir: path.join(dir, 'whole'), runId: 3 });
      expect(whole.unfinished_tag_merges).toBeUndefined();
      expect(whole.rows).toBe(N);
    } finally {
      await core.close();
    }
  }, 120_000);
});
