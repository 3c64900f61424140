/**
 * Import: read an input (ratings, exemplars, bundle, folder), store every row, then bring each
 * distinct URL into the content-addressed store with bounded concurrency and a byte budget for the
 * bodies held at once. Each image is committed in its own small transaction after its files exist,
 * so a killed run loses at most the images in flight and a re-run skips everything already stored
 * (no network request for them).
 */
import fs from 'node:fs';
import type { LookupFunction } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { splitMirrorSpec } from '../../../src-shared/domain/mirror';
import type { ImportArgs, CallContext } from '../../../src-shared/contract/handlers';
import { describeError, QcError, toErrorShape } from '../../../src-shared/contract/errors';
import { unlabelledByDisagreement, type Label, type LabelOrigin, type LabelRule } from '../../../src-shared/domain/label';
import { isHttpUrl, MIRROR_MISSES_TOLD, mirrorMissText, NO_ENCODING, noImportSummary, type FailureReason, type ImportKind, type ImportSummary, type LabelCounts } from '../../../src-shared/domain/library';
import type { Db } from '../db/open';
import { pacedAsync, pacedSync } from '../db/paced';
import { countedRatingSql, ratingCountsSql } from '../labels/countedRows';
import type { LabelService } from '../labels/labels';
import { ByteBudget } from './byteBudget';
import { fetchBytes, fetchList, FetchFailure, DEFAULT_FETCH_OPTIONS, MAX_LIST_BYTES } from './fetch';
import { IMAGE_EXTENSIONS, pathOfFileUrl, pathText, readFolderFile, scanFolder, type FolderProblem } from './folder';
import { bufferReader, detectKind, isTagHeader, kindFile, scanInput, tagFileHeader, urlColumnOf, type ReadAt, type RowProblem } from './parse';
import { heldHere, LibraryWriteFailure, ownerEnded, ownersOf, sha256, thisProcess, type ImageStore, type ImportJournal, type StoredFiles } from './store';
import { IN_LIBRARY_WHY, isInLibrary, realLibrary } from './inLibrary';
import { isOpenDatabaseFile } from '../db/open';
import type { LibraryPaths } from '../paths';
import { holdingReads, isPrivateHost, openInputFile, readLocalFile, resolveSource, shortPath, withoutPassword, type Mirror, type SourcePolicy } from './sources';
import { DEFAULT_MAX_PIXELS, type DerivedFiles, verifyImage, VerifyFailure } from './verify';
import type { Decoded } from '../ml/backbone/preprocess';
import { codedBytes } from '../ml/features/codedBytes';
import { noun } from '../../../src-shared/domain/words';

export type { Mirror } from './sources';

/** Input lists (ratings, exemplars, bundles, tag files) larger than this are refused before reading; a downloaded one is stopped there (fetch.ts). */
export const MAX_INPUT_BYTES = MAX_LIST_BYTES;

export interface SourceRow {
  origin: string;
  line: number;
  kind: ImportKind;
  url: string;
  eolId: string | null;
  rating: number | null;
  exemplar: boolean;
  folderLabel: Label | null;
  ancestry: string | null;
  raw: Record<string, string>;
  /** A folder's file: its exact path (read by folder.ts readFolderFile). */
  localPath?: Buffer;
}

/** A data line of an input: its row, its row problem, or both (a row kept despite a bad ancestry). */
interface InputRow {
  row: SourceRow | null;
  problem: RowProblem | null;
}

interface Prepared {
  kind: ImportKind | 'retry';
  origin: string;
  encoding: string;
  /**
   * Every row and row problem in input order. An input file is read again from disk each time
   * (parse.ts scanInput), so a large bundle is never held in memory.
   */
  rows: () => Iterable<InputRow>;
  rowCount: number;
  /** Folder imports: the rows, in memory (their distinct URLs come from here, not the database). */
  folderRows: SourceRow[];
  /** Input files: their distinct URLs are read back from the rows this import stored, a page at a time. */
  urlsStored: boolean;
  bundle: { format: 'tsv' | 'urls'; columns: string[] } | null;
  /** Whether `file:` URLs of this input may be read (a chosen folder, or a local file with --allow-local). */
  allowLocal: boolean;
  /** Whether the input is a list that came from a public host (fetch.ts fetchList): its URLs must lead to public addresses (sources.ts). */
  publicOnly: boolean;
  /**
   * A folder: the real path of the chosen folder (nothing outside it is read), and the entries it
   * does not import, and the folders under it that could not be listed (their rows are kept). `aliasesUnder`: the other paths earlier imports read this same folder by (a
   * link to it, or it through a linked folder: the same real path), as the folders their rows are
   * under; those rows are this folder's files stored under another name, replaced by this
   * import's (set by `begin`).
   */
  folder: { chosen: string; base: Buffer; problems: FolderProblem[]; unlisted: string[]; skippedByExtension: Record<string, number>; hidden: { files: number; folders: number }; aliasesUnder?: string[]; curator?: ReadonlyMap<string, Label> } | null;
  /**
   * A local input file or folder: the other paths earlier imports read this same file or folder by
   * (a link to it, or it through a linked folder: the same real path), as the imports' sources.
   * Its rows stored under them are this input's rows stored under another name: they are replaced
   * by this import's (set by `begin`).
   */
  aliases?: string[];
  /**
   * Throws when the input file changed since it was opened (sources.ts openInputFile, which checks
   * before each read too): called after its last row is read, before the rows its earlier imports
   * stored that it no longer has are removed. A no-op for an input held in memory.
   */
  checkUnchanged: () => void;
  /** Releases the input (an open file). */
  close: () => Promise<void>;
}

/** Distinct URLs looked at (stored? failed before? fetch) per page: the import's memory does not grow with the input. */
export const URL_PAGE = 1000;

export interface ImporterDeps {
  db: Db;
  /** The library's folder: never read as a source of pictures (inLibrary.ts). */
  paths: Pick<LibraryPaths, 'root'>;
  store: ImageStore;
  labels: LabelService;
  maxPixels?: number;
  /** How host names are resolved for downloads (fetch.ts; default: the system's). Tests give their own. */
  lookup?: LookupFunction;
  /** The download budget of each import in bytes (default DOWNLOAD_BUDGET_BYTES). Tests give a smaller one. */
  downloadBudget?: number;
}

const DEFAULT_CONCURRENCY = 8;
/**
 * The bytes of downloaded bodies one import holds at once (byteBudget.ts), from the moment a body
 * is read until its image is stored or has failed: 64 parallel downloads of 60 MB bodies would
 * otherwise hold ~4 GB. A body larger than the budget still downloads, alone. Files read from the
 * disk (a chosen folder's, a mirror's, an allowed `file:` URL's) hold their size of it the same way
 * (sources.ts holdingReads).
 */
export const DOWNLOAD_BUDGET_BYTES = 512 * 1024 * 1024;

/**
 * The rows of an input are stored in transactions of at most this long (or ROW_CHUNK rows), with a
 * pause between them (db/paced.ts): another process waiting for the write lock (a curator labelling beside a
 * million-row import) gets it within its busy timeout, and this process's other calls run between
 * them. One transaction for the whole input held the lock ~5.7 s per 100,000 rows.
 */
const ROW_CHUNK_MS = 200;
const ROW_CHUNK = 20_000;
/**
 * The largest ancestry a row keeps: EOL's run to a few hundred bytes and a few dozen names. Each of
 * its names costs the taxon triggers (db/migrations/010) work inside the write transaction (~0.2 s
 * for 45,000 names), so a larger one is dropped (the row is kept, with a `bad_ancestry` problem).
 */
export const MAX_ANCESTRY_BYTES = 64 * 1024;
export const MAX_ANCESTRY_NAMES = 1000;

/** Why an ancestry (compact JSON) is too large to keep, or null. */
function ancestryTooLarge(ancestry: string): string | null {
  const bytes = Buffer.byteLength(ancestry);
  if (bytes > MAX_ANCESTRY_BYTES) return `the ancestry is ${bytes.toLocaleString('en')} bytes, over the ${MAX_ANCESTRY_BYTES.toLocaleString('en')} kept; row kept without ancestry`;
  // A name takes at least 3 characters ("", and a comma or colon): fewer cannot hold too many.
  if (ancestry.length <= MAX_ANCESTRY_NAMES * 3) return null;
  let names = 0;
  const count = (v: unknown): void => {
    if (typeof v === 'string') names++;
    else if (v && typeof v === 'object') for (const x of Object.values(v)) count(x);
  };
  try {
    count(JSON.parse(ancestry));
  } catch {
    return null; // parse.ts wrote it: valid JSON
  }
  return names > MAX_ANCESTRY_NAMES ? `the ancestry holds ${names.toLocaleString('en')} names, over the ${MAX_ANCESTRY_NAMES.toLocaleString('en')} kept; row kept without ancestry` : null;
}

/**
 * How long one step of deriving images (after the rows are stored, or when an import that did not
 * finish is settled) or of collecting the images to derive runs before it yields, ms: a settle of
 * a million images runs for minutes in the background of a core that stays open, whose other calls
 * get in between two steps. A step ends at the first image past this (an image takes well under a
 * millisecond at a million: 0.7 ms in the scale audit).
 */
export const SETTLE_STEP_MS = 50;
/** Rows read per query when collecting the images an import reached (a page well under a step). */
const SETTLE_PAGE = 2_000;
/** Images whose evidence one statement of the summary's disagreement count reads (their ids as one JSON array). */
const EVIDENCE_PAGE = 10_000;
/** How often a picture is stored again when another process removes its files before its row is committed. */
const STORE_ATTEMPTS = 3;

/**
 * The summary stored for an import that did not finish (failed, cancelled by an error, or
 * interrupted: its process ended): how many distinct images it reached, the count
 * `images_new + images_existing` gives for one that finished (status.ts listSources).
 */
export interface UnfinishedSummary {
  images: number;
}

/** How the core's own callers run an import (not part of the API's arguments). */
export interface RunOptions {
  /** When new images' thumbnails and previews are made (verify.ts): default `now`. */
  derived?: DerivedFiles;
  /**
   * Called with each new image's id once its row is committed (ml.classify embeds them as they
   * come), with its decoded pixels when `pixels` is set. The download slot waits for the returned
   * promise: a consumer slower than the downloads holds them back instead of piling pixels up.
   */
  onNewImage?: (imageId: number, decoded?: Decoded) => void | Promise<void>;
  /** Check new images by decoding them whole and hand the pixels to onNewImage (verify.ts VerifyOptions; with `derived: 'later'`). */
  pixels?: boolean;
  /** The failures of an input file told against the file it was copied from (ml.classify's shard copy: ml/shard.ts curatorReport). */
  reportAs?: ReportAs;
}

