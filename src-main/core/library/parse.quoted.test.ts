/**
 * Quoted cells (audit 2, bug 6): a file saved by Python's csv module or pandas (QUOTE_MINIMAL: a
 * cell holding a quote is written `"{""kingdom"":…}"`), a fully quoted file (Excel, Sheets) and a
 * quoted header are read as RFC 4180-style readers read them, while EOL's own unquoted cells (ancestry
 * JSON with quotes inside) stay byte for byte. A quoted cell holding a line break is refused by line.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_DIR, qcError, tempDir } from '../../../test-support/fixtures';
import { FUZZ_TIMEOUT_MS, fuzzParams } from '../../../test-support/fuzz';
import { parseInput, tsvCells, type ParsedInput } from './parse';

const FILE = '/data/input.tsv';
const url = (n: number) => `https://content.eol.org/data/media/qc/${n}.jpg`;
const tsv = (lines: string[], eol = '\n') => Buffer.from(lines.join(eol) + eol, 'utf8');
const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import csv'], { stdio: 'ignore' }).status === 0);

/** What a parse says of its rows, for comparing two files that should read the same. */
const readAs = (p: ParsedInput) => ({
  kind: p.kind,
  columns: p.columns,
  rowCount: p.rowCount,
  problems: p.problems,
  rows: p.rows.map((r) => ({ ...r, raw: { ...r.raw } })),
});

describe('tsvCells', () => {
  it('unquotes a cell wholly enclosed in quotes, undoubling its inner quotes; tabs may sit inside it', () => {
    expect(tsvCells('"a"\t"{""k"":1}"\t""\tplain\t"x\ty"\t')).toEqual({ cells: ['a', '{"k":1}', '', 'plain', 'x\ty', ''], open: null });
  });
  it('takes every other cell as written, quotes and all', () => {
    expect(tsvCells('{"kingdom":{"name":"Animalia"}}\t"Rosa" alba\tsay "hi"\t"a""b" c')).toEqual({
      cells: ['{"kingdom":{"name":"Animalia"}}', '"Rosa" alba', 'say "hi"', '"a""b" c'],
      open: null,
    });
  });
  it('names the cell whose quote does not close on the line', () => {
    expect(tsvCells('"1"\t"first line of a note\tx')).toEqual({ cells: ['1', '"first line of a note', 'x'], open: 1 });
  });
});

/**
 * The splitter as it was before it read a line in one pass (it found a quoted field's closing
 * quote, then unquoted the field with a second pass over it): the reference the one-pass splitter
 * must agree with on any line.
 */
function twoPassCells(line: string): { cells: string[]; open: number | null } {
  const closingQuote = (from: number): number => {
    for (let j = from; ; ) {
      const q = line.indexOf('"', j);
      if (q < 0) return -1;
      const next = line[q + 1];
      if (next === '"') {
        j = q + 2;
        continue;
      }
      return next === undefined || next === '\t' ? q : -2;
    }
  };
  const cells: string[] = [];
  for (let i = 0; ; ) {
    if (line.startsWith('"', i)) {
      const end = closingQuote(i + 1);
      if (end >= 0) {
        cells.push(line.slice(i + 1, end).replace(/""/g, '"'));
        if (end + 1 >= line.length) return { cells, open: null };
        i = end + 2;
        continue;
      }
      if (end === -1) return { cells: [...cells, ...line.slice(i).split('\t')], open: cells.length };
    }
    const tab = line.indexOf('\t', i);
    if (tab < 0) {
      cells.push(line.slice(i));
      return { cells, open: null };
    }
    cells.push(line.slice(i, tab));
    i = tab + 1;
  }
}

