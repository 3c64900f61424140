/**
 * The one home of training runs: the `runs` table, the active run, `requireRun` (the one "no
 * trained model yet" error) and the one `thresholdInForce`, which the slider (`review.scores`),
 * the gallery filter (`review.page`), `qc export` and `qc classify` all use.
 *
 * The threshold in force, first that applies:
 *   the caller's (`--threshold`, a slider position) → the curator's for this run (`qc threshold`,
 *   "Use for export", chosen while it was active) → the run's recommendation (proves the target
 *   error) → the run's best provable bound → 0.5.
 */
import { QcError } from '../../../src-shared/contract/errors';
import { AUC_TIE, sharedTestAucWords, type RunDetail, type RunEvaluation, type RunMetrics, type RunSummary, type ThresholdEstimate, type ThresholdInForce, type TrainParams } from '../../../src-shared/domain/ml';
import { DEFAULT_TARGET_ERROR, type EstimatedThresholdStats } from '../../../src-shared/domain/threshold';
import { roundConfidence } from '../../../src-shared/domain/tags';
import { assessFit } from '../../../src-shared/domain/runQuality';
import { rocAuc } from '../../../src-shared/domain/metrics';
import type { Db } from '../db/open';
import { getSetting, setSetting, SETTING } from '../db/settings';
import { heldHere, ownerEnded, ownersOf, thisProcess } from '../library/store';
import type { TrainedHead } from './train/head';

/**
 * THE images a run's thresholds are measured on, as an SQL condition on a stored prediction (table
 * alias `p`): its out-of-fold predictions, i.e. held out and the image not in the stored test split.
 * These are evaluate.ts's `oofRows` (trainService.ts stores heldout = 1 for exactly them and for the
 * test split, whose images only check the choice afterwards: `on_test`; a held-out prediction
 * always has its image's split stored, and splits never move). The recommendation, its bound and
 * the estimate, `qc run`, the Train screen and the Review slider (review/sketch.ts) all count
 * these, so one threshold gets one coverage, error and 95% bound everywhere.
 */
export function outOfFoldSql(p = 'p'): string {
  return `(${p}.heldout = 1 AND NOT EXISTS (SELECT 1 FROM splits test_split WHERE test_split.image_id = ${p}.image_id AND test_split.split = 'test'))`;
}

/** What the fallback chain reads; every field is a threshold or null. */
export interface ThresholdInputs {
  given?: number | null;
  curator: number | null;
  recommended: number | null;
  bestBound: number | null;
}

export function checkThreshold(t: number): number {
  if (!(typeof t === 'number' && t >= 0 && t <= 1)) throw new QcError('bad_input', `threshold must be in 0..1, got ${t}`);
  return t;
}

/** The fallback chain itself, pure: given → curator → recommended → best bound → 0.5. */
export function chooseThreshold(i: ThresholdInputs): ThresholdInForce {
  if (i.given != null) return { threshold: checkThreshold(i.given), source: 'argument' };
  if (i.curator != null) return { threshold: i.curator, source: 'curator' };
  if (i.recommended != null) return { threshold: i.recommended, source: 'recommended' };
  if (i.bestBound != null) return { threshold: i.bestBound, source: 'best-bound' };
  return { threshold: 0.5, source: 'default' };
}

/** What a finished run stores besides its status. */
export interface FinishedRun {
  provider: string;
  backend: string;
  snapshot: { hash: string } & Record<string, unknown>;
  seconds: number;
  metrics: RunMetrics;
  evaluation: RunEvaluation & { thresholds: RunSummary['thresholds'] };
  head: TrainedHead;
}

const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/**
 * The pin that says "no run is active" while finished runs exist: set when the only candidate
 * ranked no better than chance (`activateIfBetter`); picking a run (`setActive`) replaces it, and so
 * does the next run that finishes and ranks better than chance.
 */
export const NO_ACTIVE_RUN = 0;

/**
 * The active run: the one a curator pinned while it is finished and not archived (none under
 * NO_ACTIVE_RUN), else the newest such run. The one rule, read without a RunStore by those that
 * must not write (library status: opening a RunStore settles runs of dead processes).
 */
