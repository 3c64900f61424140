/**
 * The slider's sketch of a run's predictions (src-shared/domain/thresholdSketch.ts, its log-odds grid): every scored
 * image counted in SQL, one range count per bin over the (run_id, p_bad) index (one pass over the
 * index; nothing of size N reaches JavaScript or the page); the held-out labelled images in one
 * pass over the (run_id, heldout, image_id, p_bad) index with their labels.
 *
 * "Held-out" here is the run's out-of-fold images (runs.ts `outOfFoldSql`), the ones its
 * recommendation, bound and estimate were measured on, never the test split: the slider's coverage,
 * error and 95% bound at a threshold are then the figures `qc run` and the Train screen give for it.
 *
 * The two parts change for different reasons, and {@link SketchCache} keeps them apart: the counts
 * of every scored image move only with the run's predictions (`change_counts.scores`, migration
 * 019), so a label change never recounts them (at a million images that was ~250–300 ms per
 * keystroke); the held-out counts move with labels too, and follow a label change from the images
 * it touched (`label_events`, every label write's history) instead of a new pass.
 */
import { offGrid, sketchBin, SKETCH_BINS, sketchGrid, type SketchPoint, type ThresholdSketchData } from '../../../src-shared/domain/thresholdSketch';
import type { Db } from '../db/open';
import { outOfFoldSql } from '../ml/runs';

/** The run's scored images with lo ≤ p(bad) < hi, over the (run_id, p_bad) index. */
function rangeCount(db: Db) {
  return db.prepare<[number, number, number], { n: number }>('SELECT COUNT(*) AS n FROM predictions INDEXED BY predictions_run_p WHERE run_id = ? AND p_bad >= ? AND p_bad < ?');
}

/** Counts of every scored image of the run per grid bin (B + 1 of them): one range count per bin over the (run_id, p_bad) index. */
export function scoreBins(db: Db, runId: number, edges: readonly number[]): number[] {
  const bins = edges.length - 1;
  const range = rangeCount(db);
  const all = new Array<number>(bins + 1).fill(0);
  for (let k = 0; k <= bins; k++) all[k] = range.get(runId, k === 0 ? -Infinity : edges[k]!, k === bins ? Infinity : edges[k + 1]!)!.n;
  return all;
}

/** Scored images of the run with p(bad) ≥ t. */
export function flaggedAt(db: Db, runId: number, t: number): number {
  return db.prepare<[number, number], { n: number }>('SELECT COUNT(*) AS n FROM predictions INDEXED BY predictions_run_p WHERE run_id = ? AND p_bad >= ?').get(runId, t)!.n;
}

/**
 * Scored images of the run with p(bad) ≥ t, from the run's bin counts: those in the bins above t's
 * plus one narrow range count within its bin, instead of counting every index entry from t up (at
 * a million images and a threshold near the middle, a third of the index, ~0.7 s on a cold file).
 * Equal to {@link flaggedAt}: the bins are half-open ranges on the same comparisons.
 */
export function flaggedFromBins(db: Db, runId: number, t: number, edges: readonly number[], all: readonly number[]): number {
  const bins = edges.length - 1;
  const b = sketchBin(t, edges);
  if (b >= bins) return flaggedAt(db, runId, t);
  let n = rangeCount(db).get(runId, t, edges[b + 1]!)!.n;
  for (let k = b + 1; k <= bins; k++) n += all[k]!;
  return n;
}

/** The held-out part of a sketch: labelled out-of-fold images per bin by label, and at each of `thresholds` (off the grid). */
export interface HeldoutCounts {
  bad: number[];
  good: number[];
  /** One per threshold, in order: held-out images labelled bad / good with p(bad) ≥ it. */
  points: { bad: number; good: number }[];
}

/** One held-out labelled image counted in (sign 1) or out (sign −1) of the held-out counts. */
function countHeldout(c: HeldoutCounts, thresholds: readonly number[], edges: readonly number[], s: number, label: string | null, sign: 1 | -1): void {
  if (label !== 'bad' && label !== 'good') return;
  const bad = label === 'bad';
  (bad ? c.bad : c.good)[sketchBin(s, edges)]! += sign;
  thresholds.forEach((t, i) => {
    if (s < t) return;
    if (bad) c.points[i]!.bad += sign;
    else c.points[i]!.good += sign;
  });
}

