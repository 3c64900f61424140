/**
 * Parse EOL input files (ratings, exemplars, bundles, bare URL lists) into rows.
 * File-level problems (empty file, missing column, unreadable header) throw a QcError naming
 * the file and line before anything is written; row-level problems are returned per row.
 */
import { QcError } from '../../../src-shared/contract/errors';
import { isValidRating } from '../../../src-shared/domain/label';
import type { FailureReason, ImportKind } from '../../../src-shared/domain/library';
import { FINAL_COLUMNS } from '../../../src-shared/domain/tags';
import { readTsvCell } from '../../../src-shared/domain/tsv';

/**
 * Lines longer than this are not rows of an EOL file (nor of a tag file): such a line is measured
 * without being kept and reported by its number (a row failure, or a refusal as the header).
 */
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
  /**
   * Where `detail` names other lines of the input (a quoted cell holding a line break: the line it
   * ends on, or starts on): the detail with those lines told by `lineOf`, so the import of a copy
   * names the lines of the file it was copied from (importer.ts ReportAs). `detail` is `detailAt((l) => l)`.
   */
  detailAt?: (lineOf: (line: number) => number) => string;
}

/**
 * How an input's bytes are read: all UTF-8; all latin1 (EOL's exports; no line is UTF-8 beyond
 * ASCII); or `mixed`, a UTF-8 file with some lines that are not (a stray byte, a pasted latin1
 * row): each line is then read as UTF-8 when it is valid UTF-8 and as latin1 when not, so one bad
 * byte does not turn every accented name of the file into mojibake. `utf-16le` and `utf-16be`: a
 * file that starts with a UTF-16 byte order mark (Excel's "Unicode Text", PowerShell), read whole
 * in that encoding.
 */
export type InputEncoding = 'utf-8' | 'latin1' | 'mixed' | 'utf-16le' | 'utf-16be';

export interface ParsedInput {
  kind: Exclude<ImportKind, 'folder'>;
  encoding: InputEncoding;
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

/** The column that holds each kind's URLs (what tells the kind: {@link detectKind}). */
export function urlColumnOf(kind: Exclude<ImportKind, 'folder'>): string {
  return SPECS[kind].url;
}

/** UTF-8 when the bytes are valid UTF-8, else latin1 (EOL's exports are latin1; read as Windows-1252: {@link fromWindows1252}). */
export function decodeText(bytes: Uint8Array): { text: string; encoding: 'utf-8' | 'latin1' } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { text: text.replace(/^\uFEFF/, ''), encoding: 'utf-8' };
  } catch {
    return { text: fromWindows1252(Buffer.from(bytes).toString('latin1')), encoding: 'latin1' };
  }
}

/**
 * What the bytes 0x80–0x9F are in Windows-1252 (what "latin1" text from Windows is, and what the
 * WHATWG encoding standard reads the label latin1 as): ’ – “ ” … € and so on. The five bytes it
 * leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) stay the code points of the same number.
 * Mapped here rather than by TextDecoder('latin1'), which in Node 20 maps them only when decoding
 * with `stream: true` and gives the C1 control characters U+0080–U+009F otherwise.
 */
const WINDOWS_1252 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
const FROM_WINDOWS_1252 = new Map([...WINDOWS_1252].map((c, i) => [String.fromCharCode(0x80 + i), c]));
const TO_WINDOWS_1252 = new Map([...WINDOWS_1252].map((c, i) => [c, String.fromCharCode(0x80 + i)]));

/** Text whose code units are bytes (Buffer's `latin1`) read as Windows-1252: one code unit a byte still. */
export function fromWindows1252(bytes: string): string {
  return bytes.replace(/[\x80-\x9f]/g, (c) => FROM_WINDOWS_1252.get(c)!);
}

/**
 * The bytes a line read as Windows-1252 ({@link fromWindows1252}: a `latin1` input's lines, a `mixed`
 * input's lines that are not UTF-8) came from: `Buffer.from(text, 'latin1')` would write ’ as 0x19.
 */
export function windows1252Bytes(text: string): Buffer {
  return Buffer.from(
    text.replace(/[\u0100-\uffff]/g, (c) => TO_WINDOWS_1252.get(c) ?? c),
    'latin1',
  );
}

const looksLikeUrl = (s: string) => /^(https?|file):\/\//i.test(s.trim());

/**
 * The one rule for what a tag file is (the `<bundle>_a.tsv`, … and `_finaltags.tsv` that `qc classify`
 * and `qc export` write): a header with eolMediaURL, imclass and confidence. Such a file is merged
 * into a run's predictions (ml.importTags, `qc import`), never taken for a new bundle unless the
 * caller says it is one (then its tag columns are dropped: {@link tsvParser}).
 */
export function isTagHeader(line: string): boolean {
  const cols = tsvCells(line.replace(/^\uFEFF/, '')).cells.map((c) => c.trim());
  return cols.includes('eolMediaURL') && cols.includes('imclass') && cols.includes('confidence');
}

/** What is said of a tag file given where an input list was expected. */
export const TAG_FILE_REFUSAL =
  'a tag file written by classify or export (its header has eolMediaURL, imclass and confidence), not a new bundle: its predictions are merged into a run by ml.importTags (on the command line, importing the file does it), or choose the kind bundle to import its rows as a new bundle (its tag columns are then dropped)';

/** The kinds in the order a header naming none of their URL columns is taken for (ratings before exemplars). */
const TSV_KINDS = ['ratings', 'exemplars', 'bundle'] as const;

/** Columns of each kind other than its URL column: they break a tie between URL columns. */
const TIE_COLUMNS: Record<(typeof TSV_KINDS)[number], string[]> = {
  ratings: ['overall_rating', 'obj_with_overall_rating'],
  exemplars: ['target_id'],
  bundle: ['identifier'],
};

