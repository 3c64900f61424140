/**
 * `qc export` of a large library streams: rows are read in keyset chunks and each chunk is on
 * disk before the next is read (so memory does not grow with the library), every image is
 * written exactly once in id order, and the tallies equal a direct count. A unit-sized form of
 * the 200K-image case: 20,000 images in chunks of 1,000.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalTag } from '../../../src-shared/domain/tags';
import { tempDir } from '../../../test-support/fixtures';
import { generateScaleLibrary } from '../../../test-support/scaleLibrary';
import { openDatabase, type Db } from '../db/open';
import { libraryPaths } from '../paths';
import { exportLibrary, LIBRARY_COLUMNS } from './tags';

const N = 20_000;
const CHUNK = 1000;

describe('library export at scale', () => {
  let dir: string;
  let db: Db;
  let runId: number;

  beforeAll(async () => {
    dir = tempDir();
    runId = (await generateScaleLibrary(path.join(dir, 'lib'), { n: N, seed: 5 })).runId;
    db = openDatabase(libraryPaths(path.join(dir, 'lib')).db);
  }, 120_000);
  afterAll(() => {
    db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes each chunk before reading the next, every image once in id order, with exact tallies', () => {
    const out = path.join(dir, 'out');
    const seen: { rows: number; linesOnDisk: number }[] = [];
    const r = exportLibrary(db, {
      runId,
      threshold: 0.62,
      outDir: out,
      chunkRows: CHUNK,
      onChunk: (rows, tmp) => seen.push({ rows, linesOnDisk: fs.readFileSync(tmp, 'utf8').split('\n').length - 1 }),
    });
    // One callback per chunk, and at each one the file already holds the header and every row so far.
    expect(seen).toHaveLength(N / CHUNK);
    seen.forEach((s, i) => {
      expect(s.rows).toBe((i + 1) * CHUNK);
      expect(s.linesOnDisk).toBe(s.rows + 1);
    });

    const lines = fs.readFileSync(path.join(out, 'library_finaltags.tsv'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(N + 1);
    expect(lines[0]!.split('\t').slice(0, LIBRARY_COLUMNS.length)).toEqual(LIBRARY_COLUMNS);
    const ids = lines.slice(1).map((l) => Number(l.split('\t')[0]));
    const want = (db.prepare('SELECT id FROM images ORDER BY id').raw().all() as [number][]).map((x) => x[0]);
    expect(ids).toEqual(want);
    expect(fs.readdirSync(out)).toEqual(['library_finaltags.tsv']); // the temporary file is gone

    const rows = db.prepare('SELECT p.p_bad, l.label, l.origin FROM images i LEFT JOIN predictions p ON p.run_id = ? AND p.image_id = i.id LEFT JOIN labels l ON l.image_id = i.id').all(runId) as {
      p_bad: number | null;
      label: 'good' | 'bad' | null;
      origin: 'import' | 'curator' | null;
    }[];
    const tags = rows.map((x) => finalTag({ pBad: x.p_bad, label: x.label, origin: x.origin }, 0.62));
    expect(r.rows).toBe(N);
    expect(r.tagged_bad).toBe(tags.filter((t) => t.imclass === 'bad').length);
    expect(r.by_source.model + r.by_source.curator + r.by_source.none).toBe(N);
    expect(r.by_source.model).toBe(tags.filter((t) => t.source === 'model').length);
  });

  it('an error midway leaves no partial file behind', () => {
    const out = path.join(dir, 'out-fail');
    expect(() =>
      exportLibrary(db, {
        runId,
        threshold: 0.5,
        outDir: out,
        chunkRows: CHUNK,
        onChunk: (rows) => {
          if (rows >= 3 * CHUNK) throw new Error('disk full (simulated)');
        },
      }),
    ).toThrow('disk full');
    expect(fs.readdirSync(out)).toEqual([]);
  });
});
