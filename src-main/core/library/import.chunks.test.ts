/**
 * A big input's rows are stored in short transactions (importer.ts ROW_CHUNK_MS), so another
 * process that writes to the library meanwhile (a curator labelling beside a million-row import)
 * gets the write lock within its busy timeout instead of failing with "database is locked".
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { libraryPaths } from '../paths';
import { tempDir } from '../../../test-support/fixtures';
import { startWriteProbe, writesBetween } from '../../../test-support/writeProbe';

const ROWS = 100_000;


describe('storing the rows of a big input', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lets another process write between its transactions, and stores every row', async () => {
    const file = path.join(dir, 'image_ratings.txt');
    const lines = ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry'];
    for (let i = 0; i < ROWS; i++) lines.push(`${i}\thttps://content.eol.org/data/media/x/${i}.jpg\t${1 + (i % 5)}\t{}`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const dataDir = path.join(dir, 'data');
    const core = createCore({ dataDir });
    try {
      const probe = await startWriteProbe(libraryPaths(dataDir).db);

      // Store the rows, then stop (no downloads: the URLs go nowhere).
      const stop = new AbortController();
      let began = 0;
      let rowsMs = 0;
      let beganAt = 0;
      let endedAt = 0;
      const chunks: number[] = [];
      await core
        .call('library.import', { source: file }, {
          signal: stop.signal,
          onProgress: (p) => {
            if (p.phase !== 'rows') return;
            if (p.done === 0) {
              began = performance.now();
              beganAt = Date.now();
            } else chunks.push(p.done);
            if (p.done === p.total) {
              rowsMs = performance.now() - began;
              endedAt = Date.now();
              stop.abort();
            }
          },
        })
        .catch(() => null);
      const result = await probe.stop();

      // One transaction for all the rows kept the writer waiting for all of it (at a million rows,
      // past its busy timeout: "database is locked"): none of its writes landed while the rows were
      // stored (2 at the edges). Short ones let it in between them (~50 writes on an idle machine).
      // Counted, not timed: the longest wait grows with the machine's load, the writes do not.
      expect(rowsMs).toBeGreaterThan(1_000);
      expect(result.tries).toBeGreaterThan(10);
      expect(result.errors).toBe(0);
      expect(writesBetween(result, beganAt, endedAt)).toBeGreaterThanOrEqual(10);
      expect(chunks.length).toBeGreaterThan(5); // and progress along the way
      const db = core.context.db;
      expect((db.prepare('SELECT COUNT(*) AS n FROM source_rows').get() as { n: number }).n).toBe(ROWS);
    } finally {
      await core.close();
    }
  }, 120_000);
});
