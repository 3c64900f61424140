/** TSV cells: no breaks, no formulas, no row-merging quotes; the escaping is undone exactly. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readLikeSpreadsheet } from '../../test-support/spreadsheetTsv';
import { readTsvCell, tsvCell, tsvLine } from './tsv';

const FUZZ_RUNS = Number(process.env.QC_FUZZ_RUNS ?? 300);
/** Strings that favour the characters that matter here. */
const cellText = fc.string({ unit: fc.oneof(fc.constantFrom('=', '+', '-', '@', '"', "'", '\t', '\r', '\n', ' ', '1', '.', 'e', 'A'), fc.string({ minLength: 1, maxLength: 1 })), maxLength: 30 });

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
          expect(readTsvCell(c.text)).toBe(cells[i]!.replace(/[\t\r\n]/g, ' '));
        });
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
