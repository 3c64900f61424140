/**
 * The seed's training folders and download lists (EOL Step 1) from the library:
 *
 *   DIR/images/1 … 5/          originals by rating class (exemplars are class 5)
 *   DIR/images/agg/bad|good/   originals by current label (a curator's label wins over the rule)
 *   DIR/one_download.txt …     every http(s) URL of each rating class, one a line: the URLs of the
 *                              images (their original file missing too) and of rated input rows
 *                              that have no image (a failed or never-finished download), by the
 *                              rating class its rows give it (exemplar, else the rounded mean
 *                              rating; the label rule plays no part) (never one holding a line
 *                              break: skipped and counted)
 *   DIR/one_download_7k.txt …  a seeded random sample of N of them (N = 7,000 by default)
 *   DIR/curator_labels.tsv     which pictures of images/agg/ a curator labelled (sha256, label, file;
 *                              only when some were): the folders alone say a label, not whose, and
 *                              `qc import DIR` makes these curator labels again (folder.ts)
 *
 * Files are copies of the stored originals, never hard links and never re-encoded, each checked
 * against the size and sha256 the library recorded for it (hashed as it is copied: one read), so a
 * re-import of DIR finds the same pictures (same sha256) with the same rating classes and labels.
 * An original that no longer matches (emptied, truncated, replaced by another file) is left out,
 * counted and named as damaged, never published under its image's name and label. An image whose
 * stored path does not lead (links resolved) to a file inside the library's originals/ is counted
 * as missing, never copied. What the layout
 * cannot say: a curator's "no label" on a rated image (re-importing would give it the rule's label
 * again); such images are counted, not hidden.
 *
 * Written whole or not at all (stage.ts): killed, cancelled or failed part way, the folder holds no
 * image and no list (only a hidden stage folder, swept by the next export), and the next export
 * into it is allowed.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { QcError } from '../../../src-shared/contract/errors';
import { DEFAULT_LABEL_RULE, deriveLabel, type RatingClass } from '../../../src-shared/domain/label';
import { mulberry32 } from '../../../src-shared/domain/random';
import type { TrainingExportSummary } from '../../../src-shared/domain/runQuality';
import type { Db } from '../db/open';
import { AtomicFile, userFsError, writeFileAtomic } from '../fsSafe';
import { insideDir, realPathInside } from '../library/files';
import type { LibraryPaths } from '../paths';
import { FolderNames } from './portableName';
import { ExportStage, exportTempOwner, FOREIGN_TEMP_QUIET_MS, isStageName, sweepExportTemps } from './stage';
import { onThisMachine } from '../library/store';
import { CURATOR_MANIFEST, CURATOR_MANIFEST_HEADER } from '../library/folder';
import { countedRatingSql } from '../labels/countedRows';
import { withSnapshot } from '../db/snapshot';

export const CLASS_WORDS = ['one', 'two', 'three', 'four', 'five'] as const;
export const DEFAULT_SAMPLE = 7000;

export interface TrainingExportOptions {
  outDir: string;
  /** Size of each per-class random sample list (default 7,000). */
  sample?: number;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Image rows read at a time (default {@link TRAINING_PAGE_ROWS}; tests set a small one to cross pages). */
  pageRows?: number;
}

/**
 * Image rows read at a time. The export reads them page by page (keyset on the id) as it copies,
 * never the whole library at once: one `.all()` of a million rows held ~650 MB before the first
 * file was written.
 */
export const TRAINING_PAGE_ROWS = 1000;

interface ImageRow {
  id: number;
  sha256: string;
  bytes: number;
  path: string;
  rating_class: number | null;
  label: 'good' | 'bad' | null;
  origin: 'import' | 'curator' | null;
  eol_id: string | null;
}

/**
 * A line break of any reader (tsv.ts's set: LF, CR, VT, FF, U+001C–U+001E, NEL, U+2028, U+2029).
 * A URL holding one is never written to a download list, one URL a line: a reader that splits
 * there (Python's readlines() at a CR, splitlines() at any of them) would fetch a second URL that
 * no input named. The import refuses such URLs (parse.ts); a library imported before it did may
 * still hold some.
 */
