/**
 * UTF-16 inputs (Excel's "Unicode Text", PowerShell's Out-File): a file that starts with a UTF-16
 * byte order mark, little- or big-endian, is read as such and gives the rows the same file gives
 * in UTF-8, read whole or in pieces, with its problems on their own lines. What cannot be decoded
 * is refused before anything is read, naming the file and the line: UTF-16 without a byte order
 * mark, UTF-32, a lone surrogate, an odd byte at the end; never the misleading "cannot tell the
 * kind" nor a missing column its header does have.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { DEV_IMAGES, devRatings, qcError, tempDir } from '../../../test-support/fixtures';
import { bufferReader, MAX_LINE_BYTES, parseInput, scanInput, type ParsedInput, type ReadAt } from './parse';

const FILE = '/data/input.txt';
const HEADER = 'obj_with_overall_rating\tobj_url\toverall_rating\tancestry';
const URL = (i: number) => `https://content.eol.org/data/media/qc/900000${i}.jpg`;
/** Names beyond ASCII: accents, a CJK name, and a character outside the BMP (a surrogate pair in UTF-16). */
const TEXT = [
  HEADER,
  `9000001\t${URL(1)}\t1.5956\t{"kingdom":{"name":"Animalia"},"species":{"name":"Ærøskøbing café – ü"}}`,
  '',
  `9000002\t${URL(2)}\t4\t{"species":{"name":"蝴蝶 🦋 Papilio"}}`,
  `9000003\t${URL(3)}\t5\t"{""genus"":{""name"":""Ñandú""}}"`,
].join('\r\n') + '\r\n';
const le = (s: string) => Buffer.from(s, 'utf16le');
const be = (s: string) => Buffer.from(le(s)).swap16();
const utf16 = { 'UTF-16LE': (s: string) => le(`\ufeff${s}`), 'UTF-16BE': (s: string) => be(`\ufeff${s}`) };
/** A reader over `bytes` that hands out at most `most` bytes a call (so a character is split across reads). */
const inPieces = (bytes: Uint8Array, most: number): ReadAt => {
  const whole = bufferReader(bytes);
  return (buf, pos) => whole(buf.subarray(0, Math.min(most, buf.length)), pos);
};
const readAll = (read: ReadAt): Omit<ParsedInput, 'encoding'> => {
  // `first` (the header line as decoded) and `urlOf` (a function) are the scan's, not a ParsedInput's.
  const { rows: each, encoding: _, first: _first, urlOf: _urlOf, ...scan } = scanInput(read, FILE);
  const rows: ParsedInput['rows'] = [];
  const problems: ParsedInput['problems'] = [];
  for (const r of each()) {
    if (r.row) rows.push(r.row);
    if (r.problem) problems.push(r.problem);
  }
  return { ...scan, rows, problems };
};

describe('parseInput: UTF-16 input with a byte order mark', () => {
  const utf8 = parseInput(Buffer.from(TEXT, 'utf8'), FILE);

  it('the UTF-8 file it is compared with has its three rows, names beyond ASCII included', () => {
    expect(utf8.rows.map((r) => [r.line, r.url, r.rating])).toEqual([
      [2, URL(1), 1.5956],
      [4, URL(2), 4],
      [5, URL(3), 5],
    ]);
    expect(utf8.rows.map((r) => r.ancestry)).toEqual([
      '{"kingdom":{"name":"Animalia"},"species":{"name":"Ærøskøbing café – ü"}}',
      '{"species":{"name":"蝴蝶 🦋 Papilio"}}',
      '{"genus":{"name":"Ñandú"}}',
    ]);
    expect(utf8.problems).toEqual([]);
  });

  it.each(Object.entries(utf16))('%s gives the same rows as UTF-8, read whole or a few bytes at a time', (name, encode) => {
    const bytes = encode(TEXT);
    const { encoding, ...rest } = parseInput(bytes, FILE);
    expect(encoding).toBe(name.toLowerCase());
    const { encoding: _, ...want } = utf8;
    expect(rest).toEqual(want);
    for (const most of [1, 2, 3, 5, 64]) expect(readAll(inPieces(bytes, most))).toEqual(want);
  });

  it.each(Object.entries(utf16))('%s: a bad row is reported on its own line, the rows around it kept', (_, encode) => {
    const text = [HEADER, `1\t${URL(1)}\t2\t{}`, '', `2\tnot a url\t3\t{}`, `3\t${URL(3)}\t9\t{}`, `4\t${URL(4)}\t5\t{"a":"é"}`].join('\n');
    for (const most of [3, 1 << 20]) {
      const p = readAll(inPieces(encode(text), most));
      expect(p.problems.map((x) => [x.line, x.reason])).toEqual([
        [4, 'bad_url'],
        [5, 'bad_rating'],
      ]);
      expect(p.rows.map((r) => r.line)).toEqual([2, 6]);
    }
  });

  it('a line over the limit in UTF-16 is measured in its bytes and reported on its line; the rows after it are read', () => {
    const long = `2\t${URL(2)}\t3\t${'x'.repeat(MAX_LINE_BYTES / 2 + 10)}`; // under the limit in characters, over it in bytes
    const p = parseInput(utf16['UTF-16LE']([HEADER, `1\t${URL(1)}\t2\t{}`, long, `3\t${URL(3)}\t4\t{}`].join('\n')), FILE);
    expect(p.problems).toEqual([{ line: 3, reason: 'bad_row', detail: 'line is 1.0 MB long (limit 1 MB)', url: null }]);
    expect(p.rows.map((r) => r.line)).toEqual([2, 4]);
  });

  it('a bare URL list in UTF-16 is a bundle', () => {
    const p = parseInput(utf16['UTF-16BE'](`${URL(1)}\n${URL(2)}\n`), FILE);
    expect([p.kind, p.format, p.rows.map((r) => r.url)]).toEqual(['bundle', 'urls', [URL(1), URL(2)]]);
  });
});

