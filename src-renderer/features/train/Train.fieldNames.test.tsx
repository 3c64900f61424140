// @vitest-environment jsdom
// The Train form speaks the curator's words, on the real core: an empty field is named by its own
// label (and the browser is told it is required), and the settings kept from the run the form was
// filled from are said in words, never as the API's parameter names and bare true/false.
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { TrainScreen } from './TrainScreen';

const SLOW = 20_000;
const input = (id: string) => screen.getByTestId(id) as HTMLInputElement;
/** The label the form shows beside an input. */
const labelOf = (id: string) => input(id).closest('label')!.querySelector('.field__label')!.textContent!;

describe('the Train form in words', () => {
  test('empty number fields are required, and Train names them by their labels', async () => {
    const { store, client } = renderWith(<TrainScreen />);
    await until(() => expect(store.getState().runsLoaded).toBe(true), SLOW);
    const numbers = [...screen.getByTestId('train-form').querySelectorAll<HTMLInputElement>('input[type="number"]')];
    expect(numbers.length).toBeGreaterThan(5);
    for (const el of numbers) expect({ id: el.dataset.testid, required: el.required }).toEqual({ id: el.dataset.testid, required: true });
    fireEvent.change(input('train-lr'), { target: { value: '' } });
    fireEvent.change(input('train-batch'), { target: { value: '' } });
    // The browser would refuse the form as it is (what it names is its own message).
    expect(input('train-lr').validity.valueMissing).toBe(true);
    expect(input('train-batch').validity.valueMissing).toBe(true);
    // Sent anyway (a browser that does not check), the form's own check names them as the form does.
    fireEvent.submit(screen.getByTestId('train-form'));
    await until(() => expect(store.getState().toasts.some((t) => t.kind === 'error')).toBe(true));
    const text = store.getState().toasts.find((t) => t.kind === 'error')!.text;
    expect(text).toBe(`Fill in ${labelOf('train-lr')} and ${labelOf('train-batch')}`);
    expect(text).not.toMatch(/learningRate|batchSize/);
    expect(client.callsOf('ml.train')).toEqual([]);
  }, 60_000);

  test('each number field is named by its label alone: the target error\'s "= 5%" describes it, it is not part of its name', async () => {
    const { store } = renderWith(<TrainScreen />);
    await until(() => expect(store.getState().runsLoaded).toBe(true), SLOW);
    const target = screen.getByRole('spinbutton', { name: 'Target error' });
    expect(target).toBe(input('train-target-error'));
    expect(document.getElementById(target.getAttribute('aria-describedby')!)!.textContent).toMatch(/^= [\d.]+%$/);
    expect(screen.getByRole('spinbutton', { name: 'Learning rate' })).toBe(input('train-lr'));
  }, 60_000);

  test("the settings kept from the active run's parameters are said in words", async () => {
    const ctx = setup();
    // A real run with parameters the form does not show, each away from the core's default, made active.
    const made = await ctx.lib.core.call('ml.train', { features: ['signals'], hidden: 0, epochs: 3, augment: 0, folds: 3, labelWeights: false, noise: 'none', calibrate: true, augmentExclude: ['blur'] });
    await ctx.lib.core.call('ml.setActive', { runId: made.run_id });
    renderWith(<TrainScreen />, ctx);
    await until(() => expect(screen.getByTestId('train-form-source').dataset.run).toBe(String(made.run_id)), SLOW);
    const source = screen.getByTestId('train-form-source').textContent!;
    expect(source).toContain('also kept from it: ');
    for (const words of ['3 folds', 'labels not weighted by their ratings', 'every label trained on', 'p(bad) calibrated', 'synthetic copies without blur']) expect(source).toContain(words);
    // No parameter name of the API and no bare boolean.
    expect(source).not.toMatch(/labelWeights|augmentExclude|calibrate\b|noise|\bfalse\b|\btrue\b|folds \d/);
  }, 120_000);
});