export function activeRunIdOf(db: Db): number | null {
  const pinned = getSetting<number | null>(db, SETTING.activeRun, null);
  if (pinned === NO_ACTIVE_RUN) return null;
  if (pinned !== null && db.prepare("SELECT 1 FROM runs WHERE id = ? AND status = 'done' AND archived = 0").get(pinned)) return pinned;
  const newest = db.prepare("SELECT id FROM runs WHERE status = 'done' AND archived = 0 ORDER BY id DESC LIMIT 1").get() as { id: number } | undefined;
  return newest?.id ?? null;
}

export class RunStore {
  /** The runs this process is training on this library (store.ts heldHere). */
  private readonly training: Set<number>;

  constructor(private readonly db: Db) {
    this.training = heldHere(db, 'runs');
    this.markInterrupted();
  }

  // --- the active run -------------------------------------------------------------------------

  /** The active run: the one a curator picked, else the newest finished run; never an archived one. */
  activeRunId(): number | null {
    return activeRunIdOf(this.db);
  }

  /** Pick the active run (null: the newest finished one). */
  setActive(runId: number | null): number | null {
    if (runId !== null && !this.canBeActive(runId)) {
      // A run that did not finish can never be active, archived or not: that first (restoring it would not help).
      const status = (this.db.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(runId) as string | undefined) ?? null;
      if (status !== null && status !== 'done') throw new QcError('bad_input', `run ${runId} did not finish (${status}): only a finished run can be made active`);
      if (this.isArchived(runId)) throw new QcError('bad_input', `run ${runId} is archived; restore it before making it active`);
      throw new QcError('not_found', `no finished run with id ${runId}`);
    }
    setSetting(this.db, SETTING.activeRun, runId);
    return this.activeRunId();
  }

  /**
   * `runId`, else the active run, with the one "no trained model yet" error. By default the run
   * must have finished (to score with it); `{ finished: false }` accepts any stored run (to show it).
   */
  requireRun(runId?: number | null, { finished = true }: { finished?: boolean } = {}): number {
    const id = runId ?? this.activeRunId();
    if (id === null) {
      const done = this.previousDone(Number.MAX_SAFE_INTEGER);
      throw new QcError('not_found', done === null ? 'no trained model yet: train a model first' : `no run is active (run ${done} ranked no better than chance and was not made active): train again, or make a run active (qc use ${done})`);
    }
    const row = this.db.prepare('SELECT status FROM runs WHERE id = ?').get(id) as { status: string } | undefined;
    if (!row) throw new QcError('not_found', `no run with id ${id}`);
    if (finished && row.status !== 'done') throw new QcError('bad_input', `run ${id} did not finish (${row.status})`);
    return id;
  }

  /**
   * The ROC AUC of a run's held-out scores on the stored test split with today's labels: the
   * measure compareOnSharedTest applies to two runs, for one (`qc runs --best` ranks by it).
   */
  heldoutAucNow(runId: number): { auc: number | null; images: number } {
    const rows = this.db
      .prepare(
        `SELECT p.p_bad AS p, l.label FROM splits s
         JOIN labels l ON l.image_id = s.image_id AND l.label IN ('good', 'bad')
         JOIN predictions p ON p.run_id = ? AND p.image_id = s.image_id AND p.heldout = 1
         WHERE s.split = 'test'`,
      )
      .all(runId) as { p: number; label: string }[];
    const y = rows.map((r) => (r.label === 'bad' ? 1 : 0) as 0 | 1);
    return { auc: y.includes(1) && y.includes(0) ? rocAuc(y, rows.map((r) => r.p)) : null, images: rows.length };
  }