/**
 * Work out which kind of file this is from its first line (a tag file is refused: {@link isTagHeader}).
 * The URL column says it (obj_url: ratings, object_url: exemplars, eolMediaURL: bundle); the other
 * columns only break a tie between URL columns, or, with none, say whose URL column is missing
 * (overall_rating or obj_with_overall_rating: ratings; target_id: exemplars). So a bundle that
 * carries a target_id is a bundle.
 */
export function detectKind(firstLine: string, file: string, line = 1): { kind: Exclude<ImportKind, 'folder'>; format: 'tsv' | 'urls' } {
  if (isTagHeader(firstLine)) throw new QcError('bad_input', TAG_FILE_REFUSAL, { file, line });
  // Column names in any case (Obj_URL is obj_url), as the TSV parser reads them (headerColumn).
  const cols = tsvCells(firstLine).cells.map((c) => headerColumn(c));
  const withTies = (kinds: readonly (typeof TSV_KINDS)[number][]) => kinds.filter((k) => TIE_COLUMNS[k].some((c) => cols.includes(c)));
  const byUrl = TSV_KINDS.filter((k) => cols.includes(SPECS[k].url));
  if (byUrl.length === 1) return { kind: byUrl[0]!, format: 'tsv' };
  if (byUrl.length > 1) {
    const tied = withTies(byUrl);
    if (tied.length === 1) return { kind: tied[0]!, format: 'tsv' };
    throw new QcError(
      'bad_input',
      `cannot tell the kind of file: the header has the URL columns of several kinds (${byUrl.map((k) => SPECS[k].url).join(', ')}): choose its kind (${byUrl.join(' or ')})`,
      { file, line },
    );
  }
  const named = withTies(['ratings', 'exemplars']);
  if (named.length) return { kind: named[0]!, format: 'tsv' };
  if (!firstLine.includes('\t') && looksLikeUrl(unquoteCell(firstLine.trim()))) return { kind: 'bundle', format: 'urls' };
  notAHeader(firstLine, file, line);
  throw new QcError(
    'bad_input',
    'cannot tell the kind of file: the header has none of obj_url, object_url or eolMediaURL (nor overall_rating or target_id) and the line is not a URL: choose its kind (ratings, exemplars or bundle)',
    { file, line },
  );
}

/** The columns the parser knows, by their name in lower case: a header may name them in any case. */
const KNOWN_COLUMNS = new Map(
  [...Object.values(SPECS).flatMap((s) => [s.url, ...s.required, ...(s.id ? [s.id] : [])]), ...Object.values(TIE_COLUMNS).flat(), 'ancestry'].map((c) => [c.toLowerCase(), c]),
);

/** A header cell as a column name: trimmed, and a column the parser knows spelt as it knows it (`Obj_URL` is `obj_url`). */
function headerColumn(cell: string): string {
  const name = cell.trim();
  return KNOWN_COLUMNS.get(name.toLowerCase()) ?? name;
}

/** Each kind of input file in words, with its article, as refusals name it: `a ratings file`, `an exemplars file`, `a bundle file`. */
export function kindFile(kind: Exclude<ImportKind, 'folder'>): string {
  return kind === 'exemplars' ? 'an exemplars file' : `a ${kind} file`;
}

/** The columns of each kind's file, as the first line should name them (what a data row in its place is told). */
const KIND_COLUMNS: Record<Exclude<ImportKind, 'folder'>, string> = {
  ratings: 'obj_with_overall_rating, obj_url, overall_rating, ancestry',
  exemplars: 'target_id, object_url, ancestry',
  bundle: 'eolMediaURL and any other columns',
};

/**
 * Throws when the first line is plainly not a TSV header, saying what it is instead: a header
 * separated by commas or semicolons (no tab, and split at `,` or `;` it names a column the parser
 * knows: a CSV saved from a spreadsheet), or a data row (a cell is an http(s) URL and none names a
 * column: an EOL file without its header). The kind, given or guessed from the row (a cell after
 * the URL that is a rating: ratings; a URL first: bundle; else exemplars), says which columns the
 * first line should name. Nothing of the line is quoted back.
 */
