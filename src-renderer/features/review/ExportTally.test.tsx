// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { joinPath, tagFile, tempDir } from '../../../test-support/renderer/files';
import { renderWith, setup } from '../../../test-support/renderer/render';
import { exportTallyWords, mergedRowsWords } from './ExportTally';
import { ThresholdSlider } from './ThresholdSlider';

describe("Review reconciles 'flagged' with what exports tag bad", () => {
  test('curator labels against the model: the line says how many exports tag bad and why, and the export agrees', async () => {
    const ctx = setup({ images: 200, runs: 1 });
    await ctx.store.getState().loadScores();
    renderWith(<ThresholdSlider />, ctx);
    await screen.findByTestId('threshold-flagged');
    const t = ctx.store.getState().scores!.inForce.threshold;
    // No curator label yet: exports tag what the model flags, nothing needs reconciling, and nothing is counted.
    await ctx.store.getState().loadStatus();
    expect(screen.queryByTestId('threshold-export-tally')).toBeNull();
    expect(ctx.client.callsOf('review.page').filter((c) => c.origin === 'curator')).toEqual([]);

    const scored = ctx.client.images.filter((i) => !Number.isNaN(i.p_bad));
    const flagged = scored.filter((i) => i.p_bad >= t);
    const unflagged = scored.filter((i) => i.p_bad < t);
    expect(flagged.length).toBeGreaterThan(2);
    await ctx.client.call('labels.set', { imageIds: flagged.slice(0, 2).map((i) => i.id), label: 'good' });
    await ctx.client.call('labels.set', { imageIds: [unflagged[0]!.id], label: 'bad' });
    await Promise.all([ctx.store.getState().loadStatus(), ctx.store.getState().refreshScores()]);

    const line = await screen.findByTestId('threshold-export-tally');
    const expected = flagged.length - 2 + 1;
    expect(line.textContent).toBe(
      `${expected} images will be tagged bad in exports, not the ${flagged.length} flagged at ${screen.getByTestId('threshold-export').querySelector('b')!.textContent}: ` +
        '2 flagged images are labelled good by you, and 1 unflagged image is labelled bad by you.',
    );
    // The export of the same library says the same.
    const out = joinPath(tempDir(), 'tags');
    const r = await ctx.client.call('export.tags', { outDir: out });
    expect(r.tagged_bad).toBe(expected);
    expect(Number(line.dataset.tagged)).toBe(r.tagged_bad);
  });

  test('rows merged by URL from tag files for pictures not here are said to be in exports too, and the export has them', async () => {
    const ctx = setup({ images: 50, runs: 1 });
    await ctx.store.getState().loadScores();
    renderWith(<ThresholdSlider />, ctx);
    await screen.findByTestId('threshold-flagged');
    await ctx.store.getState().loadStatus();
    expect(screen.queryByTestId('threshold-export-merged')).toBeNull();
    await ctx.client.call('library.import', { source: tagFile(['https://elsewhere.example/a.jpg', 'https://elsewhere.example/b.jpg', 'https://elsewhere.example/c.jpg'], 0.99) });
    await ctx.store.getState().loadStatus();
    const line = await screen.findByTestId('threshold-export-merged');
    expect(line.textContent).toBe('Exports also write 3 rows merged from tag files for pictures not in this library, tagged by their merged p(bad) and not counted here.');
    const out = joinPath(tempDir(), 'tags');
    const r = await ctx.client.call('export.tags', { outDir: out });
    expect(r.rows - ctx.client.images.length).toBe(Number(line.dataset.rows));
  });

  test('the words: one reason alone, singular and plural', () => {
    expect(mergedRowsWords(0)).toBeNull();
    expect(mergedRowsWords(1)).toBe('Exports also write 1 row merged from tag files for pictures not in this library, tagged by their merged p(bad) and not counted here.');
    expect(exportTallyWords({ threshold: 0.5, flagged: 10, flaggedGood: 0, unflaggedBad: 0 })).toBeNull();
    expect(exportTallyWords({ threshold: 0.5, flagged: 10, flaggedGood: 1, unflaggedBad: 0 })).toBe(
      '9 images will be tagged bad in exports, not the 10 flagged at 0.500: 1 flagged image is labelled good by you.',
    );
    expect(exportTallyWords({ threshold: 0.5, flagged: 0, flaggedGood: 0, unflaggedBad: 1 })).toBe(
      '1 image will be tagged bad in exports, not the 0 flagged at 0.500: 1 unflagged image is labelled bad by you.',
    );
  });
});
