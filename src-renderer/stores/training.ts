/**
 * Training: the hyperparameter form, the running job with live epochs (parsed from its progress
 * messages), the runs list, the active run, and the comparison of a retrain with the run before.
 */
import type { JobProgress } from '../../src-shared/contract/events';
import type { RunDetail, RunSummary, ThresholdInForce, ThresholdSource, TrainRequest } from '../../src-shared/domain/ml';
import { defaultTrainForm, FORM_LABELS, formFromRun, type TrainForm } from './trainDefaults';
import { formErrors } from './formErrors';
import type { Slice } from './types';

export interface LiveEpoch {
  epoch: number;
  trainLoss: number;
  valLoss?: number;
  trainAccuracy?: number;
  valAccuracy?: number;
}

export interface TrainingState {
  jobId: number;
  phase: string;
  done: number;
  total: number;
  message?: string;
  epochs: LiveEpoch[];
}

export interface TrainingSlice {
  trainForm: TrainForm;
  /** The run whose parameters filled the form (null: the defaults). */
  trainFormRun: number | null;
  /**
   * The form follows the active run (its parameters, or the defaults while there is none) until the
   * curator changes a field or picks the defaults.
   */
  trainFormFollows: boolean;
  training: TrainingState | null;
  runs: RunSummary[];
  activeRunId: number | null;
  runsLoaded: boolean;
  runDetails: Record<number, RunDetail>;
  /** The run whose epochs the charts show when nothing is training. */
  chartRunId: number | null;
  /** After a retrain: the new run and the one it is compared with. */
  comparison: { current: number; previous: number } | null;
  /** The runs table lists archived runs too. */
  showArchived: boolean;
  setShowArchived(show: boolean): Promise<void>;
  /** Archive (hide, never delete) or restore a run. */
  archiveRun(runId: number, archived: boolean): Promise<void>;
  setTrainForm(patch: Partial<TrainForm>): void;
  /** The defaults, kept until the curator changes them (the form no longer follows the active run). */
  resetTrainForm(): void;
  /** The active run's parameters, and the form follows the active run again. */
  followActiveRun(): void;
  loadRuns(): Promise<void>;
  loadRunDetail(runId: number): Promise<RunDetail | null>;
  showRun(runId: number): void;
  startTraining(): Promise<RunSummary | null>;
  makeActive(runId: number | null): Promise<void>;
}

/** An epoch from a training progress message: its structured stats, else `loss 0.1234 · val 0.2345` in the text. */
export function parseEpochMessage(p: JobProgress): LiveEpoch | null {
  if (p.phase !== 'epochs' || p.done < 1) return null;
  if (p.epoch) return { ...p.epoch };
  if (!p.message) return null;
  const m = /loss\s+([-+0-9.eE]+|NaN)(?:.*?val\s+([-+0-9.eE]+|NaN))?/.exec(p.message);
  if (!m) return null;
  const trainLoss = Number(m[1]);
  const valLoss = m[2] !== undefined ? Number(m[2]) : undefined;
  return { epoch: p.done, trainLoss, ...(valLoss !== undefined && { valLoss }) };
}

/**
 * The request for the form: the fields the form shows, and the parameters it does not show kept
 * from the run it was filled from (backbone, signal weight, folds… otherwise the core's defaults).
 */
export function trainRequest(form: TrainForm): TrainRequest {
  const { kept, ...fields } = form;
  return { ...kept, ...fields, features: [...form.features] };
}

/**
 * The run's coverage of bad: the share of its out-of-fold images labelled bad (held out, not the
 * test split) that its recommended threshold flagged when it trained, as the Thresholds panel says
 * and as the Review slider counted it then (Review counts today's labels); null when the run
 * recommends no threshold (no stand-in from the test split or the best bound, which would put a
 * number beside "no threshold").
 */
export function runCoverage(run: RunSummary): number | null {
  const t = run.thresholds?.bad;
  if (!t || t.threshold === null) return null;
  return t.chosen_on?.coverage ?? null;
}

