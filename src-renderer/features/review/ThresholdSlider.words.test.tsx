// @vitest-environment jsdom
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { fmtPct } from '../../components/format';
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

  test("the estimate button's error interval reads two-sided and the stats line's bound one-sided: two 95% figures that differ, each named", async () => {
    const ctx = setup({ images: 400, recommended: 0.61 });
    await ctx.store.getState().loadScores();
    const { store } = renderWith(<ThresholdSlider />, ctx);
    const estimate = await screen.findByTestId('threshold-use-estimate');
    const est = store.getState().scores!.estimate!;
    // curatorday audit L1: "(1.6%–9.2%)" on the button, "≤ 8.4% (95%)" on the stats line, only the tooltips said which is which.
    expect(estimate.textContent).toContain(`(${fmtPct(est.error_interval[0], 1)}–${fmtPct(est.error_interval[1], 1)}, two-sided 95%)`);
    fireEvent.click(estimate);
    await until(() => expect(store.getState().draftThreshold).toBe(est.threshold));
    const error = screen.getByTestId('threshold-error');
    expect(error.textContent).toContain(`≤ ${fmtPct(Number(error.dataset.upper))} (one-sided 95%)`);
    expect(error.textContent).not.toContain('two-sided');
  });
});