  /**
   * Both runs' held-out predictions on the test images they share (the stored test split, with
   * today's labels), and the ROC AUC of each there: the one fair comparison of two runs.
   */
  compareOnSharedTest(a: number, b: number): { images: number; auc: [number | null, number | null] } {
    const rows = this.db
      .prepare(
        `SELECT pa.p_bad AS a, pb.p_bad AS b, l.label FROM splits s
         JOIN labels l ON l.image_id = s.image_id AND l.label IN ('good', 'bad')
         JOIN predictions pa ON pa.run_id = ? AND pa.image_id = s.image_id AND pa.heldout = 1
         JOIN predictions pb ON pb.run_id = ? AND pb.image_id = s.image_id AND pb.heldout = 1
         WHERE s.split = 'test'`,
      )
      .all(a, b) as { a: number; b: number; label: string }[];
    const y = rows.map((r) => (r.label === 'bad' ? 1 : 0) as 0 | 1);
    const both = y.includes(1) && y.includes(0);
    return {
      images: rows.length,
      auc: both ? [rocAuc(y, rows.map((r) => r.a)), rocAuc(y, rows.map((r) => r.b))] : [null, null],
    };
  }

  /**
   * A run that just finished becomes the active run only when it is better than the active one on
   * the held-out test images both scored (or when there is no active run yet); otherwise the
   * curator's run stays (they can still pick the new one). Returns the decision in words.
   */
  activateIfBetter(runId: number): { active: number | null; activated: boolean; reason: string } {
    // The run in force before this one, recorded with it (the retrain comparison's other side, also after a reload).
    const before = this.activeBefore(runId);
    this.db.prepare("UPDATE runs SET evaluation = json_set(COALESCE(evaluation, '{}'), '$.compared_with', ?) WHERE id = ?").run(before, runId);
    if (this.isArchived(runId)) return { active: this.activeRunId(), activated: false, reason: `run ${runId} was archived while it trained` };
    const current = getSetting<number | null>(this.db, SETTING.activeRun, null) ?? this.previousDone(runId);
    if (current === null || current === runId || !this.canBeActive(current)) {
      // Nothing to compare with: the run takes over unless its out-of-fold ranking is no better
      // than a coin's (AUC ≤ 0.5: its flags would tag good images bad as often as bad ones, and
      // exports and `qc classify` would apply them). The curator can still pick it (`qc use`).
      const chance = this.chanceLevel(runId);
      if (chance !== null) {
        // What was in force before it stays (an older finished run), else none is active.
        setSetting(this.db, SETTING.activeRun, before ?? NO_ACTIVE_RUN);
        return { active: before, activated: false, reason: before === null ? `${chance}; no run is active` : `${chance}; run ${before} stays active` };
      }
      setSetting(this.db, SETTING.activeRun, runId);
      return { active: runId, activated: true, reason: 'the first finished run' };
    }
    const cmp = this.compareOnSharedTest(runId, current);
    const [mine, theirs] = cmp.auc;
    if (mine !== null && theirs !== null && mine > theirs + AUC_TIE) {
      setSetting(this.db, SETTING.activeRun, runId);
      return { active: runId, activated: true, reason: sharedTestAucWords(runId, current, mine, theirs, cmp.images) };
    }
    setSetting(this.db, SETTING.activeRun, current);
    return {
      active: current,
      activated: false,
      reason:
        mine === null || theirs === null
          ? `no shared held-out test images with both labels to compare run ${runId} with run ${current}`
          : `${sharedTestAucWords(runId, current, mine, theirs, cmp.images)}: run ${current} stays active`,
    };
  }

  /**
   * Why run `runId` ranks no better than chance (its out-of-fold AUC ≤ 0.5, or its held-out test
   * AUC where no out-of-fold score exists), or null when it ranks better or cannot be measured.
   */
  private chanceLevel(runId: number): string | null {
    const row = this.db.prepare('SELECT metrics FROM runs WHERE id = ?').get(runId) as { metrics: string | null } | undefined;
    const m = row?.metrics ? (JSON.parse(row.metrics) as Partial<RunMetrics>) : null;
    const [what, auc] = m?.oof_auc != null ? ['out-of-fold', m.oof_auc] : ['held-out test', m?.test_auc ?? null];
    if (auc === null || auc > 0.5) return null;
    return `its ${what} AUC ${auc.toFixed(3)} is no better than chance (0.5): its flags would be guesses`;
  }

