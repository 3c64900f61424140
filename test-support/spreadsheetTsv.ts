/**
 * How a spreadsheet imports a TSV (LibreOffice Calc / Excel "text import" with `"` as the string
 * delimiter): a field that starts with `"` is a quoted string that runs, across tabs and line
 * breaks, to the next lone `"` (`""` is a quote inside it); any other field ends at the tab or line
 * break. A cell whose text starts with `=`, `+`, `-` or `@` and is not a number is taken as a formula.
 * Used by tests to show what a user opening an export would get.
 */
export interface SheetCell {
  text: string;
  formula: boolean;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function readLikeSpreadsheet(tsv: string): SheetCell[][] {
  const rows: SheetCell[][] = [];
  let row: SheetCell[] = [];
  let i = 0;
  const cell = (text: string) => row.push({ text, formula: /^[=+\-@]/.test(text) && !NUMBER.test(text) });
  while (i < tsv.length) {
    let text = '';
    if (tsv[i] === '"') {
      i++;
      for (;;) {
        if (i >= tsv.length) break;
        if (tsv[i] === '"') {
          if (tsv[i + 1] === '"') {
            text += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += tsv[i++];
      }
      // Text after the closing quote up to the separator is kept, as spreadsheets do.
      while (i < tsv.length && tsv[i] !== '\t' && tsv[i] !== '\n') text += tsv[i++];
    } else {
      while (i < tsv.length && tsv[i] !== '\t' && tsv[i] !== '\n') text += tsv[i++];
    }
    cell(text.replace(/\r$/, ''));
    if (tsv[i] === '\t') i++;
    else {
      rows.push(row);
      row = [];
      i++;
    }
  }
  if (row.length) rows.push(row);
  return rows;
}
