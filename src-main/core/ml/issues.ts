/**
 * Label issues of a run and the curator's review of them.
 *
 * - `findRunIssues`: confident learning (train/labelIssues.ts) over every labelled image's held-out
 *   prediction (out-of-fold for train + validation, the run's head for test), without labels a
 *   curator confirmed or dismissed.
 * - `labelConfidences`: each labelled image's label weight from its ratings (labelWeight.ts).
 * - `IssueStore`: the issue list, verdicts ('confirmed' / 'dismissed', table label_reviews, held
 *   while the label stays what it was when reviewed) and the images a noise-robust run pruned.
 */
import { QcError } from '../../../src-shared/contract/errors';
import type { IssueReviewAction, LabelIssue, RunNoiseReport, StoredVerdict } from '../../../src-shared/domain/ml';
import type { LabelRule } from '../../../src-shared/domain/label';
import { labelConfidence, type LabelConfidence } from '../../../src-shared/domain/labelWeight';
import type { Db } from '../db/open';
import { ratingCountsSql } from '../labels/countedRows';
import { confidentLearning, DEFAULT_ISSUE_OPTIONS } from './train/labelIssues';
import { SPLIT_CODE, type TrainJobResult } from './trainJob';
import { countOf } from '../../../src-shared/domain/words';

/** A probably-mislabelled image: `row` indexes the run's matrix. */
export interface RunIssueRow {
  row: number;
  given: 'good' | 'bad';
  suggested: 'good' | 'bad';
  selfConfidence: number;
  score: number;
  /** Within confident learning's estimate of wrong labels (false: beyond it, labelIssues.ts `beyond`). */
  estimated: boolean;
}

/** What `IssueStore.review` changed. */
export interface ReviewOutcome {
  /** The images whose verdict was stored, replaced or removed, each with the verdict now holding on its current label (null: none). */
  changed: { image_id: number; holds: 'confirmed' | 'dismissed' | null }[];
  /** The verdicts replaced or removed, as they were. */
  replaced: StoredVerdict[];
  /** The images a confirm or dismiss stored nothing on: they have no label for a verdict to be on. */
  unlabelled: number[];
}

export interface RunIssues {
  rows: RunIssueRow[];
  method: Pick<RunNoiseReport, 'ranking' | 'adjusted' | 'filter' | 'thresholds' | 'estimated_wrong'>;
}

const finite = (v: number) => (Number.isFinite(v) ? v : null);

/**
 * The held-out p(bad) label issues read for row i: the label issues' own out-of-fold pass where the
 * run made one (trainJob.ts: every labelled row, no synthetic rows), else out of fold for train and
 * validation rows and the run's head for test rows.
 */
export function heldPBad(r: Pick<TrainJobResult, 'oof' | 'issueP' | 'pAll'>, split: Uint8Array, i: number): number {
  return r.issueP ? r.issueP[i]! : split[i] === SPLIT_CODE.test ? r.pAll[i]! : r.oof[i]!;
}

/**
 * Confident learning over every labelled row's held-out prediction; rows with exclude[row] = 1 are
 * never listed; ratingAgreement[row] (NaN = none) ranks a label its ratings contradict higher.
 */