  /** The run in force before `runId` finished: the pinned one (finished, not archived, not `runId`), else the newest finished before it. */
  private activeBefore(runId: number): number | null {
    const pinned = getSetting<number | null>(this.db, SETTING.activeRun, null);
    if (pinned === NO_ACTIVE_RUN) return null;
    if (pinned !== null && pinned !== runId && this.canBeActive(pinned)) return pinned;
    return this.previousDone(runId);
  }

  /** The newest finished run before `runId` (what was active when nothing was pinned). */
  private previousDone(runId: number): number | null {
    const row = this.db.prepare("SELECT id FROM runs WHERE status = 'done' AND archived = 0 AND id < ? ORDER BY id DESC LIMIT 1").get(runId) as { id: number } | undefined;
    return row?.id ?? null;
  }

  /** Finished and not archived: a run that can be the active one. */
  private canBeActive(runId: number): boolean {
    return !!this.db.prepare("SELECT 1 FROM runs WHERE id = ? AND status = 'done' AND archived = 0").get(runId);
  }

  // --- thresholds -----------------------------------------------------------------------------

  /**
   * The curator's threshold of run `runId` (default: the active run), or null: `qc threshold`, the
   * slider's "Use for export". It belongs to the run it was chosen on (another run's scores are on
   * another scale); with no run (`null`) there is none.
   */
  curatorThreshold(runId: number | null = this.activeRunId()): number | null {
    return runId === null ? null : this.runThresholds(runId).curator;
  }

  /**
   * Set (null: clear, back to the run's recommendation) the curator's threshold of run `runId`
   * (default: the active run). With no run a threshold is refused: it is chosen on a run's scores,
   * and no later run would use it; clearing then changes nothing.
   */
  setCuratorThreshold(threshold: number | null, runId: number | null = this.activeRunId()): number | null {
    if (threshold !== null) checkThreshold(threshold);
    if (runId === null) {
      // Setting or clearing ("auto": the run's recommendation) needs a run; nothing is written
      // (migration 017's library-wide `threshold_bad` is read by nothing).
      const archived = this.db.prepare("SELECT 1 FROM runs WHERE status = 'done' AND archived = 1").get();
      throw new QcError(
        'bad_input',
        archived
          ? "There is no active run (every finished run is archived): a threshold is chosen on a run's scores. Restore a run or train first."
          : "There is no run yet: a threshold is chosen on a run's scores. Train first.",
      );
    } else if (!this.db.prepare('UPDATE runs SET curator_threshold = ? WHERE id = ?').run(threshold, runId).changes) throw new QcError('not_found', `no run with id ${runId}`);
    return this.curatorThreshold(runId);
  }

  /**
   * The run's curator, recommended and best-bound `bad` thresholds, read without parsing its whole
   * evaluation (the gallery asks per page).
   */
  runThresholds(runId: number): { curator: number | null; recommended: number | null; bestBound: number | null } {
    const row = this.db
      .prepare("SELECT curator_threshold AS c, json_extract(evaluation, '$.thresholds.bad.threshold') AS t, json_extract(evaluation, '$.thresholds.bad.best_bound.threshold') AS b FROM runs WHERE id = ?")
      .get(runId) as { c: number | null; t: number | null; b: number | null } | undefined;
    return { curator: row?.c ?? null, recommended: row?.t ?? null, bestBound: row?.b ?? null };
  }

  /**
   * What the slider says of the run's thresholds besides the one in force: the target error they
   * were chosen for, and the point-estimate `bad` threshold (evaluation `thresholds.bad.estimate`:
   * the lowest whose observed out-of-fold error is ≤ the target) with that error, its 95% interval
   * and the out-of-fold coverage, null when the run has none. A view the curator may choose, never
   * in force by itself.
   */
  runThresholdViews(runId: number): { targetError: number; estimate: ThresholdEstimate | null } {
    const row = this.db
      .prepare("SELECT json_extract(evaluation, '$.thresholds.bad.estimate') AS e, json_extract(evaluation, '$.thresholds.bad.target_error') AS t FROM runs WHERE id = ?")
      .get(runId) as { e: string | null; t: number | null } | undefined;
    const targetError = typeof row?.t === 'number' ? row.t : DEFAULT_TARGET_ERROR;
    const e = row?.e ? (JSON.parse(row.e) as Partial<EstimatedThresholdStats>) : null;
    if (!e || typeof e.threshold !== 'number' || typeof e.error !== 'number' || !Array.isArray(e.errorInterval)) return { targetError, estimate: null };
    return { targetError, estimate: { threshold: e.threshold, error: e.error, error_interval: [e.errorInterval[0]!, e.errorInterval[1]!], coverage: e.coverage ?? null, flagged: e.flagged ?? null } };
  }

