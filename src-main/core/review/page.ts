/**
 * Gallery pages that stay fast at a million images.
 *
 * - Each query is driven by the index that already has its order: predictions (run_id, p_bad)
 *   for the confidence sort, label_issues (run_id, rank) for the issues view, images' rowid for
 *   the id sort; joins are lookups by primary key. Images the run has not scored come after the
 *   scored ones in the confidence sort: they are served as a second part, by id, from a table of
 *   them kept while the images and the run's predictions stay the same (so a label change does not
 *   redo it). The general query (a sort over every match) is left only without a run.
 * - Keyset paging: the server remembers the sort key of the last item of every page it served
 *   (per query and data version), and the next page starts after that key instead of skipping
 *   OFFSET rows. A jump far down the grid skips only from the nearest page it knows.
 * - The total is counted once per query and data version (labels, predictions or imports
 *   changing bump the version), not on every page. The run's total and its label and origin
 *   filters' totals are read from counters the triggers keep (migration 019), so the first page
 *   after a label change does not count the run's predictions.
 * - The taxon filter matches the distinct names in the ancestries (`taxon_names`, migration 010),
 *   takes their images from `image_taxa` and caches the matching image ids in a temporary table,
 *   so its pages cost no JSON parsing and no join of source rows to URLs. The source filters (an
 *   import, a bundle) do the same from their own indexes: their images are gathered once per change
 *   of what they read (`change_counts.sources`, migration 019; a label change keeps them), and each
 *   filter is a primary-key probe of that table, never a per-row walk of the import's or bundle's
 *   rows. When such a set is small next to the run, the page walks it in the run's score order
 *   (its order table, `ORDER_TABLE`, indexed by p(bad) and kept until the scores change): a page
 *   costs its own rows from the last key, not a sort of every match.
 *
 * Ties in the sort key are broken by image id in the same direction, so the order is total and
 * every image appears exactly once across pages.
 */
import { MAX_PAGE } from '../../../src-shared/contract/schemas';
import type { GalleryItem, ReviewQuery } from '../../../src-shared/domain/library';
import type { Db } from '../db/open';
import { openIssueSql } from '../ml/issues';

export interface PageArgs extends ReviewQuery {
  offset: number;
  limit: number;
}


/** A part of a query served on its own index (see `planPage`'s `segment`). */
export type Segment = 'issues' | 'rest' | 'scored' | 'unscored';

/** The query a page request becomes: items SQL (without keyset, ORDER and LIMIT), count SQL, sort key. */
export interface PagePlan {
  kind: 'predictions' | 'issues' | 'id' | 'general';
  select: string;
  /** FROM clause with only the joins the filters read (for the count and for skipping ahead). */
  lean: string;
  /** FROM clause for the count when it differs from `lean` (a taxon filter counts from its matches). */
  countFrom?: string;
  /** WHERE clauses for the count when they differ from `where` (they read `countFrom`'s tables). */
  countWhere?: string[];
  /** The sort key's two columns (for skipping ahead on `lean`). */
  keyColumns: string;
  where: string[];
  params: Record<string, unknown>;
  order: string;
  /** Keyset condition on @k0, @k1 (the last key before the page), or null (OFFSET only). */
  after: string | null;
  key: (item: GalleryItem) => [number, number];
}

/** A row's columns (GalleryItem); every select joins labels `l` and the run's label_issues `li`. */
const ITEM_COLUMNS = (id: string) => `${id} AS image_id, p.p_bad, l.label, l.origin, i.rating_class, li.rank AS issue_rank, li.estimated = 0 AS issue_beyond_estimate,
  CASE WHEN li.rank IS NULL THEN NULL WHEN ${openIssueSql()} THEN 1 ELSE 0 END AS issue_open, i.width, i.height,
  (SELECT s.eol_id FROM image_urls u JOIN source_rows s ON s.url = u.url
   WHERE u.image_id = ${id} AND s.eol_id IS NOT NULL AND s.eol_id != '' ORDER BY s.id LIMIT 1) AS eol_id`;

const escapeLike = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Filters answered by a temporary table of their image ids, filled by {@link GalleryPager} once per data version. */
export type MatchKind = 'taxon' | 'import' | 'bundle';
export const MATCH_TABLE: Record<MatchKind, string> = { taxon: 'qc_taxon_match', import: 'qc_import_match', bundle: 'qc_bundle_match' };

/** A match table's images with the run's p(bad), indexed in score order: (run_id, p_bad, image_id). */
export const ORDER_TABLE: Record<MatchKind, string> = { taxon: 'qc_taxon_order', import: 'qc_import_order', bundle: 'qc_bundle_order' };

/** The match tables a query reads. */
export const matchKinds = (q: ReviewQuery): MatchKind[] => [
  ...(q.taxon?.trim() ? (['taxon'] as const) : []),
  ...(q.importId !== undefined ? (['import'] as const) : []),
  ...(q.bundleId !== undefined ? (['bundle'] as const) : []),
];

/** Whether a query can only match scored images (so unscored ones need not be ordered after them). */
const needsPrediction = (q: ReviewQuery) => q.predicted === 'bad' || q.predicted === 'good' || (q.outcome !== undefined && ['tp', 'fp', 'tn', 'fn'].includes(q.outcome));