// eslint-disable-next-line no-control-regex -- U+001C–U+001E are line breaks to str.splitlines()
const LINE_BREAK = /[\n\v\f\r\x1c-\x1e\x85\u2028\u2029]/;

/**
 * Names the OS leaves in a folder by itself (Finder's .DS_Store, Explorer's Thumbs.db and
 * desktop.ini): a folder holding only these counts as empty. They are left where they are.
 */
const OS_METADATA = new Set(['.ds_store', 'thumbs.db', 'desktop.ini']);
function isOsMetadata(name: string): boolean {
  return OS_METADATA.has(name.toLowerCase());
}

/** The sample list's suffix as the seed wrote it: 7000 → "7k", 2500 → "2500". */
export function sampleSuffix(n: number): string {
  return n % 1000 === 0 ? `${n / 1000}k` : String(n);
}

/** A seeded sample of n items (all of them when fewer), in a random order: partial Fisher–Yates. */
export function seededSample<T>(items: readonly T[], n: number, seed: number): T[] {
  const a = items.slice();
  const rand = mulberry32(seed);
  const k = Math.min(n, a.length);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k);
}

/**
 * The positions {@link seededSample} picks from `length` items, in its order, without the items:
 * the same partial Fisher–Yates over positions, those swapped kept in a map (at most 2n entries).
 * The export draws each class's sample this way from its list as written, so a class of a million
 * URLs is never held to sample it.
 */
export function seededSamplePositions(length: number, n: number, seed: number): number[] {
  const moved = new Map<number, number>();
  const at = (i: number) => moved.get(i) ?? i;
  const rand = mulberry32(seed);
  const k = Math.min(n, length);
  const picked: number[] = [];
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (length - i));
    const [vi, vj] = [at(i), at(j)];
    // Position i is never looked at again: only j keeps what the swap put there.
    moved.set(j, vi);
    picked.push(vj);
  }
  return picked;
}

/** A download list written as its URLs come, never held whole; counted, for its sample. */
class UrlList {
  readonly out: AtomicFile;
  count = 0;
  private pending = '';
  constructor(readonly file: string) {
    this.out = new AtomicFile(file);
  }
  add(url: string): void {
    this.pending += `${url}\n`;
    this.count++;
    if (this.pending.length >= 1 << 16) this.flush();
  }
  private flush(): void {
    if (this.pending) this.out.write(this.pending);
    this.pending = '';
  }
  commit(): void {
    this.flush();
    this.out.commit();
  }
}

