// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { formatProbability } from '../../../src-shared/domain/threshold';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { IssuesScreen } from './IssuesScreen';

describe('the why-line of a label issue', () => {
  test("names its p(bad) as the label issues' own held-out one, apart from the run's p(bad) on the tile", async () => {
    const user = userEvent.setup();
    const ctx = setup({ images: 240 });
    await ctx.store.getState().loadRuns();
    const { issues } = await ctx.client.call('ml.labelIssues', { limit: 5 });
    expect(issues.length).toBeGreaterThan(0);
    renderWith(<IssuesScreen />, ctx);
    const first = issues[0]!;
    const tile = await screen.findByTestId(`tile-${first.image_id}`);
    // The tile shows the active run's p(bad), the one the threshold compares.
    expect(Number(tile.dataset.pbad)).toBe(ctx.client.image(first.image_id)!.p_bad);
    await user.click(tile);
    await until(() => expect(screen.getByTestId('issue-why').textContent).toContain(`labelled ${first.given}`));
    const why = screen.getByTestId('issue-why').textContent!;
    expect(why).toContain(`the label issues' own held-out p(bad) ${formatProbability(first.p_bad, 2)};`);
    // No bare "held-out p(bad)" a curator would read as the tile's number: the tile's is named the run's.
    expect(why.replace("the label issues' own held-out p(bad)", '').replace("the run's p(bad) on the tile", '')).not.toContain('p(bad)');
    expect(why).toContain(`the run's p(bad) on the tile ${tile.querySelector('[data-testid=tile-p]')!.textContent}`);
  });
});
