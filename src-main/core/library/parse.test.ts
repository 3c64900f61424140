import { describe, expect, it } from 'vitest';
import { bufferReader, decodeText, MAX_LINE_BYTES, parseInput, scanInput, type InputScan, type ParsedRow, type ReadAt } from './parse';
import { qcError } from '../../../test-support/fixtures';

const FILE = '/data/input.tsv';
const RATINGS_HEADER = 'obj_with_overall_rating\tobj_url\toverall_rating\tancestry';
const url = (n: number) => `https://content.eol.org/data/media/qc/${n}.jpg`;

/** Join lines with LF (or the given ending) and a trailing newline, as UTF-8 bytes. */
const tsv = (lines: string[], eol = '\n') => Buffer.from(lines.join(eol) + eol, 'utf8');


describe('parseInput: kind detection', () => {
  it('reads a ratings file', () => {
    const p = parseInput(
      tsv([RATINGS_HEADER, `9000001\t${url(1)}\t1.5956\t{"kingdom": {"name": "Animalia"}}`, `9000002\t${url(2)}\t4\t{}`, `9000003\t${url(3)}\t3.25\t`]),
      FILE,
    );
    expect(p.kind).toBe('ratings');
    expect(p.format).toBe('tsv');
    expect(p.encoding).toBe('utf-8');
    expect(p.columns).toEqual(['obj_with_overall_rating', 'obj_url', 'overall_rating', 'ancestry']);
    expect(p.rowCount).toBe(3);
    expect(p.problems).toEqual([]);
    expect(p.rows.map((r) => [r.line, r.url, r.eolId, r.rating, r.exemplar, r.ancestry])).toEqual([
      [2, url(1), '9000001', 1.5956, false, '{"kingdom":{"name":"Animalia"}}'],
      [3, url(2), '9000002', 4, false, '{}'],
      [4, url(3), '9000003', 3.25, false, null],
    ]);
  });

  it('reads an exemplars file; every row is an exemplar', () => {
    const p = parseInput(tsv(['target_id\tobject_url\tancestry', `77\t${url(7)}\t{}`, `78\t${url(8)}\t`]), FILE);
    expect(p.kind).toBe('exemplars');
    expect(p.format).toBe('tsv');
    expect(p.rows).toHaveLength(2);
    expect(p.rows.every((r) => r.exemplar)).toBe(true);
    expect(p.rows.map((r) => [r.url, r.eolId, r.rating])).toEqual([
      [url(7), '77', null],
      [url(8), '78', null],
    ]);
  });

  it('reads a bundle TSV', () => {
    const p = parseInput(
      tsv(['eolMediaURL\tidentifier\tdataObjectVersionID\tancestry', `${url(207)}\t9000207\t109000207\t{}`, `${url(289)}\t9000289\t109000289\t{"kingdom":{"name":"Plantae"}}`]),
      FILE,
    );
    expect(p.kind).toBe('bundle');
    expect(p.format).toBe('tsv');
    expect(p.columns).toEqual(['eolMediaURL', 'identifier', 'dataObjectVersionID', 'ancestry']);
    expect(p.rows.map((r) => [r.line, r.url, r.eolId, r.exemplar, r.rating])).toEqual([
      [2, url(207), '9000207', false, null],
      [3, url(289), '9000289', false, null],
    ]);
    expect(p.rows[1]?.raw.dataObjectVersionID).toBe('109000289');
  });

  it('reads a bare URL list (no header) as a bundle', () => {
    const p = parseInput(tsv([url(1), url(2), '', url(3)]), FILE);
    expect(p.kind).toBe('bundle');
    expect(p.format).toBe('urls');
    expect(p.columns).toEqual(['eolMediaURL']);
    expect(p.rowCount).toBe(3);
    expect(p.rows.map((r) => [r.line, r.url])).toEqual([
      [1, url(1)],
      [2, url(2)],
      [4, url(3)],
    ]);
    expect(p.rows[0]?.raw).toEqual({ eolMediaURL: url(1) });
  });

  it('refuses a header it cannot recognise, on line 1', () => {
    const e = qcError(() => parseInput(tsv(['foo\tbar', 'a\tb']), FILE));
    expect(e.code).toBe('bad_input');
    expect(e.file).toBe(FILE);
    expect(e.line).toBe(1);
  });

  it('refuses an unrecognisable header on its own line when blank lines precede it', () => {
    const e = qcError(() => parseInput(tsv(['', '  ', 'foo\tbar', 'a\tb']), FILE));
    expect(e.code).toBe('bad_input');
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/cannot tell the kind/);
  });
});

