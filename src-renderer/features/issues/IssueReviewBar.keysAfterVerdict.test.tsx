// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import { expect, test } from 'vitest';
import { until } from '../../../test-support/renderer/render';
import { showIssues } from '../../../test-support/renderer/issuesScreen';


const focusedId = (ctx: Awaited<ReturnType<typeof showIssues>>['ctx']) => ctx.store.getState().itemAt('issues', ctx.store.getState().views.issues.focus)?.image_id;

for (const [button, key] of [
  ['issue-confirm', '{Enter}'],
  ['issue-confirm', ' '],
  ['issue-dismiss', '{Enter}'],
  ['issue-dismiss', ' '],
] as const) {
  test(`after a click on ${button}, ${key === ' ' ? 'Space' : 'Enter'} previews the next issue and gives it no verdict`, async () => {
    const { user, ctx } = await showIssues();
    const first = Number(screen.queryAllByTestId(/^tile-\d+$/)[0]!.dataset.testid!.slice(5));
    await user.click(screen.getByTestId(`tile-${first}`));
    await user.keyboard('{Escape}'); // the click opened no preview; nothing to close, the selection cleared
    const btn = screen.getByTestId(button);
    await until(() => expect(btn.hasAttribute('aria-disabled')).toBe(false));
    await user.click(btn);
    await until(() => expect(screen.queryByTestId(`tile-${first}`)).toBeNull());
    await until(() => expect(btn.hasAttribute('aria-disabled')).toBe(false));
    const next = focusedId(ctx);
    expect(next).toBeDefined();
    expect(next).not.toBe(first);
    ctx.store.getState().closePreview();
    await user.keyboard(key);
    await until(() => expect(screen.getByTestId('preview').dataset.imageId).toBe(String(next)));
    expect(ctx.client.callsOf('ml.reviewIssues')).toHaveLength(1);
    expect(ctx.lib.core.context.db.prepare('SELECT image_id FROM label_reviews').all()).toEqual([{ image_id: first }]);
    expect(document.activeElement).toBe(screen.getByTestId('gallery'));
  });
}

test('Tab to Confirm and Enter gives the verdict once; the next Enter previews the next issue', async () => {
  const { user, ctx } = await showIssues();
  const first = Number(screen.queryAllByTestId(/^tile-\d+$/)[0]!.dataset.testid!.slice(5));
  await user.click(screen.getByTestId(`tile-${first}`));
  const confirm = screen.getByTestId('issue-confirm');
  await until(() => expect(confirm.hasAttribute('aria-disabled')).toBe(false));
  ctx.store.getState().closePreview();
  confirm.focus();
  await user.keyboard('{Enter}');
  await until(() => expect(ctx.lib.core.context.db.prepare('SELECT image_id, action FROM label_reviews').all()).toEqual([{ image_id: first, action: 'confirmed' }]));
  await until(() => expect(screen.queryByTestId(`tile-${first}`)).toBeNull());
  await until(() => expect(confirm.hasAttribute('aria-disabled')).toBe(false));
  const next = focusedId(ctx);
  expect(next).not.toBe(first);
  await user.keyboard('{Enter}');
  await until(() => expect(screen.getByTestId('preview').dataset.imageId).toBe(String(next)));
  expect(ctx.client.callsOf('ml.reviewIssues')).toHaveLength(1);
});
