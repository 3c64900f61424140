/**
 * Parse EOL input files (ratings, exemplars, bundles, bare URL lists) into rows.
 * File-level problems (empty file, missing column, unreadable header) throw a QcError naming
 * the file and line before anything is written; row-level problems are returned per row.
 */
import { QcError } from '../../../src-shared/contract/errors';
import { isValidRating } from '../../../src-shared/domain/label';
import type { FailureReason, ImportKind } from '../../../src-shared/domain/library';

/** Lines longer than this are not rows of an EOL file. */
export const MAX_LINE_BYTES = 1 << 20;

export interface ParsedRow {
  line: number;
  url: string;
  eolId: string | null;
  rating: number | null;
  exemplar: boolean;
  ancestry: string | null;
  raw: Record<string, string>;
}

export interface RowProblem {
  line: number;
  reason: FailureReason;
  detail: string;
  url: string | null;
}

export interface ParsedInput {
  kind: Exclude<ImportKind, 'folder'>;
  encoding: 'utf-8' | 'latin1';
  /** Bundles only: a TSV with a header, or a bare URL list. */
  format: 'tsv' | 'urls';
  columns: string[];
  rows: ParsedRow[];
  problems: RowProblem[];
  /** Data rows seen (valid or not). */
  rowCount: number;
}

interface KindSpec {
  url: string;
  required: string[];
  rating?: string;
  id?: string;
}

const SPECS: Record<Exclude<ImportKind, 'folder'>, KindSpec> = {
  ratings: { url: 'obj_url', required: ['obj_url', 'overall_rating'], rating: 'overall_rating', id: 'obj_with_overall_rating' },
  exemplars: { url: 'object_url', required: ['object_url'], id: 'target_id' },
  bundle: { url: 'eolMediaURL', required: ['eolMediaURL'], id: 'identifier' },
};

/** UTF-8 when the bytes are valid UTF-8, else latin1 (EOL's exports are latin1). */
export function decodeText(bytes: Uint8Array): { text: string; encoding: 'utf-8' | 'latin1' } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { text: text.replace(/^\uFEFF/, ''), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('latin1').decode(bytes), encoding: 'latin1' };
  }
}

function splitLines(text: string, file: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((l, i) => {
    if (l.length > MAX_LINE_BYTES / 4 && Buffer.byteLength(l, 'utf8') > MAX_LINE_BYTES) {
      throw new QcError('bad_input', `line is ${(l.length / 1048576).toFixed(1)} MB long (limit 1 MB): not an EOL ratings, exemplar or bundle file`, { file, line: i + 1 });
    }
  });
  return lines;
}

const looksLikeUrl = (s: string) => /^(https?|file):\/\//i.test(s.trim());

/** Work out which kind of file this is from its first line. */
export function detectKind(firstLine: string, file: string, line = 1): { kind: Exclude<ImportKind, 'folder'>; format: 'tsv' | 'urls' } {
  const cols = firstLine.split('\t').map((c) => c.trim());
  if (cols.includes('overall_rating') || cols.includes('obj_with_overall_rating')) return { kind: 'ratings', format: 'tsv' };
  if (cols.includes('target_id') || cols.includes('object_url')) return { kind: 'exemplars', format: 'tsv' };
  if (cols.includes('eolMediaURL')) return { kind: 'bundle', format: 'tsv' };
  if (!firstLine.includes('\t') && looksLikeUrl(firstLine)) return { kind: 'bundle', format: 'urls' };
  throw new QcError(
    'bad_input',
    'cannot tell the kind of file: the header has none of overall_rating, object_url or eolMediaURL and the line is not a URL (use --kind)',
    { file, line },
  );
}

/** A rating as EOL writes it: digits with an optional fraction (`3`, `2.5`, `.5`, `4.`). */
const DECIMAL = /^(\d+\.?\d*|\.\d+)$/;

// Control characters other than tab that have no business in a TSV row.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

export function parseInput(bytes: Uint8Array, file: string, kindHint?: Exclude<ImportKind, 'folder'>): ParsedInput {
  if (bytes.length === 0) throw new QcError('bad_input', 'the file is empty', { file, line: 1 });
  const { text, encoding } = decodeText(bytes);
  const lines = splitLines(text, file);
  const firstIndex = lines.findIndex((l) => l.trim() !== '');
  if (firstIndex < 0) throw new QcError('bad_input', 'the file has no content (only blank lines)', { file, line: 1 });
  const first = lines[firstIndex] as string;
  let detected: ReturnType<typeof detectKind>;
  try {
    detected = detectKind(first, file, firstIndex + 1);
  } catch (e) {
    // With --kind the user has said what the file is: report its missing columns, not "use --kind".
    if (!kindHint) throw e;
    detected = { kind: kindHint, format: 'tsv' };
  }
  const kind = kindHint ?? detected.kind;
  if (kind === 'bundle' && detected.format === 'urls') return parseUrlList(lines, file, encoding);
  if (detected.format === 'urls') {
    throw new QcError('bad_input', `a bare URL list can only be imported as a bundle, not as ${kind}`, { file, line: firstIndex + 1 });
  }
  return parseTsv(lines, firstIndex, file, encoding, kind);
}

