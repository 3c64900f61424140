/**
 * Merge tag TSVs back into a library: the chunk files `<bundle>_a.tsv`, `_b`, … (columns
 * eolMediaURL … imclass, confidence) and `<bundle>_finaltags.tsv` (… imclass, confidence, source,
 * p_bad) that `qc classify` writes, on this machine or on others (`--shard K/N`). Each row's p(bad)
 * becomes a prediction of the given run: in `predictions` when the URL's image is in the library,
 * else in `url_predictions` (URL and p(bad), no image, with the row's identifier,
 * dataObjectVersionID and ancestry where the file has them: `qc export` writes them as rows of
 * `library_finaltags.tsv`, and into a bundle's row whose image is not here; `qc status` counts the
 * active run's, library/status.ts). Files are streamed, twice: a first pass
 * reads every file of the call to the end and writes nothing, so a file without the needed
 * columns, or a row with a bad number anywhere in any file, is refused with its file and line
 * before one prediction changes (a refused call leaves the run as it was); the second pass writes
 * the rows in transactions of a few thousand. A file is opened and read in lines like the library's input
 * lists (library/sources.ts openInputFile, parse.ts inputLines): regular files only, at most
 * MAX_INPUT_BYTES, and a line over 1 MB is refused with its number without being held in memory.
 *
 * A final-tags row whose `source` is curator carries another library's curator decision (its
 * imclass: bad, or NA for good; `label` too where the file has it, which must agree): once the
 * predictions are written, those of images here become this library's curator labels, in one
 * undoable curator batch (labels.ts LabelService.carry), a different curator label here kept.
 * A URL a file gives twice is stored as its last row says; the first pass counts such rows and
 * names the first ones that disagree, by file and line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { QcError } from '../../../src-shared/contract/errors';
import { MAX_INPUT_BYTES } from '../library/importer';
import { describeLongLine, inputLines, isTagHeader, LONE_CR_REFUSAL, tagFileEncoding, tsvCells, urlRefusal, type ReadAt } from '../library/parse';
import { openInputFile } from '../library/sources';
import type { Db } from '../db/open';
import { LabelService } from '../labels/labels';
import type { Label } from '../../../src-shared/domain/label';
import type { ImportArgs, TagImportSummary } from '../../../src-shared/contract/handlers';
import { MAX_TAG_FILES } from '../../../src-shared/contract/schemas';
import { isHttpUrl, noImportSummary, type ImportSummary } from '../../../src-shared/domain/library';
import { readTsvCell } from '../../../src-shared/domain/tsv';
import { roundConfidence } from '../../../src-shared/domain/tags';
import { tagFilesAt } from '../library/importer';
import { plainDecimal } from '../../../src-shared/domain/tsv';

export type { TagImportSummary };

const BATCH = 5000;

/** The one rule for what a tag file is lives with the input kinds (library/parse.ts). */
export { isTagHeader };

/**
 * p(bad) of a tag-file row, rounded to the 6 decimals every stored score has (runs.ts, tags.ts
 * roundConfidence): a row "good 0.900000" is 1 − 0.9 = 0.09999999999999998 unrounded, which Review
 * compared raw with a threshold of 0.1 (not flagged) while an export compared it rounded (tagged bad).
 */
function pBadOf(cells: string[], col: { pBad: number; imclass: number; confidence: number }, where: string): number | null {
  const p = readPBad(cells, col, where);
  return p === null ? null : roundConfidence(p);
}

function readPBad(cells: string[], col: { pBad: number; imclass: number; confidence: number }, where: string): number | null {
  const num = (s: string, what: string) => {
    // A decimal number as tag files write it: Number() alone would read "0x1", "0b1" and "0o1" as 1.
    const v = plainDecimal(s);
    if (!(v >= 0 && v <= 1)) throw new QcError('bad_input', `${where}: ${what} "${s}" is not a number in 0..1`);
    return v;
  };
  // A final-tags file has p_bad itself (empty when the image had no prediction).
  if (col.pBad >= 0) {
    const s = cells[col.pBad] ?? '';
    return s.trim() === '' ? null : num(s, 'p_bad');
  }
  const imclass = (cells[col.imclass] ?? '').trim();
  if (imclass === 'NA' || imclass === '') return null;
  const c = num(cells[col.confidence] ?? '', 'confidence');
  if (imclass === 'bad') return c;
  if (imclass === 'good') return 1 - c;
  throw new QcError('bad_input', `${where}: imclass "${imclass}" is not good, bad or NA`);
}

