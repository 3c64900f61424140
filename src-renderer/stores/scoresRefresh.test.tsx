// @vitest-environment jsdom
/**
 * The slider's coverage and error, and the Train screen's out-of-fold counts, count today's labels:
 * the core recounts its sketch after a label change, and the screen asks for it again (once per
 * burst), keeping the slider where the curator put it.
 */
import { act, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { ThresholdSketch } from '../../src-shared/domain/thresholdSketch';
import { renderWith, setup, until, type TestContext } from '../../test-support/renderer/render';
import { EvaluationPanel } from '../features/train/EvaluationPanel';
import { ThresholdSlider } from '../features/review/ThresholdSlider';
import { SCORES_REFRESH_MS, thresholdNumbers } from './reviewThreshold';

/** A trained library, its runs and scores loaded, the store subscribed to the core's events. */
async function connected(): Promise<TestContext & { off: () => void }> {
  const ctx = setup({ images: 160, runs: 1 });
  await ctx.store.getState().loadRuns();
  await ctx.store.getState().loadScores();
  const off = ctx.store.getState().connect();
  return { ...ctx, off };
}

/** The out-of-fold images (held out, not the test split) labelled `label` under run `runId`, as the core keeps them. */
function outOfFold(ctx: TestContext, runId: number, label: 'good' | 'bad'): number[] {
  return ctx.lib.core.context.db
    .prepare(
      `SELECT p.image_id FROM predictions p JOIN labels l ON l.image_id = p.image_id
       WHERE p.run_id = ? AND p.heldout = 1 AND l.label = ? AND p.image_id NOT IN (SELECT image_id FROM splits WHERE split = 'test')`,
    )
    .pluck()
    .all(runId, label) as number[];
}

/** The slider's numbers at t from the core's answer now. */
async function coreNumbers(ctx: TestContext, t: number) {
  const s = ctx.store.getState().scores!;
  const fresh = await ctx.lib.core.call('review.scores', {});
  return thresholdNumbers({ ...s, sketch: new ThresholdSketch(fresh.sketch) }, t);
}

/** A slider position other than the threshold in force, moved to and released. */
async function moveSlider(ctx: TestContext): Promise<number> {
  const s = () => ctx.store.getState();
  const inForce = s().scores!.inForce.threshold;
  const t = s().scores!.sketch.edges.find((e) => e > 0.3 && e < 0.7 && e !== inForce)!;
  expect(t).toBeDefined();
  await act(async () => {
    s().moveThreshold(t);
    await s().commitThreshold();
  });
  return t;
}

describe('the slider and the out-of-fold counts follow label changes', () => {
  test('held-out images relabelled (another window, qc label): coverage, error and the confusion counts are recounted, the slider stays put', async () => {
    const ctx = await connected();
    renderWith(
      <>
        <ThresholdSlider />
        <EvaluationPanel />
      </>,
      ctx,
    );
    const s = () => ctx.store.getState();
    const runId = s().scores!.runId;
    const t = await moveSlider(ctx);
    await until(() => expect(screen.getByTestId('confusion-oof-fp').dataset.value).not.toBe(''));
    const before = thresholdNumbers(s().scores!, t);
    const good = outOfFold(ctx, runId, 'good');
    expect(good.length).toBeGreaterThan(0);
    const oof = (o: string) => Number(screen.getByTestId(`confusion-oof-${o}`).dataset.value);
    expect(oof('fp') + oof('tn')).toBe(good.length);
    await act(async () => {
      await ctx.lib.core.call('labels.set', { imageIds: good, label: 'bad' });
    });
    const want = await coreNumbers(ctx, t);
    // The change matters: no out-of-fold image is labelled good any more.
    expect(want).not.toEqual(before);
    expect(want.error).toBe(0);
    await until(() => expect(thresholdNumbers(s().scores!, t)).toEqual(want));
    expect(screen.getByTestId('threshold-coverage').dataset.value).toBe(String(want.coverage));
    expect(screen.getByTestId('threshold-error').dataset.value).toBe(String(want.error));
    // The Train screen's bold counts: no good image left to flag wrongly or pass rightly.
    await until(() => expect(screen.getByTestId('confusion-oof-fp').dataset.value).toBe('0'));
    expect(screen.getByTestId('confusion-oof-tn').dataset.value).toBe('0');
    // Only the counts changed: the slider, the threshold browsed and the run are as they were.
    expect(s().threshold).toBe(t);
    expect(s().draftThreshold).toBe(t);
    expect(s().scores!.runId).toBe(runId);
    expect(screen.getByTestId('threshold-value').dataset.value).toBe(String(t));
    ctx.off();
  });

  test('a burst of 20 label changes asks for the scores once or twice, and the last count stands', async () => {
    const ctx = await connected();
    const s = () => ctx.store.getState();
    const runId = s().scores!.runId;
    const t = s().threshold;
    const good = outOfFold(ctx, runId, 'good').slice(0, 20);
    expect(good).toHaveLength(20);
    const asked = ctx.client.callsOf('review.scores').length;
    // One image per key press, as a curator labels through the gallery.
    for (const id of good) await ctx.lib.core.call('labels.set', { imageIds: [id], label: 'bad' });
    const want = await coreNumbers(ctx, t);
    await until(() => expect(thresholdNumbers(s().scores!, t)).toEqual(want));
    await new Promise((r) => setTimeout(r, SCORES_REFRESH_MS * 3));
    const fetches = ctx.client.callsOf('review.scores').length - asked;
    expect(fetches).toBeGreaterThanOrEqual(1);
    expect(fetches).toBeLessThanOrEqual(2);
    expect(thresholdNumbers(s().scores!, t)).toEqual(want);
    ctx.off();
  });

  test('labels changed in bulk (library.changed: import or rule) recount the slider too, keeping its position', async () => {
    const ctx = await connected();
    const s = () => ctx.store.getState();
    const runId = s().scores!.runId;
    const t = await moveSlider(ctx);
    const before = thresholdNumbers(s().scores!, t);
    // The labels change while this window hears nothing of it, one by one (a rule change relabels in chunks).
    ctx.off();
    await ctx.lib.core.call('labels.set', { imageIds: outOfFold(ctx, runId, 'bad'), label: 'good' });
    const want = await coreNumbers(ctx, t);
    expect(want).not.toEqual(before);
    const off = s().connect();
    for (const reason of ['import', 'rule'] as const) {
      const asked = ctx.client.callsOf('review.scores').length;
      ctx.client.emit('library.changed', { reason });
      await until(() => expect(ctx.client.callsOf('review.scores').length).toBeGreaterThan(asked));
    }
    await until(() => expect(thresholdNumbers(s().scores!, t)).toEqual(want));
    expect(s().threshold).toBe(t);
    expect(s().draftThreshold).toBe(t);
    off();
  });
});