/**
 * An input file that stands for lines of another file (ml.classify imports its shard copy of the
 * curator's bundle): the failures this import records name `file` and the line of it each input
 * line was copied from. `owns(line)`: whether a row failure recorded earlier at that line of `file`
 * is this input's to replace (a line of its own, or one no copy has now), not another copy's.
 * `shownAs` and `shownName`: what the records a curator reads say for the input (the import's
 * source and its bundle's origin, the bundle's name: `/a/bundle.tsv, shard 2 of 8`,
 * `bundle.tsv, shard 2 of 8`); the library's keys stay the input's own path (one import of it at
 * a time, its bundle and rows replaced by its next import).
 */
export interface ReportAs {
  file: string;
  line(inputLine: number): number | undefined;
  owns(line: number | null): boolean;
  shownAs: string;
  shownName: string;
}

/** Bytes read from the start of a file to find its header line (a tag file's is far shorter). */
const HEADER_PROBE_BYTES = 64 * 1024;

/**
 * A regular file's first line, decoded as a tag file is (parse.ts tagFileHeader: UTF-16 by its byte
 * order mark, else UTF-8), from its first HEADER_PROBE_BYTES; opened without blocking, so a FIFO
 * put in its place cannot hang.
 */
function headerLineOf(file: string): string {
  // The open library's database is not even opened (db/open.ts isOpenDatabaseFile): not a tag file, and the import refuses it.
  if (isOpenDatabaseFile(file)) return '';
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const probe: ReadAt = (buf, pos) => fs.readSync(fd, buf, 0, Math.max(0, Math.min(buf.length, HEADER_PROBE_BYTES - pos)), pos);
    return tagFileHeader(probe) ?? '';
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The tag files at a local path (parse.ts isTagHeader): the file itself when it is one, or every
 * `*.tsv` and `*.txt` (a tag file Excel saved as "Unicode Text"; only in a folder with no picture
 * directly in it, where a `.txt` is not a picture's caption) directly in a folder that is one,
 * in name order; none when the path does not exist.
 * The one detector behind every front door: `qc import` merges what it finds (ml.importTags) and
 * library.import refuses such a file or folder as an input (it would become a bundle of URLs).
 * A folder's `.tsv` that cannot be read is refused with its name (whether it is one cannot be
 * told); a `.txt` that cannot be read is taken for none (field notes beside pictures).
 */
export function tagFilesAt(source: string): string[] {
  const local = path.resolve(source);
  let st: fs.Stats;
  try {
    st = fs.statSync(local);
  } catch {
    return [];
  }
  if (!st.isDirectory()) {
    try {
      return st.isFile() && isTagHeader(headerLineOf(local)) ? [local] : [];
    } catch {
      return []; // unreadable: library.import says why
    }
  }
  let names: string[];
  try {
    names = fs.readdirSync(local);
  } catch {
    return []; // a folder that cannot be listed: library.import says why (folder.ts scanFolder)
  }
  // A folder's `.txt` beside pictures is most likely a caption or notes, one per picture (50,000
  // pictures: 50,000 opens and reads): only a folder with no picture directly in it (the Excel
  // "Unicode Text" case: a folder of tag files) has its `.txt` files read for a tag header.
  const pictures = names.some((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase()));
  const candidates = names
    .filter((f) => (pictures ? /\.tsv$/i : /\.(tsv|txt)$/i).test(f))
    .sort()
    .map((f) => path.join(local, f));
  return candidates.filter((f) => {
    try {
      return fs.statSync(f).isFile() && isTagHeader(headerLineOf(f));
    } catch (e) {
      if (/\.txt$/i.test(f)) return false;
      throw new QcError('bad_input', `cannot read it to tell whether it is a tag file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file: f });
    }
  });
}

/** What each kind that reads a file is read from, as a folder given with that kind is refused (`a bundle is …`: ml/shard.ts's words too). */
const FILE_NOT_FOLDER: Record<Exclude<ImportKind, 'folder'>, string> = {
  ratings: 'ratings are read from a file (a TSV)',
  exemplars: 'exemplars are read from a file (a TSV)',
  bundle: 'a bundle is a file (a TSV or a list of URLs)',
};

/** Names of text files that may be an input list: what a folder with no picture may hold instead. */
const LIST_FILE = /\.(tsv|txt|csv)$/i;

/**
 * The input lists directly in a folder (by their header: parse.ts isTagHeader, detectKind), in
 * name order, as `name (a ratings file)`: said when the folder holds no picture, so a curator who
 * chose the folder of a ratings file, or of tag files saved as `.txt`, is told which file to import.
 * Files that cannot be read, or whose first line is no input's header, are left out.
 */
function inputListsIn(folder: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(folder).filter((f) => LIST_FILE.test(f) && !f.startsWith('.')).sort();
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const name of names) {
    const file = path.join(folder, name);
    let what: string;
    try {
      if (!fs.statSync(file).isFile()) continue;
      const header = headerLineOf(file);
      what = isTagHeader(header) ? 'a tag file' : kindFile(detectKind(header, file).kind);
    } catch {
      continue;
    }
    found.push(`${name} (${what})`);
  }
  return found;
}

/** Parse `PREFIX=DIR` (src-shared/domain/mirror.ts: the last `=` separates) and check the folder. */
export function parseMirror(spec: string): Mirror {
  const m = splitMirrorSpec(spec);
  if (!m) throw new QcError('bad_input', `--mirror wants PREFIX=DIR, got "${spec}"`);
  return checkMirror(m);
}

/**
 * One mirror as every path into the importer needs it: the folder resolved to an absolute path
 * without a trailing separator, and checked to exist before anything is imported; given the
 * library's folder, one inside it is refused (inLibrary.ts).
 */
export function checkMirror(m: Mirror, library?: string): Mirror {
  if (!m.prefix) throw new QcError('bad_input', `a mirror needs a URL prefix (folder ${m.dir})`);
  if (!m.dir.trim()) throw new QcError('bad_input', `the mirror for ${m.prefix} needs a folder`);
  const dir = path.resolve(m.dir.trim());
  if (!fs.existsSync(dir)) throw new QcError('bad_input', `mirror folder does not exist: ${dir}`, { file: dir });
  if (!fs.statSync(dir).isDirectory()) throw new QcError('bad_input', `mirror is not a folder: ${dir}`, { file: dir });
  if (library !== undefined && isInLibrary(dir, library)) throw new QcError('bad_input', `the mirror folder is inside the library folder (${path.resolve(library)}), ${IN_LIBRARY_WHY}; choose the folder the pictures were downloaded to`, { file: dir });
  return { prefix: m.prefix, dir };
}

/**
 * A re-import's rows its file no longer has (origin, earlier imports than this one; a bundle's rows
 * stay): the images they named, then the rows themselves. Exported for migration 018's test, which
 * checks their plans use its index.
 */
export const STALE_ROW_IMAGES_SQL = `SELECT DISTINCT s.image_id FROM source_rows s
  WHERE s.origin = ? AND s.import_id < ? AND s.image_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM bundle_items b WHERE b.source_row_id = s.id)`;
export const DELETE_STALE_ROWS_SQL = 'DELETE FROM source_rows WHERE origin = ? AND import_id < ? AND NOT EXISTS (SELECT 1 FROM bundle_items b WHERE b.source_row_id = source_rows.id)';

/** How often an import waiting for another import of the same input looks again, ms. */
export const IMPORT_WAIT_POLL_MS = 200;

/** What an input's rows, import and bundle are keyed by: a URL as given, a local path made absolute. */
export function inputOrigin(source: string): string {
  return isHttpUrl(source) ? source : path.resolve(source);
}

export class Importer {
  private readonly q;
  /** The imports this process runs on this library (an import row with this process's pid but not here is not running). */
  private readonly running: Set<number>;
  /** markInterruptedAsync's settling while it runs. */
  private interrupting: Promise<number> | null = null;
  /** The imports markInterruptedAsync is settling now: shown interrupted already, and left to it by the synchronous form. */
  private readonly settling = new Set<number>();

  constructor(private readonly deps: ImporterDeps) {
    const { db } = deps;
    this.running = heldHere(db, 'imports');
    this.q = {
      newImport: db.prepare<[string, string, string | null, string, number, string | null]>(
        "INSERT INTO imports (kind, source, shown_source, encoding, status, pid, pid_start) VALUES (?, ?, ?, ?, 'running', ?, ?)",
      ),
      finishImport: db.prepare<[string, string | null, string | null, number]>(
        "UPDATE imports SET status = ?, summary = ?, error = ?, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
      ),
      runningImports: db.prepare<[], { id: number; pid: number | null; pid_start: string | null }>("SELECT id, pid, pid_start FROM imports WHERE status = 'running'"),
      isRunning: db.prepare<[number], { one: number }>("SELECT 1 AS one FROM imports WHERE id = ? AND status = 'running'"),
      runningOf: db.prepare<[string], { id: number; pid: number | null; pid_start: string | null }>(
        "SELECT id, pid, pid_start FROM imports WHERE status = 'running' AND source = ? AND kind <> 'retry' ORDER BY id",
      ),
      fileSources: db.prepare<[], string>("SELECT DISTINCT source FROM imports WHERE kind IN ('ratings', 'exemplars', 'bundle')").pluck(),
      // The last import of an input file (under any of its paths, as a JSON array) that finished: the kind its rows are now.
      lastFinishedFile: db.prepare<[string], { id: number; kind: Exclude<ImportKind, 'folder' | 'retry'> }>(
        "SELECT id, kind FROM imports WHERE source IN (SELECT value FROM json_each(?)) AND status = 'done' AND kind IN ('ratings', 'exemplars', 'bundle') ORDER BY id DESC LIMIT 1",
      ),
      // Every image an import may have given evidence to, a page at a time (keyset, by index): those
      // its URLs were mapped to (image_urls_import), and those its rows name through URLs already
      // stored (each row's image, migration 026: source_rows_import_image; a row whose URL is not
      // stored names none: image_id null).
      importUrlImages: db.prepare<[number, number, number], number>(
        'SELECT DISTINCT image_id FROM image_urls WHERE import_id = ? AND image_id > ? ORDER BY image_id LIMIT ?',
      ).pluck(),
      importRowImages: db.prepare<[number, number, number], number>(
        'SELECT DISTINCT image_id FROM source_rows WHERE import_id = ? AND image_id > ? ORDER BY image_id LIMIT ?',
      ).pluck(),
      markInterrupted: db.prepare<[string, string, number]>(
        "UPDATE imports SET status = 'failed', error = ?, summary = ?, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? AND status = 'running'",
      ),
      upsertRow: db.prepare(
        `INSERT INTO source_rows (origin, line, kind, url, eol_id, rating, exemplar, folder_label, ancestry, raw, import_id, shown_line)
         VALUES (@origin, @line, @kind, @url, @eolId, @rating, @exemplar, @folderLabel, @ancestry, @raw, @importId, @shownLine)
         ON CONFLICT (origin, line) DO UPDATE SET kind = excluded.kind, url = excluded.url, eol_id = excluded.eol_id,
           rating = excluded.rating, exemplar = excluded.exemplar, folder_label = excluded.folder_label,
           ancestry = excluded.ancestry, raw = excluded.raw, import_id = excluded.import_id, shown_line = excluded.shown_line
         RETURNING id`,
      ),
      rowFailure: db.prepare(
        `INSERT INTO failures (url, file, line, reason, detail, import_id, stage) VALUES (@url, @file, @line, @reason, @detail, @importId, 'row')
         ON CONFLICT (file, line, reason) WHERE stage = 'row' DO UPDATE SET detail = excluded.detail, import_id = excluded.import_id,
           attempts = attempts + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
      ),
      // What an earlier import of this file stored: the images its rows named (a row's line may now
      // name another URL, or be gone), then the rows the file no longer has (it was edited).
      rowUrlAt: db.prepare<[string, number], { url: string }>('SELECT url FROM source_rows WHERE origin = ? AND line = ?'),
      // A line the file still has but that no longer reads: the row an earlier import stored from it
      // (the same URL, where the broken line still names one) is this import's too, so not stale.
      keepBrokenLineRow: db.prepare<[number, string, number, number, string | null, string | null]>(
        'UPDATE source_rows SET import_id = ? WHERE origin = ? AND line = ? AND import_id < ? AND (? IS NULL OR url = ?)',
      ),
      staleRowImages: db.prepare<[string, number], { image_id: number }>(STALE_ROW_IMAGES_SQL),
      deleteStaleRows: db.prepare<[string, number]>(DELETE_STALE_ROWS_SQL),
      // … and the failures of URLs that only those rows named (no row of any file names them now).
      deleteOrphanFailures: db.prepare<[string]>(
        "DELETE FROM failures WHERE stage = 'fetch' AND file = ? AND NOT EXISTS (SELECT 1 FROM source_rows s WHERE s.url = failures.url)",
      ),
      clearRowFailures: db.prepare<[string]>("DELETE FROM failures WHERE stage = 'row' AND file = ?"),
      rowFailuresOf: db.prepare<[string], { id: number; line: number | null }>("SELECT id, line FROM failures WHERE stage = 'row' AND file = ?"),
      deleteFailure: db.prepare<[number]>('DELETE FROM failures WHERE id = ?'),
      // A folder's files stored before (a range of the (origin, line) index: the paths under it), and
      // what goes with one that is gone: its row, then its URL and its failure once no row names it.
      folderRowsUnder: db.prepare<[string, string], { id: number; origin: string; url: string }>(
        "SELECT id, origin, url FROM source_rows WHERE origin > ? AND origin < ? AND kind = 'folder'",
      ),
      deleteRow: db.prepare<[number]>('DELETE FROM source_rows WHERE id = ?'),
      // A folder's files as an earlier import stored them (their size and time of change in raw) and the image each URL maps to.
      folderStampsUnder: db.prepare<[string, string], { origin: string; url: string; raw: string; image_id: number; bytes: number }>(
        `SELECT s.origin, s.url, s.raw, s.image_id, i.bytes FROM source_rows s JOIN images i ON i.id = s.image_id
         WHERE s.origin > ? AND s.origin < ? AND s.kind = 'folder'`,
      ),
      urlNamed: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM source_rows WHERE url = ? LIMIT 1'),
      unmapUrl: db.prepare<[string]>('DELETE FROM image_urls WHERE url = ?'),
      // A folder's entries it did not import (row failures without a line), from its earlier imports: the scan finds them again.
      clearFolderProblems: db.prepare<[string]>(
        "DELETE FROM failures WHERE stage = 'row' AND line IS NULL AND import_id IN (SELECT id FROM imports WHERE kind = 'folder' AND source = ?)",
      ),
      // A failure keeps the rule its URL was fetched under (public_only: named by a public host's
      // list), so a retry applies it again without asking where the list came from.
      fetchFailure: db.prepare(
        `INSERT INTO failures (url, file, line, reason, detail, import_id, stage, public_only) VALUES (@url, @file, @line, @reason, @detail, @importId, 'fetch', @publicOnly)
         ON CONFLICT (url) WHERE stage = 'fetch' DO UPDATE SET reason = excluded.reason, detail = excluded.detail, import_id = excluded.import_id,
           file = COALESCE(excluded.file, file), line = COALESCE(excluded.line, line), public_only = excluded.public_only,
           attempts = attempts + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
      ),
      knownFailure: db.prepare<[string], { reason: FailureReason }>("SELECT reason FROM failures WHERE stage = 'fetch' AND url = ?"),
      allFetchFailures: db.prepare<[], { url: string; file: string | null; line: number | null; public_only: number | null }>(
        "SELECT url, file, line, public_only FROM failures WHERE stage = 'fetch' ORDER BY id",
      ),
      folderSources: db.prepare<[], string>("SELECT DISTINCT source FROM imports WHERE kind = 'folder'").pluck(),
      clearFetchFailure: db.prepare<[string]>("DELETE FROM failures WHERE stage = 'fetch' AND url = ?"),
      urlImage: db.prepare<[string], { image_id: number }>('SELECT image_id FROM image_urls WHERE url = ?'),
      imageBySha: db.prepare<[string], { id: number }>('SELECT id FROM images WHERE sha256 = ?'),
      insertImage: db.prepare(
        `INSERT INTO images (sha256, path, format, width, height, bytes, thumb_path, preview_path)
         VALUES (@sha256, @path, @format, @width, @height, @bytes, @thumbPath, @previewPath) ON CONFLICT (sha256) DO NOTHING`,
      ),
      mapUrl: db.prepare<[string, number, number]>('INSERT INTO image_urls (url, image_id, import_id) VALUES (?, ?, ?) ON CONFLICT (url) DO NOTHING'),
      upsertBundle: db.prepare<[string, string, string | null, string, string], { id: number }>(
        `INSERT INTO bundles (name, origin, shown_origin, columns, format) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (origin) DO UPDATE SET name = excluded.name, shown_origin = excluded.shown_origin, columns = excluded.columns, format = excluded.format RETURNING id`,
      ),
      // A bundle's lines are replaced in place as its input is read again, never cleared first: a
      // re-import killed or read half way leaves each line old or new, never a bundle cut short
      // (qc export --bundle would publish that as whole). Its lines this import did not write (the
      // file lost them) go in its last transaction, before the stale rows they name.
      bundleItem: db.prepare<[number, number, number]>(
        `INSERT INTO bundle_items (bundle_id, line, source_row_id) VALUES (?, ?, ?)
         ON CONFLICT (bundle_id, line) DO UPDATE SET source_row_id = excluded.source_row_id WHERE source_row_id <> excluded.source_row_id`,
      ),
      deleteStaleBundleItems: db.prepare<[number, number]>(
        'DELETE FROM bundle_items WHERE bundle_id = ? AND NOT EXISTS (SELECT 1 FROM source_rows s WHERE s.id = bundle_items.source_row_id AND s.import_id = ?)',
      ),
      labelOf: db.prepare<[number], { label: Label | null; origin: LabelOrigin }>('SELECT label, origin FROM labels WHERE image_id = ?'),
      // What the listed images' rows say (labels.ts derives their labels from the same rows, a
      // rating another file holds before counted once: countedRows.ts), image by image in the
      // order listed: one statement for a page of images, not one per image.
      evidenceOfList: db.prepare<[string], { image_id: number; rating: number | null; exemplar: number; folder_label: Label | null }>(
        `SELECT u.image_id, ${countedRatingSql('s')} AS rating, s.exemplar, s.folder_label
         FROM json_each(?) j CROSS JOIN image_urls u ON u.image_id = j.value CROSS JOIN source_rows s ON s.url = u.url`,
      ),
      // The ratings files imported (each one's source is its rows' origin).
      ratingSources: db.prepare<[], string>("SELECT DISTINCT source FROM imports WHERE kind = 'ratings'").pluck(),
      // This import's rating rows that do not count because another file holds them before (countedRows.ts):
      // on the (origin, line) index, each row's duplicate looked up on the url index.
      uncountedRowsOf: db.prepare<[string, number], number>(
        `SELECT COUNT(*) FROM source_rows s WHERE s.origin = ? AND +s.import_id = ? AND +s.kind = 'ratings' AND NOT ${ratingCountsSql('s')}`,
      ).pluck(),
      // Each distinct URL of an import's rows once, at its first line, in line order (keyset pages on
      // the (origin, line) index). The unary + keeps the earlier-row check on the url index: on
      // (origin, line) it would scan every earlier line of the file for each row.
      distinctUrls: db.prepare<[string, number, number, number], { line: number; url: string }>(
        `SELECT s.line, s.url FROM source_rows s
         WHERE s.origin = ? AND +s.import_id = ? AND s.line > ?
           AND NOT EXISTS (SELECT 1 FROM source_rows d WHERE d.url = s.url AND +d.origin = s.origin AND +d.import_id = s.import_id AND +d.line < s.line)
         ORDER BY s.line LIMIT ?`,
      ),
    };
    this.markInterrupted();
  }

  async run(args: ImportArgs, ctx: CallContext, opts: RunOptions = {}): Promise<ImportSummary> {
    const started = performance.now();
    const counters = { network: 0 };
    args = { ...args, mirrors: (args.mirrors ?? []).map((m) => checkMirror(m, this.deps.paths.root)) };
    const prepared = await this.prepare(args, ctx, counters);
    try {
      return await this.execute(prepared, args, ctx, started, counters, [], opts);
    } finally {
      await prepared.close();
    }
  }

  /** Retry every URL that failed before, in any import. */
  async retryFailed(args: Omit<ImportArgs, 'source' | 'kind' | 'retryFailed'>, ctx: CallContext): Promise<ImportSummary> {
    args = { ...args, mirrors: (args.mirrors ?? []).map((m) => checkMirror(m, this.deps.paths.root)) };
    const folders = new Set(this.q.folderSources.all());
    const failed = this.q.allFetchFailures.all();
    // Nothing to try: no import row is recorded (id 0).
    if (!failed.length) return noImportSummary('retry', '(failed URLs)');
    const extra = failed.map((r): ExtraUrl => {
      const localPath = folderFileOf(r);
      return {
        url: r.url,
        file: r.file,
        line: r.line,
        allowLocal: localPath !== null || retryMayReadLocal(r, args.allowLocal === true),
        publicOnly: retryPublicOnly(r),
        ...(localPath && { localPath, base: chosenFolderOf(localPath, folders) }),
      };
    });
    const prepared: Prepared = { ...inMemory([]), kind: 'retry', origin: '(failed URLs)', encoding: NO_ENCODING, bundle: null, allowLocal: false, publicOnly: false, folder: null };
    return this.execute(prepared, { ...args, source: prepared.origin, retryFailed: true }, ctx, performance.now(), { network: 0 }, extra);
  }

  /**
   * Imports left `running` by a process that no longer exists (killed, crashed, power cut) are
   * marked `failed` with the reason, so no import stays `running` for ever. Imports of live
   * processes (another `qc` on the same library) are left alone. A process is known by its pid and
   * start (store.ts ownerEnded): a new process that got the dead one's pid (every run of a
   * container is pid 1) does not keep its import `running`, nor does this process for an import
   * with its pid that it is not running. Returns how many were marked.
   *
   * Settling one also removes the files it stored whose rows it did not commit (those listed in its
   * journal that no row names: store.ts ImportJournal), and a journal left by an import that is no
   * longer running is settled the same way.
   */
  markInterrupted(): number {
    const marked = { n: 0 };
    pacedSync(this.interrupted(marked));
    return marked.n;
  }

  /**
   * {@link markInterrupted} for a core that stays open (the app, `qc serve`: library.sources and
   * library.status ask it, so an import killed in another process does not show `running` until
   * the next open): the settling is paced between awaits, so the core's other calls run meanwhile,
   * and calls that come while it settles share it. Cheap when no import is running (one query and
   * a look at journal/).
   */
  markInterruptedAsync(): Promise<number> {
    if (!this.interrupting) {
      const marked = { n: 0 };
      // Its first step runs now, before this returns: a small import is settled by then.
      this.interrupting = pacedAsync(this.interrupted(marked, this.settling))
        .then(() => marked.n)
        .finally(() => {
          this.interrupting = null;
          this.settling.clear();
        });
    }
    return this.interrupting;
  }

  /**
   * The imports a settle started by {@link markInterruptedAsync} has still to finish: their
   * process has ended, and they are marked interrupted when it ends (library.sources shows them so
   * meanwhile).
   */
  settlingNow(): ReadonlySet<number> {
    return this.settling;
  }

  /** `settling`: the async form's set, which it fills first with every import it will settle. */
  private *interrupted(marked: { n: number }, settling?: Set<number>): Generator<void> {
    const { db, store } = this.deps;
    const running = this.q.runningImports.all();
    // One the async form settles now is left to it (it would be settled twice, in one step here).
    const ended = running.filter((r) => !this.settling.has(r.id) && ownerEnded({ pid: r.pid, start: r.pid_start }, () => this.running.has(r.id), ownersOf(db)));
    for (const r of ended) settling?.add(r.id);
    for (const r of ended) {
      // Settled meanwhile by another caller (the synchronous form, another process): done.
      if (!this.q.isRunning.get(r.id) || (!settling && this.settling.has(r.id))) {
        settling?.delete(r.id);
        continue;
      }
      const who = r.pid === null ? 'its process' : `its process (pid ${r.pid})`;
      // Settled first, then marked: a process killed while settling leaves it to the next open.
      // Two processes opening the library at once may both settle it (deriving is idempotent).
      const images = yield* this.settle(r.id);
      yield* store.settleJournal(db, r.id);
      const summary = JSON.stringify({ images } satisfies UnfinishedSummary);
      marked.n += this.q.markInterrupted.run(`interrupted: ${who} ended before the import finished; run it again to complete it`, summary, r.id).changes;
      settling?.delete(r.id);
    }
    const live = new Set(running.map((r) => r.id));
    for (const id of store.journalIds()) if (!live.has(id) && !this.q.isRunning.get(id)) yield* store.settleJournal(db, id);
  }

  /**
   * Derive again every image an import that did not finish gave evidence to. A running import
   * derives an image that gains a URL at the end of the URL's page, and the images its rows name
   * through URLs already stored once all its rows are stored (executeImport): a process killed or
   * failing in between leaves those images' ratings and labels behind their rows. The images are
   * collected a page at a time and derived in short transactions, each step capped by
   * SETTLE_STEP_MS. Returns how many images the import reached (its summary's count: status.ts).
   */
  private *settle(importId: number): Generator<void, number> {
    const ids = new Set<number>();
    let step = performance.now();
    const pause = () => performance.now() - step >= SETTLE_STEP_MS;
    for (const query of [this.q.importUrlImages, this.q.importRowImages]) {
      for (let after = 0; ; ) {
        const page = query.all(importId, after, SETTLE_PAGE);
        for (const id of page) ids.add(id);
        if (page.length < SETTLE_PAGE) break;
        after = page[page.length - 1]!;
        if (pause()) {
          yield;
          step = performance.now();
        }
      }
    }
    if (ids.size && pause()) yield;
    yield* this.deriveInChunks([...ids], this.deps.labels.importWriter(importId));
    return ids.size;
  }

  /**
   * Derive images in short transactions, each ending at the first image past SETTLE_STEP_MS,
   * yielding between them: the caller pauses there, so other writers (and, in the async form, this
   * core's other calls) get in.
   */
  private *deriveInChunks(ids: readonly number[], writer: ReturnType<LabelService['importWriter']>): Generator<void> {
    let i = 0;
    const step = this.deps.db.transaction(() => {
      const start = performance.now();
      do writer.apply(ids[i++]!);
      while (i < ids.length && performance.now() - start < SETTLE_STEP_MS);
    });
    while (i < ids.length) {
      if (i > 0) yield;
      step.immediate();
    }
  }

  /**
   * How many of the images are unlabelled because their rows disagree (label.ts
   * unlabelledByDisagreement): their rows read by one statement per EVIDENCE_PAGE images.
   */
  private countDisagreeing(imageIds: number[], rule: LabelRule): number {
    let n = 0;
    for (let at = 0; at < imageIds.length; at += EVIDENCE_PAGE) {
      let id: number | null = null;
      let evidence = { ratings: [] as number[], exemplar: false, folderLabels: [] as Label[] };
      const done = () => {
        if (id !== null && unlabelledByDisagreement(evidence, rule)) n++;
      };
      for (const r of this.q.evidenceOfList.iterate(JSON.stringify(imageIds.slice(at, at + EVIDENCE_PAGE)))) {
        if (r.image_id !== id) {
          done();
          id = r.image_id;
          evidence = { ratings: [], exemplar: false, folderLabels: [] };
        }
        if (r.rating !== null) evidence.ratings.push(r.rating);
        if (r.exemplar === 1) evidence.exemplar = true;
        if (r.folder_label) evidence.folderLabels.push(r.folder_label);
      }
      done();
    }
    return n;
  }

  /** Read and parse the input. Throws a QcError (file, line) before anything is written. */
  private async prepare(args: ImportArgs, ctx: CallContext, counters: { network: number }): Promise<Prepared> {
    const source = args.source;
    const isRemote = isHttpUrl(source);
    const local = isRemote ? null : path.resolve(source);
    if (local && !fs.existsSync(local)) throw new QcError('bad_input', 'no such file or folder', { file: local });
    const isFolder = local !== null && fs.statSync(local).isDirectory();
    // A kind that reads a file, given a folder (qc classify FOLDER): refused before anything is
    // stored, never imported as a folder of pictures the caller did not ask for.
    if (isFolder && args.kind !== undefined && args.kind !== 'folder') throw new QcError('bad_input', `${FILE_NOT_FOLDER[args.kind]}, not a folder`, { file: local });
    // A folder of tag files (qc classify's output folder): their predictions belong in a run, and
    // its pictures (if any) are imported only when the caller says the folder is one of pictures.
    if (isFolder && args.kind === undefined) {
      const tags = tagFilesAt(local);
      if (tags.length) {
        throw new QcError(
          'bad_input',
          `the folder holds ${tags.length.toLocaleString('en')} ${noun(tags.length, 'tag file')} written by classify or export (${path.basename(tags[0]!)}${tags.length > 1 ? ', …' : ''}): their predictions are merged into a run by ml.importTags (on the command line, importing the folder does it), or choose the kind folder to import the folder's pictures`,
          { file: local },
        );
      }
    }
    if (args.kind === 'folder' || isFolder) {
      if (!local || !isFolder) throw new QcError('bad_input', 'the kind folder needs a folder, and this is a file: choose another kind or auto-detect', { file: local ?? source });
      if (isInLibrary(local, this.deps.paths.root)) {
        throw new QcError('bad_input', `the folder is the library folder or inside it (${path.resolve(this.deps.paths.root)}), ${IN_LIBRARY_WHY}; choose a folder of pictures outside the library`, { file: local });
      }
      const scan = scanFolder(local, { library: this.deps.paths.root });
      if (!scan.rows.length && !scan.problems.length) {
        // Nothing to import (the wrong folder chosen?): refused, so no empty import is recorded.
        const skipped = Object.entries(scan.skippedByExtension).map(([ext, n]) => `${n} ${ext || '(no extension)'}`);
        // … and the input lists it holds instead, by their header: import those files themselves.
        const lists = inputListsIn(local);
        const shown = lists.length > 3 ? [...lists.slice(0, 3), `${(lists.length - 3).toLocaleString('en')} more`] : lists;
        const instead = lists.length ? `; it holds ${shown.join(', ')}: import ${lists.length === 1 ? 'that file itself' : 'those files'}, not the folder` : '';
        throw new QcError('bad_input', `the folder holds no image files (JPEG, PNG, WebP, GIF, TIFF, AVIF, HEIC)${skipped.length ? `; left out: ${skipped.join(', ')}` : ''}${instead}: nothing to import`, { file: scan.root });
      }
      const rows: SourceRow[] = scan.rows.map((r) => ({
        origin: r.file,
        line: 0,
        kind: 'folder',
        url: r.url,
        eolId: null,
        rating: r.rating,
        exemplar: false,
        folderLabel: r.folderLabel,
        ancestry: null,
        raw: r.raw,
        localPath: r.path,
      }));
      // The user chose this folder: its files are the input (and nothing outside it: folder.ts).
      return { ...inMemory(rows), kind: 'folder', origin: scan.root, encoding: NO_ENCODING, bundle: null, allowLocal: true, publicOnly: false, folder: { chosen: scan.chosen, base: scan.base, problems: scan.problems, unlisted: scan.unlisted, skippedByExtension: scan.skippedByExtension, hidden: scan.hidden, ...(scan.curator && { curator: scan.curator }) } };
    }
    // A list downloaded over HTTP is parsed from memory; a local file is read in pieces, each time
    // its rows are needed, and never held whole.
    let read: ReadAt;
    let close = async () => {};
    let checkUnchanged = () => {};
    // Whether the list was served from the user's network, judged by the connections that brought
    // it (fetch.ts fetchList); never by asking DNS again, which may answer otherwise by now.
    let fromPrivate = false;
    if (isRemote) {
      try {
        const list = await fetchList(source, { signal: ctx.signal, ...fetchOverrides(args), onRequest: () => counters.network++, ...(this.deps.lookup && { lookup: this.deps.lookup }) });
        read = bufferReader(list.bytes);
        fromPrivate = list.fromPrivate;
      } catch (e) {
        if (e instanceof FetchFailure) throw new QcError('bad_input', `could not download the list: ${e.message}`, { file: withoutPassword(source) });
        throw e;
      }
    } else {
      const input = await openInputFile(local as string, MAX_INPUT_BYTES, 'import it again');
      read = input.read;
      close = input.close;
      checkUnchanged = input.checkUnchanged;
    }
    const origin = inputOrigin(source);
    try {
      const scan = scanInput(read, origin, args.kind);
      const kind = scan.kind;
      if (args.kind === undefined) this.refuseKindChange(origin, kind, scan.format);
      return {
        kind,
        origin,
        encoding: scan.encoding,
        *rows() {
          for (const r of scan.rows()) yield { row: r.row && { ...r.row, origin, kind, folderLabel: null }, problem: r.problem };
        },
        rowCount: scan.rowCount,
        folderRows: [],
        urlsStored: true,
        bundle: kind === 'bundle' ? { format: scan.format, columns: scan.columns } : null,
        // A list downloaded over HTTP never names local files; a local one only with --allow-local.
        allowLocal: !isRemote && args.allowLocal === true,
        // … and a list that came from a public host names only public addresses.
        publicOnly: isRemote && !fromPrivate,
        folder: null,
        checkUnchanged,
        close,
      };
    } catch (e) {
      await close();
      throw e;
    }
  }

  /**
   * Refuses an input file whose kind was detected (no kind given) as another kind than its last
   * finished import's (under this path or another of the same file: a link): its header changed
   * (an `eolMediaURL` column added to a ratings file, `obj_url` renamed `object_url`), and its
   * rows would silently replace the rows of the other kind, their ratings and labels with them.
   * Given its kind, the file is imported as that kind as before.
   */
  private refuseKindChange(origin: string, kind: Exclude<ImportKind, 'folder'>, format: 'tsv' | 'urls'): void {
    const last = this.q.lastFinishedFile.get(JSON.stringify([origin, ...this.aliasesOf(origin)]));
    if (!last || last.kind === kind) return;
    const why = format === 'urls' ? 'a list of URLs with no header' : `its header has ${urlColumnOf(kind)}`;
    const lost = last.kind === 'bundle' ? "its bundle's lines" : `its ${last.kind} and the labels they give`;
    throw new QcError(
      'bad_input',
      `the file was imported as ${kindFile(last.kind)} (import ${last.id}) and now reads as ${kindFile(kind)} (${why}): importing it would replace ${lost}. ` +
        `To import it as ${kindFile(kind)} all the same, choose the kind ${kind} (the app's Kind, qc import --kind ${kind}, the API's kind); to keep it ${kindFile(last.kind)}, restore the file as it was`,
      { file: origin },
    );
  }

  /**
   * The distinct URLs to bring in, each with the first row that names it, a page at a time: an
   * input file's from the rows this import stored (the database, in line order), a folder's and
   * retried ones from memory.
   */
  private *urlPages(p: Prepared, importId: number, extra: ExtraUrl[]): Generator<ExtraUrl[]> {
    if (p.urlsStored) {
      for (let after = 0; ; ) {
        const page = this.q.distinctUrls.all(p.origin, importId, after, URL_PAGE);
        if (!page.length) break;
        after = page[page.length - 1]!.line;
        yield page.map((r) => ({ url: r.url, file: p.origin, line: r.line, allowLocal: p.allowLocal, publicOnly: p.publicOnly }));
      }
    }
    const where = new Map<string, ExtraUrl>();
    for (const r of p.folderRows) {
      if (!where.has(r.url)) where.set(r.url, { url: r.url, file: r.origin, line: r.line > 0 ? r.line : null, allowLocal: p.allowLocal, publicOnly: p.publicOnly, ...(r.localPath && { localPath: r.localPath, base: p.folder?.base ?? null }) });
    }
    for (const x of extra) if (!where.has(x.url)) where.set(x.url, x);
    const all = [...where.values()];
    for (let i = 0; i < all.length; i += URL_PAGE) yield all.slice(i, i + URL_PAGE);
  }

  /**
   * Run a prepared import. Whatever happens, the import row ends `done`, `cancelled` or `failed`
   * (with the error), never `running`: per-URL problems of any kind are recorded failures, and an
   * error that stops the whole import (the disk, the database) marks it failed before it propagates.
   */
  private async execute(p: Prepared, args: ImportArgs, ctx: CallContext, started: number, counters: { network: number }, extra: ExtraUrl[] = [], opts: RunOptions = {}): Promise<ImportSummary> {
    // What the import's records show for an input that stands for another file (RunOptions reportAs).
    const importId = await this.begin(p, ctx, (p.urlsStored && opts.reportAs?.shownAs) || null);
    // The files this import stores before their rows (store.ts ImportJournal): the ones no row
    // names are removed at the end of each page and when the import ends, before its row leaves
    // `running`; a process killed before leaves them to markInterrupted.
    const journal = this.deps.store.journal(importId);
    try {
      const summary = await this.executeImport(importId, p, args, ctx, started, counters, extra, opts, journal);
      await pacedAsync(journal.finish(this.deps.db));
      this.q.finishImport.run(summary.cancelled ? 'cancelled' : 'done', JSON.stringify(summary), null, importId);
      return summary;
    } catch (e) {
      const cancelled = ctx.signal.aborted;
      try {
        const reached = { images: 0 };
        await pacedAsync(
          (function* (settle: Generator<void, number>) {
            reached.images = yield* settle;
          })(this.settle(importId)),
        );
        await pacedAsync(journal.finish(this.deps.db));
        // Its summary is the count of images it reached, so the list of imports need not count them on every call.
        const summary = JSON.stringify(reached satisfies UnfinishedSummary);
        this.q.finishImport.run(cancelled ? 'cancelled' : 'failed', summary, cancelled ? 'cancelled' : describeError(toErrorShape(e)), importId);
      } catch {
        // The database itself is failing: markInterrupted() marks and settles this import at the next open.
      }
      throw e;
    } finally {
      journal.close();
      this.running.delete(importId);
    }
  }

  /**
   * Record a new import of `p` as `running`, owned by this process. One import of an input (a file,
   * a URL, a folder) runs at a time: while another import of the same source is `running` and its
   * process lives (here or in another `qc` on the library: store.ts ownerEnded, the rule training
   * runs follow), this one waits for it to end (progress `waiting`, naming it; Cancel stops the
   * wait), then runs: concurrent writers never fail, and two at once would each take the file's
   * rows from the other and then remove them as stale (a row is stale when an earlier import wrote
   * it). An import whose process has ended does not block: it is marked interrupted first. Check
   * and insert are one write transaction.
   */
  private async begin(p: Prepared, ctx: CallContext, shownAs: string | null): Promise<number> {
    const me = thisProcess();
    // The other paths of this file or folder (links), resolved once, outside the write lock.
    if (p.kind !== 'retry') p.aliases = p.urlsStored ? this.aliasesOf(p.origin) : [];
    if (p.folder) {
      const aliases = this.folderAliasesOf(p.origin, p.folder.chosen);
      p.aliases = aliases.map((a) => a.source);
      p.folder.aliasesUnder = aliases.map((a) => a.under);
    }
    for (let told = false; ; told = true) {
      if (p.kind !== 'retry') this.markInterrupted();
      const r = this.deps.db
        .transaction((): { id: number } | { waitFor: number; where: string } => {
          if (p.kind !== 'retry') {
            for (const r of [p.origin, ...(p.aliases ?? [])].flatMap((source) => this.q.runningOf.all(source))) {
              if (ownerEnded({ pid: r.pid, start: r.pid_start }, () => this.running.has(r.id), ownersOf(this.deps.db))) continue;
              // Another process may have this pid (in another pid namespace: a container sharing the library).
              return { waitFor: r.id, where: this.running.has(r.id) ? 'in this app' : `in another process (pid ${r.pid ?? '?'}) on this library` };
            }
          }
          const id = Number(this.q.newImport.run(p.kind, p.origin, shownAs, p.encoding, me.pid, me.start).lastInsertRowid);
          this.running.add(id);
          return { id };
        })
        .immediate();
      if ('id' in r) return r.id;
      if (!told) ctx.progress({ job: 'import', phase: 'waiting', done: 0, total: 1, message: `${shownAs ?? p.origin} is being imported already (import ${r.waitFor}, running ${r.where}): this import starts when it ends` });
      await sleep(IMPORT_WAIT_POLL_MS, undefined, { signal: ctx.signal }).catch(() => undefined); // an abort ends the wait at once
      if (ctx.signal.aborted) throw new QcError('cancelled', `cancelled while waiting for import ${r.waitFor} of ${shownAs ?? p.origin}: nothing was imported`, { file: p.origin });
    }
  }

  /** The other local paths earlier imports of input files were read by that lead to the same real file as `origin`. */
  private aliasesOf(origin: string): string[] {
    if (isHttpUrl(origin) || !path.isAbsolute(origin)) return [];
    const real = realPathOrNull(origin);
    if (real === null) return [];
    return this.q.fileSources.all().filter((s) => s !== origin && !isHttpUrl(s) && path.isAbsolute(s) && realPathOrNull(s) === real);
  }

  /**
   * The other local paths earlier folder imports read the folder `origin` (the layout's root under
   * the chosen folder `chosen`) by: their sources, and the folder each one's rows are under (its
   * chosen folder: the source less the `images` folder it read the layout from, when this import
   * read it from one too and that leads to the chosen folder).
   */
  private folderAliasesOf(origin: string, chosen: string): { source: string; under: string }[] {
    const real = realPathOrNull(origin);
    const realChosen = realPathOrNull(chosen);
    if (real === null || realChosen === null) return [];
    const wrapped = origin !== chosen;
    return this.q.folderSources
      .all()
      .filter((s) => s !== origin && path.isAbsolute(s) && realPathOrNull(s) === real)
      .map((source) => ({ source, under: wrapped && realPathOrNull(path.dirname(source)) === realChosen ? path.dirname(source) : source }));
  }

  private async executeImport(
    importId: number,
    p: Prepared,
    args: ImportArgs,
    ctx: CallContext,
    started: number,
    counters: { network: number },
    extra: ExtraUrl[],
    opts: RunOptions,
    journal: ImportJournal,
  ): Promise<ImportSummary> {
    const { db, labels } = this.deps;
    let bundleId: number | null = null;

    // 1. Every row, every row problem and the bundle, as the input is read: in short transactions
    //    (ROW_CHUNK_MS), the file's own bookkeeping in the first, its stale rows in the last.
    ctx.progress({ job: 'import', phase: 'rows', done: 0, total: p.rowCount });
    let rowProblems = 0;
    /** Rows stored with a problem (an ancestry not kept): in the library and a bundle's tag files, so not among rowProblems. */
    let rowsKeptWithProblems = 0;
    let rowsRemoved = 0;
    /**
     * The file's lines that are there but cannot be read now (a cell added by a spreadsheet, a
     * rating mangled), with the URL each still names, if any: what an earlier import stored from
     * them is kept (bad input loses nothing stored) until the line reads again or is gone.
     */
    const brokenLines = new Map<number, string | null>();
    let rowsKept = 0;
    /**
     * This file's rating rows that another file imported before holds too (the same ratings under
     * another name): stored like every row, counted once (countedRows.ts). Only where another
     * ratings file was imported can there be any (one file, imported again and again, looks
     * nothing up); its other paths' rows (aliases) go in its last transaction, so they are no other file.
     */
    let rowsAlreadyImported = 0;
    const thisFile = new Set([p.origin, ...(p.aliases ?? [])]);
    const othersRated = p.kind === 'ratings' && this.q.ratingSources.all().some((s) => !thisFile.has(s));
    const problemReasons: Partial<Record<FailureReason, number>> = {};
    const writer = labels.importWriter(importId);
    /** Images a row of this chunk took evidence from (its line now names another URL): derived with it. */
    const losing = new Set<number>();
    const input = p.rows()[Symbol.iterator]();
    let rowsRead = 0;
    let first = true;
    let finished = false;
    const q = this.q;
    // Where a failure at a line of the input is recorded: there, or where the input was copied from (opts.reportAs).
    const reportAs = p.urlsStored ? opts.reportAs : undefined;
    const told = (file: string | null, line: number | null): { file: string | null; line: number | null } =>
      reportAs && file === p.origin ? { file: reportAs.file, line: line === null ? null : (reportAs.line(line) ?? null) } : { file, line };
    // … and its detail: the input's lines it names told as lines of that file, the input's path as that file's.
    const toldDetail = (detail: string, detailAt?: RowProblem['detailAt']): string =>
      reportAs ? (detailAt ? detailAt((n) => reportAs.line(n) ?? n) : detail).split(p.origin).join(reportAs.file) : detail;
    const range = (chosen: string): [string, string] => {
      const prefix = chosen.endsWith(path.sep) ? chosen : chosen + path.sep;
      return [prefix, prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)];
    };
    // A folder's files replaced under the same name since an earlier import stored them (another
    // size or time of change; for a row stored without them, another size than its image's): their
    // URLs are unmapped from the old picture (derived again without them) and read again like new
    // files. HTTP URLs name what they named (EOL's media are immutable); a file is not.
    const replaced: { url: string; imageId: number }[] = [];
    if (p.folder) {
      const before = new Map(q.folderStampsUnder.all(...range(p.folder.chosen)).map((r) => [r.origin, r]));
      for (const r of p.folderRows) {
        const was = before.get(r.origin);
        if (!was || was.url !== r.url || r.raw.size === undefined) continue;
        const stamp = JSON.parse(was.raw) as Record<string, string>;
        const changed = stamp.size !== undefined && stamp.modified !== undefined ? stamp.size !== r.raw.size || stamp.modified !== r.raw.modified : Number(r.raw.size) !== was.bytes;
        if (changed) replaced.push({ url: r.url, imageId: was.image_id });
      }
    }
    /**
     * A folder is what its scan finds now: the rows of files under it that an earlier import
     * stored and this scan did not find (moved to another class folder, renamed, deleted, no
     * longer a regular file) stop counting, their images are derived again, and their URLs and
     * failures go once no row names them (a file that comes back is read again). Files under a
     * hidden folder are left alone: the scan does not read them, so it cannot tell; so are those
     * under a folder the scan could not list (no permission, an I/O error). The same for
     * the rows under `under`, another path of the chosen folder (a link): every one of them is
     * this scan's file stored under another name, and goes (those under the chosen folder's own
     * path, should that path lie under `under`, stay).
     */
    const removeVanished = (chosen: string, found: SourceRow[], unlisted: string[], under = chosen): number => {
      const [prefix, after] = range(under);
      const [own] = range(chosen);
      const scanned = new Set(found.map((r) => r.origin));
      // The folders the scan could not list, as paths inside the chosen folder: what is under them is unknown, not gone.
      const unknown = unlisted.map((u) => path.relative(chosen, u) + path.sep);
      let removed = 0;
      for (const r of q.folderRowsUnder.all(prefix, after)) {
        if (scanned.has(r.origin) || (under !== chosen && r.origin.startsWith(own))) continue;
        const inside = r.origin.slice(prefix.length);
        if (inside.split(path.sep).some((part) => part.startsWith('.'))) continue;
        if (unknown.some((u) => inside.startsWith(u))) continue;
        const img = q.urlImage.get(r.url);
        if (img) losing.add(img.image_id);
        q.deleteRow.run(r.id);
        if (!q.urlNamed.get(r.url)) {
          q.unmapUrl.run(r.url);
          q.clearFetchFailure.run(r.url);
        }
        removed++;
      }
      return removed;
    };
    // One transaction per step; pacedAsync pauses between them (db/paced.ts). A cancel stops the
    // rows at the end of the chunk it comes in (the first always runs: it records the file's
    // bookkeeping and its bundle). The import then goes on as a cancelled one: the rows stored so
    // far stay and their images are derived below, nothing is downloaded, and the last step never
    // runs, so no row is removed as stale and no bundle line dropped (the file was not read to its end).
    const steps = function* (): Generator<void> {
      for (;;) {
        if (!first && ctx.signal.aborted) return;
        db.transaction(() => {
          if (first) {
            // The file's lines as they are now: the failures of its lines from before go, also when
            // it has no data line left (a truncated download, every row deleted).
            if (p.kind !== 'folder' && p.kind !== 'retry') q.clearRowFailures.run(p.origin);
            // … and those recorded against the file it stands for, at the lines that are this input's.
            if (reportAs) for (const f of q.rowFailuresOf.all(reportAs.file)) if (reportAs.owns(f.line)) q.deleteFailure.run(f.id);
            if (p.folder) {
              for (const { url, imageId } of replaced) {
                q.unmapUrl.run(url);
                losing.add(imageId);
              }
              // The folder's entries it does not import (links that lead out, FIFOs, …): one failure
              // each, also when an earlier import recorded them by another path of the folder.
              for (const source of [p.origin, ...(p.aliases ?? [])]) q.clearFolderProblems.run(source);
              for (const pr of p.folder.problems) {
                q.rowFailure.run({ url: pr.url, file: pr.file, line: null, reason: pr.reason, detail: pr.detail, importId });
                rowProblems++;
                problemReasons[pr.reason] = (problemReasons[pr.reason] ?? 0) + 1;
              }
            }
            if (p.bundle) {
              bundleId = q.upsertBundle.get(reportAs?.shownName ?? path.basename(p.origin), p.origin, reportAs?.shownAs ?? null, JSON.stringify(p.bundle.columns), p.bundle.format)!.id;
            }
            first = false;
          }
          const began = performance.now();
          // The clock is read every row: one row can cost much (an ancestry's names in the taxon triggers).
          for (let n = 0; n < ROW_CHUNK && (n === 0 || performance.now() - began < ROW_CHUNK_MS); n++) {
            const next = input.next();
            if (next.done) {
              // Read to its end as one version of the file (truncated, appended to or rewritten
              // since it was opened: refused, this last step undone and nothing removed as stale).
              p.checkUnchanged();
              finished = true;
              break;
            }
            const { row: r, problem: pr } = next.value;
            rowsRead++;
            if (pr) {
              q.rowFailure.run({ url: pr.url, ...told(p.origin, pr.line), reason: pr.reason, detail: toldDetail(pr.detail, pr.detailAt), importId });
              if (r) rowsKeptWithProblems++;
              else rowProblems++;
              problemReasons[pr.reason] = (problemReasons[pr.reason] ?? 0) + 1;
              if (!r && p.urlsStored) brokenLines.set(pr.line, pr.url);
            }
            if (!r) continue;
            const tooLarge = r.ancestry === null ? null : ancestryTooLarge(r.ancestry);
            if (tooLarge) {
              q.rowFailure.run({ url: r.url, ...told(p.origin, r.line), reason: 'bad_ancestry', detail: toldDetail(tooLarge), importId });
              // The row is stored, without its ancestry.
              rowsKeptWithProblems++;
              problemReasons.bad_ancestry = (problemReasons.bad_ancestry ?? 0) + 1;
            }
            // An input file is what it says now: a line that named another URL before takes its
            // evidence from that URL's image, which is derived again in this same transaction.
            const before = p.urlsStored ? q.rowUrlAt.get(r.origin, r.line)?.url : undefined;
            if (before !== undefined && before !== r.url) {
              const img = q.urlImage.get(before);
              if (img) losing.add(img.image_id);
            }
            const { id } = q.upsertRow.get({
              origin: r.origin,
              line: r.line,
              kind: r.kind,
              url: r.url,
              eolId: r.eolId,
              rating: r.rating,
              exemplar: r.exemplar ? 1 : 0,
              folderLabel: r.folderLabel,
              ancestry: tooLarge ? null : r.ancestry,
              raw: JSON.stringify(r.raw),
              importId,
              // The curator's line it was copied from (a shard's copy), shown in an image's preview.
              shownLine: reportAs ? (reportAs.line(r.line) ?? null) : null,
            }) as { id: number };
            if (bundleId !== null) q.bundleItem.run(bundleId, r.line, id);
          }
          // The bundle's lines the file no longer has (bundleItem): every line it has now names a row of this import.
          if (finished && bundleId !== null) q.deleteStaleBundleItems.run(bundleId, importId);
          if (finished && p.urlsStored) {
            // Rows an earlier import stored that the file no longer has (lines removed, or now blank)
            // stop counting, and their images are derived again; a line still there but unreadable
            // keeps its row (brokenLines; one that now names another URL does not). No other import
            // of the file runs beside this one (begin), so every row of it not this import's is stale.
            for (const [line, url] of brokenLines) rowsKept += q.keepBrokenLineRow.run(importId, p.origin, line, importId, url, url).changes;
            for (const { image_id } of q.staleRowImages.all(p.origin, importId)) losing.add(image_id);
            rowsRemoved = q.deleteStaleRows.run(p.origin, importId).changes;
            if (rowsRemoved) {
              q.deleteOrphanFailures.run(p.origin);
              if (reportAs) q.deleteOrphanFailures.run(reportAs.file);
            }
            // The same file read before by another path (a link): its rows there are replaced by
            // these, so one rating in the file counts once, not once per path it was read by.
            for (const alias of p.aliases ?? []) {
              for (const { image_id } of q.staleRowImages.all(alias, Number.MAX_SAFE_INTEGER)) losing.add(image_id);
              q.deleteStaleRows.run(alias, Number.MAX_SAFE_INTEGER);
              q.clearRowFailures.run(alias);
              q.deleteOrphanFailures.run(alias);
            }
          }
          if (finished && p.folder) {
            rowsRemoved = removeVanished(p.folder.chosen, p.folderRows, p.folder.unlisted);
            // The same folder read before by another path (a link): its files' rows there are
            // replaced by these, so a picture rated by its folder counts once, not once per path.
            for (const under of p.folder.aliasesUnder ?? []) removeVanished(p.folder.chosen, p.folderRows, p.folder.unlisted, under);
          }
          losing.forEach((id) => writer.apply(id));
          losing.clear();
        }).immediate();
        ctx.progress({ job: 'import', phase: 'rows', done: finished ? p.rowCount : Math.min(rowsRead, p.rowCount), total: p.rowCount });
        if (finished) return;
        yield;
      }
    };
    await pacedAsync(steps());
    // Cancelled part way: the rows read, not the file's (the summary's `rows`).
    const rowsTold = finished ? p.rowCount : rowsRead;
    if (othersRated) rowsAlreadyImported = this.q.uncountedRowsOf.get(p.origin, importId) ?? 0;

    // 2. Split distinct URLs into stored, known failures, and work to do (counted here, fetched
    //    page by page below). Each URL comes with the first row that names it (file and line of
    //    its failure) and whether it may be read locally.
    const touched = new Set<number>();
    const failures = new Map<string, FailureReason>();
    let failedBefore = 0;
    let urlCount = 0;
    let todoCount = 0;
    /**
     * Whether a URL still has to be fetched; notes stored images and failures known from before. A
     * file: URL refused as local (local_refused) is tried again when this input may read local
     * files: the flag the failure asked for is given now (`qc import … --allow-local`), and
     * skipping it as "failed before" made following that advice do nothing.
     */
    const needsFetch = ({ url, allowLocal }: { url: string; allowLocal: boolean }): boolean => {
      const stored = this.q.urlImage.get(url);
      if (stored) {
        touched.add(stored.image_id);
        return false;
      }
      let known = args.retryFailed ? undefined : this.q.knownFailure.get(url);
      if (known?.reason === 'local_refused' && allowLocal && /^file:/i.test(url)) known = undefined;
      if (known && !failures.has(url)) {
        failures.set(url, known.reason);
        failedBefore++;
      }
      return !known;
    };
    for (const page of this.urlPages(p, importId, extra)) {
      urlCount += page.length;
      for (const x of page) if (needsFetch(x)) todoCount++;
    }
    // Rows may add evidence (a rating, an exemplar) to images that are already stored: derived in
    // short transactions (a re-run of a million-row file reaches a million images).
    await pacedAsync(this.deriveInChunks([...touched], writer));

    // 3. Fetch, verify and store the rest, bounded. Nothing a single URL does can stop the others.
    const newImages = new Set<number>();
    const mirrors = args.mirrors ?? [];
    const library = realLibrary(this.deps.paths.root);
    const concurrency = Number.isSafeInteger(args.concurrency) ? (args.concurrency as number) : DEFAULT_CONCURRENCY;
    const limit = pLimit(Math.max(1, Math.min(64, concurrency)));
    let done = 0;
    let fatal: unknown = null;
    // A mirror that has held none of the first MIRROR_MISSES_TOLD files its prefix named is said while
    // the import runs (most likely a wrong prefix or folder: each URL is then downloaded instead).
    const tally: MirrorTally = { read: 0, missed: 0 };
    let mirrorWords: string | null = null;
    const report = () => {
      if (!mirrorWords && tally.read === 0 && tally.missed >= MIRROR_MISSES_TOLD) mirrorWords = mirrorMissText(tally);
      ctx.progress({ job: 'import', phase: 'download', done, total: todoCount, failed: failures.size, ...(mirrorWords && { warning: mirrorWords }) });
    };
    report();
    const fetchOpts = { ...fetchOverrides(args), signal: ctx.signal, onRequest: () => counters.network++, ...(this.deps.lookup && { lookup: this.deps.lookup }) };
    const budget = new ByteBudget(this.deps.downloadBudget ?? DOWNLOAD_BUDGET_BYTES);
    // Stored images that gained URLs in this page: derived again once, at its end (see below).
    const gainedUrls = new Set<number>();
    const deriveGained = () => {
      if (!gainedUrls.size) return;
      db.transaction(() => gainedUrls.forEach((id) => writer.apply(id))).immediate();
      gainedUrls.clear();
    };
    const bringIn = (at: ExtraUrl) =>
      limit(async () => {
        if (ctx.signal.aborted || fatal) return;
        const url = at.url;
        // Held from the body's first byte until this URL is done with it, whichever way it ends; a
        // file read from the disk (a chosen folder's, a mirror's, an allowed file: URL's) holds its size the same way.
        const reservation = budget.reservation();
        try {
          const bytes = await holdingReads({ reservation, signal: ctx.signal }, () =>
            at.localPath ? readChosenFile(at.localPath, at.base) : obtain(url, { mirrors, allowLocal: at.allowLocal, publicOnly: at.publicOnly, library }, { ...fetchOpts, publicOnly: at.publicOnly, budget: reservation }, tally),
          );
          const hash = sha256(bytes);
          // A picture already stored under another URL needs no decoding: just map the URL to it.
          let image: Awaited<ReturnType<typeof verifyImage>> | null = null;
          let fresh: { image: Awaited<ReturnType<typeof verifyImage>>; files: StoredFiles; stored: string[] } | null = null;
          // The row goes in only where its files are (checked under the write lock, which removing them takes too).
          const commit = (f: typeof fresh) =>
            db
              .transaction((): number | null | 'gone' => {
                let isNew = false;
                if (f) {
                  if (!this.deps.store.has(f.stored) && !this.q.imageBySha.get(hash)) return 'gone';
                  const ins = this.q.insertImage.run({ sha256: hash, ...f.files, format: f.image.format, width: f.image.width, height: f.image.height, bytes: bytes.length });
                  isNew = ins.changes === 1;
                }
                const id = this.q.imageBySha.get(hash)!.id;
                if (isNew) newImages.add(id);
                this.q.mapUrl.run(url, id, importId);
                this.q.clearFetchFailure.run(url);
                // A new image gets its label with its row; one already stored that gains a URL (and
                // that URL's rows) is derived again once at the end of the page, not once per URL:
                // deriving reads every row of the image, so a picture named by thousands of URLs would
                // otherwise cost time quadratic in their number.
                if (isNew) writer.apply(id);
                else gainedUrls.add(id);
                touched.add(id);
                return isNew ? id : null;
              })
              .immediate();
          let added: number | null | 'gone';
          for (let attempt = 1; ; attempt++) {
            fresh = null;
            if (!this.q.imageBySha.get(hash)) {
              image ??= await verifyImage(bytes, this.deps.maxPixels ?? DEFAULT_MAX_PIXELS, opts.derived ?? 'now', { pixels: Boolean(opts.pixels && opts.onNewImage) });
              fresh = { image, ...(await this.deps.store.write(hash, image.format, bytes, image, journal)) };
            }
            added = commit(fresh);
            if (added !== 'gone') break;
            // Another process removed them as no row's (store.ts removeUnnamedFiles) after they were
            // stored (or found stored): store them again.
            if (attempt === STORE_ATTEMPTS) throw new Error(`its stored files were removed ${STORE_ATTEMPTS} times before its row was committed`);
          }
          if (added !== null) await opts.onNewImage?.(added, fresh?.image.pixels && { img: fresh.image.pixels, bytes: codedBytes(bytes) });
        } catch (e) {
          // The library cannot store pictures (a full disk, an unwritable folder): no URL's fault, and
          // every one after it would fail the same way: stop the import and say why.
          if (e instanceof LibraryWriteFailure) {
            fatal ??= e;
            return;
          }
          const known = e instanceof FetchFailure || e instanceof VerifyFailure;
          if (ctx.signal.aborted && !known) return;
          const reason: FailureReason = known ? e.reason : 'internal';
          const detail = known ? e.message : `${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`.slice(0, 500);
          failures.set(url, reason);
          try {
            this.q.fetchFailure.run({ url, ...told(at.file, at.line), reason, detail: at.file === p.origin ? toldDetail(detail) : detail, importId, publicOnly: at.publicOnly ? 1 : 0 });
          } catch (dbError) {
            fatal ??= dbError; // the database cannot take even a failure: stop and report that
          }
        } finally {
          reservation.release();
        }
        done++;
        report();
      }).catch((e: unknown) => {
        fatal ??= e; // not a URL's problem (progress reporting, the database): stop and fail the import
      });
    try {
      for (const page of this.urlPages(p, importId, extra)) {
        if (ctx.signal.aborted || fatal) break;
        await Promise.all(page.filter((x) => needsFetch(x)).map(bringIn));
        deriveGained();
        // The page's files that no row names (a picture that failed after its original was stored) go now.
        await pacedAsync(journal.settle(db));
      }
    } finally {
      if (!fatal) deriveGained();
    }
    if (fatal) throw fatal;

    // 4. Summary.
    const cancelled = ctx.signal.aborted;
    // export-training's curator_labels.tsv (folder.ts): its pictures' labels made curator labels
    // again, a different curator label here kept (labels.ts carry, as a tag file's curator rows).
    // The folder a picture sits in now is the later word: a picture the curator moved from
    // agg/good to agg/bad in the export (or out of agg) was changed by hand, and takes its folder's
    // label as any picture of the folder does; the manifest's label holds only where its folder
    // still says it.
    let curatorLabels: ImportSummary['curator_labels'];
    if (p.folder?.curator?.size && !cancelled) {
      const byImage = new Map<number, Label>();
      let moved = 0;
      const bySha = db.prepare<[string], { id: number }>('SELECT id FROM images WHERE sha256 = ?');
      const urlsOf = db.prepare<[number], string>('SELECT url FROM image_urls WHERE image_id = ?').pluck();
      const folderLabelOf = new Map(p.folderRows.map((r) => [r.url, r.folderLabel]));
      for (const [sha, label] of p.folder.curator) {
        const id = bySha.get(sha)?.id;
        if (id === undefined || !touched.has(id)) continue;
        const said = new Set(urlsOf.all(id).map((url) => folderLabelOf.get(url) ?? null).filter((l) => l !== null));
        if (said.size === 1 && said.has(label)) byImage.set(id, label);
        else moved++;
      }
      const r = labels.carry(byImage);
      curatorLabels = { rows: p.folder.curator.size, labelled: r.changed.length, unchanged: r.unchanged, conflicts: r.conflicts.length, not_here: p.folder.curator.size - byImage.size - moved, ...(moved && { moved }) };
    }
    const labelCounts: LabelCounts = { good: 0, bad: 0, unlabeled: 0 };
    // Of the unlabelled: those the import left so because what names them disagrees (inputs that
    // rate or class pictures only: a bundle's or exemplars' images are not looked at).
    // A folder with no class or rating folder gives no image a label, so none that can disagree: not looked at.
    const classed = p.kind === 'ratings' || (p.kind === 'folder' && p.folderRows.some((r) => r.folderLabel !== null || r.rating !== null));
    const rule = classed ? labels.rule() : null;
    const unsettled: number[] = [];
    for (const id of touched) {
      const l = this.q.labelOf.get(id);
      if (l?.label === 'good' || l?.label === 'bad') labelCounts[l.label]++;
      else {
        labelCounts.unlabeled++;
        if (rule && l?.origin !== 'curator') unsettled.push(id);
      }
    }
    const ratedBothWays = rule ? this.countDisagreeing(unsettled, rule) : 0;
    const failuresByReason: Partial<Record<FailureReason, number>> = {};
    for (const reason of failures.values()) failuresByReason[reason] = (failuresByReason[reason] ?? 0) + 1;
    for (const [reason, n] of Object.entries(problemReasons) as [FailureReason, number][]) failuresByReason[reason] = (failuresByReason[reason] ?? 0) + n;
    const skippedCount = Object.values(p.folder?.skippedByExtension ?? {}).reduce((a, b) => a + b, 0);
    const hidden = p.folder?.hidden ?? { files: 0, folders: 0 };
    return {
      import_id: importId,
      kind: p.kind,
      source: reportAs?.shownAs ?? p.origin,
      encoding: p.encoding,
      rows: rowsTold,
      urls: urlCount,
      images_new: newImages.size,
      images_existing: touched.size - newImages.size,
      failed: failures.size,
      failed_before: failedBefore,
      failures_by_reason: failuresByReason,
      row_problems_by_reason: problemReasons,
      ...((skippedCount > 0 || hidden.files > 0 || hidden.folders > 0) && {
        skipped_files: {
          count: skippedCount,
          by_extension: p.folder!.skippedByExtension,
          ...(hidden.files > 0 && { hidden_files: hidden.files }),
          ...(hidden.folders > 0 && { hidden_folders: hidden.folders }),
        },
      }),
      row_problems: rowProblems,
      ...(rowsKeptWithProblems > 0 && { rows_kept_with_problems: rowsKeptWithProblems }),
      ...(rowsRemoved > 0 && { rows_removed: rowsRemoved }),
      ...(rowsKept > 0 && { rows_kept_unreadable: rowsKept }),
      ...(rowsAlreadyImported > 0 && { rows_already_imported: rowsAlreadyImported }),
      labels: labelCounts,
      ...(ratedBothWays > 0 && { rated_both_ways: ratedBothWays }),
      ...(curatorLabels && { curator_labels: curatorLabels }),
      ...(tally.read + tally.missed > 0 && { mirror: { ...tally } }),
      bundle_id: bundleId,
      network_requests: counters.network,
      seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
      cancelled,
    };
  }
}