/**
 * WHERE clauses for the filters of `q`, with `id` the image id column of the driving table.
 * The taxon, import and bundle filters read their temporary tables (`MATCH_TABLE`, filled by {@link GalleryPager}).
 */
export function filterClauses(
  q: ReviewQuery,
  id: string,
  /** Table alias whose label and origin columns the filters read: `l` (labels) or `p` (the copies on predictions). */
  lab = 'l',
): { clauses: string[]; params: Record<string, unknown>; needsLabels: boolean; needsIssues: boolean; needsPredictions: boolean } {
  const clauses: string[] = [];
  const params: Record<string, unknown> = {};
  let needsLabels = false;
  if (q.predicted === 'bad') clauses.push('p.p_bad >= @t');
  if (q.predicted === 'good') clauses.push('p.p_bad < @t');
  const outcome: Record<string, string> = {
    tp: `p.p_bad >= @t AND ${lab}.label = 'bad'`,
    fp: `p.p_bad >= @t AND ${lab}.label = 'good'`,
    tn: `p.p_bad < @t AND ${lab}.label = 'good'`,
    fn: `p.p_bad < @t AND ${lab}.label = 'bad'`,
    unlabeled: `${lab}.label IS NULL`,
  };
  if (q.outcome && outcome[q.outcome]) {
    clauses.push(outcome[q.outcome]!);
    needsLabels = true;
  }
  if (q.taxon?.trim()) {
    clauses.push(`${id} IN (SELECT image_id FROM temp.${MATCH_TABLE.taxon})`);
    params.taxon = q.taxon.trim(); // not read by the SQL (the table holds the matches); keys the caches
  }
  if (q.origin && q.origin !== 'any') {
    clauses.push(`${lab}.origin = @origin`);
    params.origin = q.origin;
    needsLabels = true;
  }
  if (q.label && q.label !== 'any') {
    needsLabels = true;
    if (q.label === 'none') clauses.push(`${lab}.label IS NULL`);
    else {
      clauses.push(`${lab}.label = @label`);
      params.label = q.label;
    }
  }
  if (q.issuesOnly) {
    // Open issues only: the label unchanged since the run and no curator verdict on it (label_reviews).
    clauses.push(`li.rank IS NOT NULL AND ${openIssueSql('li', `${lab}.label`)}`);
    needsLabels = true;
  }
  if (q.importId !== undefined) {
    // Images this import stored, or whose rows it read (a re-import touches images stored earlier).
    clauses.push(`${id} IN (SELECT image_id FROM temp.${MATCH_TABLE.import})`);
    params.importId = q.importId; // keys the caches, as the taxon does
  }
  if (q.bundleId !== undefined) {
    clauses.push(`${id} IN (SELECT image_id FROM temp.${MATCH_TABLE.bundle})`);
    params.bundle = q.bundleId;
  }
  return { clauses, params, needsLabels, needsIssues: Boolean(q.issuesOnly), needsPredictions: needsPrediction(q) };
}

/**
 * The plan for a query. `allScored`: every image has a prediction of the run (then the
 * confidence order needs no tail of unscored images). `smallest`: of the match tables the query
 * reads (taxon, import, bundle), the one with the fewest images: counts look its images up, and a
 * sort by id walks it. `driven`: it holds few images next to the run's predictions, so the page
 * starts from them and sorts them rather than walking the whole index.
 */
