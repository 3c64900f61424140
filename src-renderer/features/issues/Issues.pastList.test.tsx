// @vitest-environment jsdom
// More open label issues than the why-lines kept (WHY_LIMIT): after label keys close listed issues
// here (applied in place, no list again), the issues that move up into the screen's first ranks were
// never listed; the focused one must still show why it is suspected, asked for by image id.
import { screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { issueWhy } from '../../../src-shared/domain/labelIssue';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { IssuesScreen } from './IssuesScreen';
import { issuesSource, WHY_LIMIT } from './openIssues';

describe('Label issues past the listed ones', () => {
  test('an issue past the list shows its why-line when focused, after label changes closed listed ones', async () => {
    const ctx = setup({ images: WHY_LIMIT + 1500 });
    const { lib, client, store } = ctx;
    const { db } = lib.core.context;
    const runId = lib.runId!;
    // Every labelled image an open issue of the active run, ranked after the run's own issues, as confident learning stores them.
    const top = (db.prepare('SELECT COALESCE(MAX(rank), 0) AS r FROM label_issues WHERE run_id = ?').get(runId) as { r: number }).r;
    const put = db.prepare(
      "INSERT OR IGNORE INTO label_issues (run_id, image_id, rank, given, suggested, self_confidence, estimated) VALUES (?, ?, ?, ?, CASE ? WHEN 'bad' THEN 'good' ELSE 'bad' END, 0.1, 1)",
    );
    db.transaction(() => lib.images.filter((im) => im.label).forEach((im, k) => put.run(runId, im.id, top + 1 + k, im.label, im.label)))();
    const truth = await lib.core.call('ml.labelIssues', { limit: 10_000_000 });
    expect(truth.issues.length).toBeGreaterThan(WHY_LIMIT + 20);

    await store.getState().loadRuns();
    renderWith(<IssuesScreen />, ctx);
    const source = issuesSource(client);
    await until(() => expect(source.state.byImage.size).toBe(WHY_LIMIT), 20_000);
    const listCalls = client.callsOf('ml.labelIssues').length;

    // Label keys here (another window would do the same) close the first 20 listed issues: applied in place.
    const closed = truth.issues.slice(0, 20).map((i) => i.image_id);
    for (const id of closed) await lib.core.call('labels.set', { imageIds: [id], label: null });
    await until(() => expect(source.state.byImage.size).toBe(WHY_LIMIT - 20));
    // Now 20 issues never listed rank among the first WHY_LIMIT: the first of them is focused.
    const moved = truth.issues[WHY_LIMIT]!;
    expect(source.state.byImage.has(moved.image_id)).toBe(false);
    const at = truth.issues.filter((i) => !closed.includes(i.image_id)).findIndex((i) => i.image_id === moved.image_id);
    expect(at).toBe(WHY_LIMIT - 20);
    store.getState().refreshView('issues');
    store.getState().ensureRange('issues', at, at + 1);
    await until(() => expect(store.getState().itemAt('issues', at)?.image_id).toBe(moved.image_id), 20_000);
    store.getState().focusIndex('issues', at);

    // Its why-line, as the list gives it, asked for by its image id (no list of WHY_LIMIT issues again).
    const [want] = (await lib.core.call('ml.labelIssues', { limit: 1, imageIds: [moved.image_id] })).issues;
    await until(() => expect(screen.getByTestId('issue-why-pass').textContent).toBe(issueWhy(want!)), 10_000);
    const asked = client.callsOf('ml.labelIssues').slice(listCalls);
    expect(asked.some((a) => a.imageIds?.length === 1 && a.imageIds[0] === moved.image_id)).toBe(true);
    expect(asked.some((a) => a.limit === WHY_LIMIT)).toBe(false);
    // Tracked from then on: a label key on it closes it in place, and the counts follow.
    const total = source.state.total!;
    await lib.core.call('labels.set', { imageIds: [moved.image_id], label: null });
    await until(() => expect(source.state.total).toBe(total - 1));
    expect(source.state.byImage.has(moved.image_id)).toBe(false);
  }, 60_000);
});