/** A path's real path (links resolved), or null when it cannot be resolved (gone). */
function realPathOrNull(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}

/** A prepared input whose rows are in memory (a folder's; none for a retry). */
function inMemory(rows: SourceRow[]): Pick<Prepared, 'rows' | 'rowCount' | 'folderRows' | 'urlsStored' | 'checkUnchanged' | 'close'> {
  return { rows: () => rows.map((row) => ({ row, problem: null })), rowCount: rows.length, folderRows: rows, urlsStored: false, checkUnchanged: () => {}, close: async () => {} };
}

/** A URL to bring in, with the row that named it and whether it may be read from the local disk. */
interface ExtraUrl {
  url: string;
  file: string | null;
  line: number | null;
  allowLocal: boolean;
  /** Named by a list downloaded from a public host: it must lead to a public address. */
  publicOnly: boolean;
  /** A folder's file: its exact path, read by folder.ts readFolderFile (never through a link) … */
  localPath?: Buffer;
  /** … and the real path of the chosen folder it must lie in (null: none is known, so it is refused). */
  base?: Buffer | null;
}

/** A folder's file, read only inside the folder chosen for it: one no folder import holds is refused. */
async function readChosenFile(file: Buffer, base: Buffer | null | undefined): Promise<Buffer> {
  if (!base) throw new FetchFailure('local_refused', `${pathText(file)}: no folder import holds this file; import its folder again`, false);
  return readFolderFile(file, base);
}