export function findRunIssues(
  r: Pick<TrainJobResult, 'oof' | 'issueP' | 'pAll' | 'heldLogit'>,
  y: Uint8Array,
  split: Uint8Array,
  exclude?: Uint8Array,
  ratingAgreement?: Float64Array,
  family?: Int32Array,
): RunIssues {
  const held: number[] = [];
  split.forEach((s, i) => {
    if (s === SPLIT_CODE.test || ((s === SPLIT_CODE.train || s === SPLIT_CODE.validation) && !Number.isNaN(r.oof[i]!))) held.push(i);
  });
  const p = Float32Array.from(held, (i) => heldPBad(r, split, i));
  const cl = confidentLearning(Uint8Array.from(held, (i) => y[i]!), p, {
    ...DEFAULT_ISSUE_OPTIONS,
    ...(exclude && { exclude: Uint8Array.from(held, (i) => exclude[i]!) }),
    ...(ratingAgreement && { ratingAgreement: Float64Array.from(held, (i) => ratingAgreement[i]!) }),
    ...(r.heldLogit && { logit: Float64Array.from(held, (i) => r.heldLogit![i]!) }),
    ...(family && { family: Int32Array.from(held, (i) => family[i]!) }),
  });
  return {
    rows: [...cl.issues.map((iss) => ({ iss, estimated: true })), ...cl.beyond.map((iss) => ({ iss, estimated: false }))].map(({ iss, estimated }) => ({
      row: held[iss.index]!,
      given: iss.givenLabel,
      suggested: iss.suggested,
      selfConfidence: iss.selfConfidence,
      score: iss.score,
      estimated,
    })),
    method: {
      ranking: cl.ranking,
      adjusted: cl.adjusted,
      filter: cl.filter,
      thresholds: { good: finite(cl.thresholds.good), bad: finite(cl.thresholds.bad) },
      estimated_wrong: cl.estimatedWrong,
    },
  };
}

/**
 * Label confidence of the given labelled images, from their ratings, origin, exemplar flag and
 * review. A label the curator set or confirmed has no `ratingAgreement` (null): the ratings it
 * overruled are no evidence against it, so confident learning (trainService.ts) never ranks it up
 * as an issue for disagreeing with them; its rating mean and spread stay.
 */
export function labelConfidences(db: Db, rule: LabelRule, imageIds?: readonly number[]): Map<number, LabelConfidence> {
  const rows = db
    .prepare(
      `SELECT i.id, l.label, l.origin, i.exemplar, rv.action AS review
       FROM images i JOIN labels l ON l.image_id = i.id
       LEFT JOIN label_reviews rv ON rv.image_id = i.id AND rv.label = l.label
       WHERE l.label IN ('good', 'bad')`,
    )
    .all() as { id: number; label: 'good' | 'bad'; origin: 'import' | 'curator'; exemplar: number; review: string | null }[];
  const ratings = new Map<number, number[]>();
  for (const r of db
    .prepare(`SELECT u.image_id, s.rating FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE s.rating IS NOT NULL AND ${ratingCountsSql('s')} ORDER BY s.id`)
    .raw()
    .all() as [number, number][]) {
    let list = ratings.get(r[0]);
    if (!list) ratings.set(r[0], (list = []));
    list.push(r[1]);
  }
  const wanted = imageIds ? new Set(imageIds) : null;
  const out = new Map<number, LabelConfidence>();
  for (const r of rows) {
    if (wanted && !wanted.has(r.id)) continue;
    const c = labelConfidence({ label: r.label, origin: r.origin, ratings: ratings.get(r.id) ?? [], exemplar: r.exemplar === 1, confirmed: r.review === 'confirmed' }, rule);
    out.set(r.id, c.basis === 'curator' || c.basis === 'confirmed' ? { ...c, ratingAgreement: null } : c);
  }
  return out;
}

/** One image's label confidence (the preview); null when it has no good/bad label. */
export function imageLabelConfidence(db: Db, rule: LabelRule, imageId: number): LabelConfidence | null {
  const row = db
    .prepare(
      `SELECT l.label, l.origin, i.exemplar, rv.action AS review FROM images i JOIN labels l ON l.image_id = i.id
       LEFT JOIN label_reviews rv ON rv.image_id = i.id AND rv.label = l.label WHERE i.id = ? AND l.label IN ('good', 'bad')`,
    )
    .get(imageId) as { label: 'good' | 'bad'; origin: 'import' | 'curator'; exemplar: number; review: string | null } | undefined;
  if (!row) return null;
  const ratings = (db.prepare(`SELECT s.rating FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE u.image_id = ? AND s.rating IS NOT NULL AND ${ratingCountsSql('s')} ORDER BY s.id`).raw().all(imageId) as [number][]).map((r) => r[0]);
  return labelConfidence({ label: row.label, origin: row.origin, ratings, exemplar: row.exemplar === 1, confirmed: row.review === 'confirmed' }, rule);
}