function notAHeader(firstLine: string, file: string, line: number, kind?: Exclude<ImportKind, 'folder'>): void {
  if (!firstLine.includes('\t')) {
    for (const [sep, name] of [
      [',', 'comma'],
      [';', 'semicolon'],
    ] as const) {
      const cells = firstLine.split(sep).map((c) => headerColumn(c.trim().replace(/^"(.*)"$/, '$1')));
      if (cells.length > 1 && cells.some((c) => KNOWN_COLUMNS.has(c.toLowerCase()))) {
        throw new QcError('bad_input', `${name}-separated: save it as tab-delimited text (the first line has no tab, and its ${name}s separate column names)`, { file, line });
      }
    }
    return;
  }
  const cells = tsvCells(firstLine).cells.map((c) => c.trim());
  const urlAt = cells.findIndex((c) => /^https?:\/\//i.test(c));
  if (urlAt < 0 || cells.some((c) => KNOWN_COLUMNS.has(c.toLowerCase()))) return;
  const guessed = kind ?? (cells.slice(urlAt + 1).some((c) => isValidRating(ratingOf(c))) ? 'ratings' : urlAt === 0 ? 'bundle' : 'exemplars');
  throw new QcError(
    'bad_input',
    `line ${line} is a data row, not a header: the first line must name the columns (${KIND_COLUMNS[guessed]}${kind ? '' : ` for ${kindFile(guessed)}`})`,
    { file, line },
  );
}

/**
 * The cells of a TSV line, read as RFC 4180-style readers (Python's csv module, pandas,
 * spreadsheets) write and read them: a cell that starts with `"` and whose quote closes right
 * before a tab or the line end is a quoted field, read without its quotes and with `""` inside
 * as `"` (it may hold tabs). Every other cell is taken as written, quotes and all: EOL's own cells
 * never start with a quote (ancestry JSON starts with `{`), and a cell like `"Rosa" alba` is
 * literal. `open` is the column of a cell whose quote does not close on this line (a quoted cell
 * holding a line break, or a stray quote): that cell and the rest of the line are then split at
 * every tab, as written.
 * One pass along the line: a quoted field's text is gathered as its closing quote is looked for
 * (only a cell that starts with a lone quote, read as written, is read again up to its tab).
 */
export function tsvCells(line: string): { cells: string[]; open: number | null } {
  const cells: string[] = [];
  for (let i = 0; ; ) {
    if (line.charCodeAt(i) === QUOTE) {
      const field = quotedField(line, i + 1);
      if (field.end >= 0) {
        cells.push(field.text);
        if (field.end + 1 >= line.length) return { cells, open: null };
        i = field.end + 2;
        continue;
      }
      if (field.end === QUOTE_OPEN) return { cells: [...cells, ...line.slice(i).split('\t')], open: cells.length };
      // A quote inside the cell is followed by something else: not a quoted field, read as written.
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

const QUOTE_OPEN = -1;
const NOT_QUOTED = -2;
const QUOTE = 0x22;
const TAB = 0x09;

/**
 * Inside a quoted field from `from`: the index of its closing quote (one not doubled, followed by a
 * tab or the line end) and the field's text, its doubled quotes read as one, gathered on the way;
 * `end` is QUOTE_OPEN when the line ends first, NOT_QUOTED when a lone quote is followed by
 * anything else (then `text` is empty).
 */
function quotedField(line: string, from: number): { end: number; text: string } {
  let text = '';
  for (let j = from; ; ) {
    const q = line.indexOf('"', j);
    if (q < 0) return { end: QUOTE_OPEN, text: '' };
    const next = line.charCodeAt(q + 1); // NaN past the end
    if (next === QUOTE) {
      text += line.slice(j, q + 1);
      j = q + 2;
      continue;
    }
    return Number.isNaN(next) || next === TAB ? { end: q, text: text + line.slice(j, q) } : { end: NOT_QUOTED, text: '' };
  }
}

/** A single cell (a bare URL list's line) without its quotes when it is a quoted field ({@link tsvCells}). */
function unquoteCell(text: string): string {
  const { cells, open } = tsvCells(text);
  return open === null && cells.length === 1 ? cells[0]! : text;
}

/** How many lines after a quote left open are read ahead to find where it closes ({@link quotedLineBreak}). */
const QUOTED_BREAK_LINES = 50;

/**
 * A line break inside a quoted cell (Python's csv module and pandas quote a cell holding one): the
 * cell goes on over the next lines, which are no rows of their own. When `line` leaves a quote
 * open (in its cell `open`: {@link tsvCells}), the lines after it are read (through `next`, at most QUOTED_BREAK_LINES, and under
 * MAX_LINE_BYTES together) up to the one that closes the quote; when they make one row as wide as
 * the header, each of them is refused (a `bad_row` naming the column on the first line, the others
 * pointing at it), and the lines after `line` that the cell spans come back as `lines`. Otherwise the
 * quote was a cell that starts with a lone quote, read as written: the lines read ahead come back
 * as `rest`, to be read as rows.
 */
function quotedLineBreak(
  line: Extract<InputLine, { text: string }>,
  open: number | null,
  header: string[],
  next: () => InputLine | undefined,
): { problems?: RowProblem[]; lines?: InputLine[]; rest?: InputLine[] } {
  if (open === null) return {};
  const more: InputLine[] = [];
  let size = line.text.length;
  while (more.length < QUOTED_BREAK_LINES) {
    const l = next();
    if (!l) break;
    more.push(l);
    if (l.text === null || (size += l.text.length + 1) > MAX_LINE_BYTES) break;
    const { end } = quotedField(l.text, 0);
    if (end === NOT_QUOTED) break;
    if (end === QUOTE_OPEN) continue;
    const row = tsvCells([line.text, ...more.map((m) => m.text)].join('\n'));
    // Another quoted cell of the same record opens on this line (Python's csv writes every cell
    // holding a line break quoted: `"a⏎b"<tab>"c⏎d"`): read on to where it closes.
    if (row.open !== null) continue;
    if (row.cells.length !== header.length) break;
    const nameOf = (j: number) => (header[j] ? `column ${truncate(header[j], 40)}` : `cell ${j + 1}`);
    const broken = row.cells.flatMap((c, j) => (c.includes('\n') ? [j] : []));
    const name = broken.length > 1 ? `${broken.map(nameOf).join(', ')} are quoted cells` : `${nameOf(open)} is a quoted cell`;
    const ends = l.line;
    const first = (lineOf: (line: number) => number) =>
      `${name} holding a line break (${broken.length > 1 ? 'the row' : 'it'} ends on line ${lineOf(ends)}), which is not supported: the row is not read; remove the line breaks from ${broken.length > 1 ? 'those cells' : 'that cell'}`;
    const part = (lineOf: (line: number) => number) => `part of the quoted cell that starts on line ${lineOf(line.line)} (a line break inside a cell is not supported): not read`;
    return {
      lines: more,
      problems: [
        { line: line.line, reason: 'bad_row', detail: first((n) => n), url: null, detailAt: first },
        ...more
          .filter((m) => m.text !== null && m.text.trim() !== '')
          .map((m): RowProblem => ({ line: m.line, reason: 'bad_row', detail: part((n) => n), url: null, detailAt: part })),
      ],
    };
  }
  return { rest: more };
}

/** A rating as EOL writes it: digits with an optional fraction (`3`, `2.5`, `.5`, `4.`). */
const DECIMAL = /^(\d+\.?\d*|\.\d+)$/;
/** A rating with a decimal comma, as a spreadsheet in a European locale saves it (`1,5956`): unambiguous in a tab-separated file. */
const DECIMAL_COMMA = /^\d+,\d+$/;

/** A rating cell's number (trimmed first), NaN when it is not a plain decimal: Number() would also read "0x3", "0b11", "1e0" and "Infinity". */
function ratingOf(cell: string): number {
  const text = cell.trim();
  return DECIMAL.test(text) ? Number(text) : DECIMAL_COMMA.test(text) ? Number(text.replace(',', '.')) : NaN;
}

// Control characters other than tab that have no business in a TSV row.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

/**
 * A CR left inside a line (lines are split at LF, and only a CR before the LF is dropped) and the
 * other line breaks that readers split on (NEL U+0085, U+2028, U+2029; Python's splitlines()).
 * A URL holding one still fetches (URL parsing drops a CR) and is stored as written, so a download
 * list written from the library would give a line-splitting reader a second URL no row named.
 * A CR refuses its row (`bad_row`, like the control characters above); the other three refuse only
 * a URL (`bad_url`): they are text (a name, a description), and exports escape them in other cells.
 */
const LINE_BREAK_IN_URL = /[\r\x85\u2028\u2029]/;
const LINE_BREAK_NAMES: Record<string, string> = { '\r': 'a CR', '\x85': 'a NEL (U+0085)', '\u2028': 'a line separator (U+2028)', '\u2029': 'a paragraph separator (U+2029)' };
/** `URL contains a CR (a line break to some readers)`: what is said of a URL refused by LINE_BREAK_IN_URL. */
const lineBreakDetail = (what: string, url: string) => `${what} contains ${LINE_BREAK_NAMES[LINE_BREAK_IN_URL.exec(url)![0]]}, a line break to some readers: ${truncate(JSON.stringify(url))}`;

/**
 * What is said of an input list or a tag file whose first line holds a CR (lines are split at LF, a CR
 * before it dropped): classic Mac line ends, and the whole file would be read as that one line.
 */
export const LONE_CR_REFUSAL = 'the lines end with a lone CR (classic Mac line ends), so the file reads as one line: save it with LF or CRLF line ends';

/**
 * A tab inside a URL (a quoted TSV cell, or a bare list's line holding one): URL parsing drops it,
 * so another address would be fetched than the one stored. Refused as a `bad_url`.
 */
const tabDetail = (what: string, url: string) => `${what} contains a tab, which fetching would drop (another address than the one written): ${truncate(JSON.stringify(url))}`;

/** Reads up to `buf.length` bytes at byte `pos` into `buf`; returns how many (0 at the end). */
export type ReadAt = (buf: Buffer, pos: number) => number;

/** A ReadAt over bytes already in memory. */
export function bufferReader(bytes: Uint8Array): ReadAt {
  return (buf, pos) => {
    const n = Math.max(0, Math.min(buf.length, bytes.length - pos));
    buf.set(bytes.subarray(pos, pos + n));
    return n;
  };
}

/** Bytes read per call while scanning an input, at the most. */
const READ_CHUNK = 1 << 20;
/** Bytes of the first read of an input: a file of a few lines is read without a megabyte buffer. */
const FIRST_CHUNK = 1 << 16;

/**
 * The input's bytes in order, each chunk a view of one buffer reused from read to read (valid
 * until the next), then an empty view (the read that met the end). The buffer starts at
 * FIRST_CHUNK and grows to READ_CHUNK while reads fill it: a folder of ten thousand one-row tag
 * files, each read a few times, cost a megabyte buffer a read before (most of its import's time
 * went to allocating and collecting them), and a large input is still read a megabyte a call.
 */
function* chunksOf(read: ReadAt): Generator<Buffer> {
  let buf = Buffer.allocUnsafe(FIRST_CHUNK);
  for (let pos = 0; ; ) {
    const n = read(buf, pos);
    yield buf.subarray(0, n);
    if (n === 0) return;
    pos += n;
    if (n === buf.length && buf.length < READ_CHUNK) buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, buf.length * 4));
  }
}

/** A data line of the input: its row, its row-level problem, or both (a row kept despite a problem, such as a bad ancestry). */
export interface ScannedRow {
  row: ParsedRow | null;
  problem: RowProblem | null;
}

/**
 * An input checked and ready to be read row by row: its kind, encoding, format, columns and row
 * count are known, file-level problems were thrown by {@link scanInput}, and {@link InputScan.rows}
 * reads the input again from the start each time it is called, so a caller that stores each row as
 * it comes never holds more than one chunk of the input.
 */
export interface InputScan extends Omit<ParsedInput, 'rows' | 'problems'> {
  rows(): Generator<ScannedRow>;
  /** The first non-blank line (the line read as {@link InputScan.encoding} decodes it): a TSV's header, a bare URL list's first row. */
  first: Extract<InputLine, { text: string }>;
  /**
   * The URL a data line (a line after `first`, or `first` itself in a bare URL list) names, read as
   * its row is read (its cell unquoted and trimmed, before any check: empty or not a URL as written).
   * What `qc classify --shard` shards a row by.
   */
  urlOf(text: string): string;
}

/** A record of an input as the import reads it ({@link inputRecords}): its lines, in order, and what the import makes of them. */
export interface InputRecord {
  lines: InputLine[];
  rows: ScannedRow[];
}

/** Each scan's record reader (kept off the scan object, whose fields are its summary). */
const RECORDS = new WeakMap<InputScan, () => Generator<InputRecord>>();

/**
 * The data lines of a scanned input (after a TSV's header; a bare URL list's from its first), read
 * again from the start, grouped into the records the import reads: what {@link InputScan.rows}
 * yields is each record's `rows` in turn. A record is one line (a blank one has no rows), or the
 * lines of a quoted cell holding a line break, from the line its quote opens on to the line that
 * closes it (blank lines among them included), each refused. What `qc classify --shard` keeps together.
 */
export function inputRecords(scan: InputScan): Generator<InputRecord> {
  const records = RECORDS.get(scan);
  if (!records) throw new Error('inputRecords: not a scan of scanInput');
  return records();
}

/**
 * Check an input read through `read` (the whole input, in chunks of 1 MB): the encoding (UTF-16
 * when it starts with a UTF-16 byte order mark, else UTF-8 when every byte is valid UTF-8, else
 * latin1), a first line that says the kind (or `kindHint`) with the columns it needs and is not
 * over MAX_LINE_BYTES. Throws a QcError naming the file and line (UTF-32, UTF-16 without a byte
 * order mark, and UTF-16 that does not decode are refused). A later line over MAX_LINE_BYTES is a
 * `bad_row` problem of its own, and the rest are read.
 */
export function scanInput(read: ReadAt, file: string, kindHint?: Exclude<ImportKind, 'folder'>): InputScan {
  const probe = Buffer.alloc(1);
  if (read(probe, 0) === 0) throw new QcError('bad_input', 'the file is empty', { file, line: 1 });
  const wide = wideEncoding(read);
  if (wide === 'UTF-32') throw new QcError('bad_input', 'the file is UTF-32: save it as UTF-8 text (tab-delimited)', { file, line: 1 });
  if (wide === 'UTF-16') {
    throw new QcError('bad_input', 'the file is UTF-16 without a byte order mark: save it as UTF-8 text (tab-delimited), or as UTF-16 with a byte order mark', { file, line: 1 });
  }
  if (wide) {
    const bad = utf16Problem(read, wide);
    if (bad) throw new QcError('bad_input', `the file is ${wide === 'utf-16le' ? 'UTF-16LE' : 'UTF-16BE'} and ${bad.what}, which cannot be decoded: save it again as UTF-8 text (tab-delimited)`, { file, line: bad.line });
  }
  const encoding = wide ?? inputEncoding(read);
  let first: Extract<InputLine, { text: string }> | null = null;
  let nonBlank = 0;
  for (const l of inputLines(read, encoding)) {
    if (l.text === null) {
      if (!first) throw new QcError('bad_input', `${describeLongLine(l.bytes)}: not an EOL ratings, exemplar or bundle file`, { file, line: l.line });
      nonBlank++;
      continue;
    }
    if (l.text.trim() === '') continue;
    nonBlank++;
    first ??= l;
  }
  if (!first) throw new QcError('bad_input', 'the file has no content (only blank lines)', { file, line: 1 });
  // Classic Mac line ends (a lone CR, no LF): the whole file would read as one line.
  if (first.text.includes('\r')) throw new QcError('bad_input', LONE_CR_REFUSAL, { file, line: first.line });
  const parser = rowParser(first.text, first.line, file, kindHint);
  const header = first;
  function* records(): Generator<InputRecord> {
    const lines = inputLines(read, encoding);
    const ahead: InputLine[] = []; // lines read ahead of the one being parsed, in order
    const next = (): InputLine | undefined => ahead.shift() ?? (lines.next().value as InputLine | undefined);
    for (let l = next(); l; l = next()) {
      if (l.line < header.line || (l.line === header.line && parser.format === 'tsv')) continue;
      if (l.text === null) {
        yield { lines: [l], rows: [{ row: null, problem: { line: l.line, reason: 'bad_row', detail: describeLongLine(l.bytes), url: null } }] };
        continue;
      }
      // A TSV line is split into its cells once: for a quote left open, then for its row.
      const split = parser.header ? tsvCells(l.text) : undefined;
      if (parser.header) {
        const broken = quotedLineBreak(l, split!.open, parser.header, next);
        if (broken.rest) ahead.unshift(...broken.rest);
        if (broken.problems) {
          yield { lines: [l, ...broken.lines!], rows: broken.problems.map((problem) => ({ row: null, problem })) };
          continue;
        }
      }
      const r = parser.parse(l.text, l.line, split?.cells);
      yield { lines: [l], rows: r ? [r] : [] };
    }
  }
  const scan: InputScan = {
    kind: parser.kind,
    encoding,
    format: parser.format,
    columns: parser.columns,
    rowCount: parser.format === 'urls' ? nonBlank : nonBlank - 1,
    first: header,
    urlOf: parser.urlOf,
    *rows() {
      for (const r of records()) yield* r.rows;
    },
  };
  RECORDS.set(scan, records);
  return scan;
}

/** Parse a whole input held in memory (see {@link scanInput}; the same checks and rows). */
export function parseInput(bytes: Uint8Array, file: string, kindHint?: Exclude<ImportKind, 'folder'>): ParsedInput {
  const { rows: each, first: _first, urlOf: _urlOf, ...scan } = scanInput(bufferReader(bytes), file, kindHint);
  const rows: ParsedRow[] = [];
  const problems: RowProblem[] = [];
  for (const r of each()) {
    if (r.row) rows.push(r.row);
    if (r.problem) problems.push(r.problem);
  }
  return { ...scan, rows, problems };
}

/**
 * How a tag file's bytes are read, by the sniffing that tells one (importer.ts tagFilesAt) and by
 * ml.importTags alike: UTF-16 when it starts with a UTF-16 byte order mark (a tag file saved by
 * Excel as "Unicode Text"), as an input list is ({@link scanInput}); else UTF-8, a bad byte read as
 * U+FFFD (the columns a tag file needs are ASCII). UTF-32 and UTF-16 without a byte order mark
 * are read as UTF-8 too, and so are not tag files (their header is letters between NULs): an
 * import then refuses them for their encoding.
 */
export function tagFileEncoding(read: ReadAt): 'utf-8' | 'utf-16le' | 'utf-16be' {
  const wide = wideEncoding(read);
  return wide === 'utf-16le' || wide === 'utf-16be' ? wide : 'utf-8';
}

/** A tag file's first line as {@link tagFileEncoding} decodes it (byte order mark dropped), or null when there is none or it is over MAX_LINE_BYTES. */
export function tagFileHeader(read: ReadAt): string | null {
  for (const l of inputLines(read, tagFileEncoding(read), { lenient: true })) return l.text;
  return null;
}

/**
 * The encoding of an input in 16 or 32 bits: `utf-16le` or `utf-16be` when it starts with that
 * byte order mark (Excel's "Unicode Text", PowerShell), read as such; `UTF-32` with its byte order
 * mark, or `UTF-16` without one (a NUL as every other byte of most of its first characters: ASCII
 * text, as a header is, in UTF-16), both refused: as latin1 the header would be letters between
 * NULs, refused for columns it does have.
 */
function wideEncoding(read: ReadAt): 'utf-16le' | 'utf-16be' | 'UTF-16' | 'UTF-32' | null {
  const head = Buffer.alloc(512);
  let n = 0;
  for (let got = 1; got > 0 && n < head.length; n += got) got = read(head.subarray(n), n);
  const b = head.subarray(0, n & ~1);
  if (b.length >= 4 && ((b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) || (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff))) return 'UTF-32';
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  const pairs = b.length / 2;
  if (pairs < 2) return null;
  let little = 0;
  let big = 0;
  for (let i = 0; i < b.length; i += 2) {
    if (b[i] !== 0 && b[i + 1] === 0) little++;
    else if (b[i] === 0 && b[i + 1] !== 0) big++;
  }
  return Math.max(little, big) >= pairs * 0.75 ? 'UTF-16' : null;
}

/**
 * Where a UTF-16 input does not decode, or null when it does (read in chunks, nothing kept): the
 * line of the first lone surrogate (half of a character whose other half is missing), or of an
 * odd byte at the end. The whole input is checked with the decoder first; only an input that fails
 * is walked code unit by code unit to find the line.
 */
function utf16Problem(read: ReadAt, encoding: 'utf-16le' | 'utf-16be'): { line: number; what: string } | null {
  try {
    const decoder = new TextDecoder(encoding, { fatal: true });
    for (const chunk of chunksOf(read)) {
      if (chunk.length > 0) decoder.decode(chunk, { stream: true });
      else decoder.decode();
    }
    return null;
  } catch {
    // Found below.
  }
  const big = encoding === 'utf-16be';
  let line = 1;
  let odd = -1; // a byte left over from the previous read (-1: none)
  let high = -1; // the line of a high surrogate waiting for its low half (-1: none)
  const hex = (u: number) => `0x${u.toString(16).toUpperCase()}`;
  for (const buf of chunksOf(read)) {
    const n = buf.length;
    let i = 0;
    const unit = (a: number, b: number) => (big ? (a << 8) | b : (b << 8) | a);
    const units: number[] = [];
    if (odd >= 0 && n > 0) {
      units.push(unit(odd, buf[0]!));
      odd = -1;
      i = 1;
    }
    for (; i + 1 < n; i += 2) units.push(unit(buf[i]!, buf[i + 1]!));
    if (i < n) odd = buf[i]!;
    for (const u of units) {
      const isHigh = u >= 0xd800 && u <= 0xdbff;
      const isLow = u >= 0xdc00 && u <= 0xdfff;
      if (high >= 0 && !isLow) return { line: high, what: `line ${high} has a lone surrogate (half of a character)` };
      if (isLow && high < 0) return { line, what: `line ${line} has a lone surrogate ${hex(u)} (half of a character)` };
      high = isHigh ? line : -1;
      if (u === 0x0a) line++;
    }
  }
  if (high >= 0) return { line: high, what: `line ${high} has a lone surrogate (half of a character)` };
  if (odd >= 0) return { line, what: 'it ends with an odd byte (half of a character)' };
  return { line, what: 'it has a character that is not UTF-16' };
}

/** How to read the input ({@link InputEncoding}; read in chunks, nothing kept). */
function inputEncoding(read: ReadAt): InputEncoding {
  if (isUtf8Input(read)) return 'utf-8';
  for (const l of inputLines(read, 'mixed')) if (l.text !== null && l.utf8) return 'mixed';
  return 'latin1';
}

/** Whether the whole input is valid UTF-8 (read in chunks, nothing kept). */
function isUtf8Input(read: ReadAt): boolean {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for (const chunk of chunksOf(read)) if (chunk.length > 0) decoder.decode(chunk, { stream: true });
    decoder.decode();
    return true;
  } catch {
    return false;
  }
}

/** `line is 2.0 MB long (limit 1 MB)`: what is said of a line over MAX_LINE_BYTES. */
export function describeLongLine(bytes: number): string {
  return `line is ${(bytes / 1048576).toFixed(1)} MB long (limit ${MAX_LINE_BYTES / 1048576} MB)`;
}

/** A line of an input (1-based `line`): its text, or for a line over MAX_LINE_BYTES only its length in bytes. */
export type InputLine = { line: number; text: string; /** `mixed` only: the line has non-ASCII text read as UTF-8. */ utf8?: true } | { line: number; text: null; bytes: number };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A line of a `mixed` input, given as its bytes (one latin1 char a byte): UTF-8 when valid, else latin1 (Windows-1252: {@link fromWindows1252}). */
function mixedLine(line: number, raw: string): Extract<InputLine, { text: string }> {
  if (!/[\u0080-\u00ff]/.test(raw)) return { line, text: raw }; // ASCII: the same either way
  const bytes = Buffer.from(raw, 'latin1');
  try {
    const text = strictUtf8.decode(bytes);
    return { line, text: line === 1 ? text.replace(/^\uFEFF/, '') : text, utf8: true };
  } catch {
    return { line, text: fromWindows1252(raw) };
  }
}

/**
 * The input's lines, split at \n with a \r before it dropped and a byte order mark removed. A line over
 * MAX_LINE_BYTES (bytes of the input) is measured to its end without being kept, then given as
 * `text: null` with its length, and the lines after it follow: memory stays bounded by one read
 * plus one line, whatever the input. A final empty line (the file ends with a newline) is not a
 * line. UTF-8 and UTF-16 are decoded strictly (a bad byte throws) unless `lenient` (bad bytes become U+FFFD);
 * `mixed` decodes each line on its own ({@link InputEncoding}).
 * The one line reader for input lists (ratings, exemplars, bundles) and tag files.
 */
export function* inputLines(read: ReadAt, encoding: InputEncoding, opts: { lenient?: boolean } = {}): Generator<InputLine> {
  // `mixed` and `latin1`: the bytes are split into lines as latin1 (one char a byte, exactly), each
  // line decoded after (latin1 as Windows-1252: fromWindows1252).
  // UTF-16 drops its byte order mark (the decoder does), even when the first read is one byte.
  const bytewise = encoding === 'mixed' || encoding === 'latin1';
  const decoder = bytewise ? null : new TextDecoder(encoding, { fatal: !opts.lenient });
  const done = (line: number, l: string): Extract<InputLine, { text: string }> =>
    encoding === 'mixed' ? mixedLine(line, l) : encoding === 'latin1' ? { line, text: fromWindows1252(l) } : { line, text: l };
  // latin1 is one byte a character, UTF-16 two a code unit; UTF-8 text is measured as the bytes it came from.
  const wide = encoding === 'utf-16le' || encoding === 'utf-16be';
  const bytesOf = (l: string) => (encoding === 'utf-8' ? Buffer.byteLength(l, 'utf8') : wide ? l.length * 2 : l.length);
  const tooLong = (l: string) => l.length > MAX_LINE_BYTES / 4 && bytesOf(l) > MAX_LINE_BYTES;
  let pending = '';
  let line = 0;
  let skipped = -1; // bytes of an over-long line seen so far (-1: none); its text is not kept
  let start = true;
  for (const chunk of chunksOf(read)) {
    let text = !decoder ? chunk.toString('latin1') : chunk.length > 0 ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    if (start && text) {
      if (encoding === 'utf-8') text = text.replace(/^\uFEFF/, '');
      start = false;
    }
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      const piece = text.slice(from, nl);
      from = nl + 1;
      line++;
      if (skipped >= 0) {
        yield { line, text: null, bytes: skipped + bytesOf(piece) };
        skipped = -1;
        continue;
      }
      let l = pending + piece;
      pending = '';
      if (l.endsWith('\r')) l = l.slice(0, -1);
      yield tooLong(l) ? { line, text: null, bytes: bytesOf(l) } : done(line, l);
    }
    const rest = text.slice(from);
    if (skipped >= 0) skipped += bytesOf(rest);
    else {
      pending += rest;
      if (tooLong(pending)) {
        skipped = bytesOf(pending);
        pending = '';
      }
    }
  }
  if (skipped >= 0) yield { line: line + 1, text: null, bytes: skipped };
  else if (pending !== '') yield done(line + 1, pending);
}

