// @vitest-environment jsdom
// The Train form starts from the active run's parameters (a retrain changes only the labels), and
// from the defaults when there is no run; "Defaults" and "Run N's settings" switch between them.
import { fireEvent, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import type { TrainParams } from '../../../src-shared/domain/ml';
import { FEATURE_SETS } from '../../../src-shared/domain/ml';
import { TRAIN_DEFAULTS, type TrainForm } from '../../stores/trainDefaults';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { TrainScreen } from './TrainScreen';

const NUMBER_INPUTS: [string, keyof TrainForm][] = [
  ['train-hidden', 'hidden'],
  ['train-dropout', 'dropout'],
  ['train-l2', 'l2'],
  ['train-lr', 'learningRate'],
  ['train-epochs', 'epochs'],
  ['train-batch', 'batchSize'],
  ['train-seed', 'seed'],
  ['train-augment', 'augment'],
  ['train-target-error', 'targetError'],
];

const input = (id: string) => screen.getByTestId(id) as HTMLInputElement;

/** What the form's fields show, as a form. */
function shown(): Omit<TrainForm, 'kept'> {
  const numbers = Object.fromEntries(NUMBER_INPUTS.map(([id, k]) => [k, Number(input(id).value)]));
  return {
    ...(numbers as Pick<TrainForm, 'hidden'>),
    features: FEATURE_SETS.filter((f) => input(`train-feature-${f}`).checked),
    classWeighting: input('train-classweighting').checked,
  } as Omit<TrainForm, 'kept'>;
}

/** The form fields of a run's parameters (augment absent: 0, the core's default). */
function formFields(p: TrainParams): Omit<TrainForm, 'kept'> {
  return {
    features: p.features,
    hidden: p.hidden,
    dropout: p.dropout,
    l2: p.l2,
    learningRate: p.learningRate,
    epochs: p.epochs,
    batchSize: p.batchSize,
    classWeighting: p.classWeighting,
    seed: p.seed,
    targetError: p.targetError,
    augment: p.augment ?? 0,
  };
}

const defaultsShown = (): Omit<TrainForm, 'kept'> => {
  const { kept: _kept, ...d } = TRAIN_DEFAULTS;
  return { ...d, features: [...d.features] };
};

describe('Train form prefill', () => {
  test("with an active run, every field shows that run's parameters and Train sends them (with those the form does not show)", async () => {
    const user = userEvent.setup();
    const ctx = setup();
    // A real run with settings other than the form's defaults in every field (augment 0, as the
    // demo's first run), and a parameter the form does not show (folds), made active.
    const asked = { features: ['signals' as const], hidden: 8, dropout: 0.1, l2: 0.05, learningRate: 0.002, epochs: 4, batchSize: 64, classWeighting: false, seed: 7, targetError: 0.08, augment: 0, folds: 3 };
    const made = await ctx.lib.core.call('ml.train', asked);
    await ctx.lib.core.call('ml.setActive', { runId: made.run_id });
    const P = ctx.client.runs.find((r) => r.run_id === made.run_id)!.params;
    const fields = formFields(P);
    // The run differs from the form's defaults, augment included: the test can tell them apart.
    for (const k of Object.keys(fields) as (keyof typeof fields)[]) expect(fields[k], k).not.toEqual(TRAIN_DEFAULTS[k]);
    expect(P.folds).not.toBe(5);

    const { client, store } = renderWith(<TrainScreen />, ctx);
    await until(() => expect(shown()).toEqual(fields));
    expect(screen.getByTestId('train-form-source').dataset.run).toBe(String(made.run_id));
    expect(screen.getByTestId('train-form-source').textContent).toContain('3 folds');

    await user.click(screen.getByTestId('train-start'));
    expect(client.callsOf('ml.train')).toEqual([{ ...fields, folds: P.folds }]);
    await until(() => expect(store.getState().training).toBeNull(), 80_000);

    // "Defaults" puts the defaults back, and they stay when the runs reload; "Run N's settings" brings P back.
    await user.click(screen.getByTestId('train-defaults'));
    expect(shown()).toEqual(defaultsShown());
    await store.getState().loadRuns();
    expect(shown()).toEqual(defaultsShown());
    const active = store.getState().activeRunId!;
    await user.click(screen.getByTestId('train-from-active'));
    expect(shown()).toEqual(formFields(ctx.client.runs.find((r) => r.run_id === active)!.params));
    // A field the curator changes stays changed when the runs reload.
    fireEvent.change(input('train-epochs'), { target: { value: '9' } });
    await store.getState().loadRuns();
    expect(input('train-epochs').value).toBe('9');
  }, 120_000);

  test('with no run, the fields show the defaults and Train sends them', async () => {
    const user = userEvent.setup();
    const { client, store } = renderWith(<TrainScreen />, setup({ trained: false }));
    await until(() => expect(store.getState().runsLoaded).toBe(true));
    expect(shown()).toEqual(defaultsShown());
    expect(screen.queryByTestId('train-from-active')).toBeNull();
    await user.click(screen.getByTestId('train-start'));
    expect(client.callsOf('ml.train')).toEqual([defaultsShown()]);
    await until(() => expect(store.getState().training).toBeNull(), 80_000);
  }, 120_000);
});