  /**
   * THE threshold in force for run `runId` (null: no run yet), unless the caller gives one: the
   * run's own curator threshold, else its recommendation, else its best bound (never another run's).
   */
  thresholdInForce(runId: number | null, given?: number | null): ThresholdInForce {
    const run = runId !== null ? this.runThresholds(runId) : { curator: null, recommended: null, bestBound: null };
    return chooseThreshold({ given: given ?? null, ...run });
  }

  // --- the runs table -------------------------------------------------------------------------

  /**
   * Record a new run as `running`, owned by this process. One run trains on a library at a time:
   * while another is `running` and its process lives (here or in another `qc` on the library),
   * this is refused with a `conflict` naming it. Check and insert are one write transaction.
   */
  create(params: TrainParams): number {
    const me = thisProcess();
    return this.db
      .transaction(() => {
        this.markInterrupted();
        const other = this.db.prepare("SELECT id, pid FROM runs WHERE status = 'running' ORDER BY id LIMIT 1").get() as { id: number; pid: number | null } | undefined;
        if (other) {
          // Another process may have this pid (in another pid namespace: a container sharing the library).
          const where = this.training.has(other.id) ? 'in this app' : `in another process (pid ${other.pid ?? '?'}) on this library`;
          throw new QcError('conflict', `run ${other.id} is training ${where}; wait for it to finish or cancel it, then train again`);
        }
        const id = Number(this.db.prepare("INSERT INTO runs (status, params, backbone, pid, pid_start) VALUES ('running', ?, ?, ?, ?)").run(JSON.stringify(params), params.backbone, me.pid, me.start).lastInsertRowid);
        this.training.add(id);
        return id;
      })
      .immediate();
  }

  finish(runId: number, r: FinishedRun): void {
    this.db
      .prepare(`UPDATE runs SET status = 'done', provider = ?, backend = ?, snapshot = ?, snapshot_hash = ?, seconds = ?, metrics = ?, evaluation = ?, model = ?, finished_at = ${NOW} WHERE id = ?`)
      .run(r.provider, r.backend, JSON.stringify(r.snapshot), r.snapshot.hash, r.seconds, JSON.stringify(r.metrics), JSON.stringify(r.evaluation), JSON.stringify(r.head), runId);
    this.training.delete(runId);
  }

  fail(runId: number, status: 'failed' | 'cancelled', error: string, seconds: number): void {
    this.db.prepare(`UPDATE runs SET status = ?, error = ?, seconds = ?, finished_at = ${NOW} WHERE id = ?`).run(status, error, seconds, runId);
    this.training.delete(runId);
  }

  /**
   * Runs left `running` by a process that has ended (killed, crashed, power cut) are marked
   * `failed`, with the reason, by the one rule imports follow (store.ts ownerEnded): no run stays
   * `running` for ever, and none blocks the next training. Returns how many were marked.
   */
  markInterrupted(): number {
    const rows = this.db.prepare("SELECT id, pid, pid_start FROM runs WHERE status = 'running'").all() as { id: number; pid: number | null; pid_start: string | null }[];
    let marked = 0;
    for (const r of rows) {
      if (!ownerEnded({ pid: r.pid, start: r.pid_start }, () => this.training.has(r.id), ownersOf(this.db))) continue;
      const who = r.pid === null ? 'its process' : `its process (pid ${r.pid})`;
      marked += this.db
        .prepare(`UPDATE runs SET status = 'failed', error = ?, finished_at = ${NOW} WHERE id = ? AND status = 'running'`)
        .run(`interrupted: ${who} ended before training finished; train again`, r.id).changes;
    }
    return marked;
  }

