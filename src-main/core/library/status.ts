/** What the library holds: counts by label, rating class and failure reason. */
import type { BundleImportState, BundleRow, FailureReason, FailureRow, ImportRow, LibraryStatus, UnfinishedTagMerge } from '../../../src-shared/domain/library';
import type { LabelOrigin, RatingClass } from '../../../src-shared/domain/label';
import { schemaVersion, type Db } from '../db/open';
import { activeRunIdOf } from '../ml/runs';

/**
 * Every import and bundle, newest first, with how many images each brought or names. An import or
 * bundle of a file that stands for another (a shard's copy of the curator's bundle: importer.ts
 * ReportAs) is named as the curator knows it (`/a/bundle.tsv, shard 2 of 8`), not by the copy.
 * `settling`: imports whose process has ended that this core is settling now (importer.ts
 * settlingNow), shown `failed` as they will be stored, before the settle ends.
 */
export function listSources(db: Db, { settling = new Set<number>() }: { settling?: ReadonlySet<number> } = {}): { imports: ImportRow[]; bundles: BundleRow[] } {
  // A finished import's summary has its count (distinct images new and existing), one that did not
  // finish its `images` (importer.ts UnfinishedSummary); the others (running, or stopped before
  // their count was stored) are counted (seconds at a million images) at most once per change of
  // what an import holds (change_counts.sources, moved by every process's writes), and a running
  // one at most every RUNNING_RECOUNT_MS.
  const rows = db
    .prepare(
      `SELECT m.id, m.kind, COALESCE(m.shown_source, m.source) AS source, m.status, m.finished_at,
              COALESCE(json_extract(m.summary, '$.images_new') + json_extract(m.summary, '$.images_existing'), json_extract(m.summary, '$.images')) AS images
       FROM imports m ORDER BY m.id DESC`,
    )
    .all() as (Omit<ImportRow, 'images'> & { images: number | null })[];
  const version = rows.some((m) => m.images === null) ? (db.prepare("SELECT n FROM change_counts WHERE key = 'sources'").pluck().get() as number) : 0;
  const counts = countCache(db);
  const imports = rows.map((m): ImportRow => {
    const images = m.images ?? counted(db, counts, m.id, version, m.status === 'running');
    return { ...m, images, ...(settling.has(m.id) && m.status === 'running' && { status: 'failed' }) };
  });
  // Whether an import of each bundle's file finished, as export.tags decides (tags.ts
  // requireExportableBundle), so that Export can mark a bundle it would refuse before it is picked.
  const bundles = (
    db
      .prepare(
        `SELECT b.id, b.name, COALESCE(b.shown_origin, b.origin) AS origin, (SELECT COUNT(*) FROM bundle_items i WHERE i.bundle_id = b.id) AS rows,
                (SELECT CASE WHEN COUNT(*) = 0 OR SUM(m.status = 'done') > 0 THEN NULL WHEN MAX(m.status = 'running') = 1 THEN 'running' ELSE 'unfinished' END
                   FROM imports m WHERE m.source = b.origin) AS import
         FROM bundles b ORDER BY b.id DESC`,
      )
      .all() as (Omit<BundleRow, 'import'> & { import: BundleImportState | null })[]
  ).map(({ import: state, ...b }): BundleRow => (state ? { ...b, import: state } : b));
  return { imports, bundles };
}

/** How long a running import's count stands while it changes, ms: it moves with every page the import stores. */
export const RUNNING_RECOUNT_MS = 30_000;

interface CountEntry {
  version: number;
  n: number;
  at: number;
}
const countCaches = new WeakMap<Db, Map<number, CountEntry>>();
const countCache = (db: Db): Map<number, CountEntry> => {
  let m = countCaches.get(db);
  if (!m) countCaches.set(db, (m = new Map()));
  return m;
};

/** Distinct images whose URLs import `id` stored or whose rows it read, from the cache while it holds. */
function counted(db: Db, cache: Map<number, CountEntry>, id: number, version: number, running: boolean): number {
  const hit = cache.get(id);
  const now = performance.now();
  if (hit && (hit.version === version || (running && now - hit.at < RUNNING_RECOUNT_MS))) return hit.n;
  const n = db
    .prepare(
      `SELECT COUNT(*) FROM (SELECT u.image_id FROM image_urls u WHERE u.import_id = ?
                             UNION SELECT s.image_id FROM source_rows s WHERE s.import_id = ? AND s.image_id IS NOT NULL)`,
    )
    .pluck()
    .get(id, id) as number;
  cache.set(id, { version, n, at: now });
  return n;
}