function parseUrlList(lines: string[], file: string, encoding: ParsedInput['encoding']): ParsedInput {
  const rows: ParsedRow[] = [];
  const problems: RowProblem[] = [];
  let rowCount = 0;
  lines.forEach((l, i) => {
    const url = l.trim();
    if (!url) return;
    rowCount++;
    const line = i + 1;
    if (!looksLikeUrl(url) || CONTROL.test(url)) {
      problems.push({ line, reason: 'bad_url', detail: `not a URL: ${truncate(url)}`, url: null });
      return;
    }
    rows.push({ line, url, eolId: null, rating: null, exemplar: false, ancestry: null, raw: { eolMediaURL: url } });
  });
  return { kind: 'bundle', encoding, format: 'urls', columns: ['eolMediaURL'], rows, problems, rowCount };
}

function parseTsv(lines: string[], headerIndex: number, file: string, encoding: ParsedInput['encoding'], kind: Exclude<ImportKind, 'folder'>): ParsedInput {
  const spec = SPECS[kind];
  const columns = (lines[headerIndex] as string).split('\t').map((c) => c.trim());
  const headerLine = headerIndex + 1;
  for (const col of spec.required) {
    if (!columns.includes(col)) {
      throw new QcError('bad_input', `missing required column "${col}" for a ${kind} file (header has: ${columns.map((c) => truncate(c, 40)).join(', ')})`, { file, line: headerLine });
    }
  }
  const dup = columns.find((c, i) => c && columns.indexOf(c) !== i);
  if (dup) throw new QcError('bad_input', `column "${dup}" appears twice in the header`, { file, line: headerLine });

  const rows: ParsedRow[] = [];
  const problems: RowProblem[] = [];
  let rowCount = 0;
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const text = lines[i] as string;
    if (text.trim() === '') continue;
    rowCount++;
    const line = i + 1;
    const cells = text.split('\t');
    const raw: Record<string, string> = {};
    columns.forEach((c, j) => (raw[c] = cells[j] ?? ''));
    const url = (raw[spec.url] ?? '').trim();
    if (CONTROL.test(text)) {
      problems.push({ line, reason: 'bad_row', detail: 'the row contains control characters (binary data?)', url: null });
      continue;
    }
    if (cells.length > columns.length) {
      problems.push({ line, reason: 'bad_row', detail: `the row has ${cells.length} columns, the header ${columns.length}`, url: url || null });
      continue;
    }
    if (!url) {
      problems.push({ line, reason: 'missing_url', detail: `column ${spec.url} is empty`, url: null });
      continue;
    }
    if (!looksLikeUrl(url)) {
      problems.push({ line, reason: 'bad_url', detail: `${spec.url} is not an http(s) URL: ${truncate(url)}`, url: null });
      continue;
    }
    let rating: number | null = null;
    if (spec.rating) {
      const text = (raw[spec.rating] ?? '').trim();
      // Plain decimals only: Number() would also read "0x3", "0b11", "1e0" and "Infinity".
      rating = DECIMAL.test(text) ? Number(text) : NaN;
      if (!isValidRating(rating)) {
        problems.push({ line, reason: 'bad_rating', detail: `${spec.rating} "${truncate(text)}" is not a number in 1..5`, url });
        continue;
      }
    }
    let ancestry: string | null = null;
    const ancestryText = (raw.ancestry ?? '').trim();
    if (ancestryText) {
      try {
        const parsed: unknown = JSON.parse(ancestryText);
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
        ancestry = JSON.stringify(parsed);
      } catch (e) {
        problems.push({ line, reason: 'bad_ancestry', detail: `ancestry is not a JSON object (${(e as Error).message}); row kept without ancestry`, url });
      }
    }
    const id = spec.id ? (raw[spec.id] ?? '').trim() : '';
    rows.push({ line, url, eolId: id || null, rating, exemplar: kind === 'exemplars', ancestry, raw });
  }
  return { kind, encoding, format: 'tsv', columns, rows, problems, rowCount };
}

function truncate(s: string, n = 80): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}