  /**
   * Store p(bad) of images under a run, rounded to the 6 decimals the tag files write: the slider,
   * the gallery filter and the tags then compare the very same number with the threshold.
   */
  putPredictions(runId: number, rows: Iterable<{ imageId: number; pBad: number; heldout: boolean }>): void {
    // An upsert, not INSERT OR REPLACE: a replace deletes without firing the delete trigger (no
    // recursive triggers) and inserts again, so the gallery's prediction_counts counted an image
    // twice whenever two scorers (two exports, classify beside export) stored the same one.
    const put = this.db.prepare('INSERT INTO predictions (run_id, image_id, p_bad, heldout) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, image_id) DO UPDATE SET p_bad = excluded.p_bad, heldout = excluded.heldout');
    this.db.transaction(() => {
      for (const r of rows) put.run(runId, r.imageId, roundConfidence(r.pBad), r.heldout ? 1 : 0);
    })();
  }

  /** The parameters and trained head of a finished run. */
  model(runId: number): { params: TrainParams; head: TrainedHead } {
    const row = this.db.prepare('SELECT params, model FROM runs WHERE id = ?').get(runId) as { params: string; model: string | null } | undefined;
    if (!row) throw new QcError('not_found', `no run with id ${runId}`);
    if (!row.model) throw new QcError('bad_input', `run ${runId} has no trained model`);
    return { params: JSON.parse(row.params) as TrainParams, head: JSON.parse(row.model) as TrainedHead };
  }

  /**
   * A run without its evaluation report: of that only the thresholds and the epochs (the fit) are
   * read, by json_extract, never the whole report (its noise section lists every label a
   * noise-robust run left out: thousands of rows, parsed per run and per call before); of those
   * left out only their count, from run_pruned's primary key (run_id first).
   */
  summary(runId: number): RunSummary {
    const row = this.db
      .prepare(
        `SELECT status, created_at, backbone, provider, backend, seconds, params, snapshot, metrics, curator_threshold, error, archived, pid,
                json_extract(evaluation, '$.thresholds') AS thresholds, json_extract(evaluation, '$.epochs') AS epochs,
                json_type(evaluation, '$.compared_with') AS compared_type, json_extract(evaluation, '$.compared_with') AS compared_with,
                (SELECT COUNT(*) FROM run_pruned WHERE run_pruned.run_id = runs.id) AS pruned
         FROM runs WHERE id = ?`,
      )
      .get(runId) as Record<string, unknown> | undefined;
    if (!row) throw new QcError('not_found', `no run with id ${runId}`);
    const json = <T>(v: unknown): T | null => (typeof v === 'string' ? (JSON.parse(v) as T) : null);
    const thresholds = json<RunSummary['thresholds']>(row.thresholds);
    const curator = (row.curator_threshold as number | null) ?? null;
    return {
      run_id: runId,
      status: row.status as RunSummary['status'],
      active: this.activeRunId() === runId,
      created_at: String(row.created_at),
      backbone: String(row.backbone),
      provider: (row.provider as string | null) ?? null,
      backend: (row.backend as string | null) ?? null,
      seconds: (row.seconds as number | null) ?? null,
      params: json<TrainParams>(row.params)!,
      snapshot: json(row.snapshot),
      metrics: json(row.metrics),
      recommended_threshold: { bad: thresholds?.bad.threshold ?? null, good: thresholds?.good.threshold ?? null },
      curator_threshold: curator,
      // What export and classify apply to this run: only a finished run is applied (runThresholds' values, read here already).
      in_force: row.status === 'done' ? chooseThreshold({ curator, recommended: thresholds?.bad.threshold ?? null, bestBound: thresholds?.bad.best_bound?.threshold ?? null }) : null,
      thresholds,
      pruned: Number(row.pruned),
      error: (row.error as string | null) ?? null,
      fit: assessFit(json<RunEvaluation['epochs']>(row.epochs) ?? []),
      archived: Boolean(row.archived),
      ...(row.compared_type !== null && { compared_with: (row.compared_with as number | null) ?? null }),
      ...(row.status === 'running' && { trainer: this.training.has(runId) ? { here: true as const } : { here: false as const, pid: (row.pid as number | null) ?? null } }),
    };
  }