/** The lines at `positions` (distinct, 0-based) of a file of `\n`-ended lines, in the order asked: one pass, holding only those. */
export function linesAt(file: string, positions: readonly number[]): string[] {
  const slotOf = new Map(positions.map((p, slot) => [p, slot]));
  const lines = new Array<string>(positions.length);
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.allocUnsafe(COPY_CHUNK);
    let rest = Buffer.alloc(0);
    for (let line = 0, n: number; slotOf.size && (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) {
      const chunk = rest.length ? Buffer.concat([rest, buf.subarray(0, n)]) : buf.subarray(0, n);
      let start = 0;
      for (let nl: number; (nl = chunk.indexOf(0x0a, start)) >= 0; start = nl + 1, line++) {
        const slot = slotOf.get(line);
        if (slot === undefined) continue;
        lines[slot] = chunk.toString('utf8', start, nl);
        slotOf.delete(line);
      }
      // A copy: `buf` is read into again.
      rest = Buffer.from(chunk.subarray(start));
    }
  } catch (e) {
    throw userFsError(e, file, 'cannot read it');
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  if (slotOf.size) throw new Error(`${file}: ${slotOf.size} lines of the list were not found in it`);
  return lines;
}

/**
 * A file name for an image: its EOL id made portable (portableName.ts: never hidden, never a Windows
 * device name, unique in its folder under case folding and Unicode normalisation), else its sha256.
 */
function fileName(r: ImageRow, ext: string, names: FolderNames): string {
  return names.claim(r.eol_id, ext, r.sha256);
}

/** Bytes read and written at a time while an original is copied and hashed. */
const COPY_CHUNK = 1 << 20;

/** How many damaged originals a summary names (all are counted). */
export const DAMAGED_NAMED = 100;

/**
 * A copy of an original into the export's stage folder, hashed as it is copied (one read of the
 * original), kept only when it has the size and sha256 the library recorded: a picture half
 * copied when the process dies, or one that does not match, is never under a name of the
 * published export. Not a hard link: that is the library's own file, and an editor or EXIF tool
 * writing to the export in place would change the library's original under its sha256 name.
 * Async: the event loop runs between chunks (progress, a cancel). Returns why the original was not
 * copied (it differs from the library's record, or cannot be read), or null when it was.
 */
async function placeVerified(src: string, dst: string, want: { bytes: number; sha256: string }, counts: { copied: number }): Promise<string | null> {
  let out: fs.promises.FileHandle;
  try {
    out = await fs.promises.open(dst, 'wx');
  } catch (e) {
    throw userFsError(e, dst, 'cannot write it');
  }
  const hash = createHash('sha256');
  let size = 0;
  let why: string | null = null;
  try {
    let input: fs.promises.FileHandle | undefined;
    try {
      input = await fs.promises.open(src, 'r');
      const buf = Buffer.allocUnsafe(COPY_CHUNK);
      for (;;) {
        const { bytesRead } = await input.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        size += bytesRead;
        // Larger than recorded: no need to read the rest.
        if (size > want.bytes) break;
        hash.update(buf.subarray(0, bytesRead));
        for (let at = 0; at < bytesRead; ) {
          try {
            at += (await out.write(buf, at, bytesRead - at)).bytesWritten;
          } catch (e) {
            throw userFsError(e, dst, 'cannot write it');
          }
        }
      }
    } catch (e) {
      if (e instanceof QcError || input === undefined) throw e;
      why = `it cannot be read (${(e as Error).message})`;
    } finally {
      await input?.close();
    }
    if (!why && size !== want.bytes) why = size > want.bytes ? `it is larger than the ${want.bytes} bytes the library recorded` : `it has ${size} bytes, the library recorded ${want.bytes}`;
    if (!why && hash.digest('hex') !== want.sha256) why = 'its content differs from the picture the library recorded (another sha256)';
  } catch (e) {
    await out.close().catch(() => {});
    await fs.promises.rm(dst, { force: true });
    throw e;
  }
  await out.close();
  if (why) {
    await fs.promises.rm(dst, { force: true });
    return why;
  }
  counts.copied++;
  return null;
}

/**
 * A second copy of a picture already placed (and checked) in the stage: a reflink where the file
 * system has them. Not a hard link: an editor of one exported file would change the other.
 */
async function placeAgain(src: string, dst: string, counts: { copied: number }): Promise<void> {
  try {
    await fs.promises.copyFile(src, dst, fs.constants.COPYFILE_EXCL | fs.constants.COPYFILE_FICLONE);
  } catch (e) {
    throw userFsError(e, dst, 'cannot write it');
  }
  counts.copied++;
}

/** The names a training export writes at the top of its folder. */
function isTrainingName(name: string): boolean {
  return name === 'images' || name === CURATOR_MANIFEST || /^(one|two|three|four|five)_download(_[0-9]+k?)?\.txt$/.test(name);
}

/**
 * The export folder must be new or empty, or hold only an export of ours that did not finish: a
 * stage folder of a process that has ended, with at most what that export had published beside it
 * (the images folder, download lists). Such a folder is cleared and written again (the restart
 * is the resume: the pictures are copies, made again in moments). Anything else in it is refused.
 * The OS's own metadata files (`isOsMetadata`) do not count, and are never removed.
 */
function clearOrRefuse(dir: string, owners: string): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dir, { throwIfNoEntry: false });
  } catch (e) {
    throw userFsError(e, dir, 'cannot read the export folder');
  }
  if (!st) return;
  if (!st.isDirectory()) throw new QcError('bad_input', 'the export folder is an existing file; choose a folder', { file: dir });
  let entries: string[];
  try {
    entries = fs.readdirSync(dir).filter((n) => !isOsMetadata(n));
  } catch (e) {
    throw userFsError(e, dir, 'cannot read the export folder');
  }
  if (!entries.length) return;
  const stages = entries.filter(isStageName);
  const unfinished = stages.length > 0 && entries.every((n) => isStageName(n) || isTrainingName(n));
  if (!unfinished) throw new QcError('bad_input', 'the export folder is not empty; choose a new or empty folder', { file: dir });
  refuseLiveExport(dir, owners);
  // Only what that export publishes: the images folder (links inside are removed, never followed) and the lists.
  for (const n of entries.filter(isTrainingName)) fs.rmSync(path.join(dir, n), { recursive: true, force: true });
}

