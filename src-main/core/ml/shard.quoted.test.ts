/**
 * A quoted cell holding a line break spans lines that the import reads as one record (and refuses
 * together, each line naming where the cell starts or ends): sharding keeps such a record's lines
 * together, in the shard of the URL of the row they make, so the N shards' imports together read
 * exactly what the unsharded import reads, told at the bundle's lines. Real bundle files on disk,
 * split by writeShardBundle into 2 and 3 shards, each shard read by the importer's parser; and
 * ml.classify of each of 3 shards on a real seeded library, its downloads failing on a real HTTP
 * server on 127.0.0.1, recording the refusals and failures the unsharded import reads, at the bundle's lines.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/fixtures';
import { seedLibrary } from '../../../test-support/seedLibrary';
import { parseInput, type ParsedInput } from '../library/parse';
import { SHARD_FOLDER, shardFileName, shardOf, writeShardBundle } from './shard';

let base = 'https://example.org';
const url = (name: string) => `${base}/q/${name}.jpg`;
/** The first of `name0`, `name1`, … whose URL `ok` accepts. */
const pick = (name: string, ok: (u: string) => boolean) => {
  for (let i = 0; i < 1000; i++) if (ok(url(`${name}${i}`))) return url(`${name}${i}`);
  throw new Error(`no URL for ${name}`);
};
/** Whether a URL's row and a line sharded by its own first cells ('' here) fall in different shards for N = 2 and 3. */
const apartFromEmpty = (u: string) => [2, 3].every((n) => shardOf(u, n) !== shardOf('', n));

/**
 * A bundle (header identifier, eolMediaURL, description) with three quoted cells holding line
 * breaks between plain rows: one in description, one in identifier (before the URL column, so its
 * first line alone has no URL), one with a blank line inside; and a row whose cell starts with a
 * quote it never closes (a row of its own, read as written). `spans`: each quoted record's lines.
 */
function bundle() {
  const lines = ['identifier\teolMediaURL\tdescription'];
  const spans: number[][] = [];
  const plain = (from: number, count: number) => {
    for (let i = from; i < from + count; i++) lines.push(`p${i}\t${url(`plain${i}`)}\tplain ${i}`);
  };
  const quoted = (...record: string[]) => {
    spans.push(record.map((_, i) => lines.length + 1 + i));
    lines.push(...record);
  };
  plain(0, 5);
  quoted(`q1\t${pick('one', apartFromEmpty)}\t"first part`, 'second part"');
  plain(5, 4);
  quoted('"q2', `id"\t${pick('two', apartFromEmpty)}\tafter`);
  plain(9, 4);
  quoted(`q3\t${pick('three', apartFromEmpty)}\t"para one`, '', 'para two"');
  plain(13, 3);
  const lone = lines.length + 1;
  lines.push(`q4\t${url('lone')}\t"unclosed title`);
  plain(16, 8);
  return { text: lines.join('\n') + '\n', spans, lone };
}

/** A parsed input's rows and problems as plain values, their lines (and the lines a detail names) told by `lineOf`. */
function told(p: ParsedInput, lineOf: (line: number) => number | undefined) {
  const at = (l: number) => {
    const to = lineOf(l);
    expect(to, `line ${l} maps back`).toBeGreaterThan(0);
    return to!;
  };
  return {
    rows: p.rows.map((r) => JSON.stringify({ ...r, line: at(r.line), raw: { ...r.raw } })),
    problems: p.problems.map((q) => JSON.stringify({ line: at(q.line), reason: q.reason, url: q.url, detail: q.detailAt ? q.detailAt(at) : q.detail })),
  };
}