/**
 * For a retry: the real path of the folder a folder import chose (its stored source) that holds
 * `file`, the nearest one; null when no folder import holds it. The retry then reads the file only
 * where a folder import would have: inside that folder, never through a link out.
 */
function chosenFolderOf(file: Buffer, folders: ReadonlySet<string>): Buffer | null {
  for (let cut = file.lastIndexOf(path.sep); cut > 0; cut = file.lastIndexOf(path.sep, cut - 1)) {
    const folder = file.subarray(0, cut);
    if (folders.has(pathText(folder))) return realOrSelf(folder);
  }
  return folders.has(path.sep) ? realOrSelf(Buffer.from(path.sep)) : null;
}

/** A folder's real path; the path itself when it is gone (its files are then gone too: missing_file). */
function realOrSelf(p: Buffer): Buffer {
  try {
    return fs.realpathSync(p, { encoding: 'buffer' });
  } catch {
    return p;
  }
}

/**
 * A failed URL that came from a folder the user chose (the failure's file is the URL's own file):
 * the file's exact path, read again as a folder's file (never through a link); else null.
 */
function folderFileOf(f: { url: string; file: string | null; line: number | null }): Buffer | null {
  if (!f.file || f.line !== null || !/^file:/i.test(f.url)) return null;
  const p = pathOfFileUrl(f.url);
  return p && pathText(p) === f.file ? p : null;
}

