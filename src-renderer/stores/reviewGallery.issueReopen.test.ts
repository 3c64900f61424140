// @vitest-environment jsdom
/**
 * A verdict taken back (issuesReviewed with null) opens the cached tile's issue again only where the
 * tile still shows the label the verdict was given on: one relabelled since stays closed.
 */
import { expect, test } from 'vitest';
import { setup, until } from '../../test-support/renderer/render';

test('undoing a verdict leaves closed a tile whose label changed since, and opens one still on its label', async () => {
  const ctx = setup({ images: 300 });
  const s = () => ctx.store.getState();
  await s().loadRuns();
  await s().loadFirstPage('issues');
  await until(() => expect(s().views.issues.pages.get(0)?.length ?? 0).toBeGreaterThan(1));
  const tile = (id: number) => [...s().views.issues.pages.values()].flat().find((it) => it.image_id === id)!;
  const [a, b] = s().views.issues.pages.get(0)!;
  expect(a!.issue_open).toBe(1);
  expect(b!.issue_open).toBe(1);
  const shown = [a!.label!, b!.label!];
  // Verdicts on both (as the bar records them), then A relabelled by hand.
  s().issuesReviewed([a!.image_id, b!.image_id], 'dismissed');
  expect(tile(a!.image_id).issue_open).toBe(0);
  s().focusIndex('issues', 0);
  await s().setLabel('issues', shown[0] === 'bad' ? 'good' : 'bad');
  await until(() => expect(tile(a!.image_id).label).not.toBe(shown[0]));
  expect(tile(a!.image_id).issue_open).toBe(0);

  s().issuesReviewed([a!.image_id, b!.image_id], null, shown);
  expect(tile(a!.image_id).issue_open).toBe(0);
  expect(tile(b!.image_id).issue_open).toBe(1);
});