/**
 * Refuse (bad_input naming `dir`) while another live export writes the same files into `dir`: a
 * stage folder or temporary there of a process that has not ended (stage.ts sweepExportTemps, which
 * sweeps those of ended ones first) for which `same` holds (default: any; this export's own stage
 * is the caller's to leave out). Used by export-training and the library's final tags (tags.ts),
 * whose second writer would otherwise replace the first's output when it renames its own.
 */
export function refuseLiveExport(dir: string, owners: string | null | undefined, same: (abs: string) => boolean = () => true): void {
  const { live } = sweepExportTemps(dir, owners);
  const busy = live.find(same);
  if (busy === undefined) return;
  // Named, with its writer: a stage left by a crashed export of another machine or container (a
  // shared folder) looks live for an hour (stage.ts FOREIGN_TEMP_QUIET_MS), and "wait for it" alone
  // did not tell the user which it was or that removing it is theirs to do.
  const name = path.basename(busy);
  const owner = exportTempOwner(name);
  const mine = owner !== null && onThisMachine(owner);
  const who = owner?.pid == null ? '' : mine ? `, process ${owner.pid} of this machine` : `, process ${owner.pid} of another machine or container`;
  const left = mine ? '' : `; if that export has ended, remove ${name} (a leftover of another machine is cleared once left untouched for ${FOREIGN_TEMP_QUIET_MS / 3_600_000} hour)`;
  throw new QcError('bad_input', `another export is writing into this folder (${name}${who}); wait for it or choose another folder${left}`, { file: dir });
}

/** Pictures copied between two looks at the event loop (progress out, a cancel in). */
const YIELD_EVERY = 32;

/**
 * Write the training folders and download lists into `outDir`, whole or not at all: everything is
 * built in a stage folder inside it (stage.ts), then the download lists and, last, the images
 * folder (one rename) are moved into place. Cancelled (`signal`) or failed, the stage is removed
 * and the folder is as it was. A folder left by a killed export of ours is cleared and written again.
 */
export async function exportTraining(db: Db, paths: LibraryPaths, opts: TrainingExportOptions): Promise<TrainingExportSummary> {
  const sample = opts.sample ?? DEFAULT_SAMPLE;
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(sample) || sample < 1) throw new QcError('bad_input', `sample must be a positive integer, got ${sample}`);
  const dir = path.resolve(opts.outDir);
  clearOrRefuse(dir, paths.owners);
  // The images, their URLs and the rated input rows that have none are read in one snapshot of the
  // library (db/snapshot.ts: its own read-only connection, held across the copies' awaits), page by
  // page: all see one library, and no more than a page of images is held at once.
  return withSnapshot(db, (reader) => exportFromSnapshot(reader, paths, dir, sample, seed, opts));
}