/**
 * The curator's label a final-tags row carries (source curator: a curator's good or bad label
 * decided the tag, domain/tags.ts finalTag), else null. Such a row that says neither, or whose
 * `label` cell disagrees with its tag, is refused: it would make a wrong curator label.
 */
function curatorOf(cells: string[], col: { imclass: number; source: number; label: number }, where: string): Label | null {
  if (col.source < 0 || (cells[col.source] ?? '').trim() !== 'curator') return null;
  const imclass = (cells[col.imclass] ?? '').trim();
  const label: Label | null = imclass === 'bad' ? 'bad' : imclass === 'NA' ? 'good' : null;
  if (!label) throw new QcError('bad_input', `${where}: a curator row's imclass "${imclass}" is not bad or NA (a curator's good)`);
  const given = col.label < 0 ? '' : (cells[col.label] ?? '').trim();
  if (given && given !== label) throw new QcError('bad_input', `${where}: a curator row's label "${given}" disagrees with its imclass "${imclass}"`);
  return label;
}

/**
 * A data row of a tag file: its URL and p(bad), or null when the row has none (NA, no prediction),
 * and what it says of the image (null where the file has no such column or the cell is empty).
 */
interface TagRow {
  url: string;
  p: number | null;
  identifier: string | null;
  dataObjectVersionID: string | null;
  ancestry: string | null;
  /** A curator row's label (source curator), else null. */
  curator: Label | null;
  line: number;
}

/** How many conflicting duplicate URLs a summary names by file and line. */
const NAMED_DUPLICATES = 5;

/** The columns of a tag file's row that say which EOL media it is (BUNDLE_COLUMNS but the URL). */
const ID_COLUMNS = ['identifier', 'dataObjectVersionID', 'ancestry'] as const;

/**
 * The rows of one tag file, read through `read`; throws a `bad_input` QcError naming the file and
 * line at the first thing that is not a tag file's (the header, a line over 1 MB, a row without a
 * URL or with a bad number). Reads the file again from its start each time it is called.
 */
function* tagRows(read: ReadAt, file: string): Generator<TagRow> {
  let col: { url: number; pBad: number; imclass: number; confidence: number; ids: number[]; source: number; label: number } | null = null;
  // Decoded as the sniffing that told it a tag file decodes it (UTF-16 by its byte order mark, else UTF-8).
  for (const l of inputLines(read, tagFileEncoding(read), { lenient: true })) {
    const lineNo = l.line;
    if (l.text === null) throw new QcError('bad_input', `${file}:${lineNo}: ${describeLongLine(l.bytes)}`);
    const line = l.text;
    if (!col) {
      // Classic Mac line ends: the header would be the whole file, and its rows none (as input lists refuse it).
      if (line.includes('\r')) throw new QcError('bad_input', `${file}:${lineNo}: ${LONE_CR_REFUSAL}`);
      if (!isTagHeader(line)) throw new QcError('bad_input', `${file}:1: not a tag file (the header needs eolMediaURL, imclass and confidence)`);
      const cols = tsvCells(line).cells.map((c) => c.trim()); // inputLines has dropped a byte order mark; quoted cells read as the importer reads them
      col = {
        url: cols.indexOf('eolMediaURL'),
        pBad: cols.indexOf('p_bad'),
        imclass: cols.lastIndexOf('imclass'),
        confidence: cols.lastIndexOf('confidence'),
        ids: ID_COLUMNS.map((c) => cols.indexOf(c)),
        // Final tags' own columns (a bundle's column of that name is written `source (input)`).
        source: cols.lastIndexOf('source'),
        label: cols.indexOf('label'),
      };
      continue;
    }
    if (!line.trim()) continue;
    const cells = tsvCells(line).cells;
    const url = (cells[col.url] ?? '').trim();
    if (!url) throw new QcError('bad_input', `${file}:${lineNo}: no eolMediaURL`);
    // A URL an import of the library would refuse (not a URL, a tab or a line break in it) is no
    // prediction to merge: it would be exported into library_finaltags.tsv as it is.
    const refused = urlRefusal(url, 'eolMediaURL');
    if (refused) throw new QcError('bad_input', `${file}:${lineNo}: ${refused}`);
    // Written by tsvCell (a formula-like cell escaped with a leading '), read back as it was.
    const [identifier, dataObjectVersionID, ancestry] = col.ids.map((at) => (at < 0 ? null : readTsvCell((cells[at] ?? '').trim()) || null));
    yield { url, p: pBadOf(cells, col, `${file}:${lineNo}`), identifier: identifier!, dataObjectVersionID: dataObjectVersionID!, ancestry: ancestry!, curator: curatorOf(cells, col, `${file}:${lineNo}`), line: lineNo };
  }
  if (!col) throw new QcError('bad_input', `${file}:1: empty file, not a tag file`);
}