/**
 * How many URLs run `runId` has a prediction for merged from tag files while their image was not
 * here (`url_predictions`). `exact`: only those whose image is still not here, the URL rows
 * `library_finaltags.tsv` writes (a lookup per URL: about a second a million, for an export that
 * reads them all anyway); else every one, a count of the run's range of the table (a tenth of
 * that: the status is asked for while imports run).
 */
export function urlPredictionCount(db: Db, runId: number | null, { exact = false }: { exact?: boolean } = {}): number {
  if (runId === null) return 0;
  const sql = exact
    ? 'SELECT COUNT(*) AS n FROM url_predictions up WHERE up.run_id = ? AND NOT EXISTS (SELECT 1 FROM image_urls u WHERE u.url = up.url)'
    : 'SELECT COUNT(*) AS n FROM url_predictions WHERE run_id = ?';
  return (db.prepare(sql).get(runId) as { n: number }).n;
}

/**
 * The URLs merged from tag files into runs other than `runId` (`url_predictions`) that an export of
 * `runId` leaves out, by run (in run order, runs with none left out): those whose image is still not
 * here (an image's URL is written as the image's row) and that `runId` has no merged prediction for
 * (that one is written as `runId`'s). They belong to the run whose tag files were merged. With
 * `bundleId`, only the bundle's URLs. The one count of what is left out: the tag exports' result
 * (`merged_other_runs`) and the status (`url_predictions.other_runs`, through
 * {@link otherRunsLeftOut}) both come from it, so they cannot disagree. Two lookups per URL of the
 * other runs (about 0.7 s a million).
 */
export function urlPredictionsOfOtherRuns(db: Db, runId: number | null, { bundleId }: { bundleId?: number } = {}): { run_id: number; urls: number }[] {
  const run = runId ?? -1;
  const leftOut = `NOT EXISTS (SELECT 1 FROM image_urls u WHERE u.url = up.url)
    AND NOT EXISTS (SELECT 1 FROM url_predictions mine WHERE mine.run_id = @run AND mine.url = up.url)`;
  const sql =
    bundleId === undefined
      ? `SELECT up.run_id, COUNT(*) AS urls FROM url_predictions up WHERE up.run_id != @run AND ${leftOut} GROUP BY up.run_id ORDER BY up.run_id`
      : `SELECT up.run_id, COUNT(DISTINCT up.url) AS urls
         FROM bundle_items b JOIN source_rows s ON s.id = b.source_row_id JOIN url_predictions up ON up.url = s.url AND up.run_id != @run
         WHERE b.bundle_id = @bundle AND ${leftOut} GROUP BY up.run_id ORDER BY up.run_id`;
  return db.prepare(sql).all({ run, bundle: bundleId ?? -1 }) as { run_id: number; urls: number }[];
}

interface LeftOutEntry {
  /** The active run and each run's number of merged URLs when counted. */
  key: string;
  /** change_counts.sources when counted. */
  sources: number;
  /** performance.now() when counted. */
  at: number;
  value: { run_id: number; urls: number }[];
}
const leftOutCaches = new WeakMap<Db, LeftOutEntry>();

/**
 * {@link urlPredictionsOfOtherRuns} of the library's export of `runId`, for the status, which is
 * asked for after every change: counted again only when what it reads may have changed — another
 * active run, the number of URLs merged into any run (url_predictions is only added to, or loses a
 * run's rows with the run), or the library's URLs (`change_counts.sources`, moved by every
 * process's writes to image_urls). While an import runs (which moves `sources` with every page it
 * stores), a count changed only by that stands for {@link RUNNING_RECOUNT_MS}, as the imports' own
 * counts do. Skipped (none) when no other run has merged URLs.
 */
export function otherRunsLeftOut(db: Db, runId: number | null): { run_id: number; urls: number }[] {
  const merged = db.prepare('SELECT run_id, COUNT(*) AS n FROM url_predictions GROUP BY run_id ORDER BY run_id').raw().all() as [number, number][];
  if (!merged.some(([r]) => r !== runId)) return [];
  const sources = db.prepare("SELECT n FROM change_counts WHERE key = 'sources'").pluck().get() as number;
  const key = JSON.stringify([runId, merged]);
  const hit = leftOutCaches.get(db);
  const now = performance.now();
  if (hit && hit.key === key) {
    if (hit.sources === sources) return hit.value;
    const importing = db.prepare("SELECT 1 FROM imports WHERE status = 'running' LIMIT 1").pluck().get() !== undefined;
    if (importing && now - hit.at < RUNNING_RECOUNT_MS) return hit.value;
  }
  const value = urlPredictionsOfOtherRuns(db, runId);
  leftOutCaches.set(db, { key, sources, at: now, value });
  return value;
}

