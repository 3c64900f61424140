/**
 * Curator files as spreadsheets and Windows save them (audit of input formats): Windows-1252
 * punctuation in a latin1 line, decimal commas, CSV instead of TSV, trailing empty cells, a file
 * without its header, column names in another case; and a file that is no input list is not
 * quoted back in the refusal.
 */
import { describe, expect, it } from 'vitest';
import { qcError } from '../../../test-support/fixtures';
import { bufferReader, decodeText, detectKind, fromWindows1252, inputLines, parseInput, scanInput, windows1252Bytes } from './parse';

const FILE = '/data/input.tsv';
const RATINGS_HEADER = 'obj_with_overall_rating\tobj_url\toverall_rating\tancestry';
const url = (n: number) => `https://content.eol.org/data/media/qc/${n}.jpg`;
const tsv = (lines: string[]) => Buffer.from(lines.join('\n') + '\n', 'utf8');

/** Windows-1252's characters for the bytes 0x80–0x9F that it defines (the audit's: ’ – “ ” … €). */
const PUNCTUATION: [number, string][] = [
  [0x92, '’'],
  [0x96, '–'],
  [0x93, '“'],
  [0x94, '”'],
  [0x85, '…'],
  [0x80, '€'],
  [0x91, '‘'],
  [0x97, '—'],
  [0x99, '™'],
  [0x8a, 'Š'],
  [0x9f, 'Ÿ'],
];
const UNDEFINED_BYTES = [0x81, 0x8d, 0x8f, 0x90, 0x9d];

describe('Windows-1252 bytes in a latin1 line', () => {
  // A UTF-8 file (Mésange in UTF-8 on line 2) with one line saved by Windows: é as 0xE9 and
  // Windows punctuation, as the audit's v18_mixed_cp1252.txt.
  const windowsLine = Buffer.concat([
    Buffer.from(`9000002\t${url(2)}\t2.2838\t{}\tM`, 'latin1'),
    Buffer.from([0xe9]),
    Buffer.from('sange', 'latin1'),
    Buffer.from([0x92]),
    Buffer.from('s nest ', 'latin1'),
    Buffer.from([0x96, 0x20, 0x93]),
    Buffer.from('blue', 'latin1'),
    Buffer.from([0x94, 0x85, 0x20, 0x80]),
    Buffer.from('5', 'latin1'),
  ]);
  const mixed = Buffer.concat([Buffer.from(`${RATINGS_HEADER}\ttitle\n9000001\t${url(1)}\t1.5956\t{}\tMésange bleue\n`, 'utf8'), windowsLine, Buffer.from('\n')]);

  it('reads the punctuation of a mixed file’s Windows line as the characters, not C1 control characters', () => {
    const p = parseInput(mixed, FILE);
    expect(p.encoding).toBe('mixed');
    expect(p.problems).toEqual([]);
    const titles = p.rows.map((r) => r.raw.title!);
    expect(titles).toEqual(['Mésange bleue', 'Mésange’s nest – “blue”… €5']);
    expect(titles[1]).not.toMatch(/[\u0080-\u009f]/);
  });

  it('reads a whole latin1 file the same way, whatever the size of each read', () => {
    const latin1 = Buffer.concat([Buffer.from(`${RATINGS_HEADER}\ttitle\n`, 'latin1'), windowsLine, Buffer.from('\n')]);
    for (const most of [1, 7, 1 << 20]) {
      const scan = scanInput((buf, pos) => bufferReader(latin1)(buf.subarray(0, Math.min(most, buf.length)), pos), FILE);
      expect(scan.encoding).toBe('latin1');
      expect([...scan.rows()].map((r) => r.row?.raw.title)).toEqual(['Mésange’s nest – “blue”… €5']);
    }
  });

  it('maps each byte 0x80–0x9F that Windows-1252 defines, and keeps the five it leaves undefined', () => {
    for (const [byte, char] of PUNCTUATION) {
      const line = Buffer.from([0x61, byte, 0xe9]); // not UTF-8: read as Windows-1252
      const [l] = [...inputLines(bufferReader(Buffer.concat([line, Buffer.from('\n')])), 'mixed')];
      expect(l).toEqual({ line: 1, text: `a${char}é` });
      expect(decodeText(line).text).toBe(`a${char}é`);
    }
    for (const byte of UNDEFINED_BYTES) {
      expect(fromWindows1252(String.fromCharCode(byte))).toBe(String.fromCharCode(byte));
      expect(decodeText(Buffer.from([byte])).text).toBe(String.fromCharCode(byte));
    }
  });

  it('gives back the bytes each character came from (every byte 0..255), one character a byte', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const text = fromWindows1252(all.toString('latin1'));
    expect(text).toHaveLength(256);
    expect(windows1252Bytes(text).equals(all)).toBe(true);
    expect(windows1252Bytes('’').equals(Buffer.from([0x92]))).toBe(true);
  });
});