async function exportFromSnapshot(db: Db, paths: LibraryPaths, dir: string, sample: number, seed: number, opts: TrainingExportOptions): Promise<TrainingExportSummary> {
  const pageRows = Math.max(1, opts.pageRows ?? TRAINING_PAGE_ROWS);
  const WANTED = 'i.rating_class IS NOT NULL OR l.label IS NOT NULL';
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM images i LEFT JOIN labels l ON l.image_id = i.id WHERE ${WANTED}`).get() as { n: number }).n;
  const page = db.prepare<[number, number], ImageRow>(
    `SELECT i.id, i.sha256, i.bytes, i.path, i.rating_class, l.label, l.origin,
            (SELECT s.eol_id FROM image_urls u JOIN source_rows s ON s.url = u.url
              WHERE u.image_id = i.id AND s.eol_id IS NOT NULL ORDER BY s.id LIMIT 1) AS eol_id
     FROM images i LEFT JOIN labels l ON l.image_id = i.id
     WHERE i.id > ? AND (${WANTED})
     ORDER BY i.id LIMIT ?`,
  );
  /** The images after id `after`, a page at a time, in id order. */
  async function* imageRows(): AsyncGenerator<ImageRow> {
    for (let after = -1; ; ) {
      const rows = page.all(after, pageRows);
      if (!rows.length) return;
      yield* rows;
      after = rows[rows.length - 1]!.id;
    }
  }
  const urlsOf = db.prepare(
    `SELECT DISTINCT u.url FROM image_urls u WHERE u.image_id = ? AND (u.url LIKE 'http://%' OR u.url LIKE 'https://%') ORDER BY u.url`,
  );

  const stage = ExportStage.open(dir, { owners: paths.owners });
  let urlLists: UrlList[] = [];
  try {
    const images = stage.path('images');
    for (const f of [...CLASS_WORDS.map((_, i) => path.join('images', String(i + 1))), path.join('images', 'agg', 'bad'), path.join('images', 'agg', 'good')]) stage.mkdir(f);

    const result: TrainingExportSummary = { dir, by_class: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 }, agg: { bad: 0, good: 0 }, copied: 0, lists: [], curator_unlabelled: 0, missing: 0, damaged: 0, damaged_files: [], urls_skipped: 0 };
    // Each class's list written as its URLs come. Each URL comes once: in the one snapshot a URL is
    // one image's (image_urls' key), an imageless one no image's, and those are read grouped by URL.
    urlLists = CLASS_WORDS.map((word) => new UrlList(stage.path(`${word}_download.txt`)));
    const list = (url: string, cls: RatingClass) => {
      if (LINE_BREAK.test(url)) result.urls_skipped++;
      else urlLists[cls - 1]!.add(url);
    };
    const taken = new Map<string, FolderNames>();
    const takenIn = (folder: string) => taken.get(folder) ?? taken.set(folder, new FolderNames()).get(folder)!;
    // The pictures a curator labelled, as the manifest names them (its file: the agg/ copy, relative to DIR).
    const curatorLines: string[] = [];
    const cancelled = () => {
      if (opts.signal?.aborted) throw new QcError('cancelled', 'export cancelled');
    };

    let done = 0;
    for await (const r of imageRows()) {
      if (done % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      cancelled();
      // Listed before the file is looked for: a URL whose picture the library lacks is the one a re-download needs most.
      if (r.rating_class !== null) for (const { url } of urlsOf.all(r.id) as { url: string }[]) list(url, r.rating_class as RatingClass);
      // The database is not trusted to keep paths in originals/: `../x`, `originals/../library.sqlite` and links out are missing.
      const stored = insideDir(paths.root, r.path);
      const src = stored && realPathInside(stored, [paths.originals]);
      const st = src ? fs.statSync(src, { throwIfNoEntry: false }) : undefined;
      if (!src || !st?.isFile()) {
        result.missing++;
        opts.onProgress?.(++done, total);
        continue;
      }
      const ext = path.extname(r.path).toLowerCase() || '.jpg';
      const folders = [
        ...(r.rating_class !== null ? [path.join(images, String(r.rating_class))] : []),
        ...(r.label !== null ? [path.join(images, 'agg', r.label)] : []),
      ];
      // The first copy is read from the original and checked; the second is made from the first.
      let first: string | null = null;
      let why: string | null = null;
      for (const folder of folders) {
        const dst = path.join(folder, fileName(r, ext, takenIn(folder)));
        if (first === null) {
          // A size that differs is seen without reading the file.
          why = st.size !== r.bytes ? `it has ${st.size} bytes, the library recorded ${r.bytes}` : await placeVerified(src, dst, r, result);
          if (why) break;
          first = dst;
        } else await placeAgain(first, dst, result);
        if (r.origin === 'curator' && r.label !== null && folder === path.join(images, 'agg', r.label)) {
          curatorLines.push(`${r.sha256}\t${r.label}\t${path.relative(stage.dir, dst).split(path.sep).join('/')}`);
        }
      }
      if (why) {
        result.damaged++;
        if (result.damaged_files.length < DAMAGED_NAMED) result.damaged_files.push({ image_id: r.id, path: src, why });
      } else {
        if (r.rating_class !== null) {
          result.by_class[String(r.rating_class) as '1'] += 1;
          if (r.label === null && r.origin === 'curator') result.curator_unlabelled++;
        }
        if (r.label !== null) result.agg[r.label]++;
      }
      opts.onProgress?.(++done, total);
    }
    cancelled();
    // Rated input rows whose URL no image has (its download failed, or never ran). Read after the
    // images, in the same snapshot: not held while they are copied.
    const imageless = db
      .prepare(
        `SELECT s.url, ${countedRatingSql('s')} AS rating, s.exemplar FROM source_rows s
         WHERE (s.rating IS NOT NULL OR s.exemplar = 1) AND (s.url LIKE 'http://%' OR s.url LIKE 'https://%')
           AND NOT EXISTS (SELECT 1 FROM image_urls u WHERE u.url = s.url)
         ORDER BY s.url, s.id`,
      )
      .all() as { url: string; rating: number | null; exemplar: number }[];
    // Each imageless URL in the class its rows would give an image (labels/labels.ts's evidence: exemplar, else the mean rating).
    // The label rule plays no part in the class.
    for (let i = 0; i < imageless.length; ) {
      const url = imageless[i]!.url;
      const ratings: number[] = [];
      let exemplar = false;
      for (; i < imageless.length && imageless[i]!.url === url; i++) {
        const s = imageless[i]!;
        if (s.rating !== null) ratings.push(s.rating);
        if (s.exemplar === 1) exemplar = true;
      }
      const { ratingClass: cls } = deriveLabel({ ratings, exemplar, folderLabels: [] }, DEFAULT_LABEL_RULE);
      if (cls !== null) list(url, cls);
    }

    const lists: string[] = [];
    CLASS_WORDS.forEach((word, i) => {
      const urls = urlLists[i]!;
      const all = `${word}_download.txt`;
      const sampled = `${word}_download_${sampleSuffix(sample)}.txt`;
      urls.commit();
      // Each class gets its own stream of the seed, so adding images of one class leaves the others' samples alone.
      // The sample seededSample draws from the whole list, read back from the list as written.
      const pick = linesAt(urls.file, seededSamplePositions(urls.count, sample, (seed * 31 + i + 1) >>> 0));
      writeFileAtomic(stage.path(sampled), pick.length ? `${pick.join('\n')}\n` : '');
      lists.push(all, sampled);
    });
    if (curatorLines.length) {
      writeFileAtomic(stage.path(CURATOR_MANIFEST), `${CURATOR_MANIFEST_HEADER}\n${curatorLines.join('\n')}\n`);
      lists.push(CURATOR_MANIFEST);
      result.curator_labels = curatorLines.length;
    }
    cancelled();
    // The lists, then the whole images folder in one rename: a trainer never sees part of it.
    stage.publish({ files: lists, last: 'images' });
    result.lists = lists.filter((n) => n !== CURATOR_MANIFEST).map((n) => path.join(dir, n));
    return result;
  } catch (e) {
    for (const l of urlLists) l.out.discard();
    stage.discard();
    // A failure names the file where it goes, not the hidden stage it was written in.
    throw stage.told(e);
  }
}
