/**
 * The threshold slider: the scores of the active run (two ThresholdIndex built once per run from
 * `review.scores`), the threshold in force as the core decides it (`in_force`, never computed
 * here), the draft that follows every slider move, and the save when the slider rests.
 */
import type { EventMap } from '../../src-shared/contract/events';
import type { ThresholdEstimate, ThresholdInForce, ThresholdSource } from '../../src-shared/domain/ml';
import { formatThreshold } from '../../src-shared/domain/threshold';
import { fmtCount } from '../components/format';
import { ThresholdSketch } from '../../src-shared/domain/thresholdSketch';
import { toQcError, type ApiClient } from '../api/client';
import { DEFAULT_FILTERS, dependsOnThreshold, VIEW_KEYS, type GalleryInternals } from './reviewGallery';
import type { GetState, SetState } from './types';
import { serialQueue } from './serialQueue';

/** Quiet time after the last slider move before the threshold is saved and the grid refetched. */
export const THRESHOLD_COMMIT_MS = 300;
/** After a label change, how long the slider's numbers wait before they are counted again (a burst of keys: one count). */
export const SCORES_REFRESH_MS = 500;

export interface ScoresState {
  runId: number;
  /** Counts per 0.001 of p(bad): every scored image (flagged count), held-out labelled ones (coverage and error). */
  sketch: ThresholdSketch;
  recommended: number | null;
  bestBound: number | null;
  /** The point-estimate threshold and its error bar (a view to choose), or null. */
  estimate: ThresholdEstimate | null;
  /** The error the run's thresholds were chosen for. */
  targetError: number;
  curator: number | null;
  /** The threshold tags and filters use, and where it comes from (the core's answer). */
  inForce: ThresholdInForce;
}

/** One "Use for export": run `runId`'s curator threshold went from `before` to `after` (null: the run's own). */
export interface ExportThresholdStep {
  runId: number;
  before: number | null;
  after: number | null;
}

export interface ThresholdNumbers {
  threshold: number;
  flagged: number;
  scored: number;
  coverage: number | null;
  error: number | null;
  errorUpper: number | null;
  heldoutFlagged: number;
  heldoutSize: number;
}

export interface ThresholdSlice {
  scores: ScoresState | null;
  /** `none`: no trained run yet (the grid still works, without predictions). */
  scoresStatus: 'idle' | 'loading' | 'ready' | 'none' | 'error';
  /** The threshold in force for the grid's predicted/outcome filters (saved as the curator's). */
  threshold: number;
  /** Follows the slider on every move; the numbers beside it come from this. */
  draftThreshold: number;
  loadScores(): Promise<void>;
  /**
   * Labels or predictions changed (here, in another window, an import, a rule change, a classify):
   * count the slider's numbers again (the core recounts its sketch from today's labels), keeping the
   * run, the slider's position and the threshold. One asked for while one is on the way runs once
   * after it; another run active meanwhile loads its scores whole.
   */
  refreshScores(): Promise<void>;
  /** `refreshScores` once, SCORES_REFRESH_MS after the first of a burst of label changes. */
  scheduleScoresRefresh(): void;
  /** Every slider move: numbers update now, the save and refetch wait for a pause or `commitThreshold`. */
  moveThreshold(t: number): void;
  /** Slider released: browse at the new threshold (grids that depend on it refetch). Nothing is saved. */
  commitThreshold(): Promise<void>;
  /**
   * The "Use for export" changes made here on the active run, oldest first: each Undo takes back the
   * last one (empty: nothing to undo). Another run made active empties it (each run keeps its own).
   */
  exportThresholdUndos: ExportThresholdStep[];
  /** Make the browsed threshold the one exports and classify use (explicit; undoable, step by step). */
  useThresholdForExport(t?: number | null): Promise<void>;
  /**
   * Take back the last "Use for export", on the run it was made on: its curator threshold goes back to
   * what it was before. Refused (a toast says so, nothing changes) when that run's threshold is no
   * longer the one set here: another window or `qc threshold` changed it meanwhile.
   */
  undoExportThreshold(): Promise<void>;
  /**
   * The notice's action after the active run changed: make `threshold` (chosen on the previous
   * run) run `runId`'s curator threshold, only while `runId` is still the active run here.
   */
  carryThresholdOver(threshold: number, runId: number): Promise<void>;
  /** Another view (or tab) changed the threshold for export, or the active run: show the core's answer. */
  applyThresholdChange(p: EventMap['threshold.changed']): void;
  /**
   * How many threshold changes (`applyThresholdChange`) this window has applied: a reload of the
   * threshold in force that asked before the last one drops its answer (it may predate that change).
   */
  thresholdChanges: number;
}