/** What {@link rowParser} makes of a data line: a row, a row problem, or nothing (a blank line). */
interface RowParser {
  kind: Exclude<ImportKind, 'folder'>;
  format: 'tsv' | 'urls';
  columns: string[];
  /** A TSV's header cells, every one (`columns` leaves out a tag file's dropped columns). */
  header?: string[];
  /** `cells`: a TSV line's cells when the caller has split it already ({@link tsvCells}). */
  parse(text: string, line: number, cells?: string[]): ScannedRow | null;
  /** The URL of a data line as `parse` reads it, unchecked ({@link InputScan.urlOf}). */
  urlOf(text: string): string;
}

/**
 * The parser for an input whose first non-blank line is `first` (line `firstLine`): a bare URL list
 * (that line is its first row) or a TSV (that line is the header). Throws on file-level problems.
 */
function rowParser(first: string, firstLine: number, file: string, kindHint?: Exclude<ImportKind, 'folder'>): RowParser {
  let detected: ReturnType<typeof detectKind>;
  try {
    detected = detectKind(first, file, firstLine);
  } catch (e) {
    // With --kind the user has said what the file is: report its missing columns, not "use --kind"
    // (a CSV, or a data row where the header should be, is still said to be one).
    if (!kindHint) throw e;
    notAHeader(first, file, firstLine, kindHint);
    detected = { kind: kindHint, format: 'tsv' };
  }
  const kind = kindHint ?? detected.kind;
  if (kind === 'bundle' && detected.format === 'urls') return { kind: 'bundle', format: 'urls', columns: ['eolMediaURL'], parse: parseUrlLine, urlOf: listUrl };
  if (detected.format === 'urls') {
    throw new QcError('bad_input', `a bare URL list can only be imported as a bundle, not as ${kind}`, { file, line: firstLine });
  }
  return tsvParser(first, firstLine, file, kind);
}