describe('tsvCells: one pass, the same cells as the two-pass splitter', () => {
  /** Lines made mostly of quotes and tabs: quoted fields, doubled quotes, lone and stray quotes, quotes left open. */
  const piece = fc.oneof(
    { arbitrary: fc.constantFrom('"', '""', '\t', '"\t', '\t"', '"""', 'a', 'é', ' ', '\r', '{"k":1}', '🦋'), weight: 8 },
    { arbitrary: fc.string({ maxLength: 4 }), weight: 2 },
  );
  const line = fc.array(piece, { maxLength: 24 }).map((ps) => ps.join(''));
  const quotedCell = fc.string({ maxLength: 6 }).map((c) => `"${c.replace(/"/g, '""')}"`);
  const quotedLine = fc.array(fc.oneof(quotedCell, fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 6 }).map((cs) => cs.join('\t'));

  it(
    'on random lines of quotes and tabs',
    () => {
      fc.assert(
        fc.property(fc.oneof(line, quotedLine), (l) => {
          expect(tsvCells(l)).toEqual(twoPassCells(l));
        }),
        fuzzParams(2000),
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    "on random files: each row's cells are the two-pass splitter's",
    () => {
      const header = ['eolMediaURL', 'identifier', 'note'];
      const cellOf = fc.oneof(quotedCell, fc.constantFrom('"', '"a', 'a"b', '""', '"x\ty"', '"x', 'y"', ''), fc.string({ maxLength: 5 }));
      const first = fc.oneof(fc.constantFrom(url(1), `"${url(2)}"`, `"${url(3)}`), cellOf);
      const row = fc.tuple(first, fc.array(cellOf, { maxLength: 3 })).map(([c, cs]) => [c, ...cs].join('\t'));
      let compared = 0;
      fc.assert(
        fc.property(fc.array(row, { minLength: 1, maxLength: 12 }), (rows) => {
          const p = parseInput(tsv([header.join('\t'), ...rows]), FILE);
          const byLine = new Map(p.rows.map((r) => [r.line, r]));
          rows.forEach((text, i) => {
            // A line with a quote left open may start a quoted cell over several lines (refused by line).
            const want = twoPassCells(text);
            const got = byLine.get(i + 2);
            if (want.open !== null || !got) return;
            expect(Object.values(got.raw)).toEqual(header.map((_, j) => want.cells[j] ?? ''));
            compared++;
          });
        }),
        fuzzParams(300),
      );
      expect(compared).toBeGreaterThan(100);
    },
    FUZZ_TIMEOUT_MS,
  );
});

describe('parseInput: quoted cells', () => {
  it("reads a QUOTE_MINIMAL ancestry (Python's csv, pandas) as the JSON it holds", () => {
    const p = parseInput(
      tsv(['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', `9000001\t${url(1)}\t1.5956\t"{""kingdom"":{""name"":""Animalia""}}"`, `9000002\t${url(2)}\t4\t{"kingdom":{"name":"Plantae"}}`], '\r\n'),
      FILE,
    );
    expect(p.problems).toEqual([]);
    expect(p.rows.map((r) => [r.url, r.ancestry, r.raw.ancestry])).toEqual([
      [url(1), '{"kingdom":{"name":"Animalia"}}', '{"kingdom":{"name":"Animalia"}}'],
      [url(2), '{"kingdom":{"name":"Plantae"}}', '{"kingdom":{"name":"Plantae"}}'],
    ]);
  });

  it('reads a fully quoted file with a quoted header (QUOTE_ALL, as spreadsheets write it)', () => {
    const p = parseInput(
      tsv(['"obj_with_overall_rating"\t"obj_url"\t"overall_rating"\t"ancestry"', `"9000001"\t"${url(1)}"\t"1.5"\t"{""kingdom"":{""name"":""Animalia""}}"`, `"9000002"\t"${url(2)}"\t"4"\t""`]),
      FILE,
    );
    expect(p.kind).toBe('ratings');
    expect(p.columns).toEqual(['obj_with_overall_rating', 'obj_url', 'overall_rating', 'ancestry']);
    expect(p.problems).toEqual([]);
    expect(p.rows.map((r) => [r.eolId, r.url, r.rating, r.ancestry])).toEqual([
      ['9000001', url(1), 1.5, '{"kingdom":{"name":"Animalia"}}'],
      ['9000002', url(2), 4, null],
    ]);
  });

  it('detects the kind from a quoted header alone, and reads a quoted bare URL list', () => {
    expect(parseInput(tsv(['"obj_url"\t"overall_rating"', `${url(1)}\t3`]), FILE).rows.map((r) => [r.url, r.rating])).toEqual([[url(1), 3]]);
    const list = parseInput(tsv([`"${url(1)}"`, url(2)]), FILE);
    expect([list.kind, list.format, list.problems]).toEqual(['bundle', 'urls', []]);
    expect(list.rows.map((r) => r.url)).toEqual([url(1), url(2)]);
  });

  it('keeps a bundle title that starts with a quote as written when it is not a quoted field, and reads back one written by the exports', () => {
    const p = parseInput(tsv(['eolMediaURL\tidentifier\ttitle', `${url(1)}\t1\t"Rosa" alba`, `${url(2)}\t2\t"""Rosa"" alba"`]), FILE);
    expect(p.problems).toEqual([]);
    expect(p.rows.map((r) => r.raw.title)).toEqual(['"Rosa" alba', '"Rosa" alba']);
  });

  it('refuses a row whose quoted cell holds a line break, naming its column, and the line that ends it; the rows around are read', () => {
    const p = parseInput(
      tsv(['eolMediaURL\tidentifier\tdescription', `${url(1)}\t1\tok`, `${url(2)}\t2\t"first line`, '', 'second line"', `${url(3)}\t3\t"one ""quoted"" word"`]),
      FILE,
    );
    expect(p.rows.map((r) => [r.line, r.url, r.raw.description])).toEqual([
      [2, url(1), 'ok'],
      [6, url(3), 'one "quoted" word'],
    ]);
    expect(p.problems.map((x) => [x.line, x.reason])).toEqual([
      [3, 'bad_row'],
      [5, 'bad_row'],
    ]);
    expect(p.problems[0]!.detail).toMatch(/^column description is a quoted cell holding a line break \(it ends on line 5\), which is not supported: the row is not read/);
    expect(p.problems[1]!.detail).toMatch(/^part of the quoted cell that starts on line 3/);
    expect(p.rowCount).toBe(4);
  });

  it("refuses a row with two quoted cells holding line breaks (Python's csv writes it so) as one record, naming both columns; never a short row (audit L2)", () => {
    const p = parseInput(tsv(['eolMediaURL\tidentifier\tnote', `${url(1)}\t"a`, 'b"\t"c', 'd"', `${url(2)}\t2\tok`]), FILE);
    expect(p.rows.map((r) => [r.line, r.url, r.raw.identifier, r.raw.note])).toEqual([[5, url(2), '2', 'ok']]);
    expect(p.problems.map((x) => [x.line, x.reason])).toEqual([
      [2, 'bad_row'],
      [3, 'bad_row'],
      [4, 'bad_row'],
    ]);
    expect(p.problems[0]!.detail).toMatch(/^column identifier, column note are quoted cells holding a line break \(the row ends on line 4\), which is not supported: the row is not read/);
    expect(p.problems[1]!.detail).toMatch(/^part of the quoted cell that starts on line 2/);
    expect(p.problems[2]!.detail).toMatch(/^part of the quoted cell that starts on line 2/);
  });

  it.skipIf(!PYTHON)("refuses by line what Python's csv writes for a row with several multi-line cells", () => {
    const dir = tempDir();
    try {
      const out = path.join(dir, 'py.tsv');
      const script = [
        'import csv, sys',
        "with open(sys.argv[1], 'w', newline='') as f:",
        "    w = csv.writer(f, delimiter='\\t', lineterminator='\\n')",
        "    w.writerow(['eolMediaURL', 'identifier', 'note', 'more'])",
        `    w.writerow(['${url(1)}', 'a\\nb', 'c\\nd\\ne', 'x'])`,
        `    w.writerow(['${url(2)}', 'two', 'plain', 'y'])`,
      ].join('\n');
      const r = spawnSync(PYTHON!, ['-c', script, out], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const p = parseInput(fs.readFileSync(out), out);
      expect(p.rows.map((row) => [row.url, row.raw.identifier, row.raw.note, row.raw.more])).toEqual([[url(2), 'two', 'plain', 'y']]);
      expect(p.problems.map((x) => [x.line, x.reason])).toEqual([
        [2, 'bad_row'],
        [3, 'bad_row'],
        [4, 'bad_row'],
        [5, 'bad_row'],
      ]);
      expect(p.problems[0]!.detail).toMatch(/^column identifier, column note are quoted cells holding a line break \(the row ends on line 5\)/);
      expect(p.problems.some((x) => x.reason === 'bad_url')).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a cell that starts with a lone quote as written, and the rows after it', () => {
    const p = parseInput(
      tsv(['eolMediaURL\tidentifier\ttitle', `${url(1)}\t1\t"Rosa`, `${url(2)}\t2\t{}`, `${url(3)}\t3\t{"a":1}`, `${url(4)}\t4\t"an open title`, `${url(5)}\t5\ta "quoted" word`, `${url(6)}\t6\t"last`]),
      FILE,
    );
    expect(p.problems).toEqual([]);
    expect(p.rows.map((r) => [r.line, r.url, r.raw.title])).toEqual([
      [2, url(1), '"Rosa'],
      [3, url(2), '{}'],
      [4, url(3), '{"a":1}'],
      [5, url(4), '"an open title'],
      [6, url(5), 'a "quoted" word'],
      [7, url(6), '"last'],
    ]);
  });

  it('still names a missing column of a quoted header', () => {
    const e = qcError(() => parseInput(tsv(['"obj_with_overall_rating"\t"overall_rating"', '1\t3']), FILE, 'ratings'));
    expect(e.message).toMatch(/missing required column "obj_url".*header has: obj_with_overall_rating, overall_rating/);
  });
});

describe.skipIf(!PYTHON)("the dev ratings file through Python's csv module", () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const original = path.join(DEV_DIR, 'image_ratings.txt');

  /** The file as csv.writer(delimiter='\t') writes it with `quoting` (its default line end is CRLF). */
  const roundTrip = (quoting: 'QUOTE_MINIMAL' | 'QUOTE_ALL') => {
    const out = path.join(dir, `${quoting}.txt`);
    const script = [
      'import csv, sys',
      "with open(sys.argv[1], newline='', encoding='latin1') as f:",
      "    rows = [line.rstrip('\\r\\n').split('\\t') for line in f]",
      "with open(sys.argv[2], 'w', newline='', encoding='latin1') as f:",
      `    csv.writer(f, delimiter='\\t', quoting=csv.${quoting}).writerows(rows)`,
    ].join('\n');
    const r = spawnSync(PYTHON!, ['-c', script, original, out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return fs.readFileSync(out);
  };

  it.each(['QUOTE_MINIMAL', 'QUOTE_ALL'] as const)('%s gives the same rows, ancestry included', (quoting) => {
    const bytes = roundTrip(quoting);
    expect(bytes.toString('latin1')).toContain('"{""kingdom""'); // the writer did quote the ancestry
    const before = parseInput(fs.readFileSync(original), original);
    const after = parseInput(bytes, original);
    expect(before.rows.filter((r) => r.ancestry && r.ancestry !== '{}').length).toBe(196);
    expect(readAs(after)).toEqual(readAs(before));
  });
});
