// @vitest-environment jsdom
import { act, fireEvent, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { formatProbability, formatThreshold } from '../../src-shared/domain/threshold';
import { Toasts } from '../components/Toasts';
import { ThresholdSlider } from '../features/review/ThresholdSlider';
import { renderWith, setup, until, type TestContext } from '../../test-support/renderer/render';

/** A seeded library with two finished runs (the later one active), its scores loaded in the store. */
async function twoRuns(): Promise<TestContext & { first: number; other: number }> {
  const ctx = setup({ images: 160, runs: 2 });
  await ctx.store.getState().loadScores();
  const first = ctx.store.getState().scores!.runId;
  const other = (await ctx.lib.core.call('ml.runs', {})).runs.find((r) => r.status === 'done' && r.run_id !== first)!.run_id;
  return { ...ctx, first, other };
}

/** twoRuns with the threshold slider and the toasts rendered on it; `s` reads the store's state. */
async function sliderOnTwoRuns() {
  const ctx = await twoRuns();
  renderWith(
    <>
      <ThresholdSlider />
      <Toasts />
    </>,
    ctx,
  );
  return { ...ctx, s: () => ctx.store.getState() };
}

const notices = (ctx: TestContext) => ctx.store.getState().toasts.filter((t) => t.text.startsWith('Exports now use run'));

describe('a threshold reads the same digits wherever it is shown', () => {
  test('a slider position chosen for export: the slider, the toast and the run-switch notice all write it as formatThreshold does (as qc threshold prints it)', async () => {
    const ctx = await sliderOnTwoRuns();
    const { s, first, other } = ctx;
    // A slider step near 0.97: no short decimal, so three decimals ("0.969"-like) would name another threshold.
    const edges = s().scores!.sketch.edges;
    const t = edges.find((e) => e > 0.95 && formatProbability(e) !== formatThreshold(e))!;
    expect(t).toBeDefined();
    const shown = formatThreshold(t);
    await act(async () => {
      s().moveThreshold(t);
      await s().commitThreshold();
    });
    expect(screen.getByTestId('threshold-value').textContent).toBe(shown);
    expect(screen.getByTestId('threshold-use-for-export').textContent).toBe(`Use ${shown} for export`);
    await act(async () => {
      fireEvent.click(screen.getByTestId('threshold-use-for-export'));
    });
    await until(() => expect(s().scores!.inForce).toEqual({ threshold: t, source: 'curator' }));
    const toast = s().toasts.find((x) => x.text.startsWith('Exports now use p(bad)'));
    expect(toast!.text).toBe(`Exports now use p(bad) ≥ ${shown}.`);
    expect(screen.getByTestId('threshold-export').textContent).toContain(`Exports use p(bad) ≥ ${shown}`);
    // The run changes: the notice names the same value with the same digits, and so does its button.
    await act(() => s().makeActive(other));
    const [notice] = notices(ctx);
    expect(notice!.text).toContain(`(your ${shown} was chosen on run ${first})`);
    expect(notice!.action!.label).toBe(`Use ${shown} on run ${other}`);
    expect(screen.getByTestId('toast-action').textContent).toBe(`Use ${shown} on run ${other}`);
  });
});

describe('the active run changes under a threshold the curator chose', () => {
  test("Make active: a notice names the new run's threshold and the chosen one, and its action sets the chosen one on the new run", async () => {
    const ctx = await twoRuns();
    const { store, lib, first, other } = ctx;
    const s = () => store.getState();
    renderWith(<Toasts />, ctx);
    // "Use 0.9 for export" on the active run, then another run is made active from the runs table.
    await act(() => s().useThresholdForExport(0.9));
    await act(() => s().makeActive(other));
    expect(s().scores!.runId).toBe(other);
    const core = await lib.core.call('review.scores', { runId: other });
    expect(core.curator).toBeNull();
    const now = core.in_force.threshold;
    expect(now).not.toBe(0.9);
    const [notice, ...more] = notices(ctx);
    expect(more).toEqual([]);
    const words = { recommended: 'recommended threshold', 'best-bound': 'best provable threshold', default: 'default threshold' }[core.in_force.source as string];
    expect(notice!.text).toContain(`Exports now use run ${other}'s ${words} ${formatThreshold(now)} (your 0.900 was chosen on run ${first}).`);
    expect(notice!.text).toContain(`on run ${other}, ${formatThreshold(now)} flags`);
    expect(notice!.action!.label).toBe(`Use 0.900 on run ${other}`);
    // The same on screen; one click carries it over: the core now has it as run `other`'s curator threshold.
    expect(screen.getByTestId('toast-action').textContent).toBe(`Use 0.900 on run ${other}`);
    await act(async () => {
      fireEvent.click(screen.getByTestId('toast-action'));
    });
    await until(() => expect(s().scores!.inForce).toEqual({ threshold: 0.9, source: 'curator' }));
    expect((await lib.core.call('review.scores', { runId: other })).in_force).toEqual({ threshold: 0.9, source: 'curator' });
    expect((await lib.core.call('review.scores', { runId: other })).curator).toBe(0.9);
    // The previous run keeps its own; the notice is gone.
    expect((await lib.core.call('review.scores', { runId: first })).curator).toBe(0.9);
    expect(notices(ctx)).toEqual([]);
  });

  test('another window makes a run active (threshold.changed): this window says it too', async () => {
    const ctx = await twoRuns();
    const { store, lib, first, other } = ctx;
    const s = () => store.getState();
    const off = s().connect();
    await s().useThresholdForExport(0.85);
    await lib.core.call('ml.setActive', { runId: other });
    await until(() => expect(s().scores?.runId).toBe(other));
    const inForce = (await lib.core.call('review.scores', {})).in_force.threshold;
    await until(() => expect(notices(ctx)).toHaveLength(1));
    expect(notices(ctx)[0]!.text).toContain(`${formatThreshold(inForce)} (your 0.850 was chosen on run ${first})`);
    off();
  });

  test('a training in this window that wins and becomes active: the notice follows the run switch', async () => {
    const ctx = setup({ images: 200, trained: false });
    const { store, lib } = ctx;
    const s = () => store.getState();
    // A first run that barely trained (one epoch at a tiny learning rate), with a threshold chosen on it.
    await lib.core.call('ml.train', { features: ['signals'], hidden: 0, epochs: 1, learningRate: 1e-6, folds: 3 });
    await Promise.all([s().loadScores(), s().loadRuns()]);
    const first = s().scores!.runId;
    await s().useThresholdForExport(0.7);
    // The Train screen's Train (from its Defaults: the form starts from the active run's settings):
    // a real training that scores better and becomes the active run.
    s().resetTrainForm();
    s().setTrainForm({ features: ['signals'], hidden: 0, epochs: 20, augment: 0 });
    const run = await s().startTraining();
    expect(run?.status).toBe('done');
    expect(s().activeRunId).toBe(run!.run_id);
    expect(s().scores!.runId).toBe(run!.run_id);
    const [notice, ...more] = notices(ctx);
    expect(more).toEqual([]);
    expect(notice!.text).toContain(`(your 0.700 was chosen on run ${first})`);
    notice!.action!.run();
    await until(() => expect(s().scores!.curator).toBe(0.7));
    expect((await lib.core.call('review.scores', { runId: run!.run_id })).curator).toBe(0.7);
  }, 60_000);

  test('no notice when no threshold was chosen, or when the scores reload for the same run; the action does nothing once the run is no longer active', async () => {
    const ctx = await twoRuns();
    const { store, lib, first, other } = ctx;
    const s = () => store.getState();
    await s().makeActive(other);
    await s().loadScores();
    expect(notices(ctx)).toEqual([]);
    // Back to the first run, with a chosen threshold there; the notice's run is left again before its action.
    await s().makeActive(first);
    await s().useThresholdForExport(0.8);
    await s().makeActive(other);
    const notice = notices(ctx)[0]!;
    await s().makeActive(first);
    await s().carryThresholdOver(0.8, other);
    expect((await lib.core.call('review.scores', { runId: other })).curator).toBeNull();
    expect(s().toasts.some((t) => t.text === `Run ${other} is no longer the active run: its threshold was not changed.`)).toBe(true);
    expect(notice.action!.label).toBe(`Use 0.800 on run ${other}`);
  });
});

describe('Undo of "Use for export" steps back once per click, in order, on the run it was set on', () => {
  const curator = async (ctx: TestContext, runId: number) => (await ctx.lib.core.call('review.scores', { runId })).curator;

  test('two changes, then Undo twice (the slider button, then the toast): back to the first change, then to what was there before; a third Undo does nothing', async () => {
    const ctx = await sliderOnTwoRuns();
    const { s, client, first } = ctx;
    const original = await curator(ctx, first);
    await act(() => s().useThresholdForExport(0.9));
    await act(() => s().useThresholdForExport(0.95));
    expect(await curator(ctx, first)).toBe(0.95);
    // The toast of the last change offers Undo too.
    const toast = s().toasts.find((t) => t.text === `Exports now use p(bad) ≥ ${formatThreshold(0.95)}.`)!;
    expect(toast.action!.label).toBe('Undo');
    expect(screen.getByTestId('threshold-export-undo').title).toBe(`Back to ${formatThreshold(0.9)}`);
    await act(async () => {
      fireEvent.click(screen.getByTestId('threshold-export-undo'));
    });
    await until(() => expect(s().scores!.curator).toBe(0.9));
    expect(await curator(ctx, first)).toBe(0.9);
    // The undone change's toast goes with it; the one before still offers its Undo.
    expect(s().toasts.some((t) => t.id === toast.id)).toBe(false);
    expect(s().scores!.inForce).toEqual({ threshold: 0.9, source: 'curator' });
    await act(async () => {
      s().toasts.find((t) => t.text === `Exports now use p(bad) ≥ ${formatThreshold(0.9)}.`)!.action!.run();
    });
    await until(() => expect(s().scores!.curator).toBe(original));
    expect(await curator(ctx, first)).toBe(original);
    expect(screen.queryByTestId('threshold-export-undo')).toBeNull();
    const writes = client.callsOf('ml.setThreshold').length;
    await act(() => s().undoExportThreshold());
    expect(client.callsOf('ml.setThreshold')).toHaveLength(writes);
    expect(await curator(ctx, first)).toBe(original);
  });

  test('three changes, then three quick Undo clicks without waiting: each takes back one, in order', async () => {
    const ctx = await twoRuns();
    const { store, first } = ctx;
    const s = () => store.getState();
    const original = await curator(ctx, first);
    await s().useThresholdForExport(0.8);
    await s().useThresholdForExport(0.85);
    await s().useThresholdForExport(null);
    expect(await curator(ctx, first)).toBeNull();
    await Promise.all([s().undoExportThreshold(), s().undoExportThreshold()]);
    expect(await curator(ctx, first)).toBe(0.8);
    await s().undoExportThreshold();
    expect(await curator(ctx, first)).toBe(original);
    expect(s().exportThresholdUndos).toEqual([]);
  });

  test('Make active on another run, then Undo: nothing lands on the new run (nor anything on the old)', async () => {
    const ctx = await twoRuns();
    const { store, lib, first, other } = ctx;
    const s = () => store.getState();
    // The other run has a threshold of its own, chosen on its scores.
    await lib.core.call('ml.setThreshold', { threshold: 0.7, runId: other });
    const original = await curator(ctx, first);
    expect(original).not.toBe(0.9);
    await s().useThresholdForExport(0.9);
    await s().makeActive(other);
    // Clicked anyway (the slider's button, a toast left open): the first run's old value never lands on the other run.
    await s().undoExportThreshold();
    expect(await curator(ctx, other)).toBe(0.7);
    expect(await curator(ctx, first)).toBe(0.9);
    // And nothing offers it any more.
    expect(s().exportThresholdUndos).toEqual([]);
    expect(s().toasts.filter((t) => t.action?.label === 'Undo')).toEqual([]);
  });

  test('another program changed the threshold since: Undo keeps the newer value and says so', async () => {
    const ctx = await twoRuns();
    const { store, lib, first } = ctx;
    const s = () => store.getState();
    await s().useThresholdForExport(0.9);
    await s().useThresholdForExport(0.92);
    // `qc threshold 0.97` from a terminal: this window hears nothing of it.
    await lib.core.call('ml.setThreshold', { threshold: 0.97 });
    await s().undoExportThreshold();
    expect(await curator(ctx, first)).toBe(0.97);
    expect(s().toasts.at(-1)!.text).toBe(`Not undone: run ${first}'s threshold was changed elsewhere (another window or the command line) since; it stays at ${formatThreshold(0.97)}, and nothing was changed.`);
    expect(s().scores!.inForce).toEqual({ threshold: 0.97, source: 'curator' });
    // Nothing older is undone on top of it either.
    expect(s().exportThresholdUndos).toEqual([]);
    await s().undoExportThreshold();
    expect(await curator(ctx, first)).toBe(0.97);
  });

  test('another window changed it (pushed here): Undo keeps the newer value too', async () => {
    const ctx = await twoRuns();
    const { store, lib, first } = ctx;
    const s = () => store.getState();
    const off = s().connect();
    await s().useThresholdForExport(0.9);
    await lib.core.call('ml.setThreshold', { threshold: 0.93, runId: first });
    await until(() => expect(s().scores!.curator).toBe(0.93));
    await s().undoExportThreshold();
    expect(await curator(ctx, first)).toBe(0.93);
    expect(s().toasts.at(-1)!.text).toContain('Not undone');
    off();
  });
});