export function planPage(
  q: ReviewQuery,
  runId: number | null,
  threshold: number,
  opts: {
    allScored: boolean | (() => boolean);
    smallest?: MatchKind;
    driven?: boolean;
    /**
     * The smallest match set is in its order table (`ORDER_TABLE`, filled by {@link GalleryPager}
     * for this run): the confidence sort walks it (a driven query without sorting its matches).
     */
    ordered?: boolean;
    /**
     * Sort by id: walk the images in id order with the filters as residuals (they match a large
     * share of the library, so a page is found after a few rows), rather than let the planner take
     * a filter's index and sort all its matches on every page. Counts stay on the planner's choice.
     */
    idWalk?: boolean;
    /**
     * The issue-rank sort over every image is served in two parts, each in the order of an index:
     * `issues` (the run's label issues by rank) then `rest` (the other images by id). So is the
     * confidence sort when some images have no prediction of the run: `scored` (by p(bad)) then
     * `unscored` (by id ascending, whatever the order, from `temp.qc_unscored`).
     */
    segment?: Segment;
  },
): PagePlan {
  const desc = q.order !== 'asc';
  const dir = desc ? 'DESC' : 'ASC';
  const cmp = desc ? '<' : '>';
  const base = { run: runId ?? -1, t: threshold };
  const sort = q.sort ?? 'confidence';

  if (runId !== null && ((q.issuesOnly && sort === 'issue-rank') || opts.segment === 'issues')) {
    const f = filterClauses(q, 'li.image_id');
    const rankDir = q.order === 'desc' ? 'DESC' : 'ASC';
    return {
      kind: 'issues',
      select: `SELECT ${ITEM_COLUMNS('li.image_id')} FROM label_issues li JOIN images i ON i.id = li.image_id JOIN labels l ON l.image_id = li.image_id
        LEFT JOIN predictions p ON p.run_id = li.run_id AND p.image_id = li.image_id`,
      lean: `label_issues li ${f.needsLabels ? 'JOIN labels l ON l.image_id = li.image_id' : ''}
        LEFT JOIN predictions p ON p.run_id = li.run_id AND p.image_id = li.image_id`,
      keyColumns: 'li.rank, li.image_id',
      where: ['li.run_id = @run', ...f.clauses],
      params: { ...base, ...f.params },
      order: `li.rank ${rankDir}, li.image_id ${rankDir}`,
      after: `li.rank ${q.order === 'desc' ? '<' : '>'}= @k0 AND (li.rank ${q.order === 'desc' ? '<' : '>'} @k0 OR li.image_id ${q.order === 'desc' ? '<' : '>'} @k1)`,
      key: (it) => [it.issue_rank ?? 0, it.image_id],
    };
  }

  const scoredOnly = () => needsPrediction(q) || opts.segment === 'scored' || (typeof opts.allScored === 'function' ? opts.allScored() : opts.allScored);
  if (runId !== null && sort === 'confidence' && opts.segment !== 'unscored' && scoredOnly()) {
    // Filters read the label and origin copied onto each prediction (migration 009), and the index
    // named is the one whose order is the sort within the filter: the planner may otherwise take
    // another index and sort every match.
    const f = filterClauses(q, 'p.image_id', 'p');
    const labelled = (q.label !== undefined && q.label !== 'any') || (q.outcome !== undefined && q.outcome !== 'all');
    // A label and an origin: the index of both (migration 018), whose entries answer the filter and
    // the count alone. Otherwise the index of the filter.
    const origin = q.origin !== undefined && q.origin !== 'any';
    const index = labelled && origin ? 'predictions_run_label_origin_p' : labelled ? 'predictions_run_label_p' : origin ? 'predictions_run_origin_p' : 'predictions_run_p';
    if (opts.ordered && opts.smallest) {
      // The smallest match set in the run's score order (`ORDER_TABLE`, kept while its images and the
      // run's scores stay the same): a page walks its index from the last key, O(page) whatever the
      // library's size; the other filters are residuals on the prediction found by primary key.
      const own = `p.image_id IN (SELECT image_id FROM temp.${MATCH_TABLE[opts.smallest]})`;
      const clauses = f.clauses.filter((c) => c !== own).map((c) => c.replaceAll('p.image_id', 'o.image_id').replaceAll('p.p_bad', 'o.p_bad'));
      const ordered = `temp.${ORDER_TABLE[opts.smallest]} o`;
      const withP = `${ordered} CROSS JOIN predictions p ON p.run_id = o.run_id AND p.image_id = o.image_id`;
      const issues = f.needsIssues ? 'LEFT JOIN label_issues li ON li.run_id = o.run_id AND li.image_id = o.image_id' : '';
      // Counted (and skipped) on the ordered table alone when no filter reads the prediction's other columns.
      const lean = clauses.some((c) => /\bp\./.test(c)) ? `${withP} ${issues}` : `${ordered} ${issues}`;
      return {
        kind: 'predictions',
        select: `SELECT ${ITEM_COLUMNS('o.image_id')} FROM ${withP} JOIN images i ON i.id = o.image_id JOIN labels l ON l.image_id = o.image_id
          LEFT JOIN label_issues li ON li.run_id = o.run_id AND li.image_id = o.image_id`,
        lean,
        keyColumns: 'o.p_bad, o.image_id',
        where: ['o.run_id = @run', ...clauses],
        params: { ...base, ...f.params },
        order: `o.p_bad ${dir}, o.image_id ${dir}`,
        after: `o.p_bad ${cmp}= @k0 AND (o.p_bad ${cmp} @k0 OR o.image_id ${cmp} @k1)`,
        key: (it) => [it.p_bad ?? 0, it.image_id],
      };
    }
    const driven = opts.smallest && `temp.${MATCH_TABLE[opts.smallest]} tm CROSS JOIN predictions p ON p.run_id = @run AND p.image_id = tm.image_id`;
    const from = driven && opts.driven ? driven : `predictions p INDEXED BY ${index}`;
    return {
      kind: 'predictions',
      select: `SELECT ${ITEM_COLUMNS('p.image_id')} FROM ${from} JOIN images i ON i.id = p.image_id JOIN labels l ON l.image_id = p.image_id
        LEFT JOIN label_issues li ON li.run_id = p.run_id AND li.image_id = p.image_id`,
      lean: `${from}
        ${f.needsIssues ? 'LEFT JOIN label_issues li ON li.run_id = p.run_id AND li.image_id = p.image_id' : ''}`,
      // A taxon's, import's or bundle's matches are counted by looking each one up, not by walking every prediction.
      ...(driven && { countFrom: `${driven} ${f.needsIssues ? 'LEFT JOIN label_issues li ON li.run_id = p.run_id AND li.image_id = p.image_id' : ''}` }),
      keyColumns: 'p.p_bad, p.image_id',
      where: ['p.run_id = @run', ...f.clauses],
      params: { ...base, ...f.params },
      order: `p.p_bad ${dir}, p.image_id ${dir}`,
      // Spelled out with a plain bound on p_bad (a row-value comparison can lead the planner off the index's order).
      after: `p.p_bad ${cmp}= @k0 AND (p.p_bad ${cmp} @k0 OR p.image_id ${cmp} @k1)`,
      key: (it) => [it.p_bad ?? 0, it.image_id],
    };
  }

  const joins = `JOIN labels l ON l.image_id = i.id
    LEFT JOIN predictions p ON p.run_id = @run AND p.image_id = i.id
    LEFT JOIN label_issues li ON li.run_id = @run AND li.image_id = i.id`;
  const f = filterClauses(q, 'i.id');
  const countJoins = countJoinsOf(f, 'i.id');
  /**
   * The images of a temp table of ids (`table`), in id order (its primary key: a walk that stops
   * after the page, not a scan of the library), with the filters and `extra` as residuals.
   */
  const tempIdWalk = (table: string, extra: (id: string) => string[], idDir: 'ASC' | 'DESC'): PagePlan => {
    const m = `${table} m`;
    const fm = filterClauses(q, 'm.image_id');
    return {
      kind: 'id',
      select: `SELECT ${ITEM_COLUMNS('m.image_id')} FROM ${m} CROSS JOIN images i ON i.id = m.image_id ${joins}`,
      lean: `${m} ${countJoinsOf(fm, 'm.image_id')}`,
      keyColumns: '0, m.image_id',
      where: [...fm.clauses, ...extra('m.image_id')],
      params: { ...base, ...fm.params },
      order: `m.image_id ${idDir}`,
      after: `m.image_id ${idDir === 'DESC' ? '<' : '>'} @k1`,
      key: (it) => [0, it.image_id],
    };
  };
  /** Images in id order with the filters (and `extra`, on image id column `id`) as residuals. */
  const byId = (extra: (id: string) => string[], idDir: 'ASC' | 'DESC'): PagePlan => {
    const idCmp = idDir === 'DESC' ? '<' : '>';
    // The matches of the smallest source/taxon set.
    if (opts.smallest) return tempIdWalk(`temp.${MATCH_TABLE[opts.smallest]}`, extra, idDir);
    // Counted without the images table (each prediction and label row is an image's): on the
    // predictions when a filter reads them, else on the labels when one reads those.
    const issuesOf = (id: string) => (f.needsIssues ? `JOIN label_issues li ON li.run_id = @run AND li.image_id = ${id}` : '');
    const cp = filterClauses(q, 'p.image_id', 'p');
    const cl = filterClauses(q, 'l.image_id');
    const count = f.needsPredictions
      ? { countFrom: `predictions p ${issuesOf('p.image_id')}`, countWhere: ['p.run_id = @run', ...cp.clauses] }
      : f.needsLabels
        ? { countFrom: `labels l ${issuesOf('l.image_id')}`, countWhere: cl.clauses }
        : { countFrom: `images i ${countJoins}` };
    // CROSS JOIN keeps images the outer loop, walked in id order (a filter on predictions or issues
    // needs their row, so the inner joins match the left joins' answer).
    const walk = `images i CROSS JOIN labels l ON l.image_id = i.id
      ${f.needsPredictions ? 'CROSS JOIN' : 'LEFT JOIN'} predictions p ON p.run_id = @run AND p.image_id = i.id
      ${f.needsIssues ? 'CROSS JOIN' : 'LEFT JOIN'} label_issues li ON li.run_id = @run AND li.image_id = i.id`;
    return {
      kind: 'id',
      select: `SELECT ${ITEM_COLUMNS('i.id')} FROM ${opts.idWalk ? walk : `images i ${joins}`}`,
      lean: `images i ${opts.idWalk ? countJoinsOf(f, 'i.id', 'CROSS JOIN') : countJoins}`,
      ...count,
      keyColumns: '0, i.id',
      where: [...f.clauses, ...extra('i.id')],
      params: { ...base, ...f.params },
      order: `i.id ${idDir}`,
      after: `i.id ${idCmp} @k1`,
      key: (it) => [0, it.image_id],
    };
  };
  if (runId !== null && opts.segment === 'unscored') {
    // The images without a prediction of the run, by id ascending (after the scored, whatever the order).
    return tempIdWalk('temp.qc_unscored', () => [], 'ASC');
  }
  // Images without an issue in the run, by id ascending (after every issue, whatever the order).
  if (opts.segment === 'rest') return byId((id) => [`NOT EXISTS (SELECT 1 FROM label_issues x WHERE x.run_id = @run AND x.image_id = ${id})`], 'ASC');
  if (sort === 'id') return byId(() => [], dir);
  // What no index orders: without a run, the confidence or issue-rank sort (every image unscored, no issues).
  const order = sort === 'issue-rank' ? `li.rank IS NULL, li.rank ${q.order === 'desc' ? 'DESC' : 'ASC'}, i.id` : `p.p_bad IS NULL, p.p_bad ${dir}, i.id`;
  return {
    kind: 'general',
    select: `SELECT ${ITEM_COLUMNS('i.id')} FROM images i ${joins}`,
    lean: `images i ${countJoins}`,
    keyColumns: '0, i.id',
    where: f.clauses,
    params: { ...base, ...f.params },
    order,
    after: null,
    key: (it) => [0, it.image_id],
  };
}

