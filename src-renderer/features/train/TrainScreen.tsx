import { useEffect, useLayoutEffect, useMemo, useRef, type FocusEvent, type RefObject } from 'react';
import { trainOptions } from '../../../src-shared/contract/schemas';
import { formatPercent } from '../../../src-shared/domain/threshold';
import { FEATURE_SETS, tooFewLabels, type FeatureSet } from '../../../src-shared/domain/ml';
import { useApp, useAppStore } from '../../stores/app';
import { FORM_LABELS, keptText, type TrainForm } from '../../stores/trainDefaults';
import { ProgressBar } from '../../components/ProgressBar';
import { runEngines } from '../../components/format';
import { EpochChart, type ChartSeries } from './EpochChart';
import { EvaluationPanel } from './EvaluationPanel';
import { focusLost, focusScreenHeading, placesFocus, useStartCancelFocus } from './focus';
import { useOtherTraining } from './otherTraining';
import { RunCompare, RunsTable } from './RunsTable';

const TRAIN_COLOR = '#5aa9ff';
const VAL_COLOR = '#f0a64a';

type NumberName = 'hidden' | 'dropout' | 'l2' | 'learningRate' | 'epochs' | 'batchSize' | 'seed' | 'augment' | 'targetError';

/**
 * A field's limits as the browser checks them, from the core's own schema: an integer steps by 1; a
 * real number takes any value (`step="any"`: a step would refuse valid values such as l2 0.0001),
 * between the schema's bounds, inclusive (the core's `bad_input` judges an open bound such as lr > 0).
 */
function fieldLimits(name: NumberName): { step: number | 'any'; min?: number; max?: number } {
  const s = trainOptions[name].unwrap();
  return { step: s.format === 'safeint' ? 1 : 'any', ...(s.minValue !== null && { min: s.minValue }), ...(s.maxValue !== null && { max: s.maxValue }) };
}

/**
 * A number field; `as` writes its value in the unit the rest of the app shows it in (the target error
 * is a fraction here, 0.05, and a percent everywhere else, "target error 5%"), beside the field.
 */
function NumberField({ name, testId, hint, as }: { name: NumberName; testId: string; hint?: string; as?: (v: number) => string }) {
  const store = useAppStore();
  const value = useApp((s) => s.trainForm[name]);
  const { step, min, max } = fieldLimits(name);
  const shown = as && Number.isFinite(value) ? as(value) : null;
  return (
    <label className="field" title={hint}>
      <span className="field__label" id={`${testId}-label`}>
        {FORM_LABELS[name]}
      </span>
      {/* Named by its label alone: the "= 5%" beside it describes it (aria-describedby), so it is not said twice. */}
      <input
        aria-labelledby={`${testId}-label`}
        className="input input--num"
        type="number"
        required
        step={step}
        min={min}
        max={max}
        value={Number.isFinite(value) ? value : ''}
        onChange={(e) => store.getState().setTrainForm({ [name]: e.target.value === '' ? NaN : Number(e.target.value) } as Partial<TrainForm>)}
        data-testid={testId}
        aria-describedby={as ? `${testId}-as` : undefined}
      />
      {as && (
        <span className="muted small" id={`${testId}-as`} data-testid={`${testId}-as`}>
          {shown !== null ? `= ${shown}` : ''}
        </span>
      )}
    </label>
  );
}

/** Where the form's values come from: the active run's parameters (a retrain then changes only the labels), the defaults, or the curator's. */
function FormSource({ runId, follows, kept }: { runId: number | null; follows: boolean; kept: string }) {
  const text =
    runId !== null
      ? `${follows ? 'The settings' : 'Starting from the settings'} of run ${runId}${follows ? ', the active run: training again changes only the labels' : ', changed here'}${kept ? `; also kept from it: ${kept}` : ''}.`
      : follows
        ? 'The default settings (no trained run yet).'
        : 'The default settings, or as changed here.';
  return (
    <p className="muted small" data-testid="train-form-source" data-run={runId ?? ''} data-follows={follows ? 'true' : 'false'}>
      {text}
    </p>
  );
}

