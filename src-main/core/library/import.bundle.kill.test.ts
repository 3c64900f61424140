/**
 * A bundle's re-import replaces its lines in place (importer.ts bundleItem): a `qc import` of it
 * killed half way leaves the bundle as long as it was (each line old or new), never cut down to the
 * lines written before the kill, which `qc export --bundle` would publish as whole; a re-import that
 * completes drops the lines the file lost.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { libraryPaths } from '../paths';
import { tempDir } from '../../../test-support/fixtures';
import { poll, startQc } from '../../../test-support/killChild';

/** Enough lines that storing them takes several transactions (importer.ts ROW_CHUNK_MS) on any machine. */
const N = 60_000;
/** Bare URLs on a port nothing listens on: a bundle whose rows are stored, and nothing fetched. */
const url = (i: number) => `http://127.0.0.1:9/qc-bundle-kill/${i}.jpg`;

const count = (db: Database.Database, sql: string, ...args: unknown[]) => (db.prepare(sql).get(...args) as { n: number }).n;

describe('a re-import of a bundle', () => {
  let dir: string;
  let dataDir: string;
  beforeAll(() => {
    dir = tempDir();
    dataDir = path.join(dir, 'data');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Import `lines` as the bundle `file`, stopping once its rows are stored (no downloads). */
  const importRows = async (file: string, lines: string[]) => {
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const core = createCore({ dataDir });
    try {
      const stop = new AbortController();
      await core
        .call('library.import', { source: file }, { signal: stop.signal, onProgress: (p) => p.phase !== 'rows' && stop.abort() })
        .catch(() => null);
      return core.context.db.prepare('SELECT id FROM bundles WHERE origin = ?').get(file) as { id: number };
    } finally {
      await core.close();
    }
  };

  it('killed while it stores the rows leaves the bundle as long as it was', async () => {
    const file = path.join(dir, 'bundle.txt');
    const lines = Array.from({ length: N }, (_, i) => url(i));
    const { id: bundle } = await importRows(file, lines);
    const dbFile = libraryPaths(dataDir).db;
    const db = new Database(dbFile, { timeout: 60_000 });
    try {
      expect(count(db, 'SELECT COUNT(*) AS n FROM bundle_items WHERE bundle_id = ?', bundle)).toBe(N);

      // The same file imported again by another process, killed once some but not all of its rows
      // are stored: the test takes the write lock between two of its transactions, so the child
      // stands still where the test looked, and is killed there.
      const child = startQc(dataDir, ['import', file, '--json']);
      const newRows = () => count(db, "SELECT COUNT(*) AS n FROM source_rows WHERE import_id = (SELECT MAX(id) FROM imports WHERE status = 'running' AND source = ?)", file);
      let stored = 0;
      const held = await poll(() => {
        if (!child.alive()) return true;
        db.exec('BEGIN IMMEDIATE');
        stored = newRows();
        if (stored > 0 && stored < N) return true;
        db.exec('ROLLBACK');
        return false;
      }, 60_000);
      expect(held && child.alive(), `the child ended or never stored part of its rows (stored ${stored}): ${child.stderr()}`).toBe(true);
      const lengthThen = count(db, 'SELECT COUNT(*) AS n FROM bundle_items WHERE bundle_id = ?', bundle);
      expect(await child.kill()).toBe('SIGKILL');
      db.exec('ROLLBACK');

      // Part way: some rows this import's, the rest the earlier one's; the bundle whole all along.
      expect(stored).toBeGreaterThan(0);
      expect(stored).toBeLessThan(N);
      expect(lengthThen).toBe(N);
      expect(count(db, 'SELECT COUNT(*) AS n FROM bundle_items WHERE bundle_id = ?', bundle)).toBe(N);
      expect(count(db, 'SELECT COUNT(*) AS n FROM bundle_items b JOIN source_rows s ON s.id = b.source_row_id WHERE b.bundle_id = ? AND s.line = b.line', bundle)).toBe(N);

      // The next open settles the killed import: it is interrupted, and the bundle still whole.
      const core = createCore({ dataDir });
      try {
        const sources = await core.call('library.sources', {});
        expect(sources.bundles.find((b) => b.id === bundle)?.rows).toBe(N);
        expect(sources.imports[0]).toMatchObject({ status: 'failed' });
      } finally {
        await core.close();
      }
    } finally {
      db.close();
    }
  }, 120_000);

  it('that completes drops the lines the file no longer has, and keeps the others', async () => {
    const file = path.join(dir, 'shrinks.txt');
    const { id: bundle } = await importRows(file, Array.from({ length: 10 }, (_, i) => url(100 + i)));
    // Line 4 blanked, line 7 now another URL, lines 9 and 10 gone.
    const now = Array.from({ length: 8 }, (_, i) => (i === 3 ? '' : i === 6 ? url(999) : url(100 + i)));
    const again = await importRows(file, now);
    expect(again.id).toBe(bundle);
    const db = new Database(libraryPaths(dataDir).db, { readonly: true });
    try {
      const items = db
        .prepare('SELECT b.line, s.url FROM bundle_items b JOIN source_rows s ON s.id = b.source_row_id WHERE b.bundle_id = ? ORDER BY b.line')
        .all(bundle) as { line: number; url: string }[];
      const expected = now.flatMap((u, i) => (u ? [{ line: i + 1, url: u }] : []));
      expect(items).toEqual(expected);
      // The rows of the lines that went are gone too (no bundle line names them any more).
      expect(count(db, 'SELECT COUNT(*) AS n FROM source_rows WHERE origin = ?', file)).toBe(expected.length);
    } finally {
      db.close();
    }
  }, 60_000);
});
