/**
 * TSV cells that no reader can misread (README "Exports"). Every exported cell goes through
 * `tsvCell`:
 *
 * 1. **Row and field breaks**: tab, CR, LF and every other character that some reader takes for a
 *    line break (VT, FF, the separators U+001C–U+001E, NEL U+0085, U+2028 and U+2029: what
 *    Python's `str.splitlines()` splits on) become one space each, so a cell can never split a row
 *    or a field, even for readers that simply split lines on `\n` and fields on `\t`.
 * 2. **Formulas**: a cell that a spreadsheet would read as a formula (first non-space character
 *    `=`, `+`, `-` or `@`) gets a leading `'`, unless it is a plain number (`-0.5`, `+3`). A cell
 *    that already starts with `'` in front of such a formula gets one more `'`, so the escaping can
 *    be undone exactly (`readTsvCell`).
 * 3. **Quotes**: a cell that starts with `"` is written as a quoted field (`"…"` with inner quotes
 *    doubled), so CSV readers (Python's `csv`, pandas, spreadsheets) read it back as it was instead
 *    of merging rows. Quotes elsewhere (ancestry JSON) are left alone: such readers take them
 *    literally.
 *
 * Anything else is written byte for byte, so EOL's own columns (URLs, ids, ancestry JSON, licences)
 * stay identical to the input.
 */

/** Tab and every line break any common reader honours (`\n`, `\r`, and the rest of Python's `splitlines()` set). */
// eslint-disable-next-line no-control-regex -- U+001C–U+001E are line breaks to str.splitlines()
const TSV_BREAKS = /[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]/g;
const FORMULA = /^'*\s*[=+\-@]/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Whether a (break-free) cell would be read as a formula, or is one escaped by `tsvCell`. */
function formulaLike(s: string): boolean {
  return FORMULA.test(s) && !NUMBER.test(s.replace(/^'+/, ''));
}

export function tsvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = String(value).replace(TSV_BREAKS, ' ');
  if (formulaLike(s)) s = `'${s}`;
  if (s.startsWith('"')) s = `"${s.replace(/"/g, '""')}"`;
  return s;
}

export function tsvLine(cells: readonly unknown[]): string {
  return cells.map(tsvCell).join('\t');
}

/**
 * The value a cell had before `tsvCell`, given the field as a CSV reader returns it (quotes
 * already removed). Tabs and line breaks stay spaces: rule 1 is the only lossy one.
 */
export function readTsvCell(field: string): string {
  return field.startsWith("'") && formulaLike(field) ? field.slice(1) : field;
}

const PLAIN_DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The number a plain decimal text means (a sign and an exponent allowed: what Python, R,
 * spreadsheets and a shell write; spaces around it ignored), else NaN. Number() alone would read
 * "0x1", "0b1", "0o1", "Infinity" and "" as numbers. The one rule for a tag file's scores and
 * `qc`'s numeric options.
 */
export function plainDecimal(text: string): number {
  const t = text.trim();
  return PLAIN_DECIMAL.test(t) ? Number(t) : NaN;
}