describe('parseInput: columns and encodings', () => {
  it('keeps every column, including ones it does not know, in raw', () => {
    const p = parseInput(tsv([`${RATINGS_HEADER}\tcurator_note`, `9000001\t${url(1)}\t2\t{}\tblurry wing`]), FILE);
    expect(p.columns).toContain('curator_note');
    expect(p.rows[0]?.raw).toEqual({ obj_with_overall_rating: '9000001', obj_url: url(1), overall_rating: '2', ancestry: '{}', curator_note: 'blurry wing' });
  });

  it('keeps columns named __proto__ and constructor like any other, and touches no prototype', () => {
    const p = parseInput(tsv(['eolMediaURL	__proto__	constructor	note', `${url(1)}	{"polluted":1}	x	kept`]), FILE);
    const raw = p.rows[0]!.raw;
    expect(Object.keys(raw)).toEqual(['eolMediaURL', '__proto__', 'constructor', 'note']);
    expect([raw['__proto__'], raw['constructor'], raw['note']]).toEqual(['{"polluted":1}', 'x', 'kept']);
    expect(JSON.parse(JSON.stringify(raw))).toEqual(JSON.parse(`{"eolMediaURL":"${url(1)}","__proto__":"{\\"polluted\\":1}","constructor":"x","note":"kept"}`));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('fills missing trailing cells with empty strings', () => {
    const p = parseInput(tsv(['eolMediaURL\tidentifier\tancestry', url(1)]), FILE);
    expect(p.rows[0]?.raw).toEqual({ eolMediaURL: url(1), identifier: '', ancestry: '' });
    expect(p.rows[0]?.eolId).toBeNull();
  });

  it('decodes latin1 bytes as latin1 and says so', () => {
    const bytes = Buffer.concat([
      Buffer.from(`${RATINGS_HEADER}\tnote\n9000001\t${url(1)}\t4.5\t{"kingdom":{"name":"Anim`, 'latin1'),
      Buffer.from([0xe9]),
      Buffer.from('"}}\tBront', 'latin1'),
      Buffer.from([0xeb]),
      Buffer.from('\n', 'latin1'),
    ]);
    const p = parseInput(bytes, FILE);
    expect(p.encoding).toBe('latin1');
    expect(p.problems).toEqual([]);
    expect(p.rows).toHaveLength(1);
    expect(JSON.parse(p.rows[0]?.ancestry ?? 'null')).toEqual({ kingdom: { name: 'Animé' } });
    expect(p.rows[0]?.raw.note).toBe('Brontë');
  });

  it('reads a UTF-8 file with one stray latin1 byte line by line: UTF-8 lines stay UTF-8, the odd one is latin1', () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(`${RATINGS_HEADER}\tnote\n9000001\t${url(1)}\t4.5\t{"kingdom":{"name":"Animé"}}\tBrontë – Ærø\n9000002\t${url(2)}\t1.5\t{}\tcaf`, 'utf8'),
      Buffer.from([0xe9]),
      Buffer.from(`\n9000003\t${url(3)}\t2\t{}\t日本\n`, 'utf8'),
    ]);
    const p = parseInput(bytes, FILE);
    expect(p.encoding).toBe('mixed');
    expect(p.problems).toEqual([]);
    expect(JSON.parse(p.rows[0]?.ancestry ?? 'null')).toEqual({ kingdom: { name: 'Animé' } });
    expect(p.rows.map((r) => r.raw.note)).toEqual(['Brontë – Ærø', 'café', '日本']);
    // The same whatever the size of each read (a line's bytes are never split by a read).
    for (const most of [1, 2, 5]) {
      const scan = scanInput((buf, pos) => bufferReader(bytes)(buf.subarray(0, Math.min(most, buf.length)), pos), FILE);
      expect(scan.encoding).toBe('mixed');
      expect([...scan.rows()].map((r) => r.row?.raw.note)).toEqual(['Brontë – Ærø', 'café', '日本']);
    }
  });

  it('decodes valid UTF-8 as utf-8', () => {
    const p = parseInput(tsv([`${RATINGS_HEADER}\tnote`, `9000001\t${url(1)}\t4.5\t{"kingdom":{"name":"Animé"}}\tBrontë`]), FILE);
    expect(p.encoding).toBe('utf-8');
    expect(JSON.parse(p.rows[0]?.ancestry ?? 'null')).toEqual({ kingdom: { name: 'Animé' } });
    expect(p.rows[0]?.raw.note).toBe('Brontë');
  });

  it('strips a UTF-8 byte order mark before the header', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), tsv([RATINGS_HEADER, `9000001\t${url(1)}\t5\t{}`])]);
    const p = parseInput(bytes, FILE);
    expect(p.kind).toBe('ratings');
    expect(p.columns[0]).toBe('obj_with_overall_rating');
    expect(p.rows[0]?.eolId).toBe('9000001');
    expect(decodeText(bytes).text.charCodeAt(0)).toBe('o'.charCodeAt(0));
  });

  it('reads CRLF line endings without leaving \\r in the cells', () => {
    const p = parseInput(tsv([`${RATINGS_HEADER}\tnote`, `9000001\t${url(1)}\t1\t{}\tlast`, `9000002\t${url(2)}\t5\t{}\tcell`], '\r\n'), FILE);
    expect(p.columns).toEqual(['obj_with_overall_rating', 'obj_url', 'overall_rating', 'ancestry', 'note']);
    expect(p.problems).toEqual([]);
    expect(p.rows.map((r) => [r.line, r.rating, r.raw.note])).toEqual([
      [2, 1, 'last'],
      [3, 5, 'cell'],
    ]);
  });

  it('reads a CRLF bare URL list', () => {
    const p = parseInput(tsv([url(1), url(2)], '\r\n'), FILE);
    expect(p.format).toBe('urls');
    expect(p.rows.map((r) => r.url)).toEqual([url(1), url(2)]);
  });
});

