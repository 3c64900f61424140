// @vitest-environment jsdom
import { describe, expect, test } from 'vitest';
import { setup } from '../../test-support/renderer/render';
import { holdAnswer } from '../../test-support/renderer/gate';

describe('loadRuns: a slow ml.runs answer lands after a newer one', () => {
  test('Make active: an older runs answer does not put the previous active run back', async () => {
    const ctx = setup();
    const s = () => ctx.store.getState();
    await s().loadRuns();
    const [first, second] = s().runs.map((r) => r.run_id);
    expect(s().activeRunId).toBe(second);
    // A runs reload already on its way (Train screen poll / runs.changed), its answer slow (graphs written).
    const held = holdAnswer(ctx.client, 'ml.runs');
    const older = s().loadRuns();
    await held.seen;
    await new Promise((r) => setTimeout(r, 20)); // the core answered it (run 2 active)
    await s().makeActive(first!);
    expect(s().activeRunId).toBe(first);
    held.release();
    await older;
    // The core says run `first` is active; the store now says otherwise.
    expect(ctx.client.runs.length).toBe(2);
    expect(s().activeRunId).toBe(first);
  });

  test('Show archived on then off: the slow "all" answer lists no archived runs with the box off', async () => {
    const ctx = setup({ runs: 3 });
    const s = () => ctx.store.getState();
    await s().loadRuns();
    const firstRun = s().runs[0]!.run_id;
    await s().archiveRun(firstRun, true);
    expect(s().runs.some((r) => r.run_id === firstRun)).toBe(false);
    const held = holdAnswer(ctx.client, 'ml.runs', (a) => a.all === true);
    const on = s().setShowArchived(true);
    await held.seen;
    await new Promise((r) => setTimeout(r, 20));
    await s().setShowArchived(false);
    held.release();
    await on;
    expect(s().showArchived).toBe(false);
    expect(s().runs.map((r) => r.run_id)).not.toContain(firstRun);
  });
});