export async function importTagFiles(db: Db, files: string[], runId: number, signal?: AbortSignal): Promise<TagImportSummary> {
  if (!db.prepare('SELECT 1 FROM runs WHERE id = ?').get(runId)) throw new QcError('not_found', `no run with id ${runId}`);
  // The lines are read synchronously: let other calls (and a cancel) in every BATCH rows, in both passes.
  let sinceYield = 0;
  const breathe = async () => {
    if (++sinceYield < BATCH) return;
    sinceYield = 0;
    await setImmediate();
    if (signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
  };
  /** Each file opened by the input rules (a regular file within MAX_INPUT_BYTES), its rows read by `each`, then closed. */
  const readFile = async (file: string, each: (row: TagRow) => void) => {
    if (!fs.existsSync(file)) throw new QcError('not_found', `${file}: no such tag file`);
    const input = await openInputFile(file, MAX_INPUT_BYTES);
    try {
      for (const row of tagRows(input.read, file)) {
        each(row);
        await breathe();
      }
    } finally {
      await input.close();
    }
  };

  // First pass: every file read to its end, nothing written. Batches committed as they were read
  // would leave a file's first rows (and the files before it) stored by a call that reports a
  // refusal at a later line; the run's predictions, and so its final tags, must not change then.
  // It also finds the URLs a file gives twice: the last row is stored, the summary says so.
  const duplicates = { rows: 0, conflicting: 0, first: [] as { file: string; line: number; first_line: number }[] };
  for (const file of files) {
    const seen = new Map<string, { line: number; p: number | null; curator: Label | null }>();
    await readFile(file, (row) => {
      const first = seen.get(row.url);
      if (!first) {
        seen.set(row.url, { line: row.line, p: row.p, curator: row.curator });
        return;
      }
      duplicates.rows++;
      if (first.p === row.p && first.curator === row.curator) return;
      duplicates.conflicting++;
      if (duplicates.first.length < NAMED_DUPLICATES) duplicates.first.push({ file, line: row.line, first_line: first.line });
    });
  }

  // Second pass: the same files, written. Only a file changed between the two passes (or a
  // cancel) can stop it part way.
  const imageOf = db.prepare<[string], { image_id: number }>('SELECT image_id FROM image_urls WHERE url = ?');
  // A held-out score the run made itself is never overwritten: its evaluation rests on it.
  const putLocal = db.prepare('INSERT INTO predictions (run_id, image_id, p_bad, heldout) VALUES (?, ?, ?, 0) ON CONFLICT DO UPDATE SET p_bad = excluded.p_bad WHERE predictions.heldout = 0');
  // What a row says of the image replaces what an earlier file said; an empty cell keeps it.
  const putRemote = db.prepare(
    `INSERT INTO url_predictions (run_id, url, p_bad, origin, identifier, data_object_version_id, ancestry) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET p_bad = excluded.p_bad, origin = excluded.origin,
       identifier = COALESCE(excluded.identifier, identifier),
       data_object_version_id = COALESCE(excluded.data_object_version_id, data_object_version_id),
       ancestry = COALESCE(excluded.ancestry, ancestry)`,
  );
  // On record from before the first prediction written to after the last (migration 029): a merge
  // stopped part way (killed, cancelled, a file changed between the passes) stays on record until
  // these files are merged into the run again, and the status and an export of the run say so.
  const filesKey = JSON.stringify(files);
  db.prepare('INSERT OR IGNORE INTO unfinished_tag_merges (run_id, files) VALUES (?, ?)').run(runId, filesKey);
  const summary: TagImportSummary = { run_id: runId, files: 0, rows: 0, local: 0, heldout_kept: 0, remote: 0, skipped: 0 };
  // The curator rows' labels by URL (a URL given twice: its last row's, as its prediction; none when that is no curator row).
  const curatorRows = new Map<string, Label>();
  let curatorRowCount = 0;
  type Row = TagRow & { p: number; file: string };
  // IMMEDIATE: each row is read (its URL's image) before it is written; a deferred transaction
  // would fail at once with "database is locked" when another process writes meanwhile.
  const write = db.transaction((rows: Row[]) => {
    for (const r of rows) {
      const img = imageOf.get(r.url);
      if (img) {
        if (!putLocal.run(runId, img.image_id, r.p).changes) summary.heldout_kept++;
        summary.local++;
      } else {
        putRemote.run(runId, r.url, r.p, r.file, r.identifier, r.dataObjectVersionID, r.ancestry);
        summary.remote++;
      }
    }
  }).immediate;
  // One transaction for up to BATCH rows of whole files: a folder of many small files (shards'
  // chunks) is not a transaction a file. Rows of the file being read join them when it ends, so a
  // file changed between the passes (or a cancel) stops the writing after the files before it,
  // as ever, never part way through one (beyond its own BATCH-row transactions).
  let read: Row[] = [];
  const flush = (rows: Row[]) => rows.length && write(rows);
  try {
    for (const file of files) {
      let batch: Row[] = [];
      await readFile(file, (row) => {
        summary.rows++;
        if (row.curator) {
          curatorRowCount++;
          curatorRows.set(row.url, row.curator);
        } else {
          // A later row of the URL that no curator decided replaces an earlier curator row, as its
          // prediction replaces the earlier one: the curator's label was cleared or undone since.
          curatorRows.delete(row.url);
        }
        if (row.p === null) summary.skipped++;
        else batch.push({ ...row, p: row.p, file });
        if (batch.length >= BATCH) {
          flush([...read, ...batch]);
          read = [];
          batch = [];
        }
      });
      read.push(...batch);
      summary.files++;
      if (read.length >= BATCH) {
        flush(read);
        read = [];
      }
    }
  } catch (e) {
    try {
      flush(read);
    } catch {
      // The error that stopped the reading is the one to report.
    }
    // Cancelled while writing: what was merged stays merged, and the answer says how much (the
    // caller marks it cancelled), not a bare "cancelled" over a run changed part way. Importing
    // the files again merges the same predictions again, the rest with them.
    if ((e as Error).name === 'AbortError') return { ...summary, cancelled: true };
    throw e;
  }
  flush(read);
  if (curatorRowCount) summary.curator = { rows: curatorRowCount, ...carryCuratorLabels(db, curatorRows, imageOf) };
  if (duplicates.rows) summary.duplicate_urls = duplicates;
  db.prepare('DELETE FROM unfinished_tag_merges WHERE run_id = ? AND files = ?').run(runId, filesKey);
  return summary;
}

/**
 * The curator rows' labels made curator labels of the images here (LabelService.carry: one undoable
 * curator batch, a different curator label here kept), after the predictions: a merge stopped
 * before its end carries none. Counted by image (two URLs of one image: the later row's label),
 * and the URLs with no image here.
 */
function carryCuratorLabels(db: Db, byUrl: ReadonlyMap<string, Label>, imageOf: { get(url: string): { image_id: number } | undefined }): Omit<NonNullable<TagImportSummary['curator']>, 'rows'> {
  return db
    .transaction(() => {
      const byImage = new Map<number, Label>();
      let notHere = 0;
      for (const [url, label] of byUrl) {
        const img = imageOf.get(url);
        if (img) byImage.set(img.image_id, label);
        else notHere++;
      }
      const r = new LabelService(db).carry(byImage);
      return { labelled: r.changed.length, unchanged: r.unchanged, conflicts: r.conflicts.length, not_here: notHere };
    })
    .immediate();
}

/**
 * Merge tag files into a run, MAX_TAG_FILES a call (the most one ml.importTags takes) through
 * `merge`: a folder of more (a bundle classified in many shards and chunks) is merged in parts, in
 * name order, into the run the first part went to. Each part is all or nothing; a refused file
 * stops the merge with the parts before it merged, and says so. A cancel between parts, or while
 * a part is written, returns the totals merged so far, marked `cancelled`. The one path of `qc import` (merge: ml.importTags) and of
 * library.import given tag files (the app's Library screen, {@link tagFileImport}).
 */
export async function importTagsInParts(
  files: string[],
  runId: number | undefined,
  signal: AbortSignal,
  merge: (part: string[], runId: number | undefined) => Promise<TagImportSummary>,
): Promise<TagImportSummary> {
  let total: TagImportSummary | null = null;
  for (let i = 0; i < files.length && !signal.aborted; i += MAX_TAG_FILES) {
    const part = files.slice(i, i + MAX_TAG_FILES);
    let r: TagImportSummary;
    try {
      r = await merge(part, runId);
    } catch (e) {
      if (!(e instanceof QcError) || e.code === 'cancelled') throw e;
      // No run to merge into (runs.ts requireRun: no trained model yet, no such run), said with the
      // file (or folder) it stops: the error names none of its own.
      if (i === 0 && e.file === undefined) {
        const one = files.length === 1;
        throw new QcError(e.code, `cannot merge ${one ? 'its predictions' : `the predictions of its ${files.length.toLocaleString('en')} tag files`}: ${e.message}`, { file: one ? files[0]! : path.dirname(files[0]!) });
      }
      if (i === 0) throw e;
      throw new QcError(
        e.code,
        `${e.message} (the first ${i.toLocaleString('en')} of the ${files.length.toLocaleString('en')} tag files, in name order, were merged into run ${runId}; files ${(i + 1).toLocaleString('en')} on were not: fix this one and import again, which merges the same predictions again)`,
        { ...(e.file !== undefined && { file: e.file }), ...(e.line !== undefined && { line: e.line }) },
      );
    }
    runId = r.run_id;
    total = total && {
      run_id: r.run_id,
      files: total.files + r.files,
      rows: total.rows + r.rows,
      local: total.local + r.local,
      heldout_kept: total.heldout_kept + r.heldout_kept,
      remote: total.remote + r.remote,
      skipped: total.skipped + r.skipped,
      // Each part carries its curator rows as its own curator batch (one ml.importTags call, one
      // transaction): counted, so the summary says how many undo steps they are, and that a
      // conflict may be with an earlier part's label (kept, as any curator label here).
      ...sumOf('curator', total.curator, r.curator, (a, b) => ({
        rows: a.rows + b.rows,
        labelled: a.labelled + b.labelled,
        unchanged: a.unchanged + b.unchanged,
        conflicts: a.conflicts + b.conflicts,
        not_here: a.not_here + b.not_here,
        batches: (a.batches ?? (a.labelled ? 1 : 0)) + (b.labelled ? 1 : 0),
      })),
      ...sumOf('duplicate_urls', total.duplicate_urls, r.duplicate_urls, (a, b) => ({ rows: a.rows + b.rows, conflicting: a.conflicting + b.conflicting, first: [...a.first, ...b.first].slice(0, NAMED_DUPLICATES) })),
      ...(r.cancelled && { cancelled: true }),
    };
    total ??= r;
    if (r.cancelled) break;
  }
  if (!total) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
  return total;
}

/** An optional part of two parts' summaries, added: present when either has it. */
function sumOf<K extends string, T>(key: K, a: T | undefined, b: T | undefined, add: (a: T, b: T) => T): Partial<Record<K, T>> {
  const sum = a && b ? add(a, b) : (a ?? b);
  return (sum === undefined ? {} : { [key]: sum }) as Partial<Record<K, T>>;
}

/**
 * library.import given a tag file or a folder of them (the detector `qc import` uses,
 * importer.ts tagFilesAt) and no kind: their predictions are merged into the active run as
 * `qc import` merges them ({@link importTagsInParts} over importTagFiles), and the summary says
 * so (`kind: 'tags'`, `tags`: what was merged; nothing was imported, so no import row: id 0).
 * Null when the source is not one (then library.import imports it as an input).
 */
export async function tagFileImport(
  db: Db,
  args: ImportArgs,
  signal: AbortSignal,
  requireRun: (runId: number | undefined) => number,
): Promise<ImportSummary | null> {
  if (args.kind !== undefined || isHttpUrl(args.source)) return null;
  const files = tagFilesAt(args.source);
  if (!files.length) return null;
  const started = performance.now();
  const tags = await importTagsInParts(files, undefined, signal, (part, runId) => importTagFiles(db, part, requireRun(runId), signal));
  return noImportSummary('tags', args.source, { rows: tags.rows, seconds: (performance.now() - started) / 1000, cancelled: signal.aborted, tags });
}