describe('parseInput: file-level errors', () => {
  it('a missing required column names the column, the file and line 1', () => {
    const e = qcError(() => parseInput(tsv(['obj_with_overall_rating\tobj_url\tancestry', `1\t${url(1)}\t{}`]), FILE));
    expect(e.code).toBe('bad_input');
    expect(e.file).toBe(FILE);
    expect(e.line).toBe(1);
    expect(e.message).toMatch(/missing required column "overall_rating"/);
    expect(e.describe()).toMatch(/^\/data\/input\.tsv:1: /);
  });

  it('names the missing column of an exemplars file', () => {
    const e = qcError(() => parseInput(tsv(['target_id\turl', `1\t${url(1)}`]), FILE));
    expect(e.code).toBe('bad_input');
    expect(e.line).toBe(1);
    expect(e.message).toMatch(/"object_url"/);
  });

  it('names the missing column when the kind is forced', () => {
    const e = qcError(() => parseInput(tsv(['obj_url\tscore', `${url(1)}\t3`]), FILE, 'ratings'));
    expect(e.code).toBe('bad_input');
    expect(e.file).toBe(FILE);
    expect(e.line).toBe(1);
    expect(e.message).toMatch(/missing required column "overall_rating"/);
  });

  it('reports the header line when blank lines precede it', () => {
    const e = qcError(() => parseInput(tsv(['', 'obj_with_overall_rating\tobj_url']), FILE));
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/"overall_rating"/);
  });

  it('refuses a header with a duplicated column', () => {
    const e = qcError(() => parseInput(tsv(['eolMediaURL\tidentifier\tidentifier', `${url(1)}\t1\t2`]), FILE));
    expect(e.code).toBe('bad_input');
    expect(e.line).toBe(1);
    expect(e.message).toMatch(/"identifier" appears twice/);
  });

  it('refuses an empty file on line 1', () => {
    const e = qcError(() => parseInput(Buffer.alloc(0), FILE));
    expect(e.code).toBe('bad_input');
    expect(e.file).toBe(FILE);
    expect(e.line).toBe(1);
  });

  it('refuses a file of blank lines on line 1', () => {
    const e = qcError(() => parseInput(Buffer.from('\n  \n\t\n\r\n'), FILE));
    expect(e.code).toBe('bad_input');
    expect(e.file).toBe(FILE);
    expect(e.line).toBe(1);
  });

  it('refuses a 10 MB single line as the header, on line 1', () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    expect(big.length).toBeGreaterThan(MAX_LINE_BYTES);
    const e = qcError(() => parseInput(Buffer.from(big), FILE));
    expect(e.code).toBe('bad_input');
    expect(e.file).toBe(FILE);
    expect(e.line).toBe(1);
    expect(e.message).toMatch(/10\.0 MB/);
  });

  it('reports a 10 MB line 3 as a bad_row of its own, with its line number, and reads the rows around it', () => {
    const big = `9000002\t${url(2)}\t3\t${'x'.repeat(10 * 1024 * 1024)}`;
    const p = parseInput(tsv([RATINGS_HEADER, `9000001\t${url(1)}\t3\t{}`, big, `9000003\t${url(3)}\t3\t{}`]), FILE);
    expect(p.rows.map((r) => [r.line, r.url])).toEqual([
      [2, url(1)],
      [4, url(3)],
    ]);
    expect(p.problems).toEqual([{ line: 3, reason: 'bad_row', detail: 'line is 10.0 MB long (limit 1 MB)', url: null }]);
    expect(p.rowCount).toBe(3);
  });

  it('refuses to read a bare URL list as ratings or exemplars', () => {
    for (const kind of ['ratings', 'exemplars'] as const) {
      const e = qcError(() => parseInput(tsv([url(1), url(2)]), FILE, kind));
      expect(e.code).toBe('bad_input');
      expect(e.file).toBe(FILE);
      expect(e.line).toBe(1);
      expect(e.message).toMatch(new RegExp(`not as ${kind}`));
    }
    // …while forcing bundle is fine.
    expect(parseInput(tsv([url(1), url(2)]), FILE, 'bundle').rows).toHaveLength(2);
  });
});