describe('sharding keeps a quoted cell holding a line break in one shard', () => {
  const dir = tempDir('qc-shard-quoted-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const N of [2, 3]) {
    it(`N = ${N}: the shards together read exactly the unsharded import's rows and refusals, at the bundle's lines`, async () => {
      const { text, spans, lone } = bundle();
      const src = path.join(dir, `bundle-${N}.tsv`);
      fs.writeFileSync(src, text);
      const whole = parseInput(Buffer.from(text), src, 'bundle');
      const wholeTold = told(whole, (l) => l);
      // The import reads each quoted record as one, refusing its non-blank lines; the lone quote is a row.
      const refused = spans.flat().filter((l) => text.split('\n')[l - 1]!.trim() !== '');
      expect(whole.problems.map((p) => p.line).sort((a, b) => a - b)).toEqual(refused);
      expect(whole.problems.every((p) => p.reason === 'bad_row')).toBe(true);
      expect(whole.rows.find((r) => r.line === lone)?.raw.description).toBe('"unclosed title');

      const union = { rows: [] as string[], problems: [] as string[] };
      let kept = 0;
      const owners = new Map<number, number[]>();
      for (let k = 1; k <= N; k++) {
        const s = await writeShardBundle(src, { k, n: N }, path.join(dir, `out-${N}`));
        expect(s.rows).toBe(whole.rowCount);
        kept += s.kept;
        const part = parseInput(fs.readFileSync(s.file), s.file, 'bundle');
        // Its rows are its own shard's; a refusal names the bundle's lines, also where it names other lines.
        for (const r of part.rows) expect(shardOf(r.url, N), r.url).toBe(k - 1);
        const mine = told(part, s.sourceLine);
        union.rows.push(...mine.rows);
        union.problems.push(...mine.problems);
        for (const span of spans) {
          const owned = span.map((l) => s.ownsLine(l));
          expect(new Set(owned).size, `lines ${span.join(', ')} are owned together`).toBe(1);
          if (owned[0]) owners.set(span[0]!, [...(owners.get(span[0]!) ?? []), k]);
        }
      }
      // Each quoted record is one shard's, whole.
      for (const span of spans) expect(owners.get(span[0]!), `lines ${span.join(', ')}`).toHaveLength(1);
      expect(kept).toBe(whole.rowCount);
      expect(union.rows.sort()).toEqual(wholeTold.rows.sort());
      expect(union.problems.sort()).toEqual(wholeTold.problems.sort());
    });
  }

  it('refuses a bundle whose unclosed quote would close on a later row of a shard, at its line, writing no shard file', async () => {
    const N = 2;
    const a = url('open');
    const k = shardOf(a, N) + 1;
    // Line 3, another shard's, ends the bundle's read-ahead from line 2 (its quote is followed by a
    // letter); line 4, this shard's, would close line 2's quote once line 3 is not between them.
    const b = pick('between', (u) => shardOf(u, N) !== k - 1);
    let tail = '';
    for (let i = 0; !tail; i++) if (shardOf(`tail ${i}"`, N) === k - 1) tail = `tail ${i}"`;
    const text = ['eolMediaURL\tdescription', `${a}\t"lone`, `${b}\tsays "hi`, tail, `${url('after')}\tplain`].join('\n') + '\n';
    const src = path.join(dir, 'refused.tsv');
    fs.writeFileSync(src, text);
    // The bundle's import reads lines 2, 3 and 4 as rows of their own.
    const whole = parseInput(Buffer.from(text), src, 'bundle');
    expect(whole.rows.map((r) => r.line)).toEqual(expect.arrayContaining([2, 3]));
    expect(whole.problems.map((p) => [p.line, p.reason])).toEqual([[4, 'bad_url']]);
    const out = path.join(dir, 'out-refused');
    await expect(writeShardBundle(src, { k, n: N }, out)).rejects.toMatchObject({ code: 'bad_input', file: src, line: 2, message: expect.stringMatching(/--shard copies rows whole/) });
    expect(fs.existsSync(path.join(out, SHARD_FOLDER, shardFileName(src, { k, n: N })))).toBe(false);
    expect(fs.readdirSync(path.join(out, SHARD_FOLDER))).toEqual([]);
    // The other shard is read as the bundle is.
    const other = await writeShardBundle(src, { k: 3 - k, n: N }, out);
    const part = parseInput(fs.readFileSync(other.file), other.file, 'bundle');
    expect(part.rows.map((r) => other.sourceLine(r.line))).toEqual(whole.rows.filter((r) => shardOf(r.url, N) !== k - 1).map((r) => r.line));
  });
});

describe("a sharded classify records a quoted cell's refusals as the unsharded import reads them", () => {
  const dir = tempDir('qc-shard-quoted-classify-');
  const lib = seedLibrary({ images: 4, runs: 1 });
  let server: http.Server;
  beforeAll(async () => {
    // Every picture is gone: each row's URL is a recorded download failure.
    server = http.createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    base = 'https://example.org';
    await lib.core.close();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(lib.dataDir, { recursive: true, force: true });
  });

  it('N = 3: every refusal and failed download of the three shards names the bundle file and line, as the unsharded import reads them', async () => {
    const N = 3;
    const { text, spans } = bundle();
    const src = path.join(dir, 'bundle.tsv');
    fs.writeFileSync(src, text);
    const whole = parseInput(Buffer.from(text), src, 'bundle');
    let problems = 0;
    for (let k = 1; k <= N; k++) problems += (await lib.core.call('ml.classify', { source: src, outDir: path.join(dir, 'out'), shard: { k, n: N }, retries: 0 })).row_problems;
    expect(problems).toBe(whole.problems.length);
    const listed = (await lib.core.call('library.failures', { limit: 1000 })).failures;
    expect(JSON.stringify(listed)).not.toContain(SHARD_FOLDER);
    expect(listed.every((f) => f.file === src)).toBe(true);
    const sorted = <T extends { line: number | null }>(list: T[]) => [...list].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    // The quoted cells' lines, each refused with the detail the unsharded import gives (the lines it names included).
    expect(sorted(listed.filter((f) => f.reason === 'bad_row')).map((f) => ({ line: f.line, detail: f.detail }))).toEqual(
      sorted(whole.problems).map((p) => ({ line: p.line, detail: p.detail })),
    );
    expect(whole.problems.map((p) => p.line)).toEqual(expect.arrayContaining([spans[0]![0], spans[0]![1]]));
    // Every row's download failed, recorded at its bundle line.
    expect(sorted(listed.filter((f) => f.reason !== 'bad_row')).map((f) => ({ line: f.line, url: f.url }))).toEqual(sorted(whole.rows).map((r) => ({ line: r.line, url: r.url })));
  }, 120_000);
});