function TrainFormView() {
  const store = useAppStore();
  const form = useApp((s) => s.trainForm);
  const formRun = useApp((s) => s.trainFormRun);
  const follows = useApp((s) => s.trainFormFollows);
  const activeRunId = useApp((s) => (s.runs.some((r) => r.run_id === s.activeRunId && r.status === 'done') ? s.activeRunId : null));
  const training = useApp((s) => s.training);
  const jobs = useApp((s) => s.jobs);
  const job = training ? jobs.find((j) => j.id === training.jobId) : undefined;
  const toggle = (f: FeatureSet, on: boolean) => store.getState().setTrainForm({ features: on ? FEATURE_SETS.filter((x) => x === f || form.features.includes(x)) : form.features.filter((x) => x !== f) });
  // Train disables itself while a run trains and Cancel goes when it ends: focus moves to Cancel when
  // a training starts from Train, and back to Train when it ends, never left on <body>.
  const running = training !== null;
  const { startRef, cancelRef } = useStartCancelFocus(running);
  const cancelling = job?.cancelling === true;
  // Train waits for the runs: the run a new one is compared with, and the active one its note names, come from them.
  const runsLoaded = useApp((s) => s.runsLoaded);
  // Too few labels of a class: the core would refuse the training (trainService.ts), so Train is off and says why.
  const labels = useApp((s) => s.status?.labels ?? null);
  const tooFew = labels && tooFewLabels(labels, (n) => n.toLocaleString('en-US'));
  const fewReason = tooFew ? `T${tooFew.slice(1)}: label more on Review, or import ratings on Library` : null;
  // Another window's or another program's training (qc train): Train waits for it (one run trains on
  // a library at a time), and a Cancel for it is shown here (ml.cancelTraining: another program's
  // through the library, as qc cancel), with its progress when it is another window's (another
  // program's sends none to this app). Focus on Train (now disabled) moves to that Cancel, and back
  // to Train when the run ends.
  const other = useOtherTraining();
  const otherCancelRef = useRef<HTMLButtonElement>(null);
  const defaultsRef = useRef<HTMLButtonElement>(null);
  const otherReasonRef = useRef<HTMLSpanElement>(null);
  const otherId = other?.run.run_id ?? null;
  const hadOther = useRef(otherId);
  useLayoutEffect(() => {
    if (otherId === hadOther.current) return;
    const before = hadOther.current;
    hadOther.current = otherId;
    if (otherId !== null && document.activeElement === startRef.current) (otherCancelRef.current ?? otherReasonRef.current)?.focus();
    if (otherId === null && before !== null && focusLost(otherCancelRef.current)) startRef.current?.focus();
  }, [otherId]);
  // This tab's own training, started before the page was reloaded: leaving the page cancelled it, and
  // the core lists it `running` until the cancel has ended it. Neither another window's, nor to cancel again.
  const endedHere = useApp((s) => s.endedJobs?.runId ?? null);
  const leftBehind = other !== null && !other.elsewhere && other.run.run_id === endedHere;
  const otherReason = !other
    ? null
    : leftBehind
      ? `Run ${other.run.run_id} was started in this tab before the page was reloaded or left, which cancels it: it is being cancelled`
      : other.elsewhere
      ? `Run ${other.run.run_id} is training in another program on this library (such as qc train${other.elsewhere.pid !== null ? `; pid ${other.elsewhere.pid}` : ''})`
      : `Run ${other.run.run_id} is training (started in another window)`;
  return (
    <form
      className="card train-form"
      data-testid="train-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!other && runsLoaded && !fewReason) void store.getState().startTraining();
      }}
    >
      <div className="form-row">
        <fieldset className="field">
          <legend className="field__label">Features</legend>
          {FEATURE_SETS.map((f) => (
            <label key={f} className="check">
              <input type="checkbox" checked={form.features.includes(f)} onChange={(e) => toggle(f, e.target.checked)} data-testid={`train-feature-${f}`} /> {f}
            </label>
          ))}
        </fieldset>
        <NumberField name="hidden" testId="train-hidden" hint="0 = a linear head (logistic regression)" />
        <NumberField name="dropout" testId="train-dropout" />
        <NumberField name="l2" testId="train-l2" />
        <NumberField name="learningRate" testId="train-lr" />
        <NumberField name="epochs" testId="train-epochs" />
        <NumberField name="batchSize" testId="train-batch" />
        <NumberField name="seed" testId="train-seed" />
        <NumberField
          name="augment"
          testId="train-augment"
          hint="per good training image: this many distorted copies labelled bad and half as many benign edits labelled good; training only, never in the gallery, validation, test or thresholds (0 = off)"
        />
        <NumberField
          name="targetError"
          testId="train-target-error"
          hint="error a recommended threshold must provably stay under (95% bound), as a fraction: 0.05 = 5%"
          as={formatPercent}
        />
        <label className="check check--field">
          <input type="checkbox" checked={form.classWeighting} onChange={(e) => store.getState().setTrainForm({ classWeighting: e.target.checked })} data-testid="train-classweighting" /> class weighting
        </label>
      </div>
      <FormSource runId={formRun} follows={follows} kept={keptText(form.kept)} />
      <div className="form-actions">
        <button
          type="submit"
          className="btn btn--primary"
          disabled={!!training || !!other || !runsLoaded || (!!fewReason && !training)}
          title={otherReason ? `${otherReason}: Train is available again when it ends` : !runsLoaded ? 'Loading the runs…' : (fewReason ?? undefined)}
          aria-describedby={other ? 'train-other-reason' : fewReason && !training ? 'train-few-reason' : undefined}
          data-testid="train-start"
          ref={startRef}
        >
          {training ? 'Training…' : 'Train'}
        </button>
        {training && (
          // aria-disabled, not disabled, while it cancels: a disabled button would drop the focus to <body>.
          <button
            type="button"
            className="btn"
            onClick={() => {
              if (!cancelling) store.getState().cancelJob(training.jobId);
            }}
            data-testid="train-cancel"
            aria-disabled={cancelling}
            ref={cancelRef}
          >
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
        <button type="button" className="btn btn--ghost" onClick={() => store.getState().resetTrainForm()} disabled={!!training} data-testid="train-defaults" ref={defaultsRef}>
          Defaults
        </button>
        {activeRunId !== null && !(follows && formRun === activeRunId) && (
          <button
            type="button"
            className="btn btn--ghost"
            onClick={(e) => {
              // The button goes once the form follows the active run: focus moves to Defaults beside it, not to <body>.
              const hadFocus = document.activeElement === e.currentTarget;
              store.getState().followActiveRun();
              if (hadFocus) defaultsRef.current?.focus();
            }}
            disabled={!!training}
            data-testid="train-from-active"
          >
            Run {activeRunId}'s settings
          </button>
        )}
        {fewReason && !training && !other && (
          <span className="muted" id="train-few-reason" data-testid="train-few-reason">
            {fewReason}.
          </span>
        )}
        {other && (
          <>
            <span className="muted" id="train-other-reason" data-testid="train-other-reason" tabIndex={-1} ref={otherReasonRef}>
              {otherReason}; Train is available again when it ends.
            </span>
            {/* aria-disabled while it cancels, as the own Cancel: a disabled button would drop the focus. */}
            {!leftBehind && (
              <button
                type="button"
                className="btn"
                onClick={other.cancel}
                aria-disabled={other.cancelling}
                data-testid="train-other-cancel"
                ref={otherCancelRef}
                title={other.elsewhere ? `Ask the program that trains run ${other.run.run_id} to stop (as qc cancel does); it is kept as cancelled` : undefined}
              >
                {other.cancelling ? 'Cancelling…' : `Cancel run ${other.run.run_id}`}
              </button>
            )}
            {!other.elsewhere && !leftBehind && (
              <div className="grow" data-testid="train-other-progress">
                <ProgressBar progress={other.progress} label={`Run ${other.run.run_id} progress`} idleText="training…" />
              </div>
            )}
          </>
        )}
        {training && (
          <div className="grow" data-testid="train-progress">
            <ProgressBar progress={{ job: 'train', phase: training.phase, done: training.done, total: training.total, ...(training.message !== undefined && { message: training.message }) }} />
          </div>
        )}
      </div>
    </form>
  );
}