/**
 * What `runCoverage` is, for the header of every column or row that shows it: stored when the run
 * trained, with that day's labels; Review counts the same images with today's, so a relabel since
 * can move Review's figure away from it.
 */
export const RUN_COVERAGE_TITLE =
  "Coverage of bad when the run trained: the share of its out-of-fold images labelled bad (held out from training, not the test split) that the recommended threshold flagged, with that day's labels. Review counts today's labels, so after relabels its coverage there can differ. – when the run recommends no threshold";

/** Where a threshold in force comes from, in the CLI's words (`qc runs`, cli/formatMl.ts). */
export const THRESHOLD_SOURCE_WORD: Record<ThresholdSource, string> = { argument: 'given', curator: 'curator', recommended: 'recommended', 'best-bound': 'best bound', default: 'default' };

/**
 * The p(bad) threshold exports, classify and the tags apply with `run`, and where it comes from
 * (the core's `in_force`: the curator's, else the recommendation, else the best provable bound);
 * null while the run is not done. For the run Review shows, the slider's answer, which a "Use for
 * export" updates at once.
 */
export function runInForce(run: RunSummary, scores: { runId: number; inForce: ThresholdInForce } | null | undefined): ThresholdInForce | null {
  if (run.status !== 'done') return null;
  if (scores && scores.runId === run.run_id) return scores.inForce;
  return run.in_force ?? null;
}

/** What the "in force" column and rows are, for their headers. */
export const IN_FORCE_TITLE =
  "The p(bad) threshold in force with this run, which export, classify and the tags apply while it is the active run (only the active run's is used), and where it comes from: the curator's (Use for export, qc threshold), else the recommended one, else the best provable bound when the run recommends none";

export interface RunDeltas {
  accuracy: number | null;
  auc: number | null;
  coverage: number | null;
}

export function runDeltas(current: RunSummary, previous: RunSummary): RunDeltas {
  const diff = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null ? null : a - b);
  return {
    accuracy: diff(current.metrics?.test_accuracy, previous.metrics?.test_accuracy),
    auc: diff(current.metrics?.test_auc, previous.metrics?.test_auc),
    coverage: diff(runCoverage(current), runCoverage(previous)),
  };
}

/**
 * The run a new run is compared with: the one that was active before it trained (the one the
 * activation decision compared it with), else the finished run before it (by id), else null.
 */
export function comparedRun(runs: readonly RunSummary[], runId: number, activeBefore: number | null): RunSummary | null {
  const active = runs.find((r) => r.run_id === activeBefore && r.status === 'done' && r.run_id !== runId);
  return active ?? previousDoneRun(runs, runId);
}

/** The finished run before `runId` (by id), or null. */
export function previousDoneRun(runs: readonly RunSummary[], runId: number): RunSummary | null {
  let best: RunSummary | null = null;
  for (const r of runs) if (r.status === 'done' && r.run_id < runId && (!best || r.run_id > best.run_id)) best = r;
  return best;
}

/**
 * What the end of a training says: a cancelled or failed run is never "trained", and a finished one
 * says whether it became the active run or the previous one stays active. Its accuracy and AUC are
 * its own test split's, named so as `qc run` does ("held-out" is the out-of-fold images'), apart
 * from the AUCs of the activation's reason (on the test images both runs scored).
 */
