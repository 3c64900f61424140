// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import { afterEach, describe, expect, test } from 'vitest';
import { formatThreshold } from '../../../src-shared/domain/threshold';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { setPrefs } from './prefs';
import { ThresholdSlider } from './ThresholdSlider';

afterEach(() => setPrefs({ thresholdDetails: true }));

describe("the threshold slider's guide", () => {
  test('counts what the model flags among the scored images, says a curator label decides its image on export, and how many images are not scored yet', async () => {
    setPrefs({ thresholdDetails: true });
    const ctx = setup({ images: 300 });
    const { db } = ctx.lib.core.context;
    const run = ctx.lib.runId!;
    // New pictures since the run scored the library: 23 images without a prediction.
    const unscored = ctx.lib.images.slice(-23).map((im) => im.id);
    db.prepare(`DELETE FROM predictions WHERE run_id = ? AND image_id IN (${unscored.join(',')})`).run(run);
    await ctx.store.getState().loadStatus();
    await ctx.store.getState().loadScores();
    renderWith(<ThresholdSlider />, ctx);
    const guide = await screen.findByTestId('threshold-guide');
    const t = ctx.store.getState().draftThreshold;
    const scored = (db.prepare('SELECT COUNT(*) AS n FROM predictions WHERE run_id = ?').get(run) as { n: number }).n;
    const flagged = (db.prepare('SELECT COUNT(*) AS n FROM predictions WHERE run_id = ? AND p_bad >= ?').get(run, t) as { n: number }).n;
    const images = (db.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n;
    expect(images - scored).toBe(23);
    const text = guide.textContent!;
    expect(text).toContain(`The model flags ${flagged} of the ${scored} scored images: they have p(bad) ≥ ${formatThreshold(t)}`);
    expect(text).toContain("On export a curator's label decides its own image instead");
    await until(() => expect(guide.textContent).toContain('the 23 images not scored yet are scored first.'));
    // Not the old claim that the flagged images are what export tags bad, of every image.
    expect(text).not.toMatch(/^\d+ of \d+ images have p\(bad\)/);
  });
});

describe('where the threshold in force comes from', () => {
  test('reads "best bound" as Export and Train say it, never the raw key "best-bound"', async () => {
    const ctx = setup({ images: 200, runs: 1 });
    await ctx.store.getState().loadScores();
    // A run that proves no threshold: exports use its best bound.
    ctx.store.setState((s) => ({ scores: { ...s.scores!, inForce: { ...s.scores!.inForce, source: 'best-bound' } } }));
    renderWith(<ThresholdSlider />, ctx);
    const line = await screen.findByTestId('threshold-export');
    expect(line.textContent).toContain('(best bound)');
    expect(line.textContent).not.toContain('best-bound');
    expect(screen.getByTestId('threshold-export-marker').getAttribute('title')).toMatch(/\(best bound\)$/);
  });
});
