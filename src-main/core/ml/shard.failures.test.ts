/**
 * The failures a sharded classify records (rows refused, URLs that could not be downloaded) name
 * the bundle file the curator gave and its own lines, never the internal `.shards` copy the shard
 * is imported from: ml.classify with shards on a real seeded library, a real bundle file with bad
 * rows at known lines and URLs that fail on a real HTTP server on 127.0.0.1. A failure's detail that
 * names other lines of the input (a quoted cell holding a line break: "it ends on line N", "starts on
 * line N") names the bundle's lines too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FailureRow } from '../../../src-shared/domain/library';
import { tempDir } from '../../../test-support/fixtures';
import { seedLibrary } from '../../../test-support/seedLibrary';
import { useGoneServer } from '../../../test-support/goneServer';
import { SHARD_FOLDER, shardOf } from './shard';

const N = 2;

describe("a sharded classify's failures name the curator's bundle and line", () => {
  const dir = tempDir('qc-shard-failures-');
  const lib = seedLibrary({ images: 10, runs: 1 });
  // Every picture is gone: each URL is a recorded download failure.
  const server = useGoneServer();
  afterAll(async () => {
    await lib.core.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(lib.dataDir, { recursive: true, force: true });
  });

  /** The bundle's lines (line 1 the header, line 2 blank) and, per data line, its URL cell and what its failure is. */
  function bundleLines() {
    const rows: { text: string; urlCell: string; fails: 'fetch' | 'bad_url' | 'bad_row' | 'missing_url' }[] = [];
    // The server's port is in the URLs and so decides their shard: each kind's cells are picked
    // 4 to a shard, so both shards hold every kind on any port.
    const fourEach = (cell: (i: number) => string) => {
      const out: string[] = [];
      const count = new Array<number>(N).fill(0);
      for (let i = 0; out.length < 4 * N; i++) {
        const s = shardOf(cell(i), N);
        if (count[s]! < 4) {
          count[s]!++;
          out.push(cell(i));
        }
      }
      return out;
    };
    const gone = fourEach((i) => `${server.base()}/gone/${i}.jpg`);
    const notUrl = fourEach((i) => `not a url ${i}`);
    const wide = fourEach((i) => `${server.base()}/wide/${i}.jpg`);
    for (let i = 0; i < 4 * N; i++) {
      rows.push({ text: `${gone[i]}\tg${i}`, urlCell: gone[i]!, fails: 'fetch' });
      rows.push({ text: `${notUrl[i]}\tb${i}`, urlCell: notUrl[i]!, fails: 'bad_url' });
      rows.push({ text: `${wide[i]}\tw${i}\textra`, urlCell: wide[i]!, fails: 'bad_row' });
    }
    rows.splice(5, 0, { text: '\tempty', urlCell: '', fails: 'missing_url' });
    const lines = ['eolMediaURL\tidentifier', '', ...rows.map((r) => r.text)];
    return { lines, rows: rows.map((r, i) => ({ ...r, line: i + 3, shard: shardOf(r.urlCell, N) + 1 })) };
  }

  type Expected = ReturnType<typeof bundleLines>['rows'];
  const failures = async () => (await lib.core.call('library.failures', { limit: 1000 })).failures;
  /** The failures of one shard's rows, as `library.failures` lists them (file, line, reason for rows; the URL for downloads). */
  const of = (list: FailureRow[], rows: Expected) => {
    const lines = new Set(rows.map((r) => r.line));
    return list.filter((f) => f.line !== null && lines.has(f.line));
  };
  const want = (bundle: string, rows: Expected) =>
    rows
      .map((r) => (r.fails === 'fetch' ? { file: bundle, line: r.line, url: r.urlCell } : { file: bundle, line: r.line, reason: r.fails }))
      .sort((a, b) => a.line - b.line);

  it('records every failure of each shard against the bundle file and its line, and a re-run replaces only its own', async () => {
    const bundle = path.join(dir, 'bundle.tsv');
    const { lines, rows } = bundleLines();
    fs.writeFileSync(bundle, lines.join('\n') + '\n');
    const outDir = path.join(dir, 'out');
    const k = shardOf('', N) + 1; // the shard of the row without a URL
    const mine = rows.filter((r) => r.shard === k);
    const theirs = rows.filter((r) => r.shard !== k);
    // Both shards have failures of each kind, so each one is checked.
    for (const part of [mine, theirs]) expect(new Set(part.map((r) => r.fails)).size).toBeGreaterThanOrEqual(3);

    const first = await lib.core.call('ml.classify', { source: bundle, outDir, shard: { k, n: N }, retries: 0 });
    expect(first.failed).toBe(mine.filter((r) => r.fails === 'fetch').length);
    expect(first.row_problems).toBe(mine.filter((r) => r.fails !== 'fetch').length);
    let listed = await failures();
    expect(JSON.stringify(listed)).not.toContain(SHARD_FOLDER);
    expect(listed.map((f) => f.file)).toEqual(listed.map(() => bundle));
    expect(listed.map((f) => ({ file: f.file, line: f.line, ...(f.url?.includes('/gone/') ? { url: f.url } : { reason: f.reason }) })).sort((a, b) => (a.line ?? 0) - (b.line ?? 0))).toEqual(want(bundle, mine));

    // The other shard: its failures join, the first shard's stay.
    await lib.core.call('ml.classify', { source: bundle, outDir, shard: { k: 3 - k, n: N }, retries: 0 });
    listed = await failures();
    expect(JSON.stringify(listed)).not.toContain(SHARD_FOLDER);
    expect(listed.every((f) => f.file === bundle)).toBe(true);
    expect(listed).toHaveLength(rows.length);
    const shape = (list: FailureRow[]) => list.map((f) => ({ file: f.file, line: f.line, ...(f.url?.includes('/gone/') ? { url: f.url } : { reason: f.reason }) })).sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    expect(shape(of(listed, theirs))).toEqual(want(bundle, theirs));
    expect(shape(of(listed, mine))).toEqual(want(bundle, mine));

    // The curator blanks a bad row of the first shard and runs it again: that row's failure goes,
    // the rest of the first shard's are recorded again, the other shard's stay.
    const fixed = mine.find((r) => r.fails === 'bad_url')!;
    lines[fixed.line - 1] = '';
    fs.writeFileSync(bundle, lines.join('\n') + '\n');
    const again = await lib.core.call('ml.classify', { source: bundle, outDir, shard: { k, n: N }, retries: 0 });
    expect(again.row_problems).toBe(first.row_problems - 1);
    listed = await failures();
    expect(JSON.stringify(listed)).not.toContain(SHARD_FOLDER);
    const left = mine.filter((r) => r !== fixed);
    expect(shape(of(listed, mine))).toEqual(want(bundle, left));
    expect(shape(of(listed, theirs))).toEqual(want(bundle, theirs));
    expect(listed).toHaveLength(rows.length - 1);
  }, 120_000);

  it('a quoted cell spanning lines is refused at the bundle lines, and its details name the bundle lines where it starts and ends', async () => {
    const k = 1;
    const ours = (cell: string) => shardOf(cell, N) === k - 1;
    const urls = Array.from({ length: 40 }, (_, i) => `${server.base()}/quoted/${i}.jpg`); // not the first test's URLs: their failures are recorded already
    const theirs = urls.filter((u) => !ours(u)).slice(0, 5);
    const mine = urls.filter(ours).slice(0, 2);
    // The line that closes the quote is copied into the shard only when its first cell falls in this shard too.
    const closing = Array.from({ length: 40 }, (_, i) => `second part ${i}"`).find(ours)!;
    expect(theirs).toHaveLength(5);
    expect(mine).toHaveLength(2);
    const lines = [
      'eolMediaURL\tdescription',
      ...theirs.map((u, i) => `${u}\tother ${i}`), // lines 2..6: the other shard's, not copied
      '', // line 7
      `${mine[0]}\t"first part`, // line 8: the quoted cell starts
      closing, // line 9: … and ends
      `${mine[1]}\tlast`, // line 10: a download that fails
    ];
    const starts = 8;
    const ends = 9;
    expect(lines[starts - 1]).toContain('"first part');
    expect(lines[ends - 1]).toBe(closing);
    const bundle = path.join(dir, 'quoted.tsv');
    fs.writeFileSync(bundle, lines.join('\n') + '\n');

    const out = await lib.core.call('ml.classify', { source: bundle, outDir: path.join(dir, 'out-quoted'), shard: { k, n: N }, retries: 0 });
    expect(out.row_problems).toBe(2);
    expect(out.failed).toBe(1);
    const all = (await lib.core.call('library.failures', { limit: 1000 })).failures;
    expect(JSON.stringify(all)).not.toContain(SHARD_FOLDER);
    // This bundle's failures (its shard copy is named after it: quoted.shard-1-of-2.tsv) all name the bundle.
    const listed = all.filter((f) => (f.file ?? '').includes('quoted'));
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((f) => f.file === bundle)).toBe(true);
    const rows = listed.filter((f) => f.reason === 'bad_row').sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    expect(rows.map((f) => f.line)).toEqual([starts, ends]);
    expect(rows[0]!.detail).toMatch(new RegExp(`^column description is a quoted cell holding a line break \\(it ends on line ${ends}\\), which is not supported`));
    expect(rows[1]!.detail).toMatch(new RegExp(`^part of the quoted cell that starts on line ${starts} `));
    // The download's failure names its bundle line too.
    expect(listed.filter((f) => f.url === mine[1]).map((f) => f.line)).toEqual([10]);
  }, 120_000);
});