describe('parseInput: UTF-16 that cannot be read', () => {
  it.each([
    ['little-endian without a BOM', le(TEXT)],
    ['big-endian without a BOM', be(TEXT)],
    ['a bare URL list without a BOM', le('https://a.org/x.jpg\n')],
  ])('%s is refused as UTF-16 on line 1', (_, bytes) => {
    for (const kind of [undefined, 'ratings', 'bundle'] as const) {
      const e = qcError(() => parseInput(bytes, FILE, kind));
      expect(e.code).toBe('bad_input');
      expect(e.file).toBe(FILE);
      expect(e.line).toBe(1);
      expect(e.message).toMatch(/^the file is UTF-16 without a byte order mark: save it as UTF-8 text \(tab-delimited\)/);
    }
  });

  it('says UTF-32 of a UTF-32 file', () => {
    const bytes = Buffer.alloc(8);
    bytes.set([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0]);
    expect(qcError(() => parseInput(bytes, FILE)).message).toMatch(/^the file is UTF-32: save it as UTF-8 text/);
  });

  it.each(Object.entries(utf16))('%s with a lone surrogate is refused naming its line, read whole or in pieces', (name, encode) => {
    const lines = [HEADER, `1\t${URL(1)}\t2\t{"a":"🦋"}`, '', `2\t${URL(2)}\t3\t{"a":"\ud83e"}`, `3\t${URL(3)}\t4\t{}`];
    for (const [bad, line] of [
      [lines.join('\n'), 4], // a high half followed by another character
      [[...lines.slice(0, 4), `3\t${URL(3)}\t4\t\udc8b`].join('\n'), 4], // both lines: the first is named
      [[...lines.slice(0, 3), `3\t${URL(3)}\t4\t\udc8b x`].join('\n'), 4], // a low half alone
      [`${lines.slice(0, 2).join('\n')}\n\ud83e`, 3], // a high half at the end of the file
    ] as const) {
      for (const most of [1, 3, 1 << 20]) {
        const e = qcError(() => scanInput(inPieces(encode(bad), most), FILE));
        expect(e.file).toBe(FILE);
        expect(e.line).toBe(line);
        expect(e.message).toMatch(new RegExp(`^the file is ${name} and line ${line} has a lone surrogate .*: save it again as UTF-8 text`));
      }
    }
  });

  it('a UTF-16 file that ends with an odd byte is refused on its last line', () => {
    const bytes = Buffer.concat([utf16['UTF-16LE'](`${HEADER}\n1\t${URL(1)}\t2\t{}\n`), Buffer.from([0x41])]);
    const e = qcError(() => parseInput(bytes, FILE));
    expect([e.line, e.message]).toEqual([3, 'the file is UTF-16LE and it ends with an odd byte (half of a character), which cannot be decoded: save it again as UTF-8 text (tab-delimited)']);
  });

  it('still reads UTF-8 and latin1 files, short ones and accented ones included', () => {
    expect(parseInput(Buffer.from(TEXT, 'utf8'), FILE).rows).toHaveLength(3);
    expect(parseInput(Buffer.from('https://a.org/é.jpg\n', 'latin1'), FILE).encoding).toBe('latin1');
    expect(parseInput(Buffer.from('https://a.org/x.jpg', 'utf8'), FILE).rows).toHaveLength(1);
  });
});