describe('decimal commas in ratings', () => {
  it('reads 3,5 and 1,5956 as the decimals a European spreadsheet meant; refuses 1,234,5 and a lone comma', () => {
    const p = parseInput(
      tsv([RATINGS_HEADER, `1\t${url(1)}\t3,5\t{}`, `2\t${url(2)}\t1,5956\t{}`, `3\t${url(3)}\t 4,25 \t{}`, `4\t${url(4)}\t1,234,5\t{}`, `5\t${url(5)}\t3,\t{}`, `6\t${url(6)}\t,5\t{}`, `7\t${url(7)}\t5,5\t{}`]),
      FILE,
    );
    expect(p.rows.map((r) => [r.line, r.rating])).toEqual([
      [2, 3.5],
      [3, 1.5956],
      [4, 4.25],
    ]);
    expect(p.problems.map((x) => [x.reason, x.line])).toEqual([
      ['bad_rating', 5],
      ['bad_rating', 6],
      ['bad_rating', 7],
      ['bad_rating', 8],
    ]);
    expect(p.problems[0]?.detail).toBe('overall_rating "1,234,5" is not a number in 1..5');
  });
});

describe('a comma- or semicolon-separated file', () => {
  const csvRows = (sep: string) => [['obj_with_overall_rating', 'obj_url', 'overall_rating', 'ancestry'].join(sep), ['9000001', url(1), '1.5956', '{}'].join(sep)];

  it.each([
    [',', 'comma'],
    [';', 'semicolon'],
  ])('%s: says it is %s-separated, on line 1, with or without a chosen kind', (sep, name) => {
    for (const kind of [undefined, 'ratings', 'bundle'] as const) {
      const e = qcError(() => parseInput(tsv(csvRows(sep)), FILE, kind));
      expect(e.code).toBe('bad_input');
      expect(e.line).toBe(1);
      expect(e.message).toMatch(new RegExp(`^${name}-separated: save it as tab-delimited text`));
      expect(e.describe()).toMatch(new RegExp(`^/data/input\\.tsv:1: ${name}-separated`));
    }
  });

  it('reads quoted CSV column names in any case, and the line after leading blank lines', () => {
    const e = qcError(() => parseInput(tsv(['', '"Obj_URL","Overall_Rating"', `"${url(1)}","3"`]), FILE));
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/^comma-separated/);
  });

  it('leaves a bare URL list holding commas a URL list, and a header it cannot read refused as before', () => {
    const p = parseInput(tsv(['https://example.org/a,b.jpg', 'https://example.org/c;d.jpg']), FILE);
    expect(p.format).toBe('urls');
    expect(p.rows.map((r) => r.url)).toEqual(['https://example.org/a,b.jpg', 'https://example.org/c;d.jpg']);
    expect(qcError(() => detectKind('url,rating', FILE)).message).toMatch(/^cannot tell the kind of file/);
  });
});

describe('trailing empty cells and short rows', () => {
  it('reads a row ending in empty tab cells (one or several) as a row of the header’s width', () => {
    const p = parseInput(
      tsv([RATINGS_HEADER, `9000001\t${url(1)}\t1.5956\t{"kingdom":{"name":"Animalia"}}\t`, `9000002\t${url(2)}\t2.2838\t{}\t\t`, `9000003\t${url(3)}\t4.8994\t{}\t \t`]),
      FILE,
    );
    expect(p.problems).toEqual([]);
    expect(p.rows.map((r) => [r.line, r.rating, Object.keys(r.raw).length])).toEqual([
      [2, 1.5956, 4],
      [3, 2.2838, 4],
      [4, 4.8994, 4],
    ]);
  });

  it('still refuses a row with a non-empty cell past the header, counting up to that cell', () => {
    const p = parseInput(tsv([RATINGS_HEADER, `1\t${url(1)}\t2\t{}\t\textra\t\t`]), FILE);
    expect(p.rows).toEqual([]);
    expect(p.problems).toMatchObject([{ reason: 'bad_row', line: 2, url: url(1), detail: 'the row has 6 columns, the header 4' }]);
  });

  it('says a row that ends before its rating column is short, not that its rating is not a number', () => {
    const p = parseInput(tsv(['obj_with_overall_rating\tobj_url\tancestry\toverall_rating', `1\t${url(1)}\t{}`, `2\t${url(2)}\t{}\t`, `3\t${url(3)}\t{}\t4`]), FILE);
    expect(p.rows.map((r) => [r.line, r.rating])).toEqual([[4, 4]]);
    expect(p.problems.map((x) => [x.reason, x.line, x.url, x.detail])).toEqual([
      ['bad_row', 2, url(1), 'the row has 3 columns, the header 4: it ends before its overall_rating column'],
      ['bad_rating', 3, url(2), 'overall_rating "" is not a number in 1..5'],
    ]);
  });
});

