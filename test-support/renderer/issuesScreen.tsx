/**
 * The Label issues screen on a seeded 300-image library with its runs loaded, once it shows more than
 * one tile: the set-up of the issues feature tests that click, key and give verdicts.
 */
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect } from 'vitest';
import { IssuesScreen } from '../../src-renderer/features/issues/IssuesScreen';
import { renderWith, setup, until } from './render';

export async function showIssues() {
  const user = userEvent.setup();
  const ctx = setup({ images: 300 });
  await ctx.store.getState().loadRuns();
  renderWith(<IssuesScreen />, ctx);
  await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(1));
  return { user, ctx };
}