/** A bare URL list's line: its one cell, unquoted. */
const listUrl = (text: string) => unquoteCell(text.trim());

/**
 * Why an input's URL (its cell, trimmed) is not one an import takes (a `bad_url`), or null when it
 * is: not an http(s) or file: URL, control characters, a line break to some reader, a tab. The one
 * rule for a URL cell, of input lists and of tag files merged by ml.importTags (ml/tagImport.ts).
 * `what` names the URL in the detail (`the URL`, `eolMediaURL`); a bare list says `not a URL: …`.
 */
export function urlRefusal(url: string, what: string): string | null {
  if (!looksLikeUrl(url) || CONTROL.test(url)) return what === LIST_URL ? `not a URL: ${truncate(url)}` : `${what} is not an http(s) URL: ${truncate(url)}`;
  if (LINE_BREAK_IN_URL.test(url)) return lineBreakDetail(what, url);
  if (url.includes('\t')) return tabDetail(what, url);
  return null;
}

/** How a bare URL list's line is named in its refusals. */
const LIST_URL = 'the URL';

function parseUrlLine(text: string, line: number): ScannedRow | null {
  const url = listUrl(text);
  if (!url) return null;
  const refused = urlRefusal(url, LIST_URL);
  if (refused) return { row: null, problem: { line, reason: 'bad_url', detail: refused, url: null } };
  return { row: { line, url, eolId: null, rating: null, exemplar: false, ancestry: null, raw: { eolMediaURL: url } }, problem: null };
}