describe('a file without its header', () => {
  const rows = [`9000001\t${url(1)}\t1.5956\t{"kingdom":{"name":"Animalia"}}`, `9000002\t${url(2)}\t2.2838\t{}`];

  it('says line 1 is a data row and names the columns of the kind the row looks like', () => {
    const e = qcError(() => parseInput(tsv(rows), FILE));
    expect(e.line).toBe(1);
    expect(e.message).toBe(
      'line 1 is a data row, not a header: the first line must name the columns (obj_with_overall_rating, obj_url, overall_rating, ancestry for a ratings file)',
    );
    expect(qcError(() => parseInput(tsv([`77\t${url(7)}\t{}`]), FILE)).message).toMatch(/\(target_id, object_url, ancestry for an exemplars file\)$/);
    expect(qcError(() => parseInput(tsv([`${url(7)}\t9000007`]), FILE)).message).toMatch(/\(eolMediaURL and any other columns for a bundle file\)$/);
  });

  it('names the chosen kind’s columns, and quotes nothing of the row', () => {
    const e = qcError(() => parseInput(tsv(['', ...rows]), FILE, 'ratings'));
    expect(e.line).toBe(2);
    expect(e.message).toBe('line 2 is a data row, not a header: the first line must name the columns (obj_with_overall_rating, obj_url, overall_rating, ancestry)');
    const x = qcError(() => parseInput(tsv(rows), FILE, 'exemplars'));
    expect(x.message).toMatch(/\(target_id, object_url, ancestry\)$/);
    expect(x.message).not.toMatch(/9000001|content\.eol\.org/);
  });
});

describe('column names in another case', () => {
  it('reads Obj_URL, Overall_Rating and padded names as the columns, stored under their own spelling', () => {
    const p = parseInput(tsv(['obj_with_Overall_Rating\t Obj_URL \tOVERALL_RATING\tAncestry\tNote', `9000001\t${url(1)}\t3,5\t{"kingdom":{}}\tkept`]), FILE);
    expect(p.kind).toBe('ratings');
    expect(p.columns).toEqual(['obj_with_overall_rating', 'obj_url', 'overall_rating', 'ancestry', 'Note']);
    expect(p.problems).toEqual([]);
    expect(p.rows.map((r) => [r.url, r.eolId, r.rating, r.ancestry, r.raw.Note])).toEqual([[url(1), '9000001', 3.5, '{"kingdom":{}}', 'kept']]);
  });

  it('tells the kind by a URL column in any case, and refuses the same column twice in two cases', () => {
    expect(detectKind('Target_ID\tObject_URL', FILE).kind).toBe('exemplars');
    expect(detectKind('EOLMEDIAURL\tIdentifier', FILE).kind).toBe('bundle');
    expect(qcError(() => parseInput(tsv(['eolMediaURL\tEolMediaUrl', `${url(1)}\t${url(2)}`]), FILE)).message).toBe('column "eolMediaURL" appears twice in the header');
  });
});

describe('a file that is no input list', () => {
  const passwd = ['root:x:0:0:root:/root:/bin/bash', 'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin'];

  it('is refused for a chosen kind without its first line quoted back', () => {
    for (const [kind, words] of [
      ['ratings', 'a ratings file'],
      ['exemplars', 'an exemplars file'],
      ['bundle', 'a bundle file'],
    ] as const) {
      const e = qcError(() => parseInput(tsv(passwd), '/etc/passwd', kind));
      expect(e.line).toBe(1);
      expect(e.message).toMatch(new RegExp(`^missing required column "\\w+" for ${words} \\(the first line is not a tab-separated header: it has no tab\\)$`));
      expect(e.message).not.toMatch(/root|bash/);
    }
    expect(qcError(() => parseInput(tsv(passwd), '/etc/passwd')).message).not.toMatch(/root|bash/);
  });

  it('still lists a real TSV header’s cells', () => {
    expect(qcError(() => parseInput(tsv(['obj_url\tscore', `${url(1)}\t3`]), FILE, 'ratings')).message).toBe(
      'missing required column "overall_rating" for a ratings file (header has: obj_url, score)',
    );
  });
});
