// @vitest-environment jsdom
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { TrainScreen } from './TrainScreen';

const SLOW = 20_000;

describe('the Train form: the target error in the unit the screen shows it in', () => {
  test('beside the fraction typed (0.05) the field says it as the percent the thresholds panel and qc run print ("target error 5%"), and follows what is typed', async () => {
    const ctx = setup();
    const { store } = renderWith(<TrainScreen />, ctx);
    await until(() => expect(store.getState().runsLoaded).toBe(true), SLOW);
    const field = screen.getByTestId('train-target-error') as HTMLInputElement;
    const typed = Number(field.value);
    expect(typed).toBeGreaterThan(0);
    expect(typed).toBeLessThan(1);
    const said = () => document.getElementById(field.getAttribute('aria-describedby') ?? '')?.textContent ?? '';
    // The run's own heading writes its target error as a percent: the form says the same.
    const heading = await screen.findByText(/^Thresholds of run \d+ \(target error /, {}, { timeout: SLOW });
    const percent = /target error ([\d.]+%)/.exec(heading.textContent!)![1]!;
    expect(Number(percent.slice(0, -1)) / 100).toBeCloseTo(typed, 10);
    expect(said()).toBe(`= ${percent}`);
    fireEvent.change(field, { target: { value: '0.025' } });
    expect(said()).toBe('= 2.5%');
    fireEvent.change(field, { target: { value: '' } });
    expect(said()).toBe('');
  }, 60_000);
});