  /**
   * A run (default: the active one) with its evaluation report, parsed once; the labels a
   * noise-robust run left out (`noise.pruned`) are read from their table (run_pruned), not from the
   * copy an older run's report carries.
   */
  detail(runId?: number): RunDetail {
    const id = this.requireRun(runId, { finished: false });
    const row = this.db.prepare('SELECT evaluation FROM runs WHERE id = ?').get(id) as { evaluation: string | null } | undefined;
    const evaluation = row?.evaluation ? (JSON.parse(row.evaluation) as RunEvaluation) : null;
    if (evaluation?.noise) evaluation.noise.pruned = this.pruned(id);
    return { ...this.summary(id), evaluation };
  }

  /** The run's training epochs (its graphs, its fit), read without parsing the rest of its report. */
  epochs(runId: number): RunEvaluation['epochs'] {
    const text = this.db.prepare("SELECT json_extract(evaluation, '$.epochs') FROM runs WHERE id = ?").pluck().get(runId) as string | null | undefined;
    return text ? (JSON.parse(text) as RunEvaluation['epochs']) : [];
  }

  /** The labels run `runId` left out of its final fit (noise-robust training), least sure of their label first. */
  pruned(runId: number): NonNullable<RunEvaluation['noise']>['pruned'] {
    return this.db
      .prepare("SELECT image_id, given, p_bad FROM run_pruned WHERE run_id = ? ORDER BY CASE given WHEN 'bad' THEN p_bad ELSE 1 - p_bad END, image_id")
      .all(runId) as NonNullable<RunEvaluation['noise']>['pruned'];
  }

  /**
   * How the run ranked its label issues (evaluation `noise`: ranking, class adjustment, filter),
   * read without parsing the report; null when it has none.
   */
  issueRanking(runId: number): { ranking: string; adjusted: boolean; filter: string } | null {
    const row = this.db
      .prepare("SELECT json_extract(evaluation, '$.noise.ranking') AS ranking, json_extract(evaluation, '$.noise.adjusted') AS adjusted, json_extract(evaluation, '$.noise.filter') AS filter FROM runs WHERE id = ?")
      .get(runId) as { ranking: string | null; adjusted: number | null; filter: string | null } | undefined;
    return row?.ranking == null ? null : { ranking: row.ranking, adjusted: Boolean(row.adjusted), filter: row.filter ?? '' };
  }

  /** Every run, oldest first; archived runs only with `all`. */
  list({ all = false }: { all?: boolean } = {}): RunSummary[] {
    this.markInterrupted();
    const sql = all ? 'SELECT id FROM runs ORDER BY id' : 'SELECT id FROM runs WHERE archived = 0 ORDER BY id';
    return (this.db.prepare(sql).all() as { id: number }[]).map((r) => this.summary(r.id));
  }

  // --- archive (hidden, never deleted) ---------------------------------------------------------

  isArchived(runId: number): boolean {
    return !!(this.db.prepare('SELECT archived FROM runs WHERE id = ?').get(runId) as { archived: number } | undefined)?.archived;
  }

  /**
   * Archive or restore runs; returns the ids whose state changed. The active run is never
   * archived, nor a run still training (it could become the active run when it finishes).
   */
  setArchived(runIds: readonly number[], archived: boolean): number[] {
    const active = this.activeRunId();
    const changed: number[] = [];
    const update = this.db.prepare('UPDATE runs SET archived = ? WHERE id = ? AND archived = ?');
    const statusOf = this.db.prepare('SELECT status FROM runs WHERE id = ?');
    this.db
      .transaction(() => {
        for (const id of new Set(runIds)) {
          const row = statusOf.get(id) as { status: string } | undefined;
          if (!row) throw new QcError('not_found', `no run with id ${id}`);
          if (archived && row.status === 'running') throw new QcError('bad_input', `run ${id} is still training; archive it when it has finished`);
          if (archived && id === active) throw new QcError('bad_input', `run ${id} is the active run; make another run active before archiving it`);
          if (update.run(archived ? 1 : 0, id, archived ? 0 : 1).changes) changed.push(id);
        }
      })
      .immediate();
    return changed;
  }
}
