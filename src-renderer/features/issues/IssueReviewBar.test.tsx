// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import type { QcError } from '../../../src-shared/contract/errors';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { IssuesScreen } from './IssuesScreen';

test('a refused Confirm shows the curator wording of the error, not the API message', async () => {
  const user = userEvent.setup();
  const ctx = setup({ images: 300 });
  await ctx.store.getState().loadRuns();
  renderWith(<IssuesScreen />, ctx);
  await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(1));
  // The real core's refusal of a wrong image id, delivered as the answer to the next verdict.
  const refused = await ctx.client.call('ml.reviewIssues', { imageIds: [0], action: 'confirm' }).then(
    () => null,
    (e: unknown) => e as QcError,
  );
  expect(refused).toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/^ml\.reviewIssues: imageIds\[0\]: /) });
  ctx.client.failNext('ml.reviewIssues', refused!.toJSON());

  await user.click(screen.queryAllByTestId(/^tile-\d+$/)[0]!);
  await user.click(screen.getByTestId('issue-confirm'));
  await until(() => expect(ctx.store.getState().toasts.some((t) => t.kind === 'error')).toBe(true));
  const texts = ctx.store.getState().toasts.filter((t) => t.kind === 'error').map((t) => t.text);
  expect(texts).toEqual(['Confirm label: The images must be at least 1.']);
  expect(texts.join()).not.toMatch(/ml\.|reviewIssues|imageIds/);
  // The button is usable again.
  expect(screen.getByTestId('issue-confirm').hasAttribute('disabled')).toBe(false);
});