/** The loss and accuracy series of a run's epochs (stored) or of the training under way (live, accuracy may lag). */
function curveSeries(e: readonly { epoch: number; trainLoss: number; valLoss?: number | null; trainAccuracy?: number | null; valAccuracy?: number | null }[]): { x: number[]; loss: ChartSeries[]; acc: ChartSeries[] } {
  const pair = (train: (number | null)[], validation: (number | null)[]): ChartSeries[] => [
    { label: 'train', values: train, color: TRAIN_COLOR },
    { label: 'validation', values: validation, color: VAL_COLOR, dash: [6, 4] },
  ];
  return {
    x: e.map((p) => p.epoch),
    loss: pair(
      e.map((p) => p.trainLoss),
      e.map((p) => p.valLoss ?? null),
    ),
    acc: pair(
      e.map((p) => p.trainAccuracy ?? null),
      e.map((p) => p.valAccuracy ?? null),
    ),
  };
}

function Curves() {
  const training = useApp((s) => s.training);
  const chartRunId = useApp((s) => s.chartRunId);
  const detail = useApp((s) => (s.chartRunId !== null ? s.runDetails[s.chartRunId] : undefined));
  const data = useMemo(() => {
    const title = training ? 'live' : chartRunId !== null ? `run ${chartRunId}` : '';
    return { title, ...curveSeries(training ? training.epochs : (detail?.evaluation?.epochs ?? [])) };
  }, [training, detail, chartRunId]);
  return (
    <div className="card">
      <div className="card__head">
        <h3>Curves {data.title && <span className="muted">({data.title})</span>}</h3>
        {detail && !training && (
          <span className="muted small" data-testid="run-backend">
            {runEngines(detail)}
          </span>
        )}
      </div>
      <div className="charts">
        <EpochChart title="Loss" x={data.x} series={data.loss} testId="loss-chart" />
        <EpochChart title="Accuracy" x={data.x} series={data.acc} testId="acc-chart" percent />
      </div>
    </div>
  );
}

