/**
 * A failure's detail that names other lines of the input (a quoted cell holding a line break: "it
 * ends on line N", "starts on line N") names the curator's bundle lines when a sharded classify
 * records it, not the lines of the internal `.shards` copy: ml.classify with a shard on a real
 * seeded library, a real bundle file and a real HTTP server on 127.0.0.1.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/fixtures';
import { seedLibrary } from '../../../test-support/seedLibrary';
import { SHARD_FOLDER, shardOf } from './shard';

const N = 2;

describe("a sharded classify's failure details name the curator's lines", () => {
  const dir = tempDir('qc-shard-failure-detail-');
  const lib = seedLibrary({ images: 10, runs: 1 });
  let server: http.Server;
  let base = '';
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await lib.core.close();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(lib.dataDir, { recursive: true, force: true });
  });

  it('a quoted cell spanning lines is refused at the bundle lines, and its details name the bundle lines where it starts and ends', async () => {
    const k = 1;
    const ours = (cell: string) => shardOf(cell, N) === k - 1;
    const urls = Array.from({ length: 40 }, (_, i) => `${base}/gone/${i}.jpg`);
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
    const bundle = path.join(dir, 'bundle.tsv');
    fs.writeFileSync(bundle, lines.join('\n') + '\n');

    const out = await lib.core.call('ml.classify', { source: bundle, outDir: path.join(dir, 'out'), shard: { k, n: N }, retries: 0 });
    expect(out.row_problems).toBe(2);
    expect(out.failed).toBe(1);
    const listed = (await lib.core.call('library.failures', { limit: 1000 })).failures;
    expect(JSON.stringify(listed)).not.toContain(SHARD_FOLDER);
    expect(listed.every((f) => f.file === bundle)).toBe(true);
    const rows = listed.filter((f) => f.reason === 'bad_row').sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    expect(rows.map((f) => f.line)).toEqual([starts, ends]);
    expect(rows[0]!.detail).toMatch(new RegExp(`^column description is a quoted cell holding a line break \\(it ends on line ${ends}\\), which is not supported`));
    expect(rows[1]!.detail).toMatch(new RegExp(`^part of the quoted cell that starts on line ${starts} `));
    // The download's failure names its bundle line too.
    expect(listed.filter((f) => f.url === mine[1]).map((f) => f.line)).toEqual([10]);
  }, 120_000);
});
