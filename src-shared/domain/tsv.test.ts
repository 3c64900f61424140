/** TSV cells: no breaks, no formulas, no row-merging quotes; the escaping is undone exactly. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readLikeSpreadsheet } from '../../test-support/spreadsheetTsv';
import { plainDecimal, readTsvCell, tsvCell, tsvLine } from './tsv';

const FUZZ_RUNS = Number(process.env.QC_FUZZ_RUNS ?? 300);
/** Strings that favour the characters that matter here. */
/** Every character Python's `str.splitlines()` ends a line at (besides `\r\n`), and tab. */
const BREAKS = ['\t', '\r', '\n', '\v', '\f', '\x1c', '\x1d', '\x1e', '\x85', '\u2028', '\u2029'];
// eslint-disable-next-line no-control-regex -- the separators of Python's str.splitlines()
const SPLITLINES = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;
/** Lines as Python's `str.splitlines()` sees them (no trailing empty line). */
const splitlines = (text: string) => text.split(SPLITLINES).slice(0, text.length && SPLITLINES.test(text.slice(-1)) ? -1 : undefined);
const cellText = fc.string({ unit: fc.oneof(fc.constantFrom('=', '+', '-', '@', '"', "'", ' ', '1', '.', 'e', 'A', ...BREAKS), fc.string({ minLength: 1, maxLength: 1 })), maxLength: 30 });

describe('tsvCell', () => {
  it('escapes formulas, leading quotes and breaks; leaves safe cells byte-identical', () => {
    expect(tsvCell('=HYPERLINK("http://evil.example")')).toBe(`'=HYPERLINK("http://evil.example")`);
    expect(tsvCell('+1+1')).toBe("'+1+1");
    expect(tsvCell('-2+3')).toBe("'-2+3");
    expect(tsvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(tsvCell(' =1')).toBe("' =1");
    expect(tsvCell('\t=1')).toBe("' =1");
    expect(tsvCell("'=1")).toBe("''=1");
    expect(tsvCell('"quoted')).toBe('"""quoted"');
    expect(tsvCell('a\tb\r\nc')).toBe('a b  c');
    for (const safe of ['-0.5', '+3', '1e-3', 'https://content.eol.org/data/media/qc/1.jpg', '{"kingdom":{"name":"Animalia"}}', "'ōhi'a", 'mid "quote"', '', '0.123456']) {
      expect(tsvCell(safe)).toBe(safe);
    }
    expect(tsvCell(null)).toBe('');
    expect(tsvCell(12)).toBe('12');
  });

  it('property: one line, one field, never a formula, and read back exactly (breaks aside)', () => {
    fc.assert(
      fc.property(fc.array(cellText, { minLength: 1, maxLength: 6 }), (cells) => {
        const line = tsvLine(cells);
        expect(line).not.toMatch(/[\r\n]/);
        const sheet = readLikeSpreadsheet(`${line}\n`);
        expect(sheet).toHaveLength(1);
        expect(sheet[0]).toHaveLength(cells.length);
        sheet[0]!.forEach((c, i) => {
          expect(c.formula).toBe(false);
          expect(readTsvCell(c.text)).toBe([...cells[i]!].map((ch) => (BREAKS.includes(ch) ? ' ' : ch)).join(''));
        });
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('turns every Unicode line break into a space: VT, FF, U+001C–U+001E, NEL, U+2028, U+2029', () => {
    for (const ch of BREAKS) expect(tsvCell(`a${ch}b`), JSON.stringify(ch)).toBe('a b');
    expect(tsvCell('=1\u2028')).toBe("'=1 ");
    expect(tsvCell('\u2029=1')).toBe("' =1");
    // Neighbours of the breaks are not breaks: written byte for byte.
    for (const safe of ['\u2027', '\u202a', '\x84', '\x86', '\u00a0', '\x1f', 'naïve ōhi‘a']) expect(tsvCell(safe)).toBe(safe);
  });

  it('property: no cell holds a line break raw, and str.splitlines() finds one line per row', () => {
    fc.assert(
      fc.property(fc.array(fc.array(cellText, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }), (rows) => {
        const text = rows.map((r) => `${tsvLine(r)}\n`).join('');
        for (const r of rows) for (const c of r) for (const ch of BREAKS) expect(tsvCell(c).includes(ch)).toBe(false);
        expect(splitlines(text)).toHaveLength(rows.length);
        expect(splitlines(text).map((l) => l.split('\t').length)).toEqual(rows.map((r) => r.length));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe('plainDecimal', () => {
  it('reads the decimals scripts and spreadsheets write, spaces around them ignored', () => {
    expect(['1', '0.5', '.25', '5e-1', ' 0.75 ', '-2', '+3', '1.0', '1E2'].map(plainDecimal)).toEqual([1, 0.5, 0.25, 0.5, 0.75, -2, 3, 1, 100]);
  });
  it('is NaN for what Number() alone would read as a number but is not a plain decimal', () => {
    for (const t of ['0x1', '0b1', '0o1', 'Infinity', '1_0', '', ' ', '1,5', '.', 'e3', '1e']) expect(plainDecimal(t), t).toBeNaN();
  });
});