/** The curator's verdict on an image's current label, if any. */
export function imageReview(db: Db, imageId: number): 'confirmed' | 'dismissed' | null {
  const row = db.prepare('SELECT rv.action FROM label_reviews rv JOIN labels l ON l.image_id = rv.image_id AND l.label = rv.label WHERE rv.image_id = ?').get(imageId) as { action: 'confirmed' | 'dismissed' } | undefined;
  return row?.action ?? null;
}

/**
 * Whether the issue `li` (a label_issues row) is still open, in SQL: the image's current label
 * (`label`: labels' column, or the copy on predictions) is the one the run listed, and no verdict
 * (label_reviews) holds on it. The one home of that condition: the issue list and its counts here,
 * Review's issues filter and its rows' `issue_open` (review/page.ts).
 */
export const openIssueSql = (li = 'li', label = 'l.label'): string =>
  `${li}.given = ${label} AND NOT EXISTS (SELECT 1 FROM label_reviews rv WHERE rv.image_id = ${li}.image_id AND rv.label = ${label})`;

export class IssueStore {
  constructor(private readonly db: Db) {}

  /** Images whose current label a curator confirmed ('confirmed') or dismissed from the queue. */
  reviewed(): Map<number, 'confirmed' | 'dismissed'> {
    const rows = this.db
      .prepare('SELECT rv.image_id, rv.action FROM label_reviews rv JOIN labels l ON l.image_id = rv.image_id AND l.label = rv.label')
      .raw()
      .all() as [number, 'confirmed' | 'dismissed'][];
    return new Map(rows);
  }

  store(runId: number, imageIdOfRow: (row: number) => number, rows: readonly RunIssueRow[], weightOf: (imageId: number) => number | null): void {
    const put = this.db.prepare('INSERT OR REPLACE INTO label_issues (run_id, image_id, rank, given, suggested, self_confidence, score, weight, estimated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() =>
      rows.forEach((iss, rank) => {
        const id = imageIdOfRow(iss.row);
        put.run(runId, id, rank + 1, iss.given, iss.suggested, iss.selfConfidence, iss.score, weightOf(id), iss.estimated ? 1 : 0);
      }),
    )();
  }

