// @vitest-environment jsdom
import { screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { fmtT } from '../../components/format';
import { renderRunsPanels } from '../../../test-support/renderer/runsPanels';
import { setup, until } from '../../../test-support/renderer/render';
import { badCurve, pointAt, rocPoints } from './evaluation';

/** The ROC marker's point and its words. */
function rocMarker() {
  const m = screen.getByTestId('roc-chart-marker');
  return { x: Number(m.dataset.x), y: Number(m.dataset.y), label: m.querySelector('title')?.textContent ?? '' };
}

describe('the evaluation panel while it shows a run that is not the active one (curatorday audit F5)', () => {
  test("names both halves, and marks the curves at that run's own threshold, not at the active run's browsed one", async () => {
    const ctx = setup();
    await renderRunsPanels(ctx);
    const s = ctx.store.getState;
    const active = s().activeRunId!;
    const other = s().runs.find((r) => r.status === 'done' && !r.active)!;
    // Browse the active run somewhere its other run's threshold is not.
    const own = other.in_force?.threshold ?? other.recommended_threshold.bad!;
    expect(own).toEqual(expect.any(Number));
    const browsed = own > 0.5 ? 0.2 : 0.8;
    s().moveThreshold(browsed);
    await s().commitThreshold();
    await until(() => expect(screen.getByTestId('confusion').dataset.threshold).toBe(String(s().threshold)));
    const threshold = s().threshold;
    expect(Math.abs(threshold - own)).toBeGreaterThan(0.1);

    // As after a retrain that did not become active: the new run's curves.
    s().showRun(other.run_id);
    const detail = await until(() => {
      const d = s().runDetails[other.run_id];
      expect(d?.evaluation).toBeTruthy();
      return d!;
    });
    const note = await screen.findByTestId('evaluation-two-runs');
    expect(note.dataset.confusionRun).toBe(String(active));
    expect(note.dataset.curvesRun).toBe(String(other.run_id));
    expect(note.textContent).toContain(`the confusion is run ${active}'s, the active run, at the threshold browsed on Review`);
    expect(note.textContent).toContain(`the curves and thresholds are run ${other.run_id}'s, which is not active, marked at its own threshold ${fmtT(own)}`);
    // The confusion stays the active run's at Review's threshold, and says so.
    const confusion = screen.getByTestId('confusion');
    expect(confusion.dataset.run).toBe(String(active));
    expect(screen.getByTestId('confusion-title').textContent).toBe(`Confusion, run ${active} (the active run) at p(bad) ≥ ${fmtT(threshold)}, Review's threshold`);
    // The curves are the other run's, their marker at its own threshold: the point of its own curve there.
    const roc = screen.getByTestId('roc-chart');
    expect(roc.textContent).toContain(`ROC, run ${other.run_id}`);
    const curve = rocPoints(badCurve(detail, 'test')).length ? badCurve(detail, 'test') : badCurve(detail, 'oof');
    const want = pointAt(rocPoints(curve), own)!;
    const marker = rocMarker();
    expect([marker.x, marker.y]).toEqual([want.x, want.y]);
    expect(marker.label).toMatch(new RegExp(`^p ≥ ${fmtT(own).replace('.', '\\.')} \\(run ${other.run_id}'s own`));
    expect(marker.label).not.toContain(fmtT(threshold));
    expect(within(screen.getByTestId('pr-chart')).getByTestId('pr-chart-marker').querySelector('title')?.textContent).toContain(`p ≥ ${fmtT(own)} (run ${other.run_id}'s own`);

    // Back on the active run: one run, no note, the marker at the browsed threshold.
    s().showRun(active);
    await until(() => expect(screen.queryByTestId('evaluation-two-runs')).toBeNull());
    await until(() => expect(rocMarker().label).toBe(`p ≥ ${fmtT(threshold)}`));
    expect(screen.getByTestId('confusion-title').textContent).toBe(`Confusion, run ${active} at p(bad) ≥ ${fmtT(threshold)}`);
  }, 60_000);
});