/** The held-out counts from scratch: one pass over the run's held-out predictions with their labels, in image order. */
export function heldoutCounts(db: Db, runId: number, thresholds: readonly number[], edges: readonly number[]): HeldoutCounts {
  const held = db.prepare<[number], [number, string]>(
    `SELECT p.p_bad, l.label FROM predictions p INDEXED BY predictions_run_heldout JOIN labels l ON l.image_id = p.image_id
     WHERE p.run_id = ? AND p.heldout = 1 AND ${outOfFoldSql('p')} AND l.label IN ('good', 'bad')`,
  );
  const c: HeldoutCounts = { bad: new Array<number>(edges.length).fill(0), good: new Array<number>(edges.length).fill(0), points: thresholds.map(() => ({ bad: 0, good: 0 })) };
  for (const [s, label] of held.raw().iterate(runId)) countHeldout(c, thresholds, edges, s, label, 1);
  return c;
}

/** `change_counts.scores` (migration 019): moves whenever a prediction or a stored split changes. */
function scoresVersion(db: Db): number {
  return db.prepare<[], number>("SELECT n FROM change_counts WHERE key = 'scores'").pluck().get() ?? 0;
}

/** The newest label change (label_events is append-only: every label write, by every process, adds one). */
function lastLabelEvent(db: Db): number {
  return db.prepare<[], number | null>('SELECT MAX(id) FROM label_events').pluck().get() ?? 0;
}

/**
 * Follow the label changes after event `after` in the held-out counts: each out-of-fold image they
 * touched leaves with the label it had then (its first change's old label) and comes back with the
 * label it has now. Exact as long as every label write adds its event (LabelService does).
 */
export function applyLabelChanges(db: Db, runId: number, after: number, c: HeldoutCounts, thresholds: readonly number[], edges: readonly number[]): void {
  const rows = db
    .prepare<[number, number], { image_id: number; old_label: string | null; label: string | null; p_bad: number }>(
      `SELECT e.image_id, e.old_label, l.label, p.p_bad FROM label_events e
       JOIN predictions p ON p.run_id = ? AND p.image_id = e.image_id AND ${outOfFoldSql('p')}
       LEFT JOIN labels l ON l.image_id = e.image_id
       WHERE e.id > ? ORDER BY e.id`,
    )
    .all(runId, after);
  const seen = new Set<number>();
  for (const r of rows) {
    if (seen.has(r.image_id)) continue;
    seen.add(r.image_id);
    countHeldout(c, thresholds, edges, r.p_bad, r.old_label, -1);
    countHeldout(c, thresholds, edges, r.p_bad, r.label, 1);
  }
}

function assemble(bins: number, edges: number[], all: readonly number[], held: HeldoutCounts, extra: readonly number[], flagged: (t: number) => number): ThresholdSketchData {
  const points: SketchPoint[] = extra.map((t, i) => ({ threshold: t, flagged: flagged(t), heldoutBad: held.points[i]!.bad, heldoutGood: held.points[i]!.good }));
  return { bins, edges, all: [...all], heldoutBad: [...held.bad], heldoutGood: [...held.good], points };
}

/** The whole sketch from scratch, in one read transaction (so the counts agree with each other). */
export function predictionSketch(db: Db, runId: number, thresholds: readonly (number | null | undefined)[] = [], bins = SKETCH_BINS): ThresholdSketchData {
  const edges = sketchGrid(bins);
  const extra = offGrid(thresholds, edges);
  return db.transaction(() => assemble(bins, edges, scoreBins(db, runId, edges), heldoutCounts(db, runId, extra, edges), extra, (t) => flaggedAt(db, runId, t)))();
}

/** More label changes than this since the held-out counts were made: one pass again rather than image by image. */
export const LABEL_CHANGES_APPLIED = 20_000;

