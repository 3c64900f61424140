/**
 * The training form's fields and defaults: the measured defaults of src-shared/domain/ml.ts;
 * backbone, signalsWeight, defectsWeight and folds are left to the core.
 */
import { DEFAULT_AUGMENT, DEFAULT_TRAIN_PARAMS, type TrainParams } from '../../src-shared/domain/ml';

export type TrainForm = Pick<
  TrainParams,
  'features' | 'hidden' | 'dropout' | 'l2' | 'learningRate' | 'epochs' | 'batchSize' | 'classWeighting' | 'seed' | 'targetError'
> & { augment: number };

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
