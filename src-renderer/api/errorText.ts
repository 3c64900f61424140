/**
 * An error as a curator reads it: the one home of that wording. A wrong argument
 * (`invalid_argument`) becomes a sentence about the field ("The threshold must be between 0 and
 * 1.") from the error's `detail`, never the API's method and field names (those stay in the
 * message, for the CLI, API clients and logs); every other error is `describeError` text
 * (file:line: message).
 */
import { describeError, type ArgumentBound, type ArgumentDetail } from '../../src-shared/contract/errors';
import { toQcError } from './client';

/** API field names (the last named part of a field's path) in words. */
const FIELD_NAMES: Record<string, string> = {
  threshold: 'the threshold',
  runId: 'the run',
  runIds: 'the runs',
  imageId: 'the image',
  imageIds: 'the images',
  bundleId: 'the bundle',
  importId: 'the import',
  label: 'the label',
  rule: 'the labelling rule',
  expected: 'the labelling rule',
  source: 'the input list',
  files: 'the tag files',
  outDir: 'the output folder',
  mirrors: 'the mirrors',
  prefix: 'the mirror prefix',
  dir: 'the mirror folder',
  concurrency: 'the number of parallel downloads',
  timeoutMs: 'the time limit of a download',
  retries: 'the number of retries',
  chunkRows: 'the number of rows per file',
  sample: 'the sample size',
  seed: 'the seed',
  features: 'the features',
  backbone: 'the backbone',
  hidden: 'the size of the hidden layer',
  dropout: 'the dropout',
  l2: 'the L2 penalty',
  learningRate: 'the learning rate',
  epochs: 'the number of epochs',
  batchSize: 'the batch size',
  signalsWeight: 'the weight of the quality signals',
  defectsWeight: 'the weight of the defect features',
  targetError: 'the target error',
  folds: 'the number of folds',
  augment: 'the number of augmented copies',
  taxon: 'the taxon',
  limit: 'the number of rows',
  offset: 'the position in the list',
};

const num = (x: number) => x.toLocaleString('en', { maximumFractionDigits: 20 });
const lower = (b: ArgumentBound) => `${b.inclusive ? 'at least' : 'more than'} ${num(b.value)}`;
const upper = (b: ArgumentBound) => `${b.inclusive ? 'at most' : 'less than'} ${num(b.value)}`;

function rangeWords({ min, max }: NonNullable<ArgumentDetail['range']>): string {
  if (min && max) return min.inclusive && max.inclusive ? `between ${num(min.value)} and ${num(max.value)}` : `${lower(min)} and ${upper(max)}`;
  return min ? lower(min) : max ? upper(max) : 'another value';
}

/** The field in words ("the threshold"), or null for a field with no name here. */
function fieldName(path: readonly (string | number)[]): string | null {
  const last = [...path].reverse().find((p): p is string => typeof p === 'string');
  return last !== undefined && Object.prototype.hasOwnProperty.call(FIELD_NAMES, last) ? FIELD_NAMES[last]! : null;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const sentence = (s: string) => (/[.!?]$/.test(s) ? s : `${s}.`);

/** A wrong argument in words: what the field is and what it accepts, without the API's names. */
export function argumentText(d: ArgumentDetail): string {
  const name = fieldName(d.path);
  if (d.range) return sentence(`${name ? capital(name) : 'That value'} must be ${rangeWords(d.range)}`);
  if (name && /^must /.test(d.reason)) return sentence(`${capital(name)} ${d.reason}`);
  return `${name ? `${capital(name)} is` : 'That value is'} not accepted: ${d.reason}`;
}

/** What a curator sees for anything a call threw (toasts and inline messages alike). */
export function errorText(e: unknown): string {
  const err = toQcError(e);
  if (err.code !== 'invalid_argument') return describeError(err);
  if (err.detail) return argumentText(err.detail);
  // No detail (not from this contract's checks): the reason without the method's name.
  return `That value is not accepted: ${err.message.replace(/^[a-z]+\.[A-Za-z]+: /, '')}`;
}