/** The numbers beside the slider at threshold t, straight from the sketch (O(1)). */
export function thresholdNumbers(scores: ScoresState, t: number): ThresholdNumbers {
  const held = scores.sketch.at(t);
  return {
    threshold: t,
    flagged: scores.sketch.flagged(t),
    scored: scores.sketch.size,
    coverage: held.coverage,
    error: held.error,
    errorUpper: held.error_upper,
    heldoutFlagged: held.flagged,
    heldoutSize: scores.sketch.heldoutSize,
  };
}

/** Where the threshold in force comes from, as the notice names it ("run 4's recommended threshold 0.981"). Thresholds print with formatThreshold everywhere here. */
const SOURCE_WORDS: Record<ThresholdSource, string> = {
  recommended: 'recommended threshold',
  curator: 'own curator threshold',
  'best-bound': 'best provable threshold',
  default: 'default threshold',
  argument: 'threshold',
};

/**
 * What to say when the active run changed under a curator threshold chosen on the previous run
 * (each run keeps its own, so exports silently switched to the new run's): both numbers, what each
 * flags on the new run (its scores are on another scale, so the same number flags another set), and
 * the offer to use the chosen value on the new run. Null when nothing changes for exports: no
 * curator threshold before, the same run, or the new run already uses that very value.
 */
export function runSwitchNotice(before: ScoresState | null, after: ScoresState): { text: string; action: string; threshold: number } | null {
  if (!before || before.runId === after.runId || before.curator === null) return null;
  const chosen = before.curator;
  const now = after.inForce.threshold;
  if (now === chosen) return null;
  // As the toasts, the slider and `qc threshold` write them (0.9686 and 0.9691, not both 0.969).
  const c = formatThreshold(chosen);
  const n = formatThreshold(now);
  const flaggedNow = after.sketch.flagged(now);
  const flaggedChosen = after.sketch.flagged(chosen);
  return {
    text:
      `Exports now use run ${after.runId}'s ${SOURCE_WORDS[after.inForce.source]} ${n} (your ${c} was chosen on run ${before.runId}). ` +
      `Each run scores on its own scale: on run ${after.runId}, ${n} flags ${fmtCount(flaggedNow, 'image')} and ${c} would flag about ${fmtCount(flaggedChosen, 'image')}.`,
    action: `Use ${c} on run ${after.runId}`,
    threshold: chosen,
  };
}

export interface ThresholdInternals {
  /** Whether the gallery may fetch: always (before the scores come, the core's threshold in force is used). */
  ready(): boolean;
  /** The threshold for gallery queries; null (the core's in force) until the scores come, or without a model. */
  galleryThreshold(): number | null;
  /** The curator changed the review filters: stop undoing the no-model widening. */
  filtersChanged(view: string): void;
}