/**
 * Before the first run: what the first training does and why it takes longer than the next ones.
 * A demo whose load stopped before its first run (status.demo.offer 'finish') needs none of that:
 * its features ship with it, and Library's "Finish loading the demo" trains it.
 */
function FirstTrainingNote() {
  const store = useAppStore();
  const loaded = useApp((s) => s.runsLoaded);
  const anyDone = useApp((s) => s.runs.some((r) => r.status === 'done'));
  const images = useApp((s) => s.status?.images ?? null);
  const demoFinish = useApp((s) => s.status?.demo?.offer === 'finish');
  if (!loaded || anyDone) return null;
  if (demoFinish) {
    return (
      <p className="card note" data-testid="first-training-note" data-demo="finish">
        The demo&apos;s first run was not trained (its load was stopped). Its photos&apos; features ship with it: &quot;Finish loading the demo&quot; on the Library screen
        trains its first run in seconds, computing none.{' '}
        <button type="button" className="btn btn--ghost btn--small" onClick={() => store.getState().setScreen('library')} data-testid="first-training-go-demo">
          Go to Library
        </button>
      </p>
    );
  }
  return (
    <p className="card note" data-testid="first-training-note">
      The first training computes the features of each image that has none yet{images !== null ? ` (up to ${images.toLocaleString('en-US')} images)` : ''}: a few images
      a second on two cores, with progress and the time left below. They are cached, so every run after that takes seconds: try settings, compare runs, keep the best.
    </p>
  );
}

/**
 * When the runs change under the curator (a run another window or program trains appears or ends,
 * another run becomes active), the control that had focus may go (a "Use for export" of a run no
 * longer active, the "No runs yet" line the table replaces) and the browser drops focus to <body>.
 * The controls that act move focus themselves (focus.ts, `placingFocus`); after them, this puts focus back on the
 * same control if it came back, else on the first control left in its card, else the screen's heading.
 */
function useKeepFocus(section: RefObject<HTMLElement | null>) {
  const runs = useApp((s) => s.runs);
  const activeRunId = useApp((s) => s.activeRunId);
  const last = useRef<{ el: HTMLElement; testId: string | undefined; card: Element | null } | null>(null);
  const onFocus = (e: FocusEvent<HTMLElement>) => {
    const el = e.target as HTMLElement;
    last.current = { el, testId: el.dataset.testid, card: el.parentElement?.closest('.card') ?? null };
  };
  useLayoutEffect(() => {
    const was = last.current;
    const root = section.current;
    if (!was || !root || !focusLost() || placesFocus(was.el)) return;
    const a = document.activeElement;
    // Only when the focus was here and went with the change (not when the curator left the screen).
    if (a && a !== document.body && a !== was.el) return;
    if (was.el.isConnected && !(was.el as Partial<HTMLButtonElement>).disabled) return void was.el.focus();
    const usable = (el: HTMLElement | null | undefined): el is HTMLElement => !!el && el.isConnected && !(el as Partial<HTMLButtonElement>).disabled && el.getAttribute('aria-hidden') !== 'true';
    const same = was.testId ? [...root.querySelectorAll<HTMLElement>('[data-testid]')].find((el) => el.dataset.testid === was.testId) : null;
    const inCard = was.card?.isConnected ? [...was.card.querySelectorAll<HTMLElement>('button, input, select, textarea, a[href], [tabindex]')].find(usable) : undefined;
    const target = [same, inCard].find(usable);
    if (target) target.focus();
    else focusScreenHeading();
  }, [runs, activeRunId, section]);
  return onFocus;
}

export function TrainScreen() {
  const store = useAppStore();
  useEffect(() => {
    if (!store.getState().runsLoaded) void store.getState().loadRuns();
  }, [store]);
  // A threshold chosen for export (here, on Review, qc threshold) changes what a run's "exports use"
  // shows: the runs are asked again (the active run's shows the slider's answer at once).
  const thresholdChanges = useApp((s) => s.thresholdChanges);
  const seenChanges = useRef(thresholdChanges);
  useEffect(() => {
    if (thresholdChanges === seenChanges.current) return;
    seenChanges.current = thresholdChanges;
    void store.getState().loadRuns();
  }, [thresholdChanges, store]);
  const section = useRef<HTMLElement>(null);
  const onFocus = useKeepFocus(section);
  return (
    <section className="screen screen--train scroll" data-testid="screen-train" ref={section} onFocus={onFocus}>
      <h2>Train</h2>
      <FirstTrainingNote />
      <TrainFormView />
      <Curves />
      <EvaluationPanel />
      <RunCompare />
      <div className="card">
        <h3>Runs</h3>
        <RunsTable />
      </div>
    </section>
  );
}