describe('parseInput: classic Mac line ends', () => {
  it('refuses a file whose lines end with a lone CR, naming the line ends, instead of reading one long line', () => {
    for (const text of [`${RATINGS_HEADER}\r9000001\t${url(1)}\t2\t{}\r`, `${url(1)}\r${url(2)}\r`]) {
      const e = qcError(() => parseInput(Buffer.from(text, 'utf8'), FILE));
      expect(e).toMatchObject({ code: 'bad_input', file: FILE, line: 1 });
      expect(e.message).toMatch(/lone CR .*LF or CRLF/);
    }
    // CRLF files are read as before.
    expect(parseInput(tsv([RATINGS_HEADER, `9000001\t${url(1)}\t2\t{}`], '\r\n'), FILE).rows).toHaveLength(1);
  });
});

describe('parseInput: row problems', () => {
  it('keeps a row with bad ancestry JSON, without ancestry, and reports it', () => {
    const p = parseInput(
      tsv([RATINGS_HEADER, `1\t${url(1)}\t2\t{"kingdom": `, `2\t${url(2)}\t4\t[1,2]`, `3\t${url(3)}\t5\t{"ok":true}`]),
      FILE,
    );
    expect(p.rows.map((r) => [r.line, r.url, r.rating, r.ancestry])).toEqual([
      [2, url(1), 2, null],
      [3, url(2), 4, null],
      [4, url(3), 5, '{"ok":true}'],
    ]);
    expect(p.problems.map((x) => [x.reason, x.line, x.url])).toEqual([
      ['bad_ancestry', 2, url(1)],
      ['bad_ancestry', 3, url(2)],
    ]);
    expect(p.rowCount).toBe(3);
  });

  it('says that an ancestry nested too deeply to keep is so, not that it is not a JSON object', () => {
    const deep = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    expect(() => JSON.parse(deep)).not.toThrow();
    const p = parseInput(tsv([RATINGS_HEADER, `1\t${url(1)}\t2\t${deep}`]), FILE);
    expect(p.rows.map((r) => [r.line, r.ancestry])).toEqual([[2, null]]);
    expect(p.problems).toEqual([expect.objectContaining({ reason: 'bad_ancestry', line: 2, detail: expect.stringMatching(/^ancestry is nested too deeply to be kept \(120,001 characters\); row kept without ancestry$/) })]);
  });

  it('skips rows whose rating is not a number in 1..5', () => {
    const p = parseInput(
      tsv([
        RATINGS_HEADER,
        `1\t${url(1)}\tabc\t{}`,
        `2\t${url(2)}\t7\t{}`,
        `3\t${url(3)}\t\t{}`,
        `4\t${url(4)}\t0.5\t{}`,
        `5\t${url(5)}\t 3.5 \t{}`,
        `6\t${url(6)}\tNaN\t{}`,
      ]),
      FILE,
    );
    expect(p.rows.map((r) => [r.line, r.rating])).toEqual([[6, 3.5]]);
    expect(p.problems.map((x) => [x.reason, x.line, x.url])).toEqual([
      ['bad_rating', 2, url(1)],
      ['bad_rating', 3, url(2)],
      ['bad_rating', 4, url(3)],
      ['bad_rating', 5, url(4)],
      ['bad_rating', 7, url(6)],
    ]);
    expect(p.rowCount).toBe(6);
  });

  it('reports control characters in a row as bad_row', () => {
    const p = parseInput(tsv([RATINGS_HEADER, `1\t${url(1)}\t2\t{}`, `2\t${url(2)}\x00\x01\t3\t{}`, `3\t${url(3)}\t4\t{}`]), FILE);
    expect(p.encoding).toBe('utf-8');
    expect(p.rows.map((r) => r.line)).toEqual([2, 4]);
    expect(p.problems.map((x) => [x.reason, x.line])).toEqual([['bad_row', 3]]);
  });

  it('refuses a row with a CR inside it (bad_row) and a URL holding any line break (bad_url), so no URL can split a download list; CRLF rows stay', () => {
    const injected = `${url(2)}?x=\rhttp://evil.example/injected.jpg`;
    const p = parseInput(
      tsv(
        [
          RATINGS_HEADER,
          `1\t${url(1)}\t2\t{}`,
          `2\t${injected}\t1.5\t{}`,
          `3\t${url(3)}\t4\t{"note":"a\rb"}`,
          `4\t${url(4)}?x=\u0085http://evil.example/nel.jpg\t4\t{}`,
          `5\t${url(5)}?x=\u2028http://evil.example/ls.jpg\t4\t{}`,
          `6\t${url(6)}?x=\u2029http://evil.example/ps.jpg\t4\t{}`,
          `7\t${url(7)}\t5\t{"name":"line\u2028separator"}`,
        ],
        '\r\n',
      ),
      FILE,
    );
    expect(p.rows.map((r) => [r.line, r.url])).toEqual([
      [2, url(1)],
      [8, url(7)],
    ]);
    expect(p.problems.map((x) => [x.reason, x.line, x.url])).toEqual([
      ['bad_row', 3, null],
      ['bad_row', 4, null],
      ['bad_url', 5, null],
      ['bad_url', 6, null],
      ['bad_url', 7, null],
    ]);
    expect(p.problems[0]?.detail).toMatch(/CR inside it/);
    expect(p.problems.slice(2).map((x) => x.detail)).toEqual([
      expect.stringMatching(/^obj_url contains a NEL \(U\+0085\), a line break to some readers: /),
      expect.stringMatching(/^obj_url contains a line separator \(U\+2028\)/),
      expect.stringMatching(/^obj_url contains a paragraph separator \(U\+2029\)/),
    ]);
    // A bare URL list too.
    const bare = parseInput(tsv([url(1), injected, `${url(3)}\u2028http://evil.example/x.jpg`, url(4)]), FILE);
    expect(bare.rows.map((r) => r.url)).toEqual([url(1), url(4)]);
    expect(bare.problems.map((x) => [x.reason, x.line, x.detail])).toEqual([
      ['bad_url', 2, expect.stringMatching(/^the URL contains a CR, a line break to some readers: "https:.*\\r/)],
      ['bad_url', 3, expect.stringMatching(/U\+2028/)],
    ]);
  });

  it('reports a row of binary garbage as bad_row and reads the rest', () => {
    const bytes = Buffer.concat([
      Buffer.from(`${RATINGS_HEADER}\n1\t${url(1)}\t2\t{}\n`),
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x09, 0x80, 0x03, 0x0a]),
      Buffer.from(`3\t${url(3)}\t4\t{}\n`),
    ]);
    const p = parseInput(bytes, FILE);
    expect(p.encoding).toBe('latin1');
    expect(p.rows.map((r) => [r.line, r.url])).toEqual([
      [2, url(1)],
      [4, url(3)],
    ]);
    expect(p.problems.map((x) => [x.reason, x.line])).toEqual([['bad_row', 3]]);
  });

  it('reports a row with more columns than the header as bad_row', () => {
    const p = parseInput(tsv([RATINGS_HEADER, `1\t${url(1)}\t2\t{}\textra`, `2\t${url(2)}\t4\t{}`]), FILE);
    expect(p.rows.map((r) => r.line)).toEqual([3]);
    expect(p.problems).toHaveLength(1);
    expect(p.problems[0]).toMatchObject({ reason: 'bad_row', line: 2, url: url(1) });
    expect(p.problems[0]?.detail).toMatch(/5 columns, the header 4/);
  });

  it('reports rows without a URL or with something else in the URL column', () => {
    const p = parseInput(tsv(['eolMediaURL\tidentifier', '\t1', 'not a url\t2', 'ftp://x/y.jpg\t3', `${url(4)}\t4`]), FILE);
    expect(p.rows.map((r) => r.line)).toEqual([5]);
    expect(p.problems.map((x) => [x.reason, x.line])).toEqual([
      ['missing_url', 2],
      ['bad_url', 3],
      ['bad_url', 4],
    ]);
  });

  it('reports a junk line in a bare URL list as bad_url on its line', () => {
    const p = parseInput(tsv([url(1), '', 'this is not a url', url(4), 'www.example.org/x.jpg']), FILE);
    expect(p.format).toBe('urls');
    expect(p.rows.map((r) => [r.line, r.url])).toEqual([
      [1, url(1)],
      [4, url(4)],
    ]);
    expect(p.problems.map((x) => [x.reason, x.line, x.url])).toEqual([
      ['bad_url', 3, null],
      ['bad_url', 5, null],
    ]);
    expect(p.rowCount).toBe(4);
  });
});