/** Held-out counts kept for a run: made at scores version `change`, marked thresholds `extra` (JSON), up to label event `lastEvent`. */
interface KeptHeld {
  run: number;
  change: number;
  extra: string;
  lastEvent: number;
  counts: HeldoutCounts;
}

/** A sketch_cache row (migration 027) as read. */
interface StoredSketch {
  bins: number;
  scores_change: number;
  all_counts: string;
  held_extra: string | null;
  held_last_event: number | null;
  held_counts: string | null;
}

/**
 * The sketch of `review.scores`, kept between calls: the counts of every scored image per run and
 * `change_counts.scores` (a label change keeps them; the flagged count at an off-grid threshold is
 * kept the same way), the held-out counts per run, scores version and marked thresholds, brought up
 * to date from the label events since they were made.
 *
 * What a pass counted from scratch is also written to the library (`sketch_cache`, migration 027),
 * so the first call after the app opens, in this process or another, reads it back under the same
 * rules instead of passing over every scored image (1.3–1.6 s at a million images on a file out of
 * the page cache). The write is a cache's: it never waits for another writer's lock and never
 * fails the call; a library opened read-only simply does not keep it.
 */
export class SketchCache {
  private readonly edges: number[];
  private scores: { run: number; change: number; all: number[]; flagged: Map<number, number> } | null = null;
  private held: KeptHeld | null = null;

  /**
   * @param ownWrites Told how many rows each store of the sketch wrote (the gallery's pager keeps
   *   its caches across them: nothing a page reads changed).
   */
  constructor(
    private readonly db: Db,
    private readonly bins = SKETCH_BINS,
    private readonly ownWrites: (changes: number) => void = () => undefined,
  ) {
    this.edges = sketchGrid(bins);
  }

  /**
   * The run's scored images with p(bad) ≥ t when its bins are at hand, kept in memory or stored
   * by an earlier process at the current scores version (one narrow range count then, not a count
   * of every index entry from t up); undefined when they would have to be counted first.
   */
  flaggedIfKept(runId: number, t: number): number | undefined {
    const { db } = this;
    return db.transaction(() => {
      const change = scoresVersion(db);
      if (this.scores?.run !== runId || this.scores.change !== change) {
        const stored = this.stored(runId, change);
        const all = stored ? parseCounts(stored.all_counts, this.bins + 1) : null;
        if (!all) return undefined;
        this.scores = { run: runId, change, all, flagged: new Map() };
      }
      return this.flagged(runId, t);
    })();
  }

  /** The kept bins' flagged count at t (they are the run's, at the current scores version), counted once. */
  private flagged(runId: number, t: number): number {
    const scores = this.scores!;
    let n = scores.flagged.get(t);
    if (n === undefined) scores.flagged.set(t, (n = flaggedFromBins(this.db, runId, t, this.edges, scores.all)));
    return n;
  }

  sketch(runId: number, thresholds: readonly (number | null | undefined)[]): ThresholdSketchData {
    const { db, edges } = this;
    const extra = offGrid(thresholds, edges);
    let counted = false;
    const sketch = db.transaction(() => {
      // One read transaction: the counter, the counts and the label events seen agree with each other.
      const change = scoresVersion(db);
      const missing = this.scores?.run !== runId || this.scores.change !== change;
      const stored = missing || this.held?.run !== runId ? this.stored(runId, change) : null;
      if (missing) {
        const all = stored ? parseCounts(stored.all_counts, this.bins + 1) : null;
        if (!all) counted = true;
        this.scores = { run: runId, change, all: all ?? scoreBins(db, runId, edges), flagged: new Map() };
      }
      const scores = this.scores!;
      const lastEvent = lastLabelEvent(db);
      const extraKey = JSON.stringify(extra);
      // Kept counts (in memory, else the stored row's) are used when made for this run, scores
      // version and thresholds, and no more than LABEL_CHANGES_APPLIED label changes ago.
      const usable = (h: KeptHeld | null): h is KeptHeld =>
        h !== null && h.run === runId && h.change === change && h.extra === extraKey && lastEvent >= h.lastEvent && lastEvent - h.lastEvent <= LABEL_CHANGES_APPLIED;
      let held = this.held;
      if (!usable(held)) {
        held = stored ? storedHeld(stored, runId, this.bins + 1, extra.length) : null;
        if (!usable(held)) {
          counted = true;
          held = { run: runId, change, extra: extraKey, lastEvent, counts: heldoutCounts(db, runId, extra, edges) };
        }
        this.held = held;
      }
      if (lastEvent > held.lastEvent) {
        applyLabelChanges(db, runId, held.lastEvent, held.counts, extra, edges);
        held.lastEvent = lastEvent;
      }
      return assemble(this.bins, edges, scores.all, held.counts, extra, (t) => this.flagged(runId, t));
    })();
    if (counted) this.keep(runId);
    return sketch;
  }

