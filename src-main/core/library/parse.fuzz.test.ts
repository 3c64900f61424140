/**
 * Fuzz: the input parsers. Any bytes give rows and row problems, or one QcError naming the file
 * and a line; never another exception. Rows are sane: ratings plain decimals in 1..5, URLs of an
 * accepted scheme, lines inside the file, each line used once, every column kept in raw (even
 * `__proto__`); a line over the 1 MB limit is a row problem, not an exception.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QcError } from '../../../src-shared/contract/errors';
import { FUZZ_TIMEOUT_MS, fuzzParams } from '../../../test-support/fuzz';
import { MAX_LINE_BYTES, parseInput } from './parse';

const HEADERS = ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', 'target_id\tobject_url\tancestry', 'eolMediaURL\tidentifier', 'eolMediaURL', 'eolMediaURL\t__proto__\tconstructor', ''];
/** Exactly the line limit: a line with it and anything more is over-long. */
const LONG = 'x'.repeat(MAX_LINE_BYTES);
const cell = fc.oneof(
  { arbitrary: fc.constant(LONG), weight: 1 },
  { arbitrary: fc.constantFrom('https://content.eol.org/x.jpg', 'http://127.0.0.1:9/a.jpg', 'file:///etc/passwd', 'file://host/x', 'javascript:1', '%ZZ', '0x3', '1e0', 'Infinity', '3', '2.5', '.5', '6', '-1', '{}', '{"a":1}', '[1]', '"', '\x00', '\u00e9', ''), weight: 10 },
  { arbitrary: fc.string({ maxLength: 20 }), weight: 10 },
);
const line = fc.array(cell, { maxLength: 6 }).map((cs) => cs.join('\t'));
const text = fc.tuple(fc.constantFrom(...HEADERS), fc.array(line, { maxLength: 12 }), fc.constantFrom('\n', '\r\n')).map(([h, ls, nl]) => [h, ...ls].join(nl));
const bytes = fc.oneof(
  text.map((t) => Buffer.from(t, 'utf8')),
  text.map((t) => Buffer.from(t, 'latin1')),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
);

describe('fuzz: parseInput', () => {
  it(
    'never throws anything but a QcError with file and line, and returns sane rows',
    () => {
      fc.assert(
        fc.property(bytes, fc.constantFrom(undefined, 'ratings', 'exemplars', 'bundle') as fc.Arbitrary<'ratings' | 'exemplars' | 'bundle' | undefined>, (b, kind) => {
          let parsed: ReturnType<typeof parseInput>;
          try {
            parsed = parseInput(b, '/in/list.txt', kind);
          } catch (e) {
            expect(e).toBeInstanceOf(QcError);
            expect((e as QcError).code).toBe('bad_input');
            expect((e as QcError).file).toBe('/in/list.txt');
            expect((e as QcError).line).toBeGreaterThanOrEqual(1);
            return;
          }
          const lines = new Set<number>();
          for (const r of parsed.rows) {
            expect(r.url).toMatch(/^(https?|file):\/\//i);
            if (r.rating !== null) {
              expect(r.rating).toBeGreaterThanOrEqual(1);
              expect(r.rating).toBeLessThanOrEqual(5);
            }
            expect(lines.has(r.line)).toBe(false);
            lines.add(r.line);
            expect(Object.keys(r.raw)).toEqual([...new Set(parsed.columns)]);
          }
          for (const p of parsed.problems) expect(p.line).toBeGreaterThanOrEqual(1);
          expect(parsed.rows.length).toBeLessThanOrEqual(parsed.rowCount);
        }),
        fuzzParams(),
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});