export function thresholdSlice(set: SetState, get: GetState, client: ApiClient, g: () => GalleryInternals): { slice: ThresholdSlice; internals: ThresholdInternals } {
  let commitTimer: ReturnType<typeof setTimeout> | null = null;
  let scoresSeq = 0;
  let refreshTimer: ReturnType<typeof setTimeout> | null = null;
  /** The refresh on the way, and whether another was asked for meanwhile. */
  let refreshing: Promise<void> | null = null;
  let refreshAgain = false;
  /** A refresh was asked for while the scores were loading: the load's answer may predate the change. */
  let staleWhileLoading = false;
  /** The review filters were widened to `all` because there was no model (not by the curator). */
  let widenedForNoModel = false;
  /**
   * The threshold writes of this window, one after the other: a second click (Use, Undo) waits for the
   * first's answer, so each Undo takes back the change before it, in order, never the same one twice.
   */
  const queued = serialQueue();
  /** The toast that offers each step's Undo: it goes when the step does (undone, or no longer undoable). */
  const undoToasts = new WeakMap<ExportThresholdStep, number>();
  const dismissUndoToasts = (steps: readonly ExportThresholdStep[]) => {
    for (const step of steps) {
      const id = undoToasts.get(step);
      if (id !== undefined) get().dismissToast(id);
    }
  };
  /** Nothing here can be undone any more (another run is active, or the value was changed elsewhere). */
  const dropUndoSteps = () => {
    dismissUndoToasts(get().exportThresholdUndos);
    set({ exportThresholdUndos: [] });
  };
  /** Words for a curator threshold value (null: the run's own). */
  const words = (v: number | null) => (v === null ? "the run's own threshold" : formatThreshold(v));

  const internals: ThresholdInternals = {
    // The gallery's first page does not wait for the slider's data: the core answers it at the
    // threshold in force and says which (`basis`), so the scores refetch only pages that differ.
    ready: () => true,
    galleryThreshold: () => (get().scoresStatus === 'ready' ? get().threshold : null),
    filtersChanged(view) {
      if (view === 'review') widenedForNoModel = false;
    },
  };

  const slice: ThresholdSlice = {
    scores: null,
    scoresStatus: 'idle',
    threshold: 0.5,
    draftThreshold: 0.5,

    async loadScores() {
      const seq = ++scoresSeq;
      staleWhileLoading = false;
      set({ scoresStatus: 'loading' });
      try {
        const r = await client.call('review.scores', {});
        if (seq !== scoresSeq) return;
        // Built once per run; the slider only queries them.
        const scores: ScoresState = {
          runId: r.run_id,
          sketch: new ThresholdSketch(r.sketch),
          recommended: r.recommended,
          bestBound: r.best_bound,
          estimate: r.estimate,
          targetError: r.target_error,
          curator: r.curator,
          inForce: r.in_force,
        };
        const t = r.in_force.threshold;
        // The one place every change of the active run lands (a training that won, Make active, another
        // window): if the curator had chosen the previous run's threshold, say that exports changed.
        const notice = runSwitchNotice(get().scores, scores);
        // Another run is active: the undo steps were made on the previous one (each run keeps its own
        // threshold), and an Undo here would set that run's old value on this one.
        if (get().scores !== null && get().scores?.runId !== scores.runId) dropUndoSteps();
        set({ scores, scoresStatus: 'ready', threshold: t, draftThreshold: t });
        if (staleWhileLoading) {
          staleWhileLoading = false;
          void get().refreshScores();
        }
        if (notice) get().toast('info', notice.text, { action: { label: notice.action, run: () => void get().carryThresholdOver(notice.threshold, scores.runId) } });
        const widened = widenedForNoModel;
        if (widenedForNoModel) {
          // A model exists now: back to what the review screen is for, the predicted-bad images.
          widenedForNoModel = false;
          g().updateView('review', (v) => ({ filters: { ...v.filters, predicted: DEFAULT_FILTERS.review.predicted } }));
        }
        // Pages already answered for this run at this threshold (fetched while the scores loaded),
        // or being answered at the core's threshold in force now, stay.
        for (const view of VIEW_KEYS) {
          const v = get().views[view];
          const stale = v.basis === null ? !g().pending(view) : v.basis.runId !== r.run_id || (dependsOnThreshold(view, v.filters) && v.basis.threshold !== t);
          if (stale || (widened && view === 'review')) get().refreshView(view);
        }
        return;
      } catch (e) {
        if (seq !== scoresSeq) return;
        const none = e instanceof Error && (e as { code?: string }).code === 'not_found';
        set({ scores: null, scoresStatus: none ? 'none' : 'error' });
        if (!none) get().reportError(e, 'Scores');
        // Without a model, predicted/outcome filters match nothing: show everything.
        const f = get().views.review.filters;
        if (f.predicted !== 'all' || (f.outcome !== 'all' && f.outcome !== 'unlabeled')) {
          widenedForNoModel = true;
          g().updateView('review', (v) => ({ filters: { ...v.filters, predicted: 'all', outcome: 'all' } }));
        }
      }
      get().refreshView('review');
      get().refreshView('issues');
    },

    refreshScores() {
      if (refreshing) {
        refreshAgain = true;
        return refreshing;
      }
      const once = async () => {
        const status = get().scoresStatus;
        if (status === 'loading') {
          staleWhileLoading = true;
          return;
        }
        const scores = get().scores;
        if (status !== 'ready' || !scores) return;
        const seq = scoresSeq;
        try {
          const r = await client.call('review.scores', {});
          // A load begun since answers after this change: its answer stands.
          if (seq !== scoresSeq) return;
          const now = get().scores;
          if (!now || now.runId !== r.run_id) {
            void get().loadScores();
            return;
          }
          // Only the counts: the slider stays where the curator put it, and so does the threshold browsed.
          set({ scores: { ...now, sketch: new ThresholdSketch(r.sketch) } });
        } catch (e) {
          if (seq !== scoresSeq) return;
          if (toQcError(e).code === 'not_found') void get().loadScores();
          else get().reportError(e, 'Scores');
        }
      };
      refreshing = (async () => {
        do {
          refreshAgain = false;
          await once();
        } while (refreshAgain);
      })().finally(() => {
        refreshing = null;
      });
      return refreshing;
    },

    scheduleScoresRefresh() {
      if (refreshTimer) return;
      refreshTimer = setTimeout(() => {
        refreshTimer = null;
        void get().refreshScores();
      }, SCORES_REFRESH_MS);
    },

    moveThreshold(t) {
      if (!Number.isFinite(t)) return;
      set({ draftThreshold: Math.max(0, Math.min(1, t)) });
      if (commitTimer) clearTimeout(commitTimer);
      commitTimer = setTimeout(() => {
        commitTimer = null;
        void get().commitThreshold();
      }, THRESHOLD_COMMIT_MS);
    },

    async commitThreshold() {
      if (commitTimer) {
        clearTimeout(commitTimer);
        commitTimer = null;
      }
      const t = get().draftThreshold;
      if (t === get().threshold) return;
      set({ threshold: t });
      for (const view of VIEW_KEYS) if (dependsOnThreshold(view, get().views[view].filters)) get().refreshView(view);
    },

    exportThresholdUndos: [],

    useThresholdForExport(t) {
      const value = t === undefined ? get().draftThreshold : t;
      const runId = get().scores?.runId;
      return queued(async () => {
        try {
          const r = await client.call('ml.setThreshold', { threshold: value, ...(runId !== undefined && { runId }) });
          if (runId !== undefined && r.active_run !== runId) {
            // Another window made another run active meanwhile: the value stays on the run it was chosen on.
            dropUndoSteps();
            set((s) => ({ ...(s.scores?.runId === runId && { scores: { ...s.scores, curator: r.threshold } }) }));
            get().toast('info', `Run ${runId}'s threshold is now ${value === null ? 'its recommendation' : formatThreshold(value)}, but run ${r.active_run ?? '–'} became the active run meanwhile: exports use p(bad) ≥ ${formatThreshold(r.in_force.threshold)}.`);
            return;
          }
          // `previous` is the core's: what this very write replaced (a value another window set just before included).
          const run = runId ?? r.active_run;
          const step = run !== null && r.previous !== r.threshold ? { runId: run, before: r.previous, after: r.threshold } : null;
          set((s) => ({ ...(step && { exportThresholdUndos: [...s.exportThresholdUndos, step] }), ...(s.scores && { scores: { ...s.scores, curator: r.threshold, inForce: r.in_force } }) }));
          const text = value === null ? `Exports use the run's threshold again (p(bad) ≥ ${formatThreshold(r.in_force.threshold)}).` : `Exports now use p(bad) ≥ ${formatThreshold(r.in_force.threshold)}.`;
          const toastId = get().toast('info', text, step ? { action: { label: 'Undo', run: () => void get().undoExportThreshold() } } : undefined);
          if (step) undoToasts.set(step, toastId);
        } catch (e) {
          get().reportError(e, 'Threshold');
        }
      });
    },

    undoExportThreshold() {
      return queued(async () => {
        const steps = get().exportThresholdUndos;
        const step = steps.at(-1);
        if (!step) return;
        if (get().scores?.runId !== step.runId) {
          // Not the active run's change (the run switch empties the list; this is the backstop): never set elsewhere.
          dropUndoSteps();
          return;
        }
        dismissUndoToasts([step]);
        set({ exportThresholdUndos: steps.slice(0, -1) });
        try {
          // `expected`: the core refuses it if the run's threshold is no longer the one this step set.
          const r = await client.call('ml.setThreshold', { threshold: step.before, runId: step.runId, expected: step.after });
          set((s) => ({ ...(s.scores?.runId === step.runId && { scores: { ...s.scores, curator: r.threshold, ...(r.active_run === step.runId && { inForce: r.in_force }) } }) }));
          get().toast('info', `Undone: run ${step.runId}'s threshold is back to ${words(r.threshold)} (exports use p(bad) ≥ ${formatThreshold(r.in_force.threshold)}).`);
        } catch (e) {
          if (toQcError(e).code !== 'conflict') {
            // Not done: the step stays to be undone.
            set((s) => ({ exportThresholdUndos: [...s.exportThresholdUndos, step] }));
            get().reportError(e, 'Threshold');
            return;
          }
          // Changed elsewhere since: the newer value stays, and so nothing older can be undone on top of it.
          dropUndoSteps();
          let now: string = 'a newer value';
          try {
            const r = await client.call('review.scores', { runId: step.runId });
            now = formatThreshold(r.in_force.threshold);
            set((s) => ({ ...(s.scores?.runId === step.runId && { scores: { ...s.scores, curator: r.curator, inForce: r.in_force } }) }));
          } catch {
            // The toast below still says what happened.
          }
          get().toast('info', `Not undone: run ${step.runId}'s threshold was changed elsewhere (another window or the command line) since; it stays at ${now}, and nothing was changed.`);
        }
      });
    },

    async carryThresholdOver(threshold, runId) {
      if (get().scores?.runId !== runId) {
        get().toast('info', `Run ${runId} is no longer the active run: its threshold was not changed.`);
        return;
      }
      await get().useThresholdForExport(threshold);
    },

    thresholdChanges: 0,

    applyThresholdChange(p) {
      set((s) => ({ thresholdChanges: s.thresholdChanges + 1 }));
      const scores = get().scores;
      if (p.active_run !== get().activeRunId) {
        // Another run became active (another window, a training that won): everything that shows
        // the active run follows (the sidebar, the Train screen, the open-issue count), not only the slider.
        set({ activeRunId: p.active_run });
        void get().loadRuns();
      }
      if (!scores || p.active_run !== scores.runId) {
        // Another run became active: its scores and recommendation are different, and so is its
        // curator threshold (each run keeps its own): an undo would set this run's old one on it.
        dropUndoSteps();
        void get().loadScores();
        return;
      }
      set({ scores: { ...scores, curator: p.curator, ...(p.in_force && { inForce: p.in_force }) } });
    },
  };
  return { slice, internals };
}