/** Whether a failed URL from a local input file may be read locally when retried: with --allow-local. */
function retryMayReadLocal(f: { url: string; file: string | null; line: number | null }, allowLocal: boolean): boolean {
  if (!f.file) return false;
  return allowLocal && !/^[a-z][a-z0-9+.-]*:\/\//i.test(f.file);
}

/**
 * Whether a failed URL stays held to public addresses when retried: as its import decided from
 * where its list was served (failures.public_only). A failure recorded before that was stored
 * (NULL) and named by a list downloaded over HTTP is held to them unless the list's host is
 * written as a local or private address: where such a list came from is no longer known, and a
 * fresh lookup of its name would be the rebinding the recorded rule prevents.
 */
function retryPublicOnly(f: { file: string | null; public_only: number | null }): boolean {
  if (f.public_only !== null) return f.public_only === 1;
  if (!f.file || !isHttpUrl(f.file)) return false;
  try {
    return !isPrivateHost(new URL(f.file).hostname);
  } catch {
    return true;
  }
}

function fetchOverrides(args: ImportArgs) {
  return {
    timeoutMs: args.timeoutMs ?? DEFAULT_FETCH_OPTIONS.timeoutMs,
    retries: args.retries ?? DEFAULT_FETCH_OPTIONS.retries,
  };
}

