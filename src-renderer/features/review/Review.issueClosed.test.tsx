// @vitest-environment jsdom
/**
 * An issue fixed, confirmed or dismissed leaves Label issues; on Review its tile no longer shows the
 * rank badge (its name says "(closed)"), and the preview says it is closed. Undone, the badge is back.
 */
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import { setup, until } from '../../../test-support/renderer/render';
import { App } from '../shell/App';

const tiles = () => screen.queryAllByTestId(/^tile-\d+$/);
const idOf = (el: HTMLElement) => Number(el.dataset.testid!.slice(5));
const tile = (id: number) => screen.getByTestId(`tile-${id}`);
const badge = (id: number) => within(tile(id)).queryByTestId('tile-rank');

test('Review mutes the badge of a closed issue, in place and from the core, and brings it back on undo', { timeout: 120_000 }, async () => {
  const user = userEvent.setup();
  const ctx = setup({ images: 300 });
  const { client, store } = ctx;
  // Review shows every image, label issues first.
  store.setState((s) => ({ views: { ...s.views, review: { ...s.views.review, filters: { ...s.views.review.filters, predicted: 'all', sort: 'issue-rank', order: 'asc' } } } }));
  render(<App client={client} store={store} />);
  await until(() => expect(tiles().length).toBeGreaterThan(4));
  const ranked = await until(() => {
    const r = tiles().filter((t) => within(t).queryByTestId('tile-rank'));
    expect(r.length).toBeGreaterThan(3);
    return r.map(idOf);
  });
  const [a, b, c] = ranked as [number, number, number];
  const rankOf = (id: number) => store.getState().views.review.pages.get(0)!.find((it) => it.image_id === id)!.issue_rank;
  const labelOf = (id: number) => tile(id).dataset.label as 'good' | 'bad';
  const [givenA, givenB] = [labelOf(a), labelOf(b)];

  // On Label issues: fix A with the other label, then confirm B.
  await user.click(screen.getByTestId('nav-issues'));
  await until(() => expect(screen.queryByTestId(`tile-${a}`)).not.toBeNull());
  await user.click(tile(a));
  await user.keyboard(givenA === 'bad' ? 'g' : 'b');
  await until(() => expect(client.callsOf('labels.set')).toHaveLength(1));
  await user.click(tile(b));
  await until(() => expect(screen.getByTestId('issue-why').textContent).toContain(`labelled ${givenB}`));
  await user.click(screen.getByTestId('issue-confirm'));
  await until(() => expect(client.callsOf('ml.reviewIssues')).toHaveLength(1));

  // Back on Review: A and B show no rank badge and say "(closed)"; C is still an open issue.
  await user.click(screen.getByTestId('nav-review'));
  const closedShown = async () => {
    await until(() => expect(badge(a)).toBeNull());
    expect(badge(b)).toBeNull();
    expect(badge(c)).not.toBeNull();
    expect(tile(a).getAttribute('aria-label')).toContain(`label issue #${rankOf(a)} (closed)`);
    expect(tile(b).getAttribute('title')).toContain(`issue #${rankOf(b)} (closed)`);
    expect(tile(c).getAttribute('aria-label')).not.toContain('(closed)');
  };
  await closedShown();
  // The core's rows say the same.
  store.getState().refreshView('review');
  await until(() => expect(store.getState().views.review.pages.has(0)).toBe(true));
  expect(store.getState().views.review.pages.get(0)!.filter((it) => [a, b].includes(it.image_id)).map((it) => it.issue_open)).toEqual([0, 0]);
  await closedShown();

  // The preview of B says it is closed, and by what.
  await user.click(tile(b));
  await until(() => expect(screen.getByTestId('preview-issue-closed').textContent).toContain('closed: confirmed by a curator'));
  expect(screen.getByTestId('preview-issue').dataset.open).toBe('false');
  // Z takes the verdict back: B's badge returns, and the preview says it is open.
  await user.keyboard('z');
  await until(() => expect(badge(b)).not.toBeNull());
  await until(() => expect(screen.getByTestId('preview-issue').dataset.open).toBe('true'));
  expect(screen.queryByTestId('preview-issue-closed')).toBeNull();
  expect(badge(a)).toBeNull();
  // Z again puts A's label back: its issue is open again.
  await user.keyboard('z');
  await until(() => expect(labelOf(a)).toBe(givenA));
  await until(() => expect(badge(a)).not.toBeNull());
  expect(tile(a).getAttribute('aria-label')).not.toContain('(closed)');
  // Relabelled on Review itself, C's badge goes at once; the preview says why.
  await user.click(tile(c));
  await user.keyboard(labelOf(c) === 'bad' ? 'g' : 'b');
  await until(() => expect(badge(c)).toBeNull());
  await until(() => expect(screen.getByTestId('preview-issue-closed').textContent).toContain('relabelled since the run listed it'));
});
