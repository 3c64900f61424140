/**
 * Kind detection (audit 2, bug 9): the URL column says the kind (obj_url: ratings, object_url:
 * exemplars, eolMediaURL: bundle); the other columns only break ties, or name the kind whose URL
 * column is missing. A media bundle that carries a target_id is a bundle, not an exemplar file.
 */
import { describe, expect, it } from 'vitest';
import { qcError } from '../../../test-support/fixtures';
import { detectKind, parseInput } from './parse';

const FILE = '/data/input.tsv';
const url = (n: number) => `https://content.eol.org/data/media/qc/${n}.jpg`;
const tsv = (lines: string[]) => Buffer.from(lines.join('\n') + '\n', 'utf8');
const kindOf = (header: string) => detectKind(header, FILE).kind;

describe('detectKind: the URL column first', () => {
  it('reads a bundle whose header has a target_id column as a bundle', () => {
    const p = parseInput(tsv(['eolMediaURL\tidentifier\ttarget_id\tancestry', `${url(1)}\t1\t46559\t{}`]), FILE);
    expect(p.kind).toBe('bundle');
    expect(p.problems).toEqual([]);
    expect(p.rows.map((r) => [r.url, r.eolId, r.exemplar, r.raw.target_id])).toEqual([[url(1), '1', false, '46559']]);
  });

  it.each([
    ['obj_url\toverall_rating', 'ratings'],
    ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', 'ratings'],
    ['obj_url\ttarget_id', 'ratings'],
    ['target_id\tobject_url\tancestry', 'exemplars'],
    ['object_url\toverall_rating', 'exemplars'],
    ['eolMediaURL\toverall_rating\ttarget_id', 'bundle'],
    ['"eolMediaURL"\t"target_id"', 'bundle'],
    // Two URL columns: the other columns break the tie.
    ['obj_url\teolMediaURL\toverall_rating', 'ratings'],
    ['object_url\teolMediaURL\ttarget_id', 'exemplars'],
    ['obj_url\teolMediaURL\tidentifier', 'bundle'],
    // No URL column: the other columns say whose URL column is missing.
    ['obj_with_overall_rating\turl\toverall_rating', 'ratings'],
    ['target_id\turl', 'exemplars'],
  ])('%s is %s', (header, kind) => {
    expect(kindOf(header)).toBe(kind);
  });

  it('names the missing URL column of the kind the other columns say', () => {
    expect(qcError(() => parseInput(tsv(['target_id\turl\tancestry', `1\t${url(1)}\t{}`]), FILE)).message).toMatch(/missing required column "object_url" for an exemplars file/);
  });

  it('refuses a tie the other columns do not break, naming the URL columns; a chosen kind reads it', () => {
    const e = qcError(() => detectKind('obj_url\teolMediaURL\tancestry', FILE));
    expect(e.line).toBe(1);
    expect(e.message).toBe('cannot tell the kind of file: the header has the URL columns of several kinds (obj_url, eolMediaURL): choose its kind (ratings or bundle)');
    expect(parseInput(tsv(['obj_url\teolMediaURL\tancestry', `${url(1)}\t${url(2)}\t{}`]), FILE, 'bundle').rows.map((r) => r.url)).toEqual([url(2)]);
  });

  it('still cannot tell a header with none of the columns, and says which it looked for', () => {
    expect(qcError(() => detectKind('url\trating', FILE)).message).toMatch(/^cannot tell the kind of file: the header has none of obj_url, object_url or eolMediaURL.*choose its kind/);
  });
});
