/**
 * The training form's fields and defaults: the measured defaults of src-shared/domain/ml.ts;
 * backbone, signalsWeight, defectsWeight and folds are left to the core. With an active run the
 * form starts from that run's parameters instead (`formFromRun`, those it does not show kept), so a
 * retrain changes only the labels (the demo's first run is trained with the core's defaults: augment 0).
 */
import { DEFAULT_AUGMENT, DEFAULT_TRAIN_PARAMS, FEATURE_SETS, type TrainParams } from '../../src-shared/domain/ml';

/** The parameters the form does not show, carried over from the run it was filled from when they differ from the core's defaults. */
export const KEPT_PARAMS = ['backbone', 'signalsWeight', 'defectsWeight', 'folds', 'noise', 'labelWeights', 'augmentExclude', 'distance', 'calibrate'] as const;
export type KeptParams = Partial<Pick<TrainParams, (typeof KEPT_PARAMS)[number]>>;

export type TrainForm = Pick<
  TrainParams,
  'features' | 'hidden' | 'dropout' | 'l2' | 'learningRate' | 'epochs' | 'batchSize' | 'classWeighting' | 'seed' | 'targetError'
> & {
  augment: number;
  /** Parameters of the run the form was filled from that the form does not show, sent with it (none with the defaults). */
  kept?: KeptParams;
};

export const TRAIN_DEFAULTS: Readonly<TrainForm> = Object.freeze<TrainForm>({
  features: [...DEFAULT_TRAIN_PARAMS.features],
  hidden: DEFAULT_TRAIN_PARAMS.hidden,
  dropout: DEFAULT_TRAIN_PARAMS.dropout,
  l2: DEFAULT_TRAIN_PARAMS.l2,
  learningRate: DEFAULT_TRAIN_PARAMS.learningRate,
  epochs: DEFAULT_TRAIN_PARAMS.epochs,
  batchSize: DEFAULT_TRAIN_PARAMS.batchSize,
  classWeighting: DEFAULT_TRAIN_PARAMS.classWeighting,
  seed: DEFAULT_TRAIN_PARAMS.seed,
  targetError: DEFAULT_TRAIN_PARAMS.targetError,
  augment: DEFAULT_AUGMENT,
});

/** A fresh copy of the defaults, to put in the store. */
export const defaultTrainForm = (): TrainForm => ({ ...TRAIN_DEFAULTS, features: [...TRAIN_DEFAULTS.features] });

const NUMBER_FIELDS = ['hidden', 'dropout', 'l2', 'learningRate', 'epochs', 'batchSize', 'seed', 'targetError'] as const;

/** The form's number fields as the form labels them (its inputs, and a toast that names one). */
export const FORM_LABELS = {
  hidden: 'Hidden units',
  dropout: 'Dropout',
  l2: 'L2',
  learningRate: 'Learning rate',
  epochs: 'Epochs',
  batchSize: 'Batch size',
  seed: 'Seed',
  augment: 'Synthetic copies',
  targetError: 'Target error',
} as const satisfies Record<(typeof NUMBER_FIELDS)[number] | 'augment', string>;

/**
 * The form as a run was trained: each field the run's parameter. A run stores every parameter it
 * trained with (the core's defaults filled in), except `augment` when none was asked: the core's
 * default then, 0 (not the form's DEFAULT_AUGMENT). A field missing or out of shape takes the
 * core's default. The parameters the form does not show go in `kept` when they differ from the core's defaults.
 */
export function formFromRun(params: Partial<TrainParams>): TrainForm {
  const form = defaultTrainForm();
  for (const k of NUMBER_FIELDS) {
    const v = params[k];
    form[k] = typeof v === 'number' && Number.isFinite(v) ? v : DEFAULT_TRAIN_PARAMS[k];
  }
  form.classWeighting = typeof params.classWeighting === 'boolean' ? params.classWeighting : DEFAULT_TRAIN_PARAMS.classWeighting;
  const features = Array.isArray(params.features) ? FEATURE_SETS.filter((f) => params.features!.includes(f)) : [];
  form.features = features.length ? features : [...DEFAULT_TRAIN_PARAMS.features];
  form.augment = typeof params.augment === 'number' && Number.isInteger(params.augment) && params.augment >= 0 ? params.augment : 0;
  const kept: Record<string, unknown> = {};
  for (const k of KEPT_PARAMS) {
    const v = params[k];
    if (v !== undefined && JSON.stringify(v) !== JSON.stringify(DEFAULT_TRAIN_PARAMS[k])) kept[k] = v;
  }
  if (Object.keys(kept).length) form.kept = kept as KeptParams;
  return form;
}

const onOff = (v: unknown, on: string, off: string) => (v ? on : off);

/** Each kept parameter in words, as a curator reads it (never the API's name or a bare `false`). */
const KEPT_WORDS: { [K in (typeof KEPT_PARAMS)[number]]-?: (v: NonNullable<KeptParams[K]>) => string } = {
  backbone: (v) => `backbone ${v}`,
  signalsWeight: (v) => `quality-signal weight ${v}`,
  defectsWeight: (v) => `defect-feature weight ${v}`,
  folds: (v) => `${v} folds`,
  noise: (v) => (v === 'prune' ? 'suspect labels left out of the final fit' : 'every label trained on (no suspect labels left out)'),
  labelWeights: (v) => onOff(v, 'labels weighted by their ratings', 'labels not weighted by their ratings'),
  augmentExclude: (v) => (v.length ? `synthetic copies without ${v.join(', ')}` : 'synthetic copies of every distortion kind'),
  distance: (v) => (v === 'aggregate' ? 'distance from good images: totals only' : onOff(v, "distance from good images: each signal's too", 'no distance from good images')),
  calibrate: (v) => onOff(v, 'p(bad) calibrated', 'p(bad) not calibrated'),
};

/** The kept parameters in words (`backbone x, 3 folds, labels not weighted by their ratings`), empty when none. */
export function keptText(kept: KeptParams | undefined): string {
  return KEPT_PARAMS.filter((k) => kept?.[k] !== undefined)
    .map((k) => (KEPT_WORDS[k] as (v: unknown) => string)(kept![k]))
    .join(', ');
}
