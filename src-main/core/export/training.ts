/**
 * The seed's training folders and download lists (EOL Step 1) from the library:
 *
 *   DIR/images/1 … 5/          originals by rating class (exemplars are class 5)
 *   DIR/images/agg/bad|good/   originals by current label (a curator's label wins over the rule)
 *   DIR/one_download.txt …     every http(s) URL of the images of each rating class, one a line
 *                              (never one holding a line break: skipped and counted)
 *   DIR/one_download_7k.txt …  a seeded random sample of N of them (N = 7,000 by default)
 *
 * Files are hard links to the stored originals where the file system allows it, else copies:
 * never re-encoded, so a re-import of DIR finds the same pictures (same sha256) with the same
 * rating classes and labels. An image whose stored path does not lead (links resolved) to a file
 * inside the library's originals/ is counted as missing, never copied. What the layout
 * cannot say: a curator's "no label" on a rated image (re-importing would give it the rule's label
 * again); such images are counted, not hidden.
 */
import fs from 'node:fs';
import path from 'node:path';
import { QcError } from '../../../src-shared/contract/errors';
import { mulberry32 } from '../../../src-shared/domain/random';
import type { TrainingExportSummary } from '../../../src-shared/domain/runQuality';
import type { Db } from '../db/open';
import { makeDir, userFsError, writeFileAtomic } from '../fsSafe';
import { insideDir, realPathInside } from '../library/files';
import type { LibraryPaths } from '../paths';

export const CLASS_WORDS = ['one', 'two', 'three', 'four', 'five'] as const;
export const DEFAULT_SAMPLE = 7000;

export interface TrainingExportOptions {
  outDir: string;
  /** Size of each per-class random sample list (default 7,000). */
  sample?: number;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

interface ImageRow {
  id: number;
  sha256: string;
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

/** A file name for an image: its EOL id when that is a safe, unique name, else its sha256. */
function fileName(r: ImageRow, ext: string, taken: Set<string>): string {
  const safe = r.eol_id && /^[A-Za-z0-9._-]{1,100}$/.test(r.eol_id) ? r.eol_id : null;
  const name = safe && !taken.has(`${safe}${ext}`) ? `${safe}${ext}` : `${r.sha256}${ext}`;
  taken.add(name);
  return name;
}

/**
 * A copy of an original (a reflink, sharing the blocks until either is written, where the file
 * system has them). Not a hard link: that is the library's own file, and an editor or EXIF tool
 * writing to the export in place would change the library's original under its sha256 name.
 */
function place(src: string, dst: string, counts: { copied: number }): void {
  try {
    fs.copyFileSync(src, dst, fs.constants.COPYFILE_EXCL | fs.constants.COPYFILE_FICLONE);
  } catch (e) {
    throw userFsError(e, dst, 'cannot write it');
  }
  counts.copied++;
}

export function exportTraining(db: Db, paths: LibraryPaths, opts: TrainingExportOptions): TrainingExportSummary {
  const sample = opts.sample ?? DEFAULT_SAMPLE;
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(sample) || sample < 1) throw new QcError('bad_input', `sample must be a positive integer, got ${sample}`);
  const dir = path.resolve(opts.outDir);
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) throw new QcError('bad_input', 'the export folder is an existing file; choose a folder', { file: dir });
    let entries: string[];
    try {
      entries = fs.readdirSync(dir);
    } catch (e) {
      throw userFsError(e, dir, 'cannot read the export folder');
    }
    if (entries.length) throw new QcError('bad_input', 'the export folder is not empty; choose a new or empty folder', { file: dir });
  }

  const rows = db
    .prepare(
      `SELECT i.id, i.sha256, i.path, i.rating_class, l.label, l.origin,
              (SELECT s.eol_id FROM image_urls u JOIN source_rows s ON s.url = u.url
                WHERE u.image_id = i.id AND s.eol_id IS NOT NULL ORDER BY s.id LIMIT 1) AS eol_id
       FROM images i LEFT JOIN labels l ON l.image_id = i.id
       WHERE i.rating_class IS NOT NULL OR l.label IS NOT NULL
       ORDER BY i.id`,
    )
    .all() as ImageRow[];
  const urlsOf = db.prepare(
    `SELECT DISTINCT u.url FROM image_urls u WHERE u.image_id = ? AND (u.url LIKE 'http://%' OR u.url LIKE 'https://%') ORDER BY u.url`,
  );

  const images = path.join(dir, 'images');
  const folders = [...CLASS_WORDS.map((_, i) => path.join(images, String(i + 1))), path.join(images, 'agg', 'bad'), path.join(images, 'agg', 'good')];
  makeDir(dir);
  for (const f of folders) makeDir(f, { base: dir });

  const result: TrainingExportSummary = { dir, by_class: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 }, agg: { bad: 0, good: 0 }, copied: 0, lists: [], curator_unlabelled: 0, missing: 0, urls_skipped: 0 };
  const urlsByClass: string[][] = CLASS_WORDS.map(() => []);
  const taken = new Map<string, Set<string>>();
  const takenIn = (folder: string) => taken.get(folder) ?? taken.set(folder, new Set()).get(folder)!;

  rows.forEach((r, done) => {
    if (opts.signal?.aborted) throw new QcError('cancelled', 'export cancelled');
    // The database is not trusted to keep paths in originals/: `../x`, `originals/../library.sqlite` and links out are missing.
    const stored = insideDir(paths.root, r.path);
    const src = stored && realPathInside(stored, [paths.originals]);
    if (!src || !fs.statSync(src, { throwIfNoEntry: false })?.isFile()) {
      result.missing++;
      return;
    }
    const ext = path.extname(r.path).toLowerCase() || '.jpg';
    if (r.rating_class !== null) {
      const folder = path.join(images, String(r.rating_class));
      place(src, path.join(folder, fileName(r, ext, takenIn(folder))), result);
      result.by_class[String(r.rating_class) as '1'] += 1;
      for (const { url } of urlsOf.all(r.id) as { url: string }[]) {
        if (LINE_BREAK.test(url)) result.urls_skipped++;
        else urlsByClass[r.rating_class - 1]!.push(url);
      }
      if (r.label === null && r.origin === 'curator') result.curator_unlabelled++;
    }
    if (r.label !== null) {
      const folder = path.join(images, 'agg', r.label);
      place(src, path.join(folder, fileName(r, ext, takenIn(folder))), result);
      result.agg[r.label]++;
    }
    opts.onProgress?.(done + 1, rows.length);
  });

  CLASS_WORDS.forEach((word, i) => {
    const urls = urlsByClass[i]!;
    const all = path.join(dir, `${word}_download.txt`);
    const sampled = path.join(dir, `${word}_download_${sampleSuffix(sample)}.txt`);
    writeFileAtomic(all, urls.length ? `${urls.join('\n')}\n` : '');
    // Each class gets its own stream of the seed, so adding images of one class leaves the others' samples alone.
    const pick = seededSample(urls, sample, (seed * 31 + i + 1) >>> 0);
    writeFileAtomic(sampled, pick.length ? `${pick.join('\n')}\n` : '');
    result.lists.push(all, sampled);
  });
  return result;
}
