/**
 * How an input is read: in chunks that start small and grow to a megabyte (parse.ts chunksOf), so a
 * small file (one of ten thousand shard tag files) costs no megabyte buffer, and lines, characters
 * and CRLF pairs that straddle a chunk's end read as in one piece.
 */
import { describe, expect, it } from 'vitest';
import { bufferReader, inputLines, parseInput, type ReadAt } from './parse';

/** `read`, recording the size of the buffer each call was given. */
function recorded(bytes: Uint8Array): { read: ReadAt; sizes: number[] } {
  const inner = bufferReader(bytes);
  const sizes: number[] = [];
  return {
    sizes,
    read: (buf, pos) => {
      sizes.push(buf.length);
      return inner(buf, pos);
    },
  };
}

const KB = 1024;

describe('reading an input in chunks', () => {
  it('reads a small file with a small buffer, and a large one in chunks growing to a megabyte', () => {
    const small = recorded(Buffer.from('eolMediaURL\timclass\tconfidence\nhttps://x.org/1.jpg\tbad\t0.9\n'));
    expect([...inputLines(small.read, 'utf-8')].map((l) => l.text)).toEqual(['eolMediaURL\timclass\tconfidence', 'https://x.org/1.jpg\tbad\t0.9']);
    expect(Math.max(...small.sizes)).toBeLessThanOrEqual(64 * KB);

    const line = `https://example.org/${'a'.repeat(80)}.jpg\n`;
    const big = recorded(Buffer.from(`eolMediaURL\n${line.repeat(Math.ceil((3 * 1024 * KB) / line.length))}`));
    const lines = [...inputLines(big.read, 'utf-8')];
    expect(lines.slice(1).every((l) => l.text === line.trimEnd())).toBe(true);
    // 64 KB, then ×4 while reads fill the buffer, never over 1 MB.
    expect(big.sizes.slice(0, 4)).toEqual([64 * KB, 256 * KB, 1024 * KB, 1024 * KB]);
    expect(Math.max(...big.sizes)).toBe(1024 * KB);
  });

  it('reads a character, a CRLF pair and a cell split by a chunk end as in one piece, in every encoding it reads', () => {
    // The chunk ends fall at 64 KB and 64 + 256 KB: a 3-byte character across the first, a CRLF
    // pair across the second, ASCII bundle rows before and after.
    const parts = ['eolMediaURL\tidentifier\tancestry\r\n'];
    let length = parts[0]!.length; // bytes so far
    let i = 0;
    const row = (ancestry: string) => {
      const r = `https://x.org/${i++}.jpg\t${i}\t${ancestry}\r\n`;
      parts.push(r);
      length += Buffer.byteLength(r);
    };
    /** Rows up to `at`, then one whose ancestry (`fill` repeated, then `end`) ends at byte `at`. */
    const rowEndingAt = (at: number, fill: string, end: string) => {
      while (length < at - 200) row('Animalia');
      const start = `https://x.org/${i}.jpg\t${i + 1}\t`;
      row(fill.repeat(at - length - start.length - Buffer.byteLength(end)) + end);
    };
    rowEndingAt(64 * KB + 2, 'x', '€'); // '€' is bytes 64 KB − 1 … 64 KB + 1
    rowEndingAt(320 * KB - 1, 'y', ''); // then \r at 320 KB − 1, \n at 320 KB
    row('Plantae');
    const text = parts.join('');
    const bytes = Buffer.from(text);
    expect(bytes.indexOf('€')).toBe(64 * KB - 1);
    expect([bytes[320 * KB - 1], bytes[320 * KB]]).toEqual([0x0d, 0x0a]);

    const want = text.trimEnd().split('\r\n');
    expect([...inputLines(bufferReader(bytes), 'utf-8')].map((l) => l.text)).toEqual(want);
    // The importer's own reading: every row, the ancestry cells whole, no stray \r.
    const parsed = parseInput(bytes, 'chunks.tsv');
    expect(parsed.encoding).toBe('utf-8');
    expect(parsed.rows.map((r) => r.raw.ancestry)).toEqual(want.slice(1).map((l) => l.split('\t')[2]));
    expect(parsed.rows.filter((r) => r.raw.ancestry!.endsWith('€'))).toHaveLength(1);
    // UTF-16LE and latin1 read the same lines (chunk ends fall elsewhere in their bytes).
    const wide = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    expect([...inputLines(bufferReader(wide), 'utf-16le')].map((l) => l.text)).toEqual(want);
    const latin = Buffer.from(text.replace('€', 'é'), 'latin1');
    expect([...inputLines(bufferReader(latin), 'latin1')].map((l) => l.text)).toEqual(want.map((l) => l.replace('€', 'é')));
  });
});