/** Every image has a labels row (imports write one), so a count joins only what the filters read. */
const countJoinsOf = (f: ReturnType<typeof filterClauses>, id: string, join = 'JOIN') => `${f.needsLabels ? `${join} labels l ON l.image_id = ${id}` : ''}
    ${f.needsPredictions ? `${join} predictions p ON p.run_id = @run AND p.image_id = ${id}` : ''}
    ${f.needsIssues ? `${join} label_issues li ON li.run_id = @run AND li.image_id = ${id}` : ''}`;

interface QueryState {
  total: number;
  /** Index of an item → its sort key (the last item of each page served). */
  anchors: Map<number, [number, number]>;
}

/** Share of the run's predictions under which a taxon, import or bundle filter drives the query from its matches. */
const MATCH_DRIVEN_SHARE = 0.05;
/** Share of the library from which a sort by id walks the images in id order (≤ 1/share rows per match). */
const ID_WALK_SHARE = 0.05;
/** Rows past which a page is found by skipping on the lean query first. */
const SKIP_AHEAD = 400;
const MAX_QUERIES = 64;

/**
 * Serves `review.page` for one database connection, with the per-query caches described above.
 * Not for concurrent use from several threads (one per core, like the connection).
 */
export class GalleryPager {
  private readonly queries = new Map<string, QueryState>();
  private cacheVersion = '';
  /**
   * What each match table holds now: the version it was filled at and the filter value, and its size.
   * A taxon's version is the data version; an import's or a bundle's is `change_counts.sources`
   * (migration 019), which a label change does not move.
   */
  private readonly matched = new Map<MatchKind, { key: string; size: number }>();
  /** What each order table holds: its match table's key, the run and `change_counts.scores` when filled. */
  private readonly orderedOf = new Map<MatchKind, string>();
  private readonly changeStmt;
  private readonly runCountStmt;
  /** Changes this pager made itself (to the temporary table): not a change of the library. */
  private ownChanges = 0;
  private readonly scoredCache = new Map<number, boolean>();
  /**
   * What temp.qc_unscored holds: the images without a prediction of `run` when the library had
   * `images` images and the run `scored` predictions. Kept across data versions (labels change
   * them, not this), and checked at most once per data version (`version`): see {@link unscored}.
   */
  private unscoredOf: { run: number; images: number; scored: number; size: number; version: string } | null = null;

