/**
 * Write tag TSVs in the seed's format: for a bundle, chunk files `<name>_a.tsv`, `_b`, … with every
 * row's predicted class and confidence, and `<name>_finaltags.tsv` where only `bad` is a tag
 * (a curator's good or bad label overrides the model; the threshold in force decides the rest).
 * `confidence` is the probability of the row's class (see TAG_COLUMN_MEANINGS): in chunk files the
 * model's predicted class, in final tags the tag's (p(bad) for bad, 1 − p(bad) for NA); final tags
 * add `p_bad`, the number the threshold is compared with. For the whole
 * library, `library_finaltags.tsv`: its images, then the URLs without an image here that the run
 * has predictions for merged from tag files (`url_predictions`). A bundle row without an image
 * here takes its URL's merged prediction. Predictions merged into another run belong to that run:
 * not written, but counted by run in the result (`merged_other_runs`). A bundle's files are published together from a stage folder,
 * the final tags last, older chunks of the same name removed (stage.ts); the library's one file is
 * written in a stage folder too (hidden, so a process killed while writing leaves no partial file
 * that looks like a result beside the final name) and renamed into place. Never through a link planted
 * in the output folder; temporaries of dead processes there are swept first. Only tag files (first
 * line a tag header, {@link isTagFile}) are ever replaced or removed: a curator's file at a name an
 * export writes is refused (bad_input naming it, nothing changed), and one where an older chunk
 * would be is left alone.
 *
 * Both read one snapshot of the library on a connection of their own (db/snapshot.ts) and yield
 * between pieces: the process answers other calls meanwhile, progress is reported (`rows`, done of
 * total) and `signal` cancels (QcError `cancelled`; nothing is published, the folder is as before).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { QcError } from '../../../src-shared/contract/errors';
import type { LabelOrigin, LabelValue } from '../../../src-shared/domain/label';
import type { UnfinishedTagMerge } from '../../../src-shared/domain/library';
import { chunkSuffix, DEFAULT_CHUNK_ROWS, FINAL_COLUMNS, finalConfidence, finalTag, formatConfidence, predictedClass, TAG_COLUMNS, tsvLine } from '../../../src-shared/domain/tags';
import type { Db } from '../db/open';
import { columnHeaderName, isTagHeader } from '../library/parse';
import { unfinishedTagMerges, urlPredictionCount, urlPredictionsOfOtherRuns } from '../library/status';
import { withSnapshot } from '../db/snapshot';
import { AtomicFile } from '../fsSafe';
import { readHead } from './ours';
import { folderKey, portableStem } from './portableName';
import { ExportStage, refuseNotOwned, type OwnedFiles } from './stage';
import { refuseLiveExport } from './training';

/** The columns EOL's bundle files carry; always present in the output, empty where unknown. */
export const BUNDLE_COLUMNS = ['eolMediaURL', 'identifier', 'dataObjectVersionID', 'ancestry'];
/** The library's final-tags file in an output folder. */
export const LIBRARY_FILE = 'library_finaltags.tsv';
/**
 * What `library_finaltags.tsv` says of each image before the final-tag columns: EOL's columns in
 * the order of its bundle files (BUNDLE_COLUMNS), between the image's id and its label.
 * `dataObjectVersionID` was added later, between identifier and ancestry as in EOL's files: read
 * the file by its columns' names, not their positions.
 */
export const LIBRARY_COLUMNS = ['image_id', 'eolMediaURL', 'identifier', 'dataObjectVersionID', 'ancestry', 'label', 'label_origin'];