  storePruned(runId: number, pruned: readonly { imageId: number; given: 'good' | 'bad'; pBad: number }[]): void {
    const put = this.db.prepare('INSERT OR REPLACE INTO run_pruned (run_id, image_id, given, p_bad) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => pruned.forEach((p) => put.run(runId, p.imageId, p.given, p.pBad)))();
  }

  /** Open issues: listed for the run, the label unchanged since, and no verdict on it. */
  private static readonly OPEN = openIssueSql();

  /**
   * The list's query (run id, limit). Each issue says what became of it: its label now and the
   * verdict on the listed label (closed ones are listed with `includeReviewed`), and whether a
   * folder import gave the label (`label_from_folder`: the why-line says so). `shared_versions` counts the other open issues of the run
   * with the same given label among the image's versions (its split group; one relabelled, confirmed
   * or dismissed since is no longer suspected): it starts from the group's few members
   * (splits_group) and looks each up among the issues and labels by primary key. The other way
   * round, the planner's choice without CROSS JOIN, walks every issue of the run for each issue listed.
   */
  static listSql(includeReviewed: boolean, some = false): string {
    return `SELECT li.rank, li.image_id, li.given, li.suggested, li.self_confidence, li.estimated = 0 AS beyond_estimate,
                CASE li.given WHEN 'bad' THEN li.self_confidence ELSE 1 - li.self_confidence END AS p_bad, li.score, li.weight, i.rating, CASE WHEN l.label = li.given THEN l.origin END AS origin,
                (SELECT url FROM image_urls u WHERE u.image_id = li.image_id ORDER BY u.created_at LIMIT 1) AS url,
                l.label AS label_now, CASE WHEN l.label = li.given THEN (SELECT rv.action FROM label_reviews rv WHERE rv.image_id = li.image_id AND rv.label = l.label) END AS verdict,
                CASE WHEN l.label = li.given AND l.origin = 'import' THEN EXISTS (SELECT 1 FROM image_urls fu CROSS JOIN source_rows fs ON fs.url = fu.url
                  WHERE fu.image_id = li.image_id AND fs.folder_label = li.given) END AS label_from_folder,
                (SELECT COUNT(*) FROM splits so CROSS JOIN label_issues o ON o.run_id = li.run_id AND o.image_id = so.image_id CROSS JOIN labels ol ON ol.image_id = so.image_id
                  WHERE so.group_id = s.group_id AND so.image_id != li.image_id AND o.given = li.given AND ${openIssueSql('o', 'ol.label')}) AS shared_versions
         FROM label_issues li
         JOIN images i ON i.id = li.image_id JOIN labels l ON l.image_id = li.image_id LEFT JOIN splits s ON s.image_id = li.image_id
         WHERE li.run_id = ? ${some ? 'AND li.image_id IN (SELECT value FROM json_each(?))' : ''} ${includeReviewed ? '' : `AND ${IssueStore.OPEN}`} ORDER BY li.rank LIMIT ?`;
  }

  /**
   * The run's issues counted in one pass (the sidebar asks after every label change): `total` the
   * open ones within confident learning's estimate, `beyond` the open ones past it, `all` every one.
   */
  counts(runId: number): { total: number; beyond: number; all: number } {
    const rows = this.db
      .prepare<[number], { estimated: number; n: number; open: number }>(
        `SELECT li.estimated, COUNT(*) AS n, SUM(CASE WHEN ${IssueStore.OPEN} THEN 1 ELSE 0 END) AS open
         FROM label_issues li LEFT JOIN labels l ON l.image_id = li.image_id WHERE li.run_id = ? GROUP BY li.estimated`,
      )
      .all(runId);
    const out = { total: 0, beyond: 0, all: 0 };
    for (const r of rows) {
      out.all += r.n;
      if (r.estimated === 1) out.total += r.open;
      else if (r.estimated === 0) out.beyond += r.open;
    }
    return out;
  }

  /** Open issues within confident learning's estimate (the sidebar's count); `beyond: true` counts the open ones beyond it. */
  openCount(runId: number, beyond = false): number {
    const c = this.counts(runId);
    return beyond ? c.beyond : c.total;
  }

  /**
   * The open issues (all with includeReviewed), by rank: those within the estimate first, then those
   * beyond it. `total` counts the open ones within the estimate, `beyond` the open ones past it,
   * `reviewed` those of either kind a curator confirmed or dismissed (or relabelled). `imageIds`:
   * only these images' issues are listed (the counts stay the run's).
   */
  list(runId: number, limit: number, includeReviewed: boolean, imageIds?: readonly number[]): { total: number; reviewed: number; beyond: number; issues: LabelIssue[] } {
    const { total, beyond, all } = this.counts(runId);
    const issues = (
      imageIds ? this.db.prepare(IssueStore.listSql(includeReviewed, true)).all(runId, JSON.stringify(imageIds), limit) : this.db.prepare(IssueStore.listSql(includeReviewed)).all(runId, limit)
    ) as LabelIssue[];
    // The spread of each issue's rating rows (why it is suspected): one query for every listed issue.
    const ratingsOf = this.ratingsOf(issues.map((i) => i.image_id));
    for (const iss of issues) {
      iss.beyond_estimate = Boolean(iss.beyond_estimate);
      iss.label_from_folder = Boolean(iss.label_from_folder);
      // The origin only of the label the run listed (a label changed since is another one's origin).
      if (iss.origin == null) delete iss.origin;
      const r = ratingsOf.get(iss.image_id) ?? [];
      iss.rating_count = r.length;
      if (r.length >= 2) {
        const m = r.reduce((a, b) => a + b, 0) / r.length;
        iss.rating_spread = Math.sqrt(r.reduce((a, b) => a + (b - m) ** 2, 0) / (r.length - 1));
      } else iss.rating_spread = null;
    }
    return { total, reviewed: all - total - beyond, beyond, issues };
  }

  /** Rating rows query of `ratingsOf`: the listed ids as one JSON array, each image's rows by URL, then by row. */
  static readonly RATINGS_SQL = `SELECT u.image_id, s.rating FROM json_each(?) j CROSS JOIN image_urls u ON u.image_id = j.value
     JOIN source_rows s ON s.url = u.url WHERE s.rating IS NOT NULL AND ${ratingCountsSql('s')} ORDER BY u.image_id, u.url, s.id`;

  /**
   * The rating rows of the images (all their URLs' rows with a rating), by image id: one statement
   * for the whole list (the ids travel as one JSON array, so no parameter limit), not one per issue
   * (5,000 per list on the Issues screen).
   */
  ratingsOf(imageIds: readonly number[]): Map<number, number[]> {
    const out = new Map<number, number[]>();
    if (!imageIds.length) return out;
    for (const [id, rating] of this.db.prepare(IssueStore.RATINGS_SQL).raw().iterate(JSON.stringify(imageIds)) as IterableIterator<[number, number]>) {
      let list = out.get(id);
      if (!list) out.set(id, (list = []));
      list.push(rating);
    }
    return out;
  }

  /**
   * Record a verdict on the images' current labels (unlabelled images are skipped), or with 'reopen'
   * remove the images' verdicts. An id of no image is refused, as labels.set refuses it, before
   * anything is written. `shown` (one per id, in order): the label the curator saw; when an image's
   * current label is another one (changed since it was shown), the whole call is refused (`conflict`)
   * and nothing is stored, so a verdict is only ever on a label seen. `undoing` (reopen only, with
   * `shown`): the reopen is an undo that takes back a verdict given with that action on the `shown`
   * labels (then the labels it was given on, not checked against the current ones); when another
   * verdict is stored on an image now (given elsewhere since), the whole call is refused (`conflict`)
   * and nothing is changed, so an undo never removes another window's verdict; an image with none
   * now (reopened elsewhere) is left as it is, its `restore` not put back, so an undo never brings
   * back a verdict taken back since. Without it a reopen removes whatever verdict is stored.
   * `restore` (reopen only, each image one of `imageIds`, at most once): verdicts put back as they
   * were, instead of none (an undo gives back what the verdict it takes back replaced); a run deleted
   * since is stored as none.
   *
   * Returns the images whose verdict was stored, replaced or removed (each once however often it is
   * named), each with the verdict now holding on its current label (`holds`, null: none; a verdict
   * put back on another label holds on none), and the verdicts the call replaced or removed, as they
   * were (`replaced`: what an undo restores).
   */
  review(
    imageIds: readonly number[],
    action: IssueReviewAction,
    runId: number | null,
    opts: {
      shown?: readonly ('good' | 'bad')[] | undefined;
      undoing?: { action: 'confirm' | 'dismiss' } | undefined;
      restore?: readonly StoredVerdict[] | undefined;
    } = {},
  ): ReviewOutcome {
    const { db } = this;
    const { shown, undoing, restore } = opts;
    const exists = db.prepare('SELECT 1 FROM images WHERE id = ?');
    if (shown && shown.length !== imageIds.length) throw new QcError('bad_input', 'shown must give one label for each image id');
    if (undoing && action !== 'reopen') throw new QcError('bad_input', 'undoing goes only with action reopen');
    if (undoing && !shown) throw new QcError('bad_input', 'undoing needs shown: the label each verdict taken back was given on');
    const seen = new Map<number, 'good' | 'bad'>();
    if (shown) {
      imageIds.forEach((id, i) => {
        const prev = seen.get(id);
        if (prev !== undefined && prev !== shown[i]) throw new QcError('bad_input', `image ${id} is named twice with different labels shown`);
        seen.set(id, shown[i]!);
      });
    }
    const restoreOf = new Map<number, StoredVerdict>();
    if (restore?.length) {
      if (action !== 'reopen') throw new QcError('bad_input', 'restore goes only with action reopen');
      const named = new Set(imageIds);
      for (const r of restore) {
        if (restoreOf.has(r.image_id)) throw new QcError('bad_input', `restore names image ${r.image_id} twice`);
        if (!named.has(r.image_id)) throw new QcError('bad_input', `restore names image ${r.image_id}, which is not one of imageIds`);
        restoreOf.set(r.image_id, r);
      }
    }
    imageIds = [...new Set(imageIds)];
    for (const id of imageIds) if (!exists.get(id)) throw new QcError('not_found', `no image with id ${id}`);
    const currentLabel = db.prepare<[number], { label: string | null }>('SELECT label FROM labels WHERE image_id = ?');
    const before = db.prepare<[number], StoredVerdict>('SELECT image_id, label, action, run_id FROM label_reviews WHERE image_id = ?');
    const runExists = db.prepare<[number], unknown>('SELECT 1 FROM runs WHERE id = ?');
    const put = db.prepare('INSERT OR REPLACE INTO label_reviews (image_id, label, action, run_id) VALUES (?, ?, ?, ?)');
    const del = db.prepare('DELETE FROM label_reviews WHERE image_id = ?');
    const out: ReviewOutcome = { changed: [], replaced: [], unlabelled: [] };
    db.transaction(() => {
      if (undoing) {
        // The undo takes back the verdict this window gave: another one stored since stays as it is.
        const verdict = undoing.action === 'confirm' ? 'confirmed' : 'dismissed';
        const moved = imageIds.flatMap((id) => {
          const now = before.get(id);
          return now && (now.label !== seen.get(id) || now.action !== verdict) ? [{ id, now }] : [];
        });
        if (moved.length) {
          const { id, now } = moved[0]!;
          throw new QcError(
            'conflict',
            `another verdict was given on ${countOf(moved.length, 'image')} since this ${undoing.action} (another window or the command line): image ${id} now holds ${now.action} on ${now.label}, not ${verdict} on ${seen.get(id)}; nothing was undone`,
          );
        }
      } else if (shown) {
        const differ = imageIds.filter((id) => (currentLabel.get(id)?.label ?? null) !== seen.get(id));
        if (differ.length) {
          throw new QcError(
            'conflict',
            `the label of ${countOf(differ.length, 'image')} (first: ${differ[0]}) was changed since it was shown (another window or the command line); nothing was stored: look at the current label and give the verdict again`,
          );
        }
      }
      for (const id of imageIds) {
        const label = currentLabel.get(id)?.label ?? null;
        const was = before.get(id);
        if (action === 'reopen') {
          // Undoing a verdict reopened elsewhere since: nothing to take back, and nothing put back.
          if (undoing && !was) continue;
          const back = restoreOf.get(id);
          if (was) del.run(id);
          if (back) put.run(id, back.label, back.action, back.run_id !== null && runExists.get(back.run_id) ? back.run_id : null);
          if (!was && !back) continue;
          if (was) out.replaced.push(was);
          out.changed.push({ image_id: id, holds: back && back.label === label ? back.action : null });
          continue;
        }
        if (label !== 'good' && label !== 'bad') {
          out.unlabelled.push(id);
          continue;
        }
        const verdict = action === 'confirm' ? 'confirmed' : 'dismissed';
        if (was) out.replaced.push(was);
        put.run(id, label, verdict, runId);
        out.changed.push({ image_id: id, holds: verdict });
      }
    }).immediate(); // reads each label, then writes the verdict on it: take the write lock first
    return out;
  }

  pruned(runId: number): RunNoiseReport['pruned'] {
    return this.db.prepare('SELECT image_id, given, p_bad FROM run_pruned WHERE run_id = ? ORDER BY CASE given WHEN \'bad\' THEN p_bad ELSE 1 - p_bad END, image_id').all(runId) as RunNoiseReport['pruned'];
  }
}
