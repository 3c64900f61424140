/**
 * A big input's rows are stored in short transactions (importer.ts ROW_CHUNK_MS), so another
 * process that writes to the library meanwhile (a curator labelling beside a million-row import)
 * gets the write lock within its busy timeout instead of failing with "database is locked".
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { BUSY_TIMEOUT_MS } from '../db/open';
import { libraryPaths } from '../paths';
import { REPO_ROOT, tempDir } from '../../../test-support/fixtures';

const ROWS = 100_000;

/** Another process: takes the write lock every ~10 ms (with the library's busy timeout) until told to stop, timing each wait. */
const WRITER = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1], { timeout: Number(process.argv[2]) });
let maxWait = 0, tries = 0, errors = 0, stop = false;
process.stdin.on('data', () => (stop = true));
console.log('ready');
const loop = () => {
  if (stop) { console.log(JSON.stringify({ maxWait, tries, errors })); db.close(); process.exit(0); }
  const t = performance.now();
  try { db.exec('BEGIN IMMEDIATE'); db.exec('COMMIT'); } catch (e) { errors++; }
  maxWait = Math.max(maxWait, performance.now() - t);
  tries++;
  setTimeout(loop, 10);
};
loop();
`;

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
      const writer = spawn(process.execPath, ['-e', WRITER, libraryPaths(dataDir).db, String(BUSY_TIMEOUT_MS)], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      writer.stdout.on('data', (d) => (out += d));
      await new Promise<void>((resolve) => writer.stdout.once('data', () => resolve()));

      // Store the rows, then stop (no downloads: the URLs go nowhere).
      const stop = new AbortController();
      let began = 0;
      let rowsMs = 0;
      const chunks: number[] = [];
      await core
        .call('library.import', { source: file }, {
          signal: stop.signal,
          onProgress: (p) => {
            if (p.phase !== 'rows') return;
            if (p.done === 0) began = performance.now();
            else chunks.push(p.done);
            if (p.done === p.total) {
              rowsMs = performance.now() - began;
              stop.abort();
            }
          },
        })
        .catch(() => null);
      writer.stdin.write('stop\n');
      await new Promise((r) => writer.once('exit', r));
      const result = JSON.parse(out.trim().split('\n').at(-1)!) as { maxWait: number; tries: number; errors: number };

      // One transaction for all the rows kept the writer waiting for all of it (at a million rows,
      // past its busy timeout: "database is locked"); short ones let it in within a small part of it.
      expect(rowsMs).toBeGreaterThan(1_000);
      expect(result.tries).toBeGreaterThan(10);
      expect(result.errors).toBe(0);
      expect(result.maxWait).toBeLessThan(rowsMs / 3);
      expect(chunks.length).toBeGreaterThan(5); // and progress along the way
      const db = core.context.db;
      expect((db.prepare('SELECT COUNT(*) AS n FROM source_rows').get() as { n: number }).n).toBe(ROWS);
    } finally {
      await core.close();
    }
  }, 120_000);
});