describe('importing a UTF-16 file', () => {
  const PREFIX = 'https://mirror.example/qc/';
  const photo = (i: number) => path.basename(devRatings()[i]![1]);
  let dir: string;
  let mirror: string;
  let core: Core;
  const mirrors = () => [{ prefix: PREFIX, dir: mirror }];
  /** A ratings file of `n` rows (names beyond ASCII; 300 rows are over 1 MB, read in more than one piece), its row `bad` with a rating of 9. */
  const ratings = (n: number, bad: number) =>
    [HEADER, ...Array.from({ length: n }, (_, i) => `${i + 1}\t${PREFIX}${photo(i % 4)}\t${i + 2 === bad ? 9 : (i % 5) + 1}\t{"species":{"name":"Ærøskøbing 蝴蝶 🦋 ${i}"},"note":"${'é'.repeat(2000 + (i % 50))}"}`)].join('\r\n') + '\r\n';
  const stored = (origin: string) =>
    core.context.db.prepare('SELECT line, url, eol_id, rating, ancestry, raw FROM source_rows WHERE origin = ? ORDER BY line').all(origin);

  beforeAll(() => {
    dir = tempDir();
    mirror = path.join(dir, 'mirror');
    fs.mkdirSync(mirror);
    for (let i = 0; i < 4; i++) fs.copyFileSync(path.join(DEV_IMAGES, photo(i)), path.join(mirror, photo(i)));
    core = createCore({ dataDir: path.join(dir, 'data') });
  });
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores the rows a UTF-8 file stores, from a UTF-16LE and a UTF-16BE file read from disk in pieces; a bad row fails on its line', async () => {
    // ~1.3 MB in UTF-16: the file is read 1 MB at a time, a line split across reads.
    const text = ratings(300, 277);
    const files = { 'utf-8': Buffer.from(text, 'utf8'), 'utf-16le': utf16['UTF-16LE'](text), 'utf-16be': utf16['UTF-16BE'](text) };
    const rows: Record<string, unknown[]> = {};
    // One file saved again in each encoding (a copy under another name would hold rows already
    // imported, which are not stored twice: import.dedup.test.ts).
    const file = path.join(dir, 'ratings resaved.txt');
    for (const [encoding, bytes] of Object.entries(files)) {
      fs.writeFileSync(file, bytes);
      const s = await core.call('library.import', { source: file, mirrors: mirrors() });
      expect(s).toMatchObject({ encoding, rows: 300, failures_by_reason: { bad_rating: 1 } });
      const failures = (await core.call('library.failures', {})).failures.filter((f) => f.file === file);
      expect(failures.map((f) => [f.line, f.reason])).toEqual([[277, 'bad_rating']]);
      rows[encoding] = stored(file);
    }
    expect(rows['utf-8']).toHaveLength(299);
    expect(rows['utf-16le']).toEqual(rows['utf-8']);
    expect(rows['utf-16be']).toEqual(rows['utf-8']);
  });

  it('refuses a UTF-16 file without a byte order mark, naming the file, and stores nothing', async () => {
    const file = path.join(dir, 'Unicode Text.txt');
    fs.writeFileSync(file, le(TEXT));
    const before = (await core.call('library.status', {})).imports;
    await expect(core.call('library.import', { source: file })).rejects.toMatchObject({ code: 'bad_input', file, line: 1, message: expect.stringMatching(/^the file is UTF-16 without a byte order mark/) });
    expect((await core.call('library.status', {})).imports).toBe(before);
  });

  it('refuses a UTF-16 file with a lone surrogate, naming the file and line, and stores nothing', async () => {
    const file = path.join(dir, 'broken.txt');
    fs.writeFileSync(file, utf16['UTF-16LE'](ratings(3, 0).replace('🦋 2', '\ud83e 2')));
    const before = (await core.call('library.status', {})).imports;
    await expect(core.call('library.import', { source: file })).rejects.toMatchObject({ code: 'bad_input', file, line: 4, message: expect.stringMatching(/line 4 has a lone surrogate/) });
    expect((await core.call('library.status', {})).imports).toBe(before);
  });
});