/** How a tag export reports and is stopped. */
export interface ExportControl {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Between two pieces: let other work run, then stop if cancelled. */
async function nextPiece(ctl: ExportControl): Promise<void> {
  await setImmediate(); // this process's other calls run between two pieces
  if (ctl.signal?.aborted) throw new QcError('cancelled', 'export cancelled: nothing was written');
}

export interface ExportResult {
  files: string[];
  rows: number;
  tagged_bad: number;
  by_source: { curator: number; model: number; none: number };
  threshold: number;
  run_id: number | null;
  /**
   * URLs merged from tag files into other runs, with no image here and no merged prediction of this
   * run, by run (library/status.ts urlPredictionsOfOtherRuns; for a bundle, of its rows): this
   * export does not write them. Absent when none.
   */
  merged_other_runs?: { run_id: number; urls: number }[];
  /**
   * Merges of tag files into this run that stopped part way (library/status.ts
   * unfinishedTagMerges): part of their predictions are in this export, the rest are not. Absent
   * when none.
   */
  unfinished_tag_merges?: UnfinishedTagMerge[];
}

/** {@link ExportResult.merged_other_runs} and {@link ExportResult.unfinished_tag_merges} of an export of `runId` (of bundle `bundleId`), read in its snapshot. */
function mergedOtherRuns(db: Db, runId: number | null, bundleId?: number): Pick<ExportResult, 'merged_other_runs' | 'unfinished_tag_merges'> {
  const m = urlPredictionsOfOtherRuns(db, runId, bundleId !== undefined ? { bundleId } : {});
  const unfinished = unfinishedTagMerges(db, runId);
  return { ...(m.length && { merged_other_runs: m }), ...(unfinished.length && { unfinished_tag_merges: unfinished }) };
}

interface Row {
  raw: string;
  url: string;
  image_id: number | null;
  p_bad: number | null;
  label: LabelValue;
  origin: LabelOrigin | null;
}

/** At most this many bytes of a file are read for its first line ({@link isTagFile}). */
const HEADER_READ_BYTES = 4 << 20;

/**
 * Whether the file at `abs` is one a tag export may replace or remove: a regular file whose first
 * line is a tag header (parse.ts isTagHeader: eolMediaURL, imclass and confidence), or a link (it
 * is replaced or removed itself, never followed or read: what it points to is untouched). A
 * curator's notes or a bundle that merely has a tag file's name (`media_b.tsv` beside `media.tsv`),
 * a file that cannot be read, a FIFO or a device is not ours. Reads the first line only, never
 * blocks (O_NONBLOCK) and never follows a link (O_NOFOLLOW).
 */
export function isTagFile(abs: string): boolean {
  const head = readHead(abs, HEADER_READ_BYTES, (h) => h.includes(10));
  if (head === 'link') return true;
  if (!head) return false;
  // UTF-8, or UTF-16 with its byte order mark (a tag file saved as Excel's "Unicode Text").
  const bom = head.subarray(0, 2).toString('hex');
  const text = bom === 'fffe' || bom === 'feff' ? new TextDecoder(bom === 'fffe' ? 'utf-16le' : 'utf-16be').decode(head.subarray(2, head.length & ~1)) : head.toString('utf8');
  return isTagHeader(text.split('\n', 1)[0]!.replace(/\r$/, ''));
}

/** The files a tag export may replace or remove ({@link isTagFile}), for stage.ts. */
export const TAG_FILES: OwnedFiles = {
  test: isTagFile,
  what: 'a tag file (its first line is not a tag header naming eolMediaURL, imclass and confidence)',
};

/**
 * Absent names after which {@link staleChunks} stops looking for an older export's chunks: a curator
 * who deleted some middle chunks of an older export still gets its later ones removed, and a file
 * far along the sequence by accident of its name (`media_old.tsv` is chunk 10,456) is never reached.
 */
export const STALE_CHUNK_GAP = 64;

/**
 * An older export's chunks that a new one of `count` chunks does not rewrite: `<base>_<suffix>.tsv`
 * for the suffixes chunkSuffix gives after this export's last, over gaps of fewer than
 * {@link STALE_CHUNK_GAP} absent names (a deleted middle chunk does not leave the later ones beside
 * the new chunks, their rows there twice), and of those only the tag files ({@link isTagFile}). A
 * file of the user's that merely looks alike is never taken for a chunk: `media_backup.tsv` is not
 * in the sequence, and a `media_b.tsv` of notes beside `media.tsv`'s chunks is in it but not a tag
 * file, so it is left alone.
 */
export function staleChunks(dir: string, base: string, count: number): string[] {
  const out: string[] = [];
  for (let i = count, absent = 0; absent < STALE_CHUNK_GAP; i++) {
    const name = `${base}_${chunkSuffix(i)}.tsv`;
    const st = fs.lstatSync(path.join(dir, name), { throwIfNoEntry: false });
    if (!st) {
      absent++;
      continue;
    }
    absent = 0;
    if (!st.isDirectory() && isTagFile(path.join(dir, name))) out.push(name);
  }
  return out;
}

/** Columns a bundle's tag files write after the bundle's own: imclass, confidence, source, p_bad. */
const OUTPUT_COLUMNS: ReadonlySet<string> = new Set<string>([...TAG_COLUMNS, ...FINAL_COLUMNS]);

/**
 * The bundle columns a tag file writes (`names`, before the tag columns) and the bundle column each
 * is read from (`from`): BUNDLE_COLUMNS first, then the bundle's own columns in order, each once.
 * A bundle that is an earlier output (a tag file classified again: its header has eolMediaURL,
 * imclass and confidence, parse.ts isTagHeader) carries the earlier verdict in imclass, confidence,
 * source and p_bad: those are replaced by this export's (the importer drops them already; an older
 * library may still hold them). Any other bundle's own column of one of those names is its data (a
 * `source` column naming the page a photo came from): it is kept, renamed `<name> (input)` (more
 * ` (input)` while that name is taken), never dropped or overwritten.
 */
export function bundleColumns(own: readonly string[]): { names: string[]; from: string[] } {
  const earlier = isTagHeader(tsvLine(own));
  const from = [...BUNDLE_COLUMNS, ...own.filter((c) => !BUNDLE_COLUMNS.includes(c) && !(earlier && OUTPUT_COLUMNS.has(c)))];
  const taken = new Set<string>([...from, ...OUTPUT_COLUMNS]);
  const names = from.map((c) => {
    // An unnamed column's key (parse.ts unnamedColumnKey) is written back as the empty header cell it was.
    if (!OUTPUT_COLUMNS.has(c)) return columnHeaderName(c);
    let name = `${c} (input)`;
    while (taken.has(name)) name += ' (input)';
    taken.add(name);
    return name;
  });
  return { names, from };
}

/** At most this many UTF-8 bytes of a bundle's name go into its tag files' names (a name is at most 255). */
const BASE_BYTES = 120;

/**
 * The stem of a bundle's tag files (`<stem>_a.tsv`, `<stem>_finaltags.tsv`), from the bundle's
 * origin (its file's full path, or its URL): the file's name without its extension, or for a URL
 * the last segment of its path (no query or fragment), made portable by portableName.ts (none of
 * `<>:"/\|?*` or control characters, never hidden, no trailing dot or space, no device name such
 * as `CON`, NFC), at most 120 bytes, and never empty (`bundle`). When that changed the name, the
 * URL has a query (`list.php?bundle=aves` and `?bundle=insecta` are two bundles), or (bundleTagBase)
 * another bundle of the library imported earlier has the same stem (`/a/bundle.tsv`, `/b/bundle.tsv`),
 * `-` and 8 hex digits of the SHA-1 of the whole origin follow: two such bundles never share their tag files.
 */
export function tagFileBase(origin: string): string {
  return tagStem(origin, false);
}

function tagStem(origin: string, shared: boolean): string {
  let stem: string;
  let query = false;
  let url: URL | null = null;
  if (/^https?:\/\//i.test(origin)) {
    try {
      url = new URL(origin);
    } catch {
      url = null;
    }
  }
  if (url) {
    query = url.search !== '';
    // The name as the server's file has it: `%C3%BCber%20file.tsv` is "über file.tsv" (a malformed
    // escape is kept as written); portableStem then makes it safe for any file system.
    const last = url.pathname.split('/').filter(Boolean).at(-1) ?? '';
    try {
      stem = decodeURIComponent(last);
    } catch {
      stem = last;
    }
  } else {
    stem = path.basename(origin);
  }
  stem = stem.replace(/\.[^.]+$/, '');
  const safe = portableStem(stem, BASE_BYTES) || 'bundle';
  if (!query && !shared && safe === stem) return safe;
  return `${safe}-${createHash('sha1').update(origin).digest('hex').slice(0, 8)}`;
}

/** The stem no bundle keeps plain: `library_finaltags.tsv` is the library's own file (exportLibrary). */
const LIBRARY_STEM = folderKey(LIBRARY_FILE.replace(/_finaltags\.tsv$/, ''));

/**
 * The stem of bundle `bundleId`'s tag files in this library ({@link tagFileBase} of its origin):
 * the first bundle imported (lowest id) with a given stem keeps it plain, and every later bundle
 * from another file or URL with the same stem (`/b/bundle.tsv` after `/a/bundle.tsv`) gets the
 * hash of its origin, so neither overwrites the other's files in one output folder. Stems are
 * compared as a case-insensitive file system sees them (portableName.ts folderKey: `/b/zeta.tsv`
 * after `/a/Zeta.tsv` gets the hash, for `Zeta_a.tsv` and `zeta_a.tsv` are one file on macOS and
 * Windows). The stem `library` (any case) is always taken: `library_finaltags.tsv` is the library's
 * own file, so a bundle `library.tsv` gets the hash too. Stable: a bundle's stem does not change
 * when another is imported later.
 */
export function bundleTagBase(db: Db, bundleId: number): string {
  const all = db.prepare('SELECT id, origin FROM bundles ORDER BY id').all() as { id: number; origin: string }[];
  const self = all.find((b) => b.id === bundleId);
  if (!self) throw new QcError('not_found', `no bundle with id ${bundleId}`);
  return tagBaseAmong(all, self.origin);
}

/**
 * The tag files' stem of the bundle from `origin` (an absolute path or a URL), as
 * {@link bundleTagBase} gives it once that bundle is imported: its own when the library holds it,
 * else the one it would get if imported now.
 */
export function tagBaseForOrigin(db: Db, origin: string): string {
  return tagBaseAmong(db.prepare('SELECT origin FROM bundles ORDER BY id').all() as { origin: string }[], origin);
}

function tagBaseAmong(all: readonly { origin: string }[], origin: string): string {
  const plain = tagFileBase(origin);
  const key = folderKey(plain);
  if (key === LIBRARY_STEM) return tagStem(origin, true);
  const first = all.find((b) => folderKey(tagFileBase(b.origin)) === key);
  return !first || first.origin === origin ? plain : tagStem(origin, true);
}

/**
 * Refuse, before a bundle from `origin` is downloaded and scored, a file of the curator's at its
 * final tags' name or its first chunk's in `outDir` (qc classify): the export would refuse it only
 * after all that work. The export checks every name again (a file may appear meanwhile).
 */
export function refuseTagNamesTaken(db: Db, origin: string, outDir: string): void {
  const base = tagBaseForOrigin(db, origin);
  refuseNotOwned(path.resolve(outDir), [`${base}_finaltags.tsv`, `${base}_${chunkSuffix(0)}.tsv`], TAG_FILES);
}

/**
 * Bundle `bundleId` as an export reads it, refused when it cannot be exported: not_found when there
 * is none; when none of its imports finished (the first import of its file killed, failed,
 * cancelled or still running), it holds only the lines read so far and its tag files would pass
 * them off as the whole bundle: bad_input, or conflict while that import runs, naming the file. A
 * re-import never shortens a bundle once one import finished (importer.ts). Checked by export.tags
 * before it makes or scores anything, and again by the export in its snapshot.
 */
export function requireExportableBundle(db: Db, bundleId: number): { name: string; columns: string; origin: string; shown_origin: string | null } {
  const bundle = db.prepare('SELECT name, columns, origin, shown_origin FROM bundles WHERE id = ?').get(bundleId) as
    | { name: string; columns: string; origin: string; shown_origin: string | null }
    | undefined;
  if (!bundle) throw new QcError('not_found', `no bundle with id ${bundleId}`);
  const imports = db.prepare("SELECT COUNT(*) AS n, COALESCE(SUM(status = 'done'), 0) AS done, COALESCE(MAX(status = 'running'), 0) AS running FROM imports WHERE source = ?").get(bundle.origin) as {
    n: number;
    done: number;
    running: number;
  };
  if (imports.n > 0 && imports.done === 0) {
    const file = bundle.shown_origin ?? bundle.origin;
    throw imports.running
      ? new QcError('conflict', `${file}: the bundle's first import is still running; export it when the import has finished`)
      : new QcError('bad_input', `${file}: no import of this bundle finished, so it holds only the lines read before it stopped; import the file again, then export`);
  }
  return bundle;
}

/** Bundle rows read per query by {@link exportBundle}: its memory does not grow with the bundle. */
export const BUNDLE_READ_ROWS = 5000;

/**
 * The tag files of a bundle. Streamed: rows are read in line order, `readRows` at a time (keyset on
 * the bundle's lines, one snapshot, so the files are one consistent library), and each
 * piece is appended to its chunk file and the final-tags file before the next is read. Every file
 * is written into a stage folder and published once all are complete (stage.ts): the old final
 * tags removed, the chunks moved into place, the older export's chunks beyond this one's removed,
 * the final tags last. A process killed at any point leaves either the previous export or no final
 * tags; its stage is swept by the next export into the folder.
 */
export function exportBundle(
  db: Db,
  opts: { bundleId: number; runId: number | null; threshold: number; outDir: string; chunkRows?: number; readRows?: number; owners?: string | null } & ExportControl,
): Promise<ExportResult> {
  return withSnapshot(db, (reader) => bundleFromSnapshot(reader, opts));
}

async function bundleFromSnapshot(
  db: Db,
  opts: { bundleId: number; runId: number | null; threshold: number; outDir: string; chunkRows?: number; readRows?: number; owners?: string | null } & ExportControl,
): Promise<ExportResult> {
  const bundle = requireExportableBundle(db, opts.bundleId);
  // A row whose image is not here (its download failed here) takes the run's prediction merged
  // for its URL from another machine's tag files (url_predictions), if any; a row with an image
  // takes the image's.
  const read = db.prepare<[number, number, number, number, number], Row & { line: number }>(
    `SELECT b.line, s.raw, s.url, u.image_id,
            CASE WHEN u.image_id IS NULL THEN up.p_bad ELSE p.p_bad END AS p_bad, l.label, l.origin
     FROM bundle_items b JOIN source_rows s ON s.id = b.source_row_id
     LEFT JOIN image_urls u ON u.url = s.url
     LEFT JOIN predictions p ON p.run_id = ? AND p.image_id = u.image_id
     LEFT JOIN url_predictions up ON up.run_id = ? AND up.url = s.url
     LEFT JOIN labels l ON l.image_id = u.image_id
     WHERE b.bundle_id = ? AND b.line > ? ORDER BY b.line LIMIT ?`,
  );
  const { names: columns, from } = bundleColumns(JSON.parse(bundle.columns) as string[]);
  const cells = (r: Row) => {
    const raw = JSON.parse(r.raw) as Record<string, string>;
    // A later unnamed column of a row stored before such columns had keys of their own (parse.ts
    // unnamedColumnKey) reads the one unnamed cell stored then, as its export did.
    return from.map((c) => (c === 'eolMediaURL' ? (raw[c] ?? r.url) : (raw[c] ?? (columnHeaderName(c) === '' ? raw[''] : undefined) ?? '')));
  };
  const base = bundleTagBase(db, opts.bundleId);
  const chunkRows = opts.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const readRows = Math.max(1, opts.readRows ?? BUNDLE_READ_ROWS);
  const chunkHeader = `${tsvLine([...columns, ...TAG_COLUMNS])}\n`;
  const finalName = `${base}_finaltags.tsv`;
  const total = (db.prepare('SELECT COUNT(*) AS n FROM bundle_items WHERE bundle_id = ?').get(opts.bundleId) as { n: number }).n;
  const elsewhere = mergedOtherRuns(db, opts.runId, opts.bundleId);
  // Every file goes into a stage folder first (stage.ts) and is published only when all are complete.
  const stage = ExportStage.open(opts.outDir, { owners: opts.owners ?? null });
  // A curator's file at one of this export's names is refused now, before any row is written
  // (and again when publishing: it may appear meanwhile).
  try {
    const count = Math.max(1, Math.ceil(total / chunkRows));
    refuseNotOwned(stage.outDir, [finalName, ...Array.from({ length: count }, (_, i) => `${base}_${chunkSuffix(i)}.tsv`)], TAG_FILES);
  } catch (e) {
    stage.discard();
    throw e;
  }
  const names: string[] = [];
  // One chunk file is open at a time (a full one is committed before the next starts: a bundle
  // of 20,000 one-row chunks must not need 20,000 open files).
  const open = new Set<AtomicFile>();
  const start = (name: string, header: string) => {
    const f = new AtomicFile(stage.path(name));
    open.add(f);
    f.write(header);
    return f;
  };
  const commit = (f: AtomicFile) => {
    f.commit();
    open.delete(f);
    names.push(path.basename(f.file));
  };
  const by_source = { curator: 0, model: 0, none: 0 };
  let bad = 0;
  let rows = 0;
  try {
    const finalOf = start(finalName, `${tsvLine([...columns, ...FINAL_COLUMNS])}\n`);
    // An empty bundle still gets one (header-only) chunk file.
    let chunkOf = start(`${base}_${chunkSuffix(0)}.tsv`, chunkHeader);
    opts.onProgress?.(0, total);
    for (let after = -1; ; ) {
      await nextPiece(opts);
      const piece = read.all(opts.runId ?? -1, opts.runId ?? -1, opts.bundleId, after, readRows);
      if (!piece.length) break;
      let chunkOut = '';
      let finalOut = '';
      for (const r of piece) {
        if (rows > 0 && rows % chunkRows === 0) {
          chunkOf.write(chunkOut);
          chunkOut = '';
          commit(chunkOf);
          chunkOf = start(`${base}_${chunkSuffix(rows / chunkRows)}.tsv`, chunkHeader);
        }
        const c = cells(r);
        const p = predictedClass(r.p_bad);
        chunkOut += `${tsvLine([...c, p.imclass, formatConfidence(p.confidence)])}\n`;
        const t = finalTag({ pBad: r.p_bad, label: r.label, origin: r.origin }, opts.threshold);
        by_source[t.source]++;
        if (t.imclass === 'bad') bad++;
        finalOut += `${tsvLine([...c, t.imclass, finalConfidence(r.p_bad, t), t.source, formatConfidence(r.p_bad)])}\n`;
        rows++;
      }
      chunkOf.write(chunkOut);
      finalOf.write(finalOut);
      after = piece[piece.length - 1]!.line;
      opts.onProgress?.(rows, total);
    }
    commit(chunkOf);
    commit(finalOf);
    // Published: the old final tags out first, the chunks in order, the older export's chunks that
    // this one does not rewrite removed, the final tags last (a kill part way leaves no final tags).
    // Only tag files are replaced or removed: a curator's file at one of these names is refused
    // before anything moves, and one where an older chunk would be is left alone.
    const chunks = names.filter((n) => n !== finalName);
    const stale = staleChunks(stage.outDir, base, chunks.length);
    stage.publish({ remove: [finalName], files: chunks, stale, last: finalName, owns: TAG_FILES });
  } catch (e) {
    for (const f of open) f.discard();
    stage.discard();
    // A failure names the file where it goes, not the hidden stage it was written in.
    throw stage.told(e);
  }
  const files = [...names.filter((n) => n !== finalName), finalName].map((n) => path.join(stage.outDir, n));
  return { files, rows, tagged_bad: bad, by_source, threshold: opts.threshold, run_id: opts.runId, ...elsewhere };
}

/**
 * A source row's `dataObjectVersionID` (the cell of its bundle file, kept in `raw`), NULL when the
 * row has no such column or the cell is blank.
 */
const VERSION_OF_ROW = "(CASE WHEN TRIM(json_extract(s.raw, '$.dataObjectVersionID')) != '' THEN json_extract(s.raw, '$.dataObjectVersionID') END)";

/** Whether `abs` is a stage folder (stage.ts) in which a library export writes or has written {@link LIBRARY_FILE}. */
function writesLibraryFile(abs: string): boolean {
  try {
    return fs.readdirSync(abs).some((n) => n === LIBRARY_FILE || n.startsWith(`${LIBRARY_FILE}.tmp-`));
  } catch {
    return false; // an AtomicFile temporary, not a folder; or a stage gone meanwhile
  }
}

/** Images read per query by {@link exportLibrary}: its memory does not grow with the library. */
export const EXPORT_CHUNK_ROWS = 5000;

/**
 * Final tags for every image in the library, one row per image with its EOL id and that source
 * row's URL (without one, its first web URL: see `describe`) and the dataObjectVersionID of that
 * EOL id's rows,
 * then one row per URL the run has a merged prediction for (`url_predictions`: tag files of other
 * machines, `qc classify --shard`) whose image is not in the library: image_id and label empty,
 * identifier, dataObjectVersionID and ancestry from the library's rows of that URL when it has
 * any, else from the merged tag file's row (url_predictions, migration 023), the final tag by
 * the same rules as an image's (source `model`). A URL whose image is here is written once, as
 * the image's row. Streamed: images are read in id order, then those URLs in URL order,
 * `chunkRows` at a time (keyset, one snapshot, so the file is one consistent snapshot), and each
 * chunk is written before the next is read. `onChunk` hears the rows written so far.
 */
export function exportLibrary(
  db: Db,
  opts: { runId: number | null; threshold: number; outDir: string; chunkRows?: number; onChunk?: (rowsWritten: number, tmpFile: string) => void; owners?: string | null } & ExportControl,
): Promise<ExportResult> {
  return withSnapshot(db, (reader) => libraryFromSnapshot(reader, opts));
}

async function libraryFromSnapshot(
  db: Db,
  opts: { runId: number | null; threshold: number; outDir: string; chunkRows?: number; onChunk?: (rowsWritten: number, tmpFile: string) => void; owners?: string | null } & ExportControl,
): Promise<ExportResult> {
  const chunkRows = Math.max(1, opts.chunkRows ?? EXPORT_CHUNK_ROWS);
  const read = db.prepare<[number, number, number], Row & { eol_id: string | null; ancestry: string | null }>(
    `SELECT i.id AS image_id, p.p_bad, l.label, l.origin
     FROM images i LEFT JOIN predictions p ON p.run_id = ? AND p.image_id = i.id
     LEFT JOIN labels l ON l.image_id = i.id WHERE i.id > ? ORDER BY i.id LIMIT ?`,
  );
  // The URLs and source rows of a chunk's images in one range read (not three lookups per image).
  const sources = db.prepare<[number, number], { image_id: number; url: string; created_at: string; sid: number | null; eol_id: string | null; ancestry: string | null; version: string | null }>(
    `SELECT u.image_id, u.url, u.created_at, s.id AS sid, s.eol_id, s.ancestry, ${VERSION_OF_ROW} AS version
     FROM image_urls u LEFT JOIN source_rows s ON s.url = u.url WHERE u.image_id BETWEEN ? AND ?`,
  );
  /**
   * Each image's URL, EOL id and ancestry: the EOL id of its first source row (by row id) that has
   * one, and that row's URL, so eolMediaURL and identifier name the same EOL media; an image with no
   * EOL id takes its first URL with http(s) before any other scheme (a folder import's file: URL
   * names a path on one machine), then by time stored, then URL; the ancestry of its first source
   * row that has one; its dataObjectVersionID that of its first source row that has one among the
   * rows of that EOL id (an image with no EOL id: among all its rows), so it never names another
   * media's version.
   */
  const describe = (chunk: { image_id: number | null }[]) => {
    const first = new Map<number, { url: string; web: boolean; at: string; eolSid: number; eol: string | null; eolUrl: string | null; ancSid: number; anc: string | null; versions: { sid: number; eol: string | null; version: string }[] }>();
    const isWeb = (u: string) => /^https?:/i.test(u);
    for (const r of sources.all(chunk[0]!.image_id!, chunk[chunk.length - 1]!.image_id!)) {
      let d = first.get(r.image_id);
      const web = isWeb(r.url);
      if (!d) first.set(r.image_id, (d = { url: r.url, web, at: r.created_at, eolSid: Infinity, eol: null, eolUrl: null, ancSid: Infinity, anc: null, versions: [] }));
      else if (web !== d.web ? web : r.created_at < d.at || (r.created_at === d.at && r.url < d.url)) {
        d.url = r.url;
        d.web = web;
        d.at = r.created_at;
      }
      if (r.sid !== null && r.version !== null) d.versions.push({ sid: r.sid, eol: r.eol_id, version: r.version });
      if (r.sid !== null && r.eol_id !== null && r.sid < d.eolSid) {
        d.eolSid = r.sid;
        d.eol = r.eol_id;
        d.eolUrl = r.url;
      }
      if (r.sid !== null && r.ancestry !== null && r.sid < d.ancSid) {
        d.ancSid = r.sid;
        d.anc = r.ancestry;
      }
    }
    return first;
  };
  const versionOf = (d: { eol: string | null; versions: { sid: number; eol: string | null; version: string }[] } | undefined) => {
    let best: { sid: number; version: string } | null = null;
    for (const v of d?.versions ?? []) if ((d!.eol === null || v.eol === d!.eol) && (!best || v.sid < best.sid)) best = v;
    return best?.version ?? null;
  };
  // The run's predictions merged by URL whose image is not here, in URL order (keyset on the
  // table's key), with the first EOL id and ancestry set on the library's rows of that URL, else
  // those the merged tag file's row carried (migration 023).
  const urlRows = db.prepare<[number, string, number], { url: string; p_bad: number; eol_id: string | null; version: string | null; ancestry: string | null }>(
    `SELECT up.url, up.p_bad,
            COALESCE((SELECT s.eol_id FROM source_rows s WHERE s.url = up.url AND s.eol_id IS NOT NULL ORDER BY s.id LIMIT 1), up.identifier) AS eol_id,
            COALESCE((SELECT ${VERSION_OF_ROW} FROM source_rows s WHERE s.url = up.url AND ${VERSION_OF_ROW} IS NOT NULL ORDER BY s.id LIMIT 1), up.data_object_version_id) AS version,
            COALESCE((SELECT s.ancestry FROM source_rows s WHERE s.url = up.url AND s.ancestry IS NOT NULL ORDER BY s.id LIMIT 1), up.ancestry) AS ancestry
     FROM url_predictions up
     WHERE up.run_id = ? AND up.url > ? AND NOT EXISTS (SELECT 1 FROM image_urls u WHERE u.url = up.url)
     ORDER BY up.url LIMIT ?`,
  );
  const file = path.join(opts.outDir, LIBRARY_FILE);
  const by_source = { curator: 0, model: 0, none: 0 };
  let bad = 0;
  let rows = 0;
  // Written in a stage folder (hidden: a process killed while writing leaves no partial file
  // that looks like a result beside the final name; the next export sweeps it), then renamed into
  // place. A curator's file of that name is never replaced: refused now and again when publishing.
  const stage = ExportStage.open(opts.outDir, { owners: opts.owners ?? null });
  let out: AtomicFile;
  try {
    refuseNotOwned(stage.outDir, [LIBRARY_FILE], TAG_FILES);
    out = new AtomicFile(stage.path(LIBRARY_FILE));
  } catch (e) {
    stage.discard();
    throw e;
  }
  try {
    // Two exports of the library into one folder: the second is refused while the first writes (as
    // export-training refuses), not left to replace the first's file when it renames its own. Looked
    // for once this one's own file is begun: of two that start at the same instant, at most one goes on.
    refuseLiveExport(stage.outDir, opts.owners, (abs) => abs !== stage.dir && writesLibraryFile(abs));
    out.write(`${tsvLine([...LIBRARY_COLUMNS, ...FINAL_COLUMNS])}\n`);
    const run = opts.runId ?? -1;
    const total =
      (db.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n +
      urlPredictionCount(db, opts.runId, { exact: true });
    opts.onProgress?.(0, total);
    for (let after = -1; ; ) {
      await nextPiece(opts);
      const chunk = read.all(run, after, chunkRows);
      if (!chunk.length) break;
      const described = describe(chunk);
      let text = '';
      for (const r of chunk) {
        const d = described.get(r.image_id!);
        r.url = d?.eolUrl ?? d?.url ?? (null as unknown as string);
        r.eol_id = d?.eol ?? null;
        r.ancestry = d?.anc ?? null;
        const version = versionOf(d);
        const t = finalTag({ pBad: r.p_bad, label: r.label, origin: r.origin }, opts.threshold);
        by_source[t.source]++;
        if (t.imclass === 'bad') bad++;
        text += `${tsvLine([r.image_id, r.url, r.eol_id ?? '', version ?? '', r.ancestry ?? '', r.label ?? '', r.origin ?? '', t.imclass, finalConfidence(r.p_bad, t), t.source, formatConfidence(r.p_bad)])}\n`;
      }
      out.write(text);
      rows += chunk.length;
      after = chunk[chunk.length - 1]!.image_id!;
      opts.onChunk?.(rows, out.tmp);
      opts.onProgress?.(rows, total);
    }
    for (let after = ''; ; ) {
      await nextPiece(opts);
      const chunk = urlRows.all(run, after, chunkRows);
      if (!chunk.length) break;
      let text = '';
      for (const r of chunk) {
        const t = finalTag({ pBad: r.p_bad, label: null, origin: null }, opts.threshold);
        by_source[t.source]++;
        if (t.imclass === 'bad') bad++;
        text += `${tsvLine(['', r.url, r.eol_id ?? '', r.version ?? '', r.ancestry ?? '', '', '', t.imclass, finalConfidence(r.p_bad, t), t.source, formatConfidence(r.p_bad)])}\n`;
      }
      out.write(text);
      rows += chunk.length;
      after = chunk[chunk.length - 1]!.url;
      opts.onChunk?.(rows, out.tmp);
      opts.onProgress?.(rows, total);
    }
    out.commit();
    stage.publish({ files: [], last: LIBRARY_FILE, owns: TAG_FILES });
  } catch (e) {
    out.discard();
    stage.discard();
    // A failure names the file where it goes, not the hidden stage it was written in.
    throw stage.told(e);
  }
  return { files: [file], rows, tagged_bad: bad, by_source, threshold: opts.threshold, run_id: opts.runId, ...mergedOtherRuns(db, opts.runId) };
}
