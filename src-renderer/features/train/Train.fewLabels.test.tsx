// @vitest-environment jsdom
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { MIN_PER_CLASS } from '../../../src-shared/domain/ml';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { TrainScreen } from './TrainScreen';

const SLOW = 20_000;

describe('Train with too few labels of a class', () => {
  test('is off and says, in the core’s words, how many the library has; labelling enough turns it on', async () => {
    const ctx = setup();
    const { store } = renderWith(<TrainScreen />, ctx);
    // As the shell does: the library's status, and its changes from elsewhere.
    const off = store.getState().connect();
    void store.getState().loadStatus();
    await until(() => expect(store.getState().runsLoaded).toBe(true), SLOW);
    await until(() => expect(store.getState().status).not.toBeNull(), SLOW);
    expect((screen.getByTestId('train-start') as HTMLButtonElement).disabled).toBe(false);
    expect(screen.queryByTestId('train-few-reason')).toBeNull();

    // Leave fewer bad labels than a training needs: all but 7 called good (another window or `qc label` could do the same).
    const bad = ctx.client.images.filter((i) => i.label === 'bad').map((i) => i.id);
    const unlabel = bad.slice(MIN_PER_CLASS - 3);
    await ctx.client.call('labels.set', { imageIds: unlabel, label: 'good' });
    await until(() => expect(screen.queryByTestId('train-few-reason')).not.toBeNull(), SLOW);
    const start = screen.getByTestId('train-start') as HTMLButtonElement;
    expect(start.disabled).toBe(true);
    expect(start.getAttribute('aria-describedby')).toBe('train-few-reason');
    // The screen's figures are the core's: its refusal names the same counts.
    const refusal = await ctx.client.call('ml.train', { features: ['signals'] }).then(
      () => null,
      (e: unknown) => (e as Error).message,
    );
    expect(refusal).toMatch(/^training needs at least 10 good and 10 bad images; the library has \d+ good and 7 bad$/);
    expect(screen.getByTestId('train-few-reason').textContent!.toLowerCase()).toContain(refusal!.toLowerCase());
    const runsBefore = ctx.client.runs.length;
    fireEvent.submit(screen.getByTestId('train-form'));
    expect(store.getState().training).toBeNull();
    expect(ctx.client.runs).toHaveLength(runsBefore);

    // Labelled again: Train is back, without the note.
    await ctx.client.call('labels.set', { imageIds: unlabel, label: 'bad' });
    await until(() => expect(screen.queryByTestId('train-few-reason')).toBeNull(), SLOW);
    expect((screen.getByTestId('train-start') as HTMLButtonElement).disabled).toBe(false);
    off();
  }, 60_000);
});
