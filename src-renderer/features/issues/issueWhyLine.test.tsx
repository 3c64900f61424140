// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { issueWhy } from '../../../src-shared/domain/labelIssue';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { ReviewScreen } from '../review/ReviewScreen';
import { IssuesScreen } from './IssuesScreen';
import { runScoreWords } from './issueWhyLine';

describe('runScoreWords', () => {
  test("says the run's side of the threshold against the label", () => {
    expect(runScoreWords({ given: 'bad' }, 0.651, 0.334889, 'on the tile')).toBe("the run's p(bad) on the tile 0.651: flagged at 0.334889, as labelled");
    expect(runScoreWords({ given: 'bad' }, 0.1, 0.334889, 'on the tile')).toBe("the run's p(bad) on the tile 0.100: not flagged at 0.334889, against the label too");
    expect(runScoreWords({ given: 'good' }, 0.1, 0.334889, 'above')).toBe("the run's p(bad) above 0.100: not flagged at 0.334889, as labelled");
    expect(runScoreWords({ given: 'good' }, 0.9, 0.334889, 'above')).toBe("the run's p(bad) above 0.900: flagged at 0.334889, against the label too");
    expect(runScoreWords({ given: 'good' }, 0.9, null, 'above')).toBe("the run's p(bad) above 0.900");
    expect(runScoreWords({ given: 'good' }, null, 0.5, 'above')).toBeNull();
  });
});

async function issuesOf(images: number) {
  const ctx = setup({ images });
  await ctx.store.getState().loadRuns();
  const { issues } = await ctx.client.call('ml.labelIssues', { limit: 5 });
  expect(issues.length).toBeGreaterThan(0);
  return { ctx, issue: issues[0]! };
}

describe("the issue's why-line beside the run's score", () => {
  test("Label issues: the line names the run's p(bad) on the tile and its side of the threshold, which may be the label's", async () => {
    const user = userEvent.setup();
    const { ctx, issue } = await issuesOf(240);
    renderWith(<IssuesScreen />, ctx);
    const tile = await screen.findByTestId(`tile-${issue.image_id}`);
    await user.click(tile);
    await until(() => expect(screen.getByTestId('issue-why-pass').textContent).toBe(issueWhy(issue)));
    const p = ctx.client.image(issue.image_id)!.p_bad!;
    // Browse at thresholds that put the run's score on the label's side, then against it.
    for (const asLabelled of [true, false]) {
      const flag = asLabelled === (issue.given === 'bad');
      const t = flag ? p / 2 : (p + 1) / 2;
      ctx.store.getState().moveThreshold(t);
      await ctx.store.getState().commitThreshold();
      const shown = () => tile.querySelector('[data-testid=tile-p]')!.textContent!;
      await until(() => expect(screen.getByTestId('issue-why-run').dataset.asLabelled).toBe(String(asLabelled)));
      const run = screen.getByTestId('issue-why-run').textContent!;
      expect(run).toContain(`the run's p(bad) on the tile ${shown()}: ${flag ? 'flagged' : 'not flagged'} at `);
      expect(run).toMatch(asLabelled ? /, as labelled$/ : /, against the label too$/);
      expect(tile.title).toContain(flag ? ' (flagged)' : ' (not flagged)');
    }
  });

  test('the preview shows the why-line of an open issue where it shows its rank, on Label issues', async () => {
    const user = userEvent.setup();
    const { ctx, issue } = await issuesOf(240);
    const r = renderWith(<IssuesScreen />, ctx);
    await user.click(await screen.findByTestId(`tile-${issue.image_id}`));
    await until(() => expect(screen.getByTestId('preview-issue').textContent).toContain(`rank #${issue.rank}`));
    await until(() => expect(screen.getByTestId('preview-issue-why')).toBeTruthy());
    const pbad = screen.getByTestId('preview-pbad').textContent!.split(' ')[0]!;
    expect(screen.getByTestId('preview-issue-why').textContent).toContain(issueWhy(issue));
    expect(screen.getByTestId('preview-issue-why').textContent).toContain(`the run's p(bad) above ${pbad}`);
    r.unmount();
  });

  test('on Review, where no list of issues is held, the preview asks for the one issue by its image id', async () => {
    const { ctx, issue } = await issuesOf(240);
    ctx.store.setState((s) => ({ views: { ...s.views, review: { ...s.views.review, filters: { ...s.views.review.filters, predicted: 'all' } } } }));
    renderWith(<ReviewScreen />, ctx);
    await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(1));
    ctx.store.getState().closePreview();
    await ctx.store.getState().ensureRange('review', 0, 239);
    const at = await until(() => {
      const s = ctx.store.getState();
      const i = Array.from({ length: s.views.review.total ?? 0 }, (_, k) => k).find((k) => s.itemAt('review', k)?.image_id === issue.image_id);
      expect(i).toBeDefined();
      return i!;
    });
    const calls = ctx.client.callsOf('ml.labelIssues').length;
    ctx.store.getState().focusIndex('review', at);
    ctx.store.getState().openPreview('review');
    await until(() => expect(screen.getByTestId('preview-issue-why-pass').textContent).toBe(issueWhy(issue)));
    expect(screen.getByTestId('preview-issue-why-run').textContent).toContain("the run's p(bad) above ");
    // Asked for by its image id: no list of the open issues for one preview.
    expect(ctx.client.callsOf('ml.labelIssues').slice(calls).map((c) => c.imageIds)).toEqual([[issue.image_id]]);
  });
});
