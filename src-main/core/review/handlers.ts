/**
 * The review screen's slice of the API: gallery pages filtered and sorted in SQL (the grid asks
 * only for pages near the viewport), the scores the threshold slider needs, and one image's details.
 */
import type { HandlersOf, ReviewApi } from '../../../src-shared/contract/handlers';
import { QcError } from '../../../src-shared/contract/errors';
import type { GalleryItem, ImageDetail, ImageSource, LabelHistoryEntry, ReviewQuery } from '../../../src-shared/domain/library';
import type { CoreContext } from '../context';
import type { RunStore } from '../ml/runs';
import { cachedSignals } from '../ml/features/cachedSignals';

/** What the review handlers need from the run store (core/ml/runs.ts). */
type RunLookup = Pick<RunStore, 'activeRunId' | 'requireRun' | 'runThresholds' | 'curatorThreshold' | 'thresholdInForce'>;

const MAX_PAGE = 1000;

/** WHERE clause and parameters for a gallery query. */
export function galleryFilter(q: ReviewQuery, runId: number | null, threshold: number): { where: string; params: Record<string, unknown> } {
  const clauses: string[] = [];
  const params: Record<string, unknown> = { run: runId ?? -1, t: threshold };
  if (q.predicted === 'bad') clauses.push('p.p_bad >= @t');
  if (q.predicted === 'good') clauses.push('p.p_bad < @t');
  switch (q.outcome) {
    case 'tp':
      clauses.push("p.p_bad >= @t AND l.label = 'bad'");
      break;
    case 'fp':
      clauses.push("p.p_bad >= @t AND l.label = 'good'");
      break;
    case 'tn':
      clauses.push("p.p_bad < @t AND l.label = 'good'");
      break;
    case 'fn':
      clauses.push("p.p_bad < @t AND l.label = 'bad'");
      break;
    case 'unlabeled':
      clauses.push('l.label IS NULL');
      break;
    default:
      break;
  }
  if (q.taxon?.trim()) {
    // Match the ancestry's values (taxon names), never its JSON keys ("kingdom" is in every row).
    clauses.push(
      `EXISTS (SELECT 1 FROM image_urls u JOIN source_rows s ON s.url = u.url,
         json_tree(CASE WHEN json_valid(s.ancestry) THEN s.ancestry ELSE '{}' END) j
       WHERE u.image_id = i.id AND j.type = 'text' AND j.atom LIKE @taxon ESCAPE '\\')`,
    );
    params.taxon = `%${q.taxon.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  }
  if (q.origin && q.origin !== 'any') {
    clauses.push('l.origin = @origin');
    params.origin = q.origin;
  }
  if (q.label && q.label !== 'any') {
    if (q.label === 'none') clauses.push('l.label IS NULL');
    else {
      clauses.push('l.label = @label');
      params.label = q.label;
    }
  }
  if (q.issuesOnly) clauses.push('li.rank IS NOT NULL');
  if (q.importId !== undefined) {
    // Images this import stored, or whose rows it read (a re-import touches images stored earlier).
    clauses.push(
      `EXISTS (SELECT 1 FROM image_urls u LEFT JOIN source_rows s ON s.url = u.url
       WHERE u.image_id = i.id AND (u.import_id = @importId OR s.import_id = @importId))`,
    );
    params.importId = q.importId;
  }
  if (q.bundleId !== undefined) {
    clauses.push('EXISTS (SELECT 1 FROM bundle_items b JOIN source_rows s ON s.id = b.source_row_id JOIN image_urls u ON u.url = s.url WHERE b.bundle_id = @bundle AND u.image_id = i.id)');
    params.bundle = q.bundleId;
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

function orderBy(q: ReviewQuery): string {
  const dir = q.order === 'asc' ? 'ASC' : 'DESC';
  if (q.sort === 'issue-rank') return `li.rank IS NULL, li.rank ${q.order === 'desc' ? 'DESC' : 'ASC'}, i.id`;
  if (q.sort === 'id') return `i.id ${q.order === 'desc' ? 'DESC' : 'ASC'}`;
  return `p.p_bad IS NULL, p.p_bad ${dir}, i.id`;
}

const FROM = `FROM images i JOIN labels l ON l.image_id = i.id
  LEFT JOIN predictions p ON p.run_id = @run AND p.image_id = i.id
  LEFT JOIN label_issues li ON li.run_id = @run AND li.image_id = i.id`;

export function reviewHandlers(core: CoreContext, runs: RunLookup): HandlersOf<ReviewApi> {
  const { db } = core;
  const runFor = (runId?: number) => runId ?? runs.activeRunId();

  return {
    'review.page': async (q) => {
      const runId = runFor(q.runId);
      const { where, params } = galleryFilter(q, runId, runs.thresholdInForce(runId, q.threshold).threshold);
      const limit = Math.max(0, Math.min(MAX_PAGE, Math.floor(q.limit)));
      const offset = Math.max(0, Math.floor(q.offset));
      const total = (db.prepare(`SELECT COUNT(*) AS n ${FROM} ${where}`).get(params) as { n: number }).n;
      const items = db
        .prepare(
          `SELECT i.id AS image_id, p.p_bad, l.label, l.origin, i.rating_class, li.rank AS issue_rank, i.width, i.height,
             (SELECT s.eol_id FROM image_urls u JOIN source_rows s ON s.url = u.url
              WHERE u.image_id = i.id AND s.eol_id IS NOT NULL AND s.eol_id != '' ORDER BY s.id LIMIT 1) AS eol_id
           ${FROM} ${where} ORDER BY ${orderBy(q)} LIMIT @limit OFFSET @offset`,
        )
        .all({ ...params, limit, offset }) as GalleryItem[];
      return { total, items };
    },

    'review.scores': async ({ runId }) => {
      const id = runs.requireRun(runId, { finished: false });
      const all = (db.prepare('SELECT p_bad FROM predictions WHERE run_id = ?').raw().all(id) as [number][]).map((r) => r[0]);
      const held = db
        .prepare("SELECT p.p_bad, l.label FROM predictions p JOIN labels l ON l.image_id = p.image_id WHERE p.run_id = ? AND p.heldout = 1 AND l.label IN ('good', 'bad')")
        .raw()
        .all(id) as [number, string][];
      return {
        run_id: id,
        all,
        heldout: { p_bad: held.map((r) => r[0]), bad: held.map((r) => (r[1] === 'bad' ? 1 : 0)) },
        recommended: runs.runThresholds(id).recommended,
        best_bound: runs.runThresholds(id).bestBound,
        curator: runs.curatorThreshold(),
        in_force: runs.thresholdInForce(id),
      };
    },

    'images.get': async ({ imageId }) => {
      const runId = runs.activeRunId();
      const row = db
        .prepare(
          `SELECT i.id AS image_id, i.sha256, i.format, i.bytes, i.width, i.height, i.rating, i.rating_class, i.exemplar, i.path,
                  l.label, l.origin, p.p_bad, li.rank AS issue_rank
           ${FROM} WHERE i.id = @id`,
        )
        .get({ run: runId ?? -1, id: imageId }) as (Omit<ImageDetail, 'exemplar' | 'signals' | 'reasons' | 'sources' | 'history'> & { exemplar: number; path: string }) | undefined;
      if (!row) throw new QcError('not_found', `no image with id ${imageId}`);
      const sources = (
        db
          .prepare('SELECT s.url, s.kind, s.eol_id, s.ancestry, s.origin, s.line, s.raw FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE u.image_id = ? ORDER BY s.id')
          .all(imageId) as (Omit<ImageSource, 'raw'> & { raw: string })[]
      ).map((s) => ({ ...s, raw: JSON.parse(s.raw) as Record<string, string> }));
      const history = db
        .prepare(
          `SELECT e.batch_id, b.actor, e.old_label, e.new_label, e.old_origin, e.new_origin, b.created_at
           FROM label_events e JOIN label_batches b ON b.id = e.batch_id WHERE e.image_id = ? ORDER BY e.id`,
        )
        .all(imageId) as LabelHistoryEntry[];
      // The signals `qc embed` cached; a preview never decodes the original on the main thread.
      const cached = cachedSignals(db, row.sha256);
      const signals = cached ? ({ ...cached.signals } as Record<string, number>) : null;
      const reasons: string[] = cached?.reasons ?? [];
      const { path: _path, exemplar, ...rest } = row;
      return { ...rest, exemplar: exemplar === 1, signals, reasons, sources, history };
    },
  };
}
