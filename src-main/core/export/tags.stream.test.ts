/**
 * `qc export` of a large library streams: rows are read in keyset chunks and each chunk is on
 * disk before the next is read (so memory does not grow with the library), every image is
 * written exactly once in id order, and the tallies equal a direct count. A unit-sized form of
 * the 200K-image case: 20,000 images in chunks of 1,000.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalConfidence, finalTag, formatConfidence, tsvLine } from '../../../src-shared/domain/tags';
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
    // A few images with a second URL and source row (stored later; one with no EOL id, one with no
    // ancestry), so "first URL" and "first row that has one" are exercised.
    const importId = (db.prepare('SELECT MAX(id) AS id FROM imports').get() as { id: number }).id;
    const addUrl = db.prepare("INSERT INTO image_urls (url, image_id, import_id, created_at) VALUES (?, ?, ?, '2000-01-01T00:00:00.000Z')");
    const addRow = db.prepare("INSERT INTO source_rows (origin, line, kind, url, eol_id, ancestry, raw, import_id) VALUES ('test://extra', ?, 'ratings', ?, ?, ?, ?, ?)");
    // Every seventh row names a dataObjectVersionID, as a bundle's rows do; the extra rows name one
    // too, which their image must not take (they come after the row that gives its EOL id).
    db.prepare("UPDATE source_rows SET raw = json_set(raw, '$.dataObjectVersionID', 'v' || id) WHERE id % 7 = 0").run();
    for (const [k, id] of [200, 777, 5001, 19_999].entries()) {
      const url = `https://example.org/extra/${id}.jpg`;
      addUrl.run(url, id, importId);
      addRow.run(k, url, k % 2 ? null : `extra-${id}`, k % 2 ? '{"kingdom":{"name":"Extra"}}' : null, JSON.stringify({ dataObjectVersionID: `extra-v${id}` }), importId);
    }
  }, 120_000);

  /** What the export said before it streamed: one row per image from correlated subqueries. */
  function reference(threshold: number): string[] {
    // dataObjectVersionID: of the first row that has one among the rows of the image's EOL id (all its rows when it has none).
    const rows = db
      .prepare(
        `SELECT x.*, (SELECT json_extract(s.raw, '$.dataObjectVersionID') FROM source_rows s JOIN image_urls u ON u.url = s.url
                     WHERE u.image_id = x.image_id AND TRIM(json_extract(s.raw, '$.dataObjectVersionID')) != '' AND (x.eol_id IS NULL OR s.eol_id = x.eol_id)
                     ORDER BY s.id LIMIT 1) AS version FROM (
         SELECT i.id AS image_id, p.p_bad, l.label, l.origin,
                COALESCE((SELECT s.url FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE u.image_id = i.id AND s.eol_id IS NOT NULL ORDER BY s.id LIMIT 1),
                         (SELECT url FROM image_urls u WHERE u.image_id = i.id ORDER BY u.url NOT LIKE 'http%:%', u.created_at, u.url LIMIT 1)) AS url,
                (SELECT s.eol_id FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE u.image_id = i.id AND s.eol_id IS NOT NULL ORDER BY s.id LIMIT 1) AS eol_id,
                (SELECT s.ancestry FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE u.image_id = i.id AND s.ancestry IS NOT NULL ORDER BY s.id LIMIT 1) AS ancestry
         FROM images i LEFT JOIN predictions p ON p.run_id = ? AND p.image_id = i.id LEFT JOIN labels l ON l.image_id = i.id) x ORDER BY x.image_id`,
      )
      .all(runId) as { image_id: number; p_bad: number | null; label: 'good' | 'bad' | null; origin: 'import' | 'curator' | null; url: string; eol_id: string | null; version: string | null; ancestry: string | null }[];
    return rows.map((r) => {
      const t = finalTag({ pBad: r.p_bad, label: r.label, origin: r.origin }, threshold);
      return tsvLine([r.image_id, r.url, r.eol_id ?? '', r.version ?? '', r.ancestry ?? '', r.label ?? '', r.origin ?? '', t.imclass, finalConfidence(r.p_bad, t), t.source, formatConfidence(r.p_bad)]);
    });
  }
  afterAll(() => {
    db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes each chunk before reading the next, every image once in id order, with exact tallies', async () => {
    const out = path.join(dir, 'out');
    const seen: { rows: number; linesOnDisk: number }[] = [];
    const r = await exportLibrary(db, {
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
    // Line for line what the per-image subqueries gave, extra URLs and rows included.
    expect(lines.slice(1)).toEqual(reference(0.62));
    // 777's extra URL, stored earlier, has no EOL id: the row names the URL of the source row that gives its EOL id.
    expect(lines.find((l) => l.startsWith('777\t'))).not.toContain('https://example.org/extra/777.jpg');
    expect(lines.find((l) => l.startsWith('777\t'))!.split('\t')[2]).not.toBe('');
    // Versions were written, never an extra row's (another EOL id's, or a row after the one that gives it).
    const versions = lines.slice(1).map((l) => l.split('\t')[LIBRARY_COLUMNS.indexOf('dataObjectVersionID')]!);
    expect(versions.filter((v) => v !== '').length).toBeGreaterThan(N / 10);
    expect(versions.filter((v) => v.startsWith('extra-'))).toEqual([]);
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

  it('an error midway leaves no partial file behind', async () => {
    const out = path.join(dir, 'out-fail');
    await expect(
      exportLibrary(db, {
        runId,
        threshold: 0.5,
        outDir: out,
        chunkRows: CHUNK,
        onChunk: (rows) => {
          if (rows >= 3 * CHUNK) throw new Error('disk full (simulated)');
        },
      }),
    ).rejects.toThrow('disk full');
    expect(fs.readdirSync(out)).toEqual([]);
  });
});
