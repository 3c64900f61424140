/**
 * A bundle the unsharded import takes is sharded as the importer reads it: a UTF-16 file with a byte
 * order mark, a header after a blank line, quoted header cells and quoted URL cells. Each file is
 * split into 3 shards by writeShardBundle (real files), each shard file is parsed by the importer's
 * parser, and together the shards hold exactly the rows of the unsharded file, each in the shard of
 * the URL the import stores.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/fixtures';
import { parseInput, type ParsedRow } from '../library/parse';
import { shardOf, writeShardBundle } from './shard';

const N = 3;
const rows = Array.from({ length: 30 }, (_, i) => ({ url: `https://example.org/m/${i}.jpg`, id: String(i) }));
const plain = rows.map((r) => `${r.url}\t${r.id}`);

const CASES: Record<string, Buffer> = {
  'utf16le-bom': Buffer.from('\ufeff' + ['eolMediaURL\tidentifier\ttitle', ...rows.map((r) => `${r.url}\t${r.id}\tcaf\u00e9 \u6f22 ${r.id}`)].join('\r\n') + '\r\n', 'utf16le'),
  'blank-first': Buffer.from('\n  \n' + ['eolMediaURL\tidentifier', ...plain].join('\n') + '\n'),
  'quoted-header': Buffer.from(['"eolMediaURL"\t"identifier"', ...rows.map((r, i) => (i % 2 ? `"${r.url}"\t"${r.id}"` : `${r.url}\t${r.id}`))].join('\n') + '\n'),
  'quoted-header-latin1': Buffer.from(['"identifier"\t"eolMediaURL"', ...rows.map((r) => `${r.id}\t"${r.url}?t=caf\u00e9"`)].join('\n') + '\n', 'latin1'),
};

const key = (r: ParsedRow) => JSON.stringify([r.url, r.eolId, r.raw]);

describe('sharding reads the bundle as the importer does', () => {
  const dir = tempDir('qc-shard-enc-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const [name, bytes] of Object.entries(CASES)) {
    it(`${name}: the ${N} shards together hold exactly the unsharded import's rows`, async () => {
      const src = path.join(dir, `${name}.tsv`);
      fs.writeFileSync(src, bytes);
      const whole = parseInput(bytes, src, 'bundle');
      expect(whole.rows).toHaveLength(rows.length);
      expect(whole.problems).toEqual([]);
      const union: ParsedRow[] = [];
      for (let k = 1; k <= N; k++) {
        const s = await writeShardBundle(src, { k, n: N }, path.join(dir, `out-${name}`));
        expect(s.rows).toBe(rows.length);
        const part = parseInput(fs.readFileSync(s.file), s.file, 'bundle');
        expect(part.problems).toEqual([]);
        expect(part.rows).toHaveLength(s.kept);
        // Each row is in the shard of the URL the import stores (not of its cell as written, quotes and all).
        for (const r of part.rows) expect(shardOf(r.url, N), r.url).toBe(k - 1);
        // Each shard line maps back to the bundle line its row is on.
        for (const r of part.rows) expect(whole.rows.find((w) => w.url === r.url)!.line).toBe(s.sourceLine(r.line));
        union.push(...part.rows);
      }
      expect(union.map(key).sort()).toEqual(whole.rows.map(key).sort());
    });
  }

  it('writes a latin1 line back byte for byte, Windows punctuation (0x80-0x9F) included, in a latin1 and in a mixed bundle', async () => {
    // 0x92 ’, 0x96 –, 0x93 “, 0x94 ”, 0x85 …, 0x80 €, 0xE9 é: read as Windows-1252, they must go back as the same bytes.
    const win = Buffer.from([0x92, 0x96, 0x93, 0x94, 0x85, 0x80, 0xe9]);
    const line = (i: number, title: Buffer) => Buffer.concat([Buffer.from(`https://example.org/w/${i}.jpg\t${i}\t`), title, Buffer.from('\n')]);
    const header = Buffer.from('eolMediaURL\tidentifier\ttitle\n');
    const latin1 = Buffer.concat([header, ...rows.map((_, i) => line(i, win))]);
    // A mixed file: UTF-8 lines, and every third line in Windows-1252 bytes.
    const mixed = Buffer.concat([header, ...rows.map((_, i) => line(i, i % 3 === 0 ? win : Buffer.from('caf\u00e9 \u2019', 'utf8')))]);
    for (const [name, bytes] of [['win-latin1', latin1], ['win-mixed', mixed]] as const) {
      const src = path.join(dir, `${name}.tsv`);
      fs.writeFileSync(src, bytes);
      const sourceLines = bytes.toString('latin1').split('\n');
      const seen = new Set<string>();
      for (let k = 1; k <= N; k++) {
        const s = await writeShardBundle(src, { k, n: N }, path.join(dir, `out-${name}`));
        const shardLines = fs.readFileSync(s.file).toString('latin1').split('\n').filter((l) => l !== '');
        // Every shard line is one of the bundle's lines, byte for byte (compared as latin1 strings: one char a byte).
        for (const l of shardLines) expect(sourceLines, `${name} shard ${k}`).toContain(l);
        for (const l of shardLines.slice(1)) seen.add(l);
      }
      expect(seen.size).toBe(rows.length);
    }
  });

  it('refuses a bundle the import refuses, against the bundle file and line, before writing a shard', async () => {
    const src = path.join(dir, 'no-url-column.tsv');
    fs.writeFileSync(src, '\n"identifier"\t"title"\n1\tx\n');
    const out = path.join(dir, 'out-refused');
    await expect(writeShardBundle(src, { k: 1, n: N }, out)).rejects.toMatchObject({ code: 'bad_input', file: src, line: 2, message: expect.stringMatching(/missing required column "eolMediaURL"/) });
    expect(fs.existsSync(out)).toBe(false);
  });
});
