/**
 * A tag file that gives one URL twice: its last row is what is stored (as before), and the summary
 * says how many rows repeated a URL, naming by file and line the first ones whose prediction
 * differs, so "6 by URL only" next to 5 URLs stored is explained. Real parts: a seeded library with
 * a run, real files, the core's call.
 */
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, linesWriter } from '../../../test-support/fixtures';
import { SEED_URL_PREFIX, seedLibrary } from '../../../test-support/seedLibrary';
import { tagMergeNotes, tagMergeText } from '../../../src-shared/domain/library';

describe('tag files that give a URL twice', () => {
  const dir = tempDir('qc-tagdup-');
  const lib = seedLibrary({ images: 6, runs: 1 });
  afterAll(async () => {
    await lib.core.close();
    for (const d of [dir, lib.dataDir]) fs.rmSync(d, { recursive: true, force: true });
  });
  const write = linesWriter(dir);
  const db = lib.core.context.db;

  it('keeps the last row, counts the repeats and names the conflicting ones by file and line', async () => {
    const f = write('hostile_a.tsv', [
      'eolMediaURL\timclass\tconfidence',
      'https://elsewhere.example/x.jpg\tgood\t0.800000',
      'https://elsewhere.example/y.jpg\tbad\t0.700000',
      'https://elsewhere.example/y.jpg\tbad\t0.700000',
      'https://elsewhere.example/x.jpg\tbad\t0.990000',
      `${SEED_URL_PREFIX}1.jpg\tbad\t0.600000`,
    ]);
    const r = await lib.core.call('ml.importTags', { files: [f] });
    expect(r).toMatchObject({ rows: 5, remote: 4, local: 1 });
    expect(r.duplicate_urls).toEqual({ rows: 2, conflicting: 1, first: [{ file: f, line: 5, first_line: 2 }] });
    expect(db.prepare('SELECT p_bad FROM url_predictions WHERE run_id = ? AND url = ?').pluck().get(lib.runId, 'https://elsewhere.example/x.jpg')).toBeCloseTo(0.99, 6);
    expect(tagMergeNotes(r)).toEqual([`2 rows repeat a URL of an earlier row of their file (the last row of a URL is stored), 1 with another prediction or label: ${f}:5 (first at line 2)`]);
    expect(tagMergeText(r)).toContain('; 2 rows repeat a URL');
  });

  it('names at most five, and counts no repeat across two files (each file is read on its own; the later file wins)', async () => {
    const lines = ['eolMediaURL\timclass\tconfidence'];
    for (let i = 0; i < 7; i++) lines.push(`https://elsewhere.example/d${i}.jpg\tbad\t0.900000`);
    for (let i = 0; i < 7; i++) lines.push(`https://elsewhere.example/d${i}.jpg\tbad\t0.800000`);
    const many = write('many_a.tsv', lines);
    const other = write('other_a.tsv', ['eolMediaURL\timclass\tconfidence', 'https://elsewhere.example/d0.jpg\tgood\t0.900000']);
    const r = await lib.core.call('ml.importTags', { files: [many, other] });
    expect(r.duplicate_urls).toMatchObject({ rows: 7, conflicting: 7 });
    expect(r.duplicate_urls!.first.map((d) => d.line)).toEqual([9, 10, 11, 12, 13]);
    expect(tagMergeNotes(r)[0]).toMatch(/many_a\.tsv:13 \(first at line 6\), …$/);
    const clean = write('clean_a.tsv', ['eolMediaURL\timclass\tconfidence', 'https://elsewhere.example/c.jpg\tbad\t0.900000']);
    expect((await lib.core.call('ml.importTags', { files: [clean] })).duplicate_urls).toBeUndefined();
  });
});