export function trainedNote(run: RunSummary, activeNow: number | null, activeBefore: number | null): { kind: 'success' | 'info' | 'error'; text: string } {
  if (run.status === 'cancelled') return { kind: 'info', text: `Training cancelled: run ${run.run_id} is kept as cancelled${activeBefore !== null ? `; run ${activeBefore} stays active` : ''}.` };
  if (run.status === 'failed') return { kind: 'error', text: `Run ${run.run_id} failed${run.error ? `: ${run.error}` : ''}` };
  const auc = run.metrics?.test_auc;
  // Named as its own test split's (and how many images that is): the reason's AUCs are on the test
  // images both runs scored, another set, so the same run can have two AUCs in one toast.
  const test = run.snapshot ? run.snapshot.test.bad + run.snapshot.test.good : null;
  const acc = run.metrics ? ` · its test split${test !== null ? ` (${test} images)` : ''}: accuracy ${(run.metrics.test_accuracy * 100).toFixed(1)}%${auc != null ? `, AUC ${auc.toFixed(3)}` : ''}` : '';
  // The reason for keeping the active run ends by saying so (`…: run 1 stays active`), as the note does already.
  const reason = run.activation?.replace(/[:;]\s*(run \d+ stays active|no run is active)\.?$/, '');
  const why = reason ? ` (${reason})` : '';
  // Not made active and none other is (a run ranking no better than chance): say so, not "run – stays active".
  if (activeNow === null) return { kind: 'error', text: `Run ${run.run_id} trained${acc} · not made active${reason ? `: ${reason}` : ''}; no run is active. "Make active" uses it anyway.` };
  if (activeNow === run.run_id) return { kind: 'success', text: `Run ${run.run_id} trained${acc} · now the active run${activeBefore !== null && activeBefore !== run.run_id ? `, was run ${activeBefore}` : ''}${why}.` };
  return { kind: 'success', text: `Run ${run.run_id} trained${acc} · run ${activeNow ?? '–'} stays active${why || ' (not better on held-out data)'}; "Make active" uses the new one.` };
}