/**
 * The key a row's cell of an unnamed header column (an empty header cell: an index column, a blank
 * separator, a spreadsheet's trailing tab) is stored under in its `raw`, and its bundle's columns
 * list: the first unnamed column is `''` (as every unnamed column was before), each later one a
 * line break and its 1-based position (`'\n5'`), a name no header can have (a header is one line),
 * so two unnamed columns never overwrite each other's cells. {@link columnHeaderName} gives the
 * header cell written back.
 */
export function unnamedColumnKey(position: number, first: boolean): string {
  return first ? '' : `\n${position + 1}`;
}

/** The header cell a bundle's column key ({@link unnamedColumnKey}) is written back as: `''` for an unnamed column, else the name. */
export function columnHeaderName(key: string): string {
  return key.startsWith('\n') ? '' : key;
}

function tsvParser(header: string, headerLine: number, file: string, kind: Exclude<ImportKind, 'folder'>): RowParser {
  const spec = SPECS[kind];
  // A tag file is this app's own output: its cells went through tsvCell, whose formula escape
  // (a leading ') is undone here, so classifying an earlier output again keeps every cell as it
  // was. Any other file's cells are kept as written (a user's own '=x stays '=x).
  const cell = isTagHeader(header) ? readTsvCell : (c: string) => c;
  const names = tsvCells(header).cells.map((c) => headerColumn(cell(c)));
  // Each column's key in a row's raw cells: its name, or for an unnamed one a key of its own.
  const columns = names.map((c, i) => (c ? c : unnamedColumnKey(i, names.indexOf('') === i)));
  for (const col of spec.required) {
    if (!columns.includes(col)) {
      // Only a line with a tab is a header to list: any other file's first line (a file that is no
      // input list at all, such as /etc/passwd) is not quoted back.
      const has = header.includes('\t') ? `header has: ${names.map((c) => truncate(c, 40)).join(', ')}` : 'the first line is not a tab-separated header: it has no tab';
      throw new QcError('bad_input', `missing required column "${col}" for ${kindFile(kind)} (${has})`, { file, line: headerLine });
    }
  }
  const dup = columns.find((c, i) => c && columns.indexOf(c) !== i);
  if (dup) throw new QcError('bad_input', `column "${dup}" appears twice in the header`, { file, line: headerLine });
  // A tag file taken as a bundle (qc classify of an earlier output, to score it again): its tag
  // columns were the earlier run's answer, not the bundle's own data. They are not kept, so the
  // new tags are the only ones its exports write.
  const dropped: ReadonlySet<string> = kind === 'bundle' && isTagHeader(header) ? new Set<string>(FINAL_COLUMNS) : new Set<string>();
  const own = columns.filter((c) => !dropped.has(c));
  const urlAt = columns.indexOf(spec.url);
  const ratingAt = spec.rating ? columns.indexOf(spec.rating) : -1;
  const urlIn = (cells: string[]) => cell(cells[urlAt] ?? '').trim();

  const parse = (text: string, line: number, split?: string[]): ScannedRow | null => {
    if (text.trim() === '') return null;
    // A cell whose quote stays open is read as written (a title may start with a lone quote);
    // rows() refuses the lines of a quoted cell that does hold a line break.
    const cells = split ?? tsvCells(text).cells;
    // No prototype: a column named __proto__ (or constructor) is kept like any other.
    const raw = Object.create(null) as Record<string, string>;
    columns.forEach((c, j) => {
      if (!dropped.has(c)) raw[c] = cell(cells[j] ?? '');
    });
    const url = urlIn(cells);
    if (CONTROL.test(text)) return { row: null, problem: { line, reason: 'bad_row', detail: 'the row contains control characters (binary data?)', url: null } };
    if (text.includes('\r')) return { row: null, problem: { line, reason: 'bad_row', detail: 'the row contains a CR inside it (not before its line end): a line break to some readers', url: null } };
    // Empty cells at the end of a row (a spreadsheet's trailing tabs) are no columns.
    let width = cells.length;
    while (width > columns.length && cells[width - 1]!.trim() === '') width--;
    if (width > columns.length) return { row: null, problem: { line, reason: 'bad_row', detail: `the row has ${width} columns, the header ${columns.length}`, url: url || null } };
    if (!url) return { row: null, problem: { line, reason: 'missing_url', detail: `column ${spec.url} is empty`, url: null } };
    // Control characters in the row refused it above (bad_row).
    const refused = urlRefusal(url, spec.url);
    if (refused) return { row: null, problem: { line, reason: 'bad_url', detail: refused, url: null } };
    let rating: number | null = null;
    if (spec.rating) {
      if (cells.length <= ratingAt) {
        return { row: null, problem: { line, reason: 'bad_row', detail: `the row has ${cells.length} columns, the header ${columns.length}: it ends before its ${spec.rating} column`, url } };
      }
      const text = (raw[spec.rating] ?? '').trim();
      rating = ratingOf(text);
      if (!isValidRating(rating)) return { row: null, problem: { line, reason: 'bad_rating', detail: `${spec.rating} "${truncate(text)}" is not a number in 1..5`, url } };
    }
    let ancestry: string | null = null;
    let problem: RowProblem | null = null;
    const ancestryText = (raw.ancestry ?? '').trim();
    if (ancestryText) {
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(ancestryText);
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
      } catch (e) {
        problem = { line, reason: 'bad_ancestry', detail: `ancestry is not a JSON object (${(e as Error).message}); row kept without ancestry`, url };
      }
      if (!problem) {
        try {
          ancestry = JSON.stringify(parsed);
        } catch {
          // Valid JSON nested thousands of levels deep: more than writing it back can hold (the stack).
          problem = { line, reason: 'bad_ancestry', detail: `ancestry is nested too deeply to be kept (${ancestryText.length.toLocaleString('en')} characters); row kept without ancestry`, url };
        }
      }
    }
    const id = spec.id ? (raw[spec.id] ?? '').trim() : '';
    return { row: { line, url, eolId: id || null, rating, exemplar: kind === 'exemplars', ancestry, raw }, problem };
  };
  return { kind, format: 'tsv', columns: own, header: names, parse, urlOf: (text) => urlIn(tsvCells(text).cells) };
}

function truncate(s: string, n = 80): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}