  private readonly versionStmt;

  /**
   * @param flaggedCount The run's scored images with p(bad) ≥ t when they can be had without a
   *   count over the index (the slider's kept bins, sketch.ts `SketchCache.flaggedIfKept`); else
   *   undefined. The default view ("predicted bad") and "predicted good" take their totals from it.
   */
  constructor(
    private readonly db: Db,
    private readonly flaggedCount: (runId: number, t: number) => number | undefined = () => undefined,
  ) {
    this.versionStmt = db.prepare<[], { dv: number; tc: number }>('SELECT (SELECT data_version FROM pragma_data_version) AS dv, total_changes() AS tc');
    this.changeStmt = db.prepare<[string], number>('SELECT n FROM change_counts WHERE key = ?').pluck();
    this.runCountStmt = db.prepare<[number], number>('SELECT COALESCE(SUM(n), 0) FROM prediction_counts WHERE run_id = ?').pluck();
  }

  /** `changes` rows this connection wrote that no page reads (the slider's stored sketch): they keep this pager's caches. */
  noteOwnChanges(changes: number): void {
    this.ownChanges += changes;
  }

  /** Changes whenever any connection commits to the library (or this one changes anything). */
  version(): string {
    const { dv, tc } = this.versionStmt.get()!;
    return `${dv}:${tc - this.ownChanges}`;
  }

  private syncVersion(): void {
    const v = this.version();
    if (v !== this.cacheVersion) {
      this.cacheVersion = v;
      this.queries.clear();
      this.scoredCache.clear();
      // The match and order tables stay: their keys say what they were filled for (an import's or a
      // bundle's images outlive a label change; see `match`).
    }
  }

  /** Whether every image has a prediction of the run (predictions reference images, so equal counts say so). */
  private allScored(runId: number): boolean {
    let v = this.scoredCache.get(runId);
    if (v === undefined) {
      v = this.predictionCount(runId) === this.imageCount();
      this.scoredCache.set(runId, v);
    }
    return v;
  }

  /** The count the triggers keep (migration 011), not a count of every image. */
  private imageCount(): number {
    return (this.db.prepare("SELECT n FROM library_counts WHERE key = 'images'").get() as { n: number }).n;
  }