/**
 * The tag-file merges into `runId` (into any run when absent) that stopped part way, oldest first
 * (migration 029; ml/tagImport.ts importTagFiles keeps the record).
 */
export function unfinishedTagMerges(db: Db, runId?: number | null): UnfinishedTagMerge[] {
  if (runId === null) return [];
  const rows = db
    .prepare(`SELECT run_id, files, started_at FROM unfinished_tag_merges ${runId === undefined ? '' : 'WHERE run_id = @run'} ORDER BY started_at, run_id`)
    .all(runId === undefined ? {} : { run: runId }) as { run_id: number; files: string; started_at: string }[];
  return rows.map((r) => {
    const files = JSON.parse(r.files) as string[];
    return { run_id: r.run_id, files: files.length, first_file: files[0] ?? '', started_at: r.started_at };
  });
}

/** The failures' statements of the status and the failures list (their indexes: migration 022). */
export const FAILURES_BY_REASON = 'SELECT reason, COUNT(*) AS n FROM failures GROUP BY stage, reason';
export const FETCH_FAILURES = "SELECT COUNT(*) AS n FROM failures WHERE stage = 'fetch'";
export const FAILURES_PAGE = 'SELECT id, url, file, line, reason, detail, attempts, updated_at FROM failures ORDER BY stage, file, line, id LIMIT ?';

export function libraryStatus(db: Db, dataDir: string): LibraryStatus {
  const one = <T>(sql: string) => db.prepare(sql).get() as T;
  // Images, rating classes and labels from the counts the triggers keep (migration 011), not by
  // counting every row: one statement, so they agree with each other.
  const counts = new Map(db.prepare('SELECT key, n FROM library_counts').raw().all() as [string, number][]);
  const count = (key: string) => counts.get(key) ?? 0;
  const images = count('images');
  const labels = { good: 0, bad: 0, unlabeled: 0 };
  // By who decided each image's label, "no label" included: `curator` counts every image a curator
  // labelled good or bad or cleared (a cleared label overrides the ratings as a good or bad one does;
  // an undo gives it back to them), so import + curator = images. `qc status` prints it as "set by a
  // curator"; it is not a count of good and bad labels.
  const byOrigin: Record<LabelOrigin, number> = { import: 0, curator: 0 };
  for (const origin of ['import', 'curator'] as const) {
    for (const label of ['good', 'bad', 'none'] as const) {
      const n = count(`label:${label}:${origin}`);
      if (label !== 'none') labels[label] += n;
      byOrigin[origin] += n;
    }
  }
  labels.unlabeled = images - labels.good - labels.bad;
  const ratings = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 } as Record<`${RatingClass}`, number>;
  for (const c of [1, 2, 3, 4, 5] as const) ratings[`${c}`] = count(`rating:${c}`);
  const run = activeRunIdOf(db);
  const failuresByReason: Partial<Record<FailureReason, number>> = {};
  // By stage and reason, the order of failures_stage_reason (migration 022): no sort.
  for (const r of db.prepare(FAILURES_BY_REASON).all() as { reason: FailureReason; n: number }[]) {
    failuresByReason[r.reason] = (failuresByReason[r.reason] ?? 0) + r.n;
  }
  const unfinished = unfinishedTagMerges(db);
  return {
    data_dir: dataDir,
    schema_version: schemaVersion(db),
    images,
    labels,
    labels_by_origin: byOrigin,
    ratings,
    failed: one<{ n: number }>(FETCH_FAILURES).n,
    failures_by_reason: failuresByReason,
    imports: one<{ n: number }>('SELECT COUNT(*) AS n FROM imports').n,
    bundles: one<{ n: number }>('SELECT COUNT(*) AS n FROM bundles').n,
    url_predictions: { run_id: run, urls: urlPredictionCount(db, run), other_runs: otherRunsLeftOut(db, run) },
    ...(unfinished.length && { unfinished_tag_merges: unfinished }),
  };
}

export function listFailures(db: Db, limit = 1000): { total: number; failures: FailureRow[] } {
  const total = (db.prepare('SELECT COUNT(*) AS n FROM failures').get() as { n: number }).n;
  const failures = db
    .prepare(FAILURES_PAGE)
    .all(Math.max(0, limit)) as FailureRow[];
  return { total, failures };
}