export const trainingSlice: Slice<TrainingSlice> = (set, get, client) => {
  /** The form's error toasts ("Fill in Epochs", "the learning rate must be more than 0"): gone once the form is changed. */
  const formErrorToasts = formErrors(get);
  /**
   * The last runs reload asked for: an answer to an older one (slower, or for the other "Show
   * archived") is dropped, and whoever awaits the older one waits for the newest instead.
   */
  let runsSeq = 0;
  let runsLatest: Promise<void> = Promise.resolve();
  /**
   * While the form follows the active run: its parameters (the demo's first run was trained with the
   * core's defaults, augment 0; the form's own defaults would retrain it differently), else the defaults.
   */
  const fillFromActive = (force: boolean) => {
    const s = get();
    if (!s.trainFormFollows || s.training) return;
    const active = s.runs.find((r) => r.run_id === s.activeRunId && r.status === 'done') ?? null;
    const runId = active?.run_id ?? null;
    if (!force && runId === s.trainFormRun) return;
    set({ trainForm: active ? formFromRun(active.params) : defaultTrainForm(), trainFormRun: runId });
  };
  return {
    trainForm: defaultTrainForm(),
    trainFormRun: null,
    trainFormFollows: true,
    training: null,
    runs: [],
    activeRunId: null,
    runsLoaded: false,
    runDetails: {},
    chartRunId: null,
    comparison: null,
    showArchived: false,

    setTrainForm(patch) {
      formErrorToasts.clear();
      set((s) => ({ trainForm: { ...s.trainForm, ...patch }, trainFormFollows: false }));
    },
    resetTrainForm() {
      formErrorToasts.clear();
      set({ trainForm: defaultTrainForm(), trainFormRun: null, trainFormFollows: false });
    },
    followActiveRun() {
      formErrorToasts.clear();
      set({ trainFormFollows: true });
      fillFromActive(true);
    },

    loadRuns() {
      const seq = ++runsSeq;
      return (runsLatest = (async () => {
        try {
          const r = await client.call('ml.runs', { all: get().showArchived });
          if (seq !== runsSeq) return runsLatest;
          const runs = [...r.runs].sort((a, b) => a.run_id - b.run_id);
          set((s) => ({ runs, activeRunId: r.active, runsLoaded: true, chartRunId: s.chartRunId ?? r.active ?? runs[runs.length - 1]?.run_id ?? null }));
          fillFromActive(false);
          const chart = get().chartRunId;
          if (chart !== null && !get().runDetails[chart]) void get().loadRunDetail(chart);
          // A detail fetched while its run was training (runs.changed reloads the runs then) has no
          // curves' end or evaluation: fetched again once the run has ended.
          for (const run of runs) {
            const cached = get().runDetails[run.run_id];
            if (cached && cached.status !== run.status) void get().loadRunDetail(run.run_id);
          }
        } catch (e) {
          if (seq !== runsSeq) return runsLatest; // the newer reload says how it went
          set({ runsLoaded: true });
          get().reportError(e, 'Runs');
        }
      })());
    },

    async loadRunDetail(runId) {
      try {
        const detail = await client.call('ml.run', { runId });
        set((s) => ({ runDetails: { ...s.runDetails, [runId]: detail } }));
        return detail;
      } catch (e) {
        get().reportError(e, `Run ${runId}`);
        return null;
      }
    },

    showRun(runId) {
      set({ chartRunId: runId });
      if (!get().runDetails[runId]) void get().loadRunDetail(runId);
    },

    async startTraining() {
      if (get().training) return null;
      // The run a new one is compared with and the active one its note names come from the runs
      // (and, while it follows the active run, the form): the Train button waits for them, and a
      // call made before they arrived waits here.
      if (!get().runsLoaded) {
        await get().loadRuns();
        if (get().training) return null;
      }
      const form = get().trainForm;
      if (!form.features.length) {
        formErrorToasts.show('Choose at least one feature set');
        return null;
      }
      const bad = (Object.keys(FORM_LABELS) as (keyof typeof FORM_LABELS)[]).filter((k) => !Number.isFinite(form[k]));
      if (bad.length) {
        const names = bad.map((k) => FORM_LABELS[k]);
        formErrorToasts.show(`Fill in ${names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0]}`);
        return null;
      }
      const runsBefore = get().runs;
      const previousActive = get().activeRunId;
      const onProgress = (p: JobProgress) => {
        const live = parseEpochMessage(p);
        set((s) => {
          if (!s.training) return {};
          let epochs = s.training.epochs;
          if (live) {
            // A new fit restarts at epoch 1 (e.g. the final model after the folds): start a new curve.
            const last = epochs[epochs.length - 1];
            epochs = last && live.epoch <= last.epoch ? [live] : [...epochs, live];
          }
          return { training: { ...s.training, phase: p.phase, done: p.done, total: p.total, ...(p.message !== undefined && { message: p.message }), epochs } };
        });
      };
      const job = get().startJob('ml.train', trainRequest(form), { label: 'Training', onProgress });
      set({ training: { jobId: job.id, phase: 'starting', done: 0, total: form.epochs, epochs: [] } });
      try {
        const run = await job.promise;
        // Only a finished run is compared and charted: a cancelled or failed one has no metrics or
        // curves, and the comparison and curves shown before stay.
        const previous = run.status === 'done' ? comparedRun(runsBefore, run.run_id, previousActive) : null;
        set(run.status === 'done' ? { training: null, chartRunId: run.run_id, comparison: previous ? { current: run.run_id, previous: previous.run_id } : null } : { training: null });
        await Promise.all([get().loadRuns(), get().loadRunDetail(run.run_id)]);
        const note = trainedNote(run, get().activeRunId, previousActive);
        get().toast(note.kind, note.text);
        if (get().activeRunId !== previousActive || get().scores?.runId !== get().activeRunId) await get().loadScores();
        return run;
      } catch (e) {
        set({ training: null });
        formErrorToasts.reported(e, get().reportError(e, 'Training'));
        void get().loadRuns(); // a failed or cancelled run is listed too
        return null;
      }
    },

    async setShowArchived(show) {
      set({ showArchived: show });
      await get().loadRuns();
    },

    async archiveRun(runId, archived) {
      try {
        await client.call('ml.archiveRuns', { runIds: [runId], archived });
        await get().loadRuns();
        get().toast('info', archived ? `Run ${runId} archived (hidden, not deleted; "Show archived" lists it)` : `Run ${runId} restored`);
      } catch (e) {
        get().reportError(e, archived ? 'Archive' : 'Restore');
      }
    },

    async makeActive(runId) {
      try {
        const r = await client.call('ml.setActive', { runId });
        set({ activeRunId: r.active });
        await get().loadRuns();
        await get().loadScores();
      } catch (e) {
        get().reportError(e, 'Make active');
      }
    },
  };
};