  /**
   * Fill temp.qc_unscored with the images that have no prediction of the run; returns how many.
   * Finding them is a probe per image, so the table is kept while it stays right: with as many
   * images and predictions as when it was filled, and each image in it still an image with no
   * prediction, it is the same set (predictions reference images, one per image and run, so the
   * unscored number images − predictions is unchanged, and the kept ones are all of them). A label
   * change costs a probe per unscored image, not per image.
   */
  private unscored(runId: number): number {
    const { db } = this;
    const kept = this.unscoredOf;
    // Nothing committed since it was last checked (the next page of the same view): as it was.
    const version = this.version();
    if (kept && kept.run === runId && kept.version === version) return kept.size;
    const images = this.imageCount();
    const scored = this.predictionCount(runId);
    db.exec('CREATE TEMP TABLE IF NOT EXISTS qc_unscored (image_id INTEGER PRIMARY KEY)');
    if (kept && kept.run === runId && kept.images === images && kept.scored === scored) {
      const changed = db
        .prepare(
          `SELECT 1 FROM temp.qc_unscored x WHERE NOT EXISTS (SELECT 1 FROM images i WHERE i.id = x.image_id)
             OR EXISTS (SELECT 1 FROM predictions p WHERE p.run_id = ? AND p.image_id = x.image_id) LIMIT 1`,
        )
        .get(runId);
      if (!changed) {
        kept.version = version;
        return kept.size;
      }
    }
    this.ownChanges += db.prepare('DELETE FROM temp.qc_unscored').run().changes;
    // As many as images − predictions (each prediction is one image's), looked for from the newest
    // image down (pictures imported after the run): the walk stops at the last one, not at the
    // oldest image of the library.
    const missing = Math.max(0, images - scored);
    const size = missing
      ? db
          .prepare('INSERT INTO temp.qc_unscored (image_id) SELECT i.id FROM images i WHERE NOT EXISTS (SELECT 1 FROM predictions p WHERE p.run_id = ? AND p.image_id = i.id) ORDER BY i.id DESC LIMIT ?')
          .run(runId, missing).changes
      : 0;
    this.ownChanges += size;
    this.unscoredOf = { run: runId, images, scored, size, version: this.version() };
    return size;
  }