describe('scanInput: an input read in pieces, never whole', () => {
  /** A reader over `bytes` that hands out at most `most` bytes a call. */
  const inPieces = (bytes: Uint8Array, most: number): ReadAt => {
    const whole = bufferReader(bytes);
    return (buf, pos) => whole(buf.subarray(0, Math.min(most, buf.length)), pos);
  };
  const collect = (scan: InputScan) => {
    const rows: unknown[] = [];
    const problems: unknown[] = [];
    for (const r of scan.rows()) {
      if (r.row) rows.push(r.row);
      if (r.problem) problems.push(r.problem);
    }
    return { kind: scan.kind, encoding: scan.encoding, format: scan.format, columns: scan.columns, rowCount: scan.rowCount, rows, problems };
  };

  it('gives the same rows and problems whatever the size of each read (CRLF, BOM, multi-byte UTF-8 and latin1 split across reads)', () => {
    const inputs = [
      Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        tsv(['', RATINGS_HEADER, `9000001\t${url(1)}\t2\t{"genus":{"name":"Ærøskøbing – ü"}}`, '', `9000002\tnot a url\t3\t{}`, `9000003\t${url(3)}\t4\t[1]`], '\r\n'),
      ]),
      Buffer.from(`eolMediaURL\tidentifier\r\n${url(4)}\tcaf\xe9\r\n${url(5)}\t\xe9t\xe9`, 'latin1'),
      Buffer.from(`${url(6)}\r\n\r\n  ${url(7)}  \nnot a url\n${url(8)}`, 'utf8'),
    ];
    for (const bytes of inputs) {
      const { rows, problems, ...rest } = parseInput(bytes, FILE);
      expect(rows.length + problems.length).toBeGreaterThan(1);
      for (const most of [1, 2, 3, 7, 64]) {
        expect(collect(scanInput(inPieces(bytes, most), FILE))).toEqual({ ...rest, rows, problems });
      }
    }
  });

  it('reads a 200,000-row bundle made on the fly 1 MB at a time: its first rows come after the first megabyte, and its rows() can be read again', () => {
    // The bytes are computed for any position: no buffer of the whole file exists anywhere.
    const n = 200_000;
    const header = 'eolMediaURL\tidentifier\n';
    const line = (i: number) => `https://example.org/m/${String(i).padStart(7, '0')}.jpg\t${String(i).padStart(7, '0')}\n`;
    const width = line(0).length;
    const size = header.length + n * width;
    const reads: { pos: number; want: number }[] = [];
    const read: ReadAt = (buf, pos) => {
      reads.push({ pos, want: buf.length });
      const end = Math.min(size, pos + buf.length);
      if (end <= pos) return 0;
      const first = Math.max(0, Math.floor((pos - header.length) / width));
      let text = pos < header.length ? header : '';
      for (let i = first; i < n && header.length + i * width < end; i++) text += line(i);
      const from = pos < header.length ? pos : pos - (header.length + first * width);
      return buf.write(text.slice(from, from + end - pos), 'latin1');
    };
    const scan = scanInput(read, FILE);
    expect([scan.kind, scan.format, scan.rowCount]).toEqual(['bundle', 'tsv', n]);
    expect(Math.max(...reads.map((r) => r.want))).toBeLessThanOrEqual(1 << 20);
    reads.length = 0;
    const it = scan.rows();
    const firstRows = [it.next(), it.next()].map((r) => (r.done ? null : r.value.row));
    expect(firstRows.map((r) => [r?.line, r?.eolId])).toEqual([
      [2, '0000000'],
      [3, '0000001'],
    ]);
    expect(Math.max(...reads.map((r) => r.pos + r.want))).toBeLessThanOrEqual(1 << 20);
    let count = 2;
    let last: ParsedRow | null = null;
    for (const r of it) {
      count++;
      last = r.row;
    }
    expect(count).toBe(n);
    expect(last?.url).toBe(`https://example.org/m/${String(n - 1).padStart(7, '0')}.jpg`);
    expect(last?.line).toBe(n + 1);
    expect([...scan.rows()].length).toBe(n);
  });

  it('measures an over-long line without keeping it and names its line, wherever the reads split it', () => {
    // Multi-byte UTF-8: the limit is on the bytes of the input, not on characters.
    const long = `${url(2)}${'é'.repeat(MAX_LINE_BYTES / 2 + 10)}`;
    for (const eol of ['\n', '\r\n']) {
      for (const tail of [eol, '']) {
        const bytes = Buffer.from(`${url(1)}${eol}${long}${eol}${url(3)}${eol}${long}${tail}`);
        for (const most of [4099, 1 << 20]) {
          const p = collect(scanInput(inPieces(bytes, most), FILE));
          expect(p.rows.map((r) => (r as ParsedRow).line)).toEqual([1, 3]);
          expect(p.problems).toEqual([2, 4].map((line) => ({ line, reason: 'bad_row', detail: 'line is 1.0 MB long (limit 1 MB)', url: null })));
          expect(p.rowCount).toBe(4);
        }
      }
    }
    // Just at the limit is a row (its URL is then not a URL: a bad_url, not a bad_row).
    const atLimit = Buffer.from(`${url(1)}\n${'y'.repeat(MAX_LINE_BYTES)}\n`);
    expect(parseInput(atLimit, FILE).problems.map((x) => x.reason)).toEqual(['bad_url']);
  });

  it('skips a 64 MB line without a line break made on the fly and reads the row after it', () => {
    // The bytes are computed for any position: the line exists only as the reads hand it out.
    const head = `${RATINGS_HEADER}\n9000001\t${url(1)}\t3\t{}\n`;
    const tail = `\n9000003\t${url(3)}\t3\t{}\n`;
    const longBytes = 64 * 1024 * 1024;
    const size = head.length + longBytes + tail.length;
    const read: ReadAt = (buf, pos) => {
      const end = Math.min(size, pos + buf.length);
      for (let i = pos; i < end; i++) {
        buf[i - pos] = i < head.length ? head.charCodeAt(i) : i < head.length + longBytes ? 0x78 : tail.charCodeAt(i - head.length - longBytes);
      }
      return Math.max(0, end - pos);
    };
    const p = collect(scanInput(read, FILE));
    expect(p.rows.map((r) => (r as ParsedRow).line)).toEqual([2, 4]);
    expect(p.problems).toEqual([{ line: 3, reason: 'bad_row', detail: 'line is 64.0 MB long (limit 1 MB)', url: null }]);
  });
});
