/**
 * The training form's defaults. They mirror the core's measured defaults
 * (src-main/core/ml/trainService.ts DEFAULT_TRAIN_PARAMS and train/head.ts DEFAULT_HEAD_PARAMS),
 * which the renderer may not import; backbone, signalsWeight and folds are left to the core.
 */
import type { TrainParams } from '../../src-shared/domain/ml';

export type TrainForm = Pick<
  TrainParams,
  'features' | 'hidden' | 'dropout' | 'l2' | 'learningRate' | 'epochs' | 'batchSize' | 'classWeighting' | 'seed' | 'targetError'
>;

export const TRAIN_DEFAULTS: Readonly<TrainForm> = Object.freeze<TrainForm>({
  features: ['whole', 'crops', 'signals'],
  hidden: 64,
  dropout: 0.2,
  l2: 0.03,
  learningRate: 1e-3,
  epochs: 20,
  batchSize: 256,
  classWeighting: true,
  seed: 1,
  targetError: 0.05,
});