  /**
   * Fill the match table of `kind` with the images `q` selects, once per data version and value;
   * returns how many. Each fill is driven by the index of what it matches.
   */
  private match(kind: MatchKind, q: ReviewQuery): number {
    const value = kind === 'taxon' ? q.taxon!.trim() : kind === 'import' ? q.importId! : q.bundleId!;
    const since = kind === 'taxon' ? this.cacheVersion : `sources:${this.changeStmt.get('sources')}`;
    const key = `${since}\u0000${value}`;
    const known = this.matched.get(kind);
    if (known?.key === key) return known.size;
    const { db } = this;
    const table = `temp.${MATCH_TABLE[kind]}`;
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS ${MATCH_TABLE[kind]} (image_id INTEGER PRIMARY KEY)`);
    this.ownChanges += db.prepare(`DELETE FROM ${table}`).run().changes;
    const fills: [string, Record<string, unknown>][] =
      kind === 'taxon'
        ? // Values only (never the JSON keys: "kingdom" is in every row), case-insensitive (LIKE), over
          // the distinct names (migration 010); their ancestries' images are ranges of image_taxa.
          [
            [
              `WITH m AS MATERIALIZED (
                 SELECT DISTINCT nt.taxon_id FROM taxon_names n CROSS JOIN taxon_name_taxa nt ON nt.name_id = n.id
                 WHERE n.name LIKE @v ESCAPE '\\')
               INSERT OR IGNORE INTO ${table} (image_id)
               SELECT x.image_id FROM m CROSS JOIN image_taxa x ON x.taxon_id = m.taxon_id ORDER BY x.image_id`,
              { v: escapeLike(String(value)) },
            ],
          ]
        : kind === 'import'
          ? // The images this import stored (image_urls_import), and those its rows name (each row's
            // image, migration 026: one range of source_rows_import_image): the importer's own importImages.
            [
              [`INSERT OR IGNORE INTO ${table} (image_id) SELECT image_id FROM image_urls WHERE import_id = @v ORDER BY image_id`, { v: value }],
              [`INSERT OR IGNORE INTO ${table} (image_id) SELECT image_id FROM source_rows WHERE import_id = @v AND image_id IS NOT NULL ORDER BY image_id`, { v: value }],
            ]
          : // The bundle's rows in line order (its primary key), each row's image (migration 026).
            [[`INSERT OR IGNORE INTO ${table} (image_id) SELECT s.image_id FROM bundle_items b CROSS JOIN source_rows s ON s.id = b.source_row_id WHERE b.bundle_id = @v AND s.image_id IS NOT NULL`, { v: value }]];
    let size = 0;
    for (const [sql, params] of fills) size += db.prepare(sql).run(params).changes;
    this.ownChanges += size;
    this.matched.set(kind, { key, size });
    return size;
  }

  /**
   * Fill the order table of `kind` with its match table's images that the run scored, with their
   * p(bad), indexed in score order: once per match-table fill, run and change of the scores (not per
   * label change). Returns true (the table is ready).
   */
  private order(kind: MatchKind, runId: number): boolean {
    const key = `${this.matched.get(kind)?.key}\u0000${runId}\u0000${this.changeStmt.get('scores')}`;
    if (this.orderedOf.get(kind) === key) return true;
    const { db } = this;
    const table = ORDER_TABLE[kind];
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS ${table} (run_id INTEGER NOT NULL, p_bad REAL NOT NULL, image_id INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS temp.${table}_p ON ${table} (run_id, p_bad, image_id)`);
    this.ownChanges += db.prepare(`DELETE FROM temp.${table}`).run().changes;
    this.ownChanges += db
      .prepare(`INSERT INTO temp.${table} (run_id, p_bad, image_id) SELECT p.run_id, p.p_bad, p.image_id FROM temp.${MATCH_TABLE[kind]} m CROSS JOIN predictions p ON p.run_id = ? AND p.image_id = m.image_id`)
      .run(runId).changes;
    this.orderedOf.set(kind, key);
    return true;
  }

  /**
   * The match count of `q`'s scored part from the counters of migration 019 when its filters are a
   * label and an origin at most (or none), or from the slider's bins when it is "predicted bad" or
   * "predicted good" alone; undefined when another filter applies.
   */
  private countedTotal(q: ReviewQuery, runId: number, threshold: number): number | undefined {
    if (q.taxon?.trim() || q.importId !== undefined || q.bundleId !== undefined || q.issuesOnly) return undefined;
    if (q.predicted === 'bad' || q.predicted === 'good') {
      // Predicted bad or good and nothing else: the slider's bins count them (p(bad) ≥ t, and the rest of the run).
      if ((q.label && q.label !== 'any') || (q.origin && q.origin !== 'any') || (q.outcome !== undefined && q.outcome !== 'all')) return undefined;
      const flagged = this.flaggedCount(runId, threshold);
      if (flagged === undefined) return undefined;
      return q.predicted === 'bad' ? flagged : this.predictionCount(runId) - flagged;
    }
    if (q.outcome !== undefined && q.outcome !== 'all' && q.outcome !== 'unlabeled') return undefined;
    let labels = ['good', 'bad', 'none'];
    if (q.label && q.label !== 'any') labels = labels.filter((l) => l === q.label);
    if (q.outcome === 'unlabeled') labels = labels.filter((l) => l === 'none');
    if (!labels.length) return 0;
    const origin = q.origin && q.origin !== 'any' ? q.origin : null;
    return this.db
      .prepare(`SELECT COALESCE(SUM(n), 0) FROM prediction_counts WHERE run_id = ? AND label IN (${labels.map(() => '?').join(', ')}) AND (? IS NULL OR origin = ?)`)
      .pluck()
      .get(runId, ...labels, origin, origin) as number;
  }

  /** The plan `page` would use (for tests and EXPLAIN QUERY PLAN). */
  plan(q: ReviewQuery, runId: number | null, threshold: number, segment?: Segment): PagePlan {
    this.syncVersion();
    // Without a part named, a confidence sort that also matches unscored images plans its first part.
    if (!segment && this.splitsUnscored(q, runId)) segment = 'scored';
    if (segment === 'unscored' && runId !== null) this.unscored(runId);
    const allScored = () => runId !== null && this.allScored(runId);
    // Every match table the query reads is filled; the smallest drives what it can.
    let smallest: { kind: MatchKind; size: number } | undefined;
    for (const kind of matchKinds(q)) {
      const size = this.match(kind, q);
      if (!smallest || size < smallest.size) smallest = { kind, size };
    }
    const driven = smallest !== undefined && runId !== null && smallest.size < MATCH_DRIVEN_SHARE * this.predictionCount(runId);
    // A driven confidence sort walks the smallest set in score order (the predictions plan; not the unscored part).
    const ordered = driven && runId !== null && (q.sort ?? 'confidence') === 'confidence' && segment !== 'unscored' && this.order(smallest!.kind, runId);
    const opts = { allScored, ...(smallest && { smallest: smallest.kind }), driven, ordered, ...(segment && { segment }) };
    if (!smallest && ((q.sort === 'id' && !segment) || segment === 'rest')) {
      // Walk the images by id unless the filters match few of them (then sorting the matches is cheaper):
      // decided on the count of the same filters sorted by id, which the page needs anyway.
      const probe = planPage({ ...q, sort: 'id', order: 'asc' }, runId, threshold, { ...opts, segment: undefined, idWalk: true });
      const idWalk = probe.where.length === 0 || this.countOf(probe) >= ID_WALK_SHARE * this.imageCount();
      return planPage(q, runId, threshold, { ...opts, idWalk });
    }
    return planPage(q, runId, threshold, opts);
  }

  /** Whether `q` is served as the run's scored images by confidence, then the unscored by id. */
  private splitsUnscored(q: ReviewQuery, runId: number | null): runId is number {
    return runId !== null && (q.sort ?? 'confidence') === 'confidence' && !needsPrediction(q) && !this.allScored(runId);
  }

  private predictionCount(runId: number): number {
    const key = `count:${runId}`;
    const cached = this.queries.get(key);
    if (cached) return cached.total;
    // The counters of migration 019, not a count of the run's index entries.
    const n = this.runCountStmt.get(runId)!;
    this.queries.set(key, { total: n, anchors: new Map() });
    return n;
  }

  page(args: PageArgs, runId: number | null, threshold: number): { total: number; items: GalleryItem[] } {
    // The schema refuses a bigger limit (the API never cuts a page short); a direct caller is held to it too.
    const limit = Math.max(0, Math.min(MAX_PAGE, Math.floor(args.limit)));
    const offset = Math.max(0, Math.floor(args.offset));
    if (runId !== null && args.sort === 'issue-rank' && !args.issuesOnly) {
      // The run's issues by rank, then every other image by id: two index walks, not a sort of the library.
      const issues = this.pageOf(this.plan(args, runId, threshold, 'issues'), offset, limit);
      // Every match minus the issues among them (counted on the id plan, whose count is cached).
      const all = this.pageOf(this.plan({ ...args, sort: 'id', order: 'asc' }, runId, threshold), 0, 0).total;
      const rest = this.pageOf(this.plan(args, runId, threshold, 'rest'), Math.max(0, offset - issues.total), limit - issues.items.length, all - issues.total);
      return { total: issues.total + rest.total, items: [...issues.items, ...rest.items] };
    }
    const plan = this.plan(args, runId, threshold);
    // The run's predictions with a label and origin filter at most: the count is the counters' (migration 019);
    // predicted bad or good alone: the slider's bins'. Asked only when the query's total is not kept yet.
    const counted = runId !== null && plan.kind === 'predictions' ? () => this.countedTotal(args, runId, threshold) : undefined;
    const first = this.pageOf(plan, offset, limit, counted);
    if (!this.splitsUnscored(args, runId)) return first;
    // The scored images by p(bad) on the run's index (`plan`), then the unscored by id: two walks, not a sort of the library.
    const rest = this.pageOf(this.plan(args, runId, threshold, 'unscored'), Math.max(0, offset - first.total), limit - first.items.length);
    return { total: first.total + rest.total, items: [...first.items, ...rest.items] };
  }

  /** How many items a plan matches, counted once per data version. */
  private countOf(plan: PagePlan): number {
    const from = plan.countFrom ?? plan.lean;
    const conds = plan.countWhere ?? plan.where;
    const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
    const key = JSON.stringify(['count', from, where, plan.params]);
    const cached = this.queries.get(key);
    if (cached) return cached.total;
    const n = (this.db.prepare(`SELECT COUNT(*) AS n FROM ${from} ${where}`).get(plan.params) as { n: number }).n;
    if (this.queries.size >= MAX_QUERIES) this.queries.delete(this.queries.keys().next().value as string);
    this.queries.set(key, { total: n, anchors: new Map() });
    return n;
  }

  /**
   * Items offset..offset+limit of one plan; `knownTotal`: its match count when the caller knows it
   * (or a way to get it without counting, asked only when the plan's total is not kept).
   */
  private pageOf(plan: PagePlan, offset: number, limit: number, knownTotal?: number | (() => number | undefined)): { total: number; items: GalleryItem[] } {
    const where = plan.where.length ? `WHERE ${plan.where.join(' AND ')}` : '';
    const sig = JSON.stringify([plan.select, where, plan.order, plan.params]);
    let state = this.queries.get(sig);
    if (!state) {
      const total = (typeof knownTotal === 'function' ? knownTotal() : knownTotal) ?? this.countOf(plan);
      state = { total, anchors: new Map() };
      if (this.queries.size >= MAX_QUERIES) this.queries.delete(this.queries.keys().next().value as string);
      this.queries.set(sig, state);
    }
    if (limit === 0 || offset >= state.total) return { total: state.total, items: [] };

    // Start after the nearest known key before `offset`.
    let from = -1;
    let key: [number, number] | null = null;
    if (plan.after) {
      for (const [i, k] of state.anchors) {
        if (i < offset && i > from) {
          from = i;
          key = k;
        }
      }
    }
    const conds = [...plan.where];
    const params: Record<string, unknown> = { ...plan.params, limit, skip: offset - from - 1 };
    if (plan.after && (params.skip as number) > SKIP_AHEAD) {
      // A jump: find the key just before `offset` on the lean query (the index alone, no joins
      // for rows that are only skipped), then page from it.
      const skipConds = key ? [...conds, plan.after] : conds;
      const row = this.db
        .prepare(`SELECT ${plan.keyColumns} FROM ${plan.lean} ${skipConds.length ? `WHERE ${skipConds.join(' AND ')}` : ''} ORDER BY ${plan.order} LIMIT 1 OFFSET @skip`)
        .raw()
        .get({ ...plan.params, ...(key && { k0: key[0], k1: key[1] }), skip: (params.skip as number) - 1 }) as [number, number] | undefined;
      if (!row) return { total: state.total, items: [] };
      key = [row[0], row[1]];
      state.anchors.set(offset - 1, key);
      params.skip = 0;
    }
    if (key && plan.after) {
      conds.push(plan.after);
      params.k0 = key[0];
      params.k1 = key[1];
    }
    const sql = `${plan.select} ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''} ORDER BY ${plan.order} LIMIT @limit OFFSET @skip`;
    const items = this.db.prepare(sql).all(params) as GalleryItem[];
    if (items.length && plan.after) state.anchors.set(offset + items.length - 1, plan.key(items[items.length - 1]!));
    return { total: state.total, items };
  }
}
