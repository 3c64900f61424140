// @vitest-environment jsdom
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { setup, until } from '../../../test-support/renderer/render';
import { App } from '../shell/App';

function tiles(): HTMLElement[] {
  return screen.queryAllByTestId(/^tile-\d+$/);
}

describe('Label issues screen', () => {
  test('shows why the focused image is suspected; confirm and dismiss take issues off the queue and the sidebar count', async () => {
    const user = userEvent.setup();
    const { client, lib } = setup({ images: 300 });
    const core = lib.core;
    const before = await core.call('ml.labelIssues', { limit: 1000 });
    expect(before.total).toBeGreaterThan(3);
    render(<App client={client} />);
    // The sidebar shows the open count before the screen is visited.
    await until(() => expect(within(screen.getByTestId('nav-issues')).getByText(String(before.total))).toBeTruthy());

    await user.click(screen.getByTestId('nav-issues'));
    await until(() => expect(tiles().length).toBe(before.total));
    // Tiles come in rank order; the first is the top issue.
    const first = before.issues[0]!;
    expect(tiles()[0]!.getAttribute('data-testid')).toBe(`tile-${first.image_id}`);
    await user.click(tiles()[0]!);
    await until(() => expect(screen.getByTestId('issue-why').textContent).toContain(`labelled ${first.given}`));
    const why = screen.getByTestId('issue-why').textContent!;
    expect(why).toContain(`looks ${first.suggested}`);
    expect(why).toContain(`p(bad) ${first.p_bad.toFixed(2)}`);
    expect(why).toMatch(/rating \d\.\d\d/);

    // Confirm the focused label: it leaves the queue, the count and the sidebar badge drop by one.
    await user.click(screen.getByTestId('issue-confirm'));
    await until(() => expect(screen.getByTestId('issue-open').dataset.value).toBe(String(before.total - 1)));
    await until(() => expect(tiles().length).toBe(before.total - 1));
    expect(screen.queryByTestId(`tile-${first.image_id}`)).toBeNull();
    await until(() => expect(within(screen.getByTestId('nav-issues')).getByText(String(before.total - 1))).toBeTruthy());
    // The core remembers it (a retrain reads the same table).
    const after = await core.call('ml.labelIssues', { limit: 1000, includeReviewed: true });
    expect(after.reviewed).toBe(1);
    expect(client.callsOf('ml.reviewIssues')).toEqual([{ imageIds: [first.image_id], action: 'confirm' }]);

    // Dismiss the next one.
    await user.click(tiles()[0]!);
    const second = Number(tiles()[0]!.getAttribute('data-testid')!.slice('tile-'.length));
    await user.click(screen.getByTestId('issue-dismiss'));
    await until(() => expect(screen.getByTestId('issue-open').dataset.value).toBe(String(before.total - 2)));
    expect((await core.call('ml.labelIssues', { limit: 1000 })).issues.map((i) => i.image_id)).not.toContain(second);
  });
});
