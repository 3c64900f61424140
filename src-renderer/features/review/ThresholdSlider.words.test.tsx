// @vitest-environment jsdom
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { ThresholdSlider } from './ThresholdSlider';

describe("the slider's buttons and numbers say what they are", () => {
  test('"recommended" says it browses, as the estimate button does, and browsing changes no export threshold', async () => {
    const ctx = setup({ images: 400, recommended: 0.61 });
    await ctx.store.getState().loadScores();
    const { store, client } = renderWith(<ThresholdSlider />, ctx);
    // The recommended button browses, as the estimate's does (curatorday audit L5): its title says so.
    const recommended = await screen.findByTestId('threshold-use-recommended');
    expect(recommended.title).toMatch(/^Browse at the run's recommended threshold/);
    expect(recommended.title).toContain('the threshold exports use does not change');
    const before = store.getState().scores!.inForce;
    fireEvent.click(recommended);
    await until(() => expect(store.getState().draftThreshold).toBe(store.getState().scores!.recommended));
    expect(client.callsOf('ml.setThreshold')).toHaveLength(0);
    expect(store.getState().scores!.inForce).toEqual(before);
    expect(screen.getByTestId('threshold-export').dataset.value).toBe(String(before.threshold));
  });
});
