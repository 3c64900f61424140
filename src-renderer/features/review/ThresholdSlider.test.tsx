// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { ThresholdSlider } from './ThresholdSlider';

describe('threshold actions keep the keyboard focus', () => {
  test('"Use … for export" and its Undo go away with their action and leave the focus on the slider, not the page', async () => {
    const user = userEvent.setup();
    const ctx = setup({ images: 200, runs: 1 });
    await ctx.store.getState().loadScores();
    const { store, client } = renderWith(<ThresholdSlider />, ctx);
    const slider = await screen.findByTestId('threshold-slider');
    const scores = store.getState().scores!;
    // Browse 20 steps away from the threshold in force, so the two differ.
    const at = scores.sketch.position(scores.inForce.threshold);
    const to = scores.sketch.threshold(at > scores.sketch.bins / 2 ? Math.round(at) - 20 : Math.round(at) + 20);
    store.getState().moveThreshold(to);
    const use = await screen.findByTestId('threshold-use-for-export');
    await user.click(use);
    await until(() => expect(client.callsOf('ml.setThreshold')).toHaveLength(1));
    await until(() => expect(screen.queryByTestId('threshold-use-for-export')).toBeNull());
    expect(document.activeElement).toBe(slider);
    // Undo the one change: its button goes and the focus stays on the slider.
    const undo = screen.getByTestId('threshold-export-undo');
    await user.click(undo);
    await until(() => expect(screen.queryByTestId('threshold-export-undo')).toBeNull());
    await until(() => expect(client.callsOf('ml.setThreshold')).toHaveLength(2));
    expect(document.activeElement).toBe(slider);
    expect(store.getState().scores!.inForce.threshold).toBe(scores.inForce.threshold);
  });
});