/** Of the URLs a mirror's prefix named in one import: read from a mirror folder, or missed (ImportSummary.mirror). */
interface MirrorTally {
  read: number;
  missed: number;
  example?: { url: string; file: string };
}

/** The bytes behind a URL under the policy (sources.ts): a mirror file, an allowed local file, or the network. */
async function obtain(url: string, policy: SourcePolicy, fetchOpts: Parameters<typeof fetchBytes>[1], tally?: MirrorTally): Promise<Buffer> {
  const src = resolveSource(url, policy);
  if (src.kind === 'file') {
    if (src.via === 'mirror' && tally) tally.read++;
    return readLocalFile(src.path, DEFAULT_FETCH_OPTIONS.maxBytes);
  }
  if (src.notInMirror === undefined) return fetchBytes(src.url, fetchOpts);
  if (tally) {
    tally.missed++;
    tally.example ??= { url, file: src.notInMirror[0]! };
  }
  // A mirror's prefix named a file its folder lacks, and the URL was fetched instead: a failure says
  // both, under a reason of its own (filed as "network", 567 of them read as a network problem when
  // the prefix had a typo), with the network's words in the detail.
  try {
    return await fetchBytes(src.url, fetchOpts);
  } catch (e) {
    if (e instanceof FetchFailure) {
      const folders = src.notInMirror.length > 1 ? 'mirror folders' : 'mirror folder';
      throw new FetchFailure('not_in_mirror', `not in the ${folders} (${src.notInMirror.map((f) => shortPath(f)).join('; ')}), and the URL itself: ${e.message}`, e.retryable);
    }
    throw e;
  }
}