  /** The run's stored row, when made at this scores version on a grid of this size. */
  private stored(runId: number, change: number): StoredSketch | null {
    const row = this.db.prepare<[number], StoredSketch>('SELECT bins, scores_change, all_counts, held_extra, held_last_event, held_counts FROM sketch_cache WHERE run_id = ?').get(runId);
    return row && row.bins === this.bins && row.scores_change === change ? row : null;
  }

  /** Store what is kept in memory for the run (best effort: a busy or read-only library keeps nothing). */
  private keep(runId: number): void {
    const { db, scores, held } = this;
    if (scores?.run !== runId || held?.run !== runId || held.change !== scores.change) return;
    const wait = db.pragma('busy_timeout', { simple: true }) as number;
    try {
      // Never wait for another process's write lock on a read path: the next pass will store it.
      db.pragma('busy_timeout = 0');
      const { changes } = db.prepare(
        `INSERT INTO sketch_cache (run_id, bins, scores_change, all_counts, held_extra, held_last_event, held_counts)
         SELECT @run, @bins, @change, @all, @extra, @last, @held WHERE EXISTS (SELECT 1 FROM runs WHERE id = @run)
         ON CONFLICT (run_id) DO UPDATE SET bins = excluded.bins, scores_change = excluded.scores_change, all_counts = excluded.all_counts,
           held_extra = excluded.held_extra, held_last_event = excluded.held_last_event, held_counts = excluded.held_counts`,
      ).run({ run: runId, bins: this.bins, change: scores.change, all: JSON.stringify(scores.all), extra: held.extra, last: held.lastEvent, held: JSON.stringify(held.counts) });
      this.ownWrites(changes);
    } catch {
      // SQLITE_BUSY or SQLITE_READONLY: the sketch answered is right; only the next first call pays the pass again.
    } finally {
      db.pragma(`busy_timeout = ${wait}`);
    }
  }
}

/** n non-negative integers, else null (a row damaged or written by something else is not trusted). */
function countsOf(v: unknown, n: number): number[] | null {
  return Array.isArray(v) && v.length === n && v.every((x) => Number.isSafeInteger(x) && (x as number) >= 0) ? (v as number[]) : null;
}

/** A JSON array of n non-negative integers, else null. */
function parseCounts(text: string, n: number): number[] | null {
  try {
    return countsOf(JSON.parse(text), n);
  } catch {
    return null;
  }
}

/** The stored held-out counts, when whole and of the expected shape. */
function storedHeld(row: StoredSketch, run: number, n: number, points: number): KeptHeld | null {
  if (row.held_extra === null || row.held_last_event === null || row.held_counts === null) return null;
  let v: { bad?: unknown; good?: unknown; points?: unknown };
  try {
    v = JSON.parse(row.held_counts) as typeof v;
  } catch {
    return null;
  }
  const bad = countsOf(v?.bad, n);
  const good = countsOf(v?.good, n);
  const ok = (x: unknown): x is { bad: number; good: number } =>
    typeof x === 'object' && x !== null && Number.isSafeInteger((x as { bad: unknown }).bad) && Number.isSafeInteger((x as { good: unknown }).good);
  if (!bad || !good || !Array.isArray(v?.points) || v.points.length !== points || !v.points.every(ok)) return null;
  return { run, change: row.scores_change, extra: row.held_extra, lastEvent: row.held_last_event, counts: { bad, good, points: v.points.map((p) => ({ bad: p.bad, good: p.good })) } };
}
