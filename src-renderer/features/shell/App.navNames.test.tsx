// @vitest-environment jsdom
/**
 * The sidebar's buttons are named in words a screen reader can say: the screen, then what its badge
 * counts ("Library, 300 images in the library"), not the bare run-together "Library300".
 */
import { fireEvent, render, screen, within } from '@testing-library/react';
import { expect, test } from 'vitest';
import { fmtCount, fmtInt } from '../../components/format';
import { setup, until } from '../../../test-support/renderer/render';
import { App } from './App';

test("each sidebar button's accessible name says what its badge counts, with the core's figures", { timeout: 60_000 }, async () => {
  const { client, store, lib } = setup({ images: 300 });
  render(<App client={client} store={store} />);
  const tiles = () => screen.queryAllByTestId(/^tile-\d+$/);
  await until(() => expect(tiles().length).toBeGreaterThan(0), 15_000);
  fireEvent.load(tiles()[0]!.querySelector('img')!);
  const status = await lib.core.call('library.status', {});
  const runs = await lib.core.call('ml.runs', {});
  const issues = await lib.core.call('ml.labelIssues', { limit: 0 });
  expect(runs.active).not.toBeNull();
  // The sidebar's buttons, asked within the sidebar: a role query over the whole page (300 tiles)
  // costs enough per poll to starve the page it waits on when the machine is busy.
  const nav = within(screen.getByRole('navigation', { name: 'Screens' }));
  await until(() => expect(nav.getByRole('button', { name: `Library, ${fmtCount(status.images, 'image')} in the library` })).toBeTruthy(), 15_000);
  await until(() => expect(nav.getByRole('button', { name: `Train, run ${runs.active} is active` })).toBeTruthy(), 15_000);
  const issuesName = `Label issues, ${fmtCount(issues.total, 'open label issue')} within the estimate of wrong labels${issues.beyond ? `, then ${fmtInt(issues.beyond)} beyond it` : ''}`;
  await until(() => expect(nav.getByRole('button', { name: issuesName })).toBeTruthy(), 15_000);
  // Review's gallery's own latest question (not Label issues'), asked again: how many images it lists
  // (asked again each time: the gallery asks anew once the slider's threshold is known).
  const reviewName = async () => {
    const query = client.callsOf('review.page').filter((a) => !a.issuesOnly).at(-1)!;
    return `Review, ${fmtCount((await lib.core.call('review.page', query)).total, 'image')} in the gallery`;
  };
  const deadline = Date.now() + 15_000;
  let want = await reviewName();
  while (!nav.queryByRole('button', { name: want }) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    want = await reviewName();
  }
  expect(nav.getByRole('button', { name: want })).toBeTruthy();
  expect(nav.getByRole('button', { name: 'Export' })).toBeTruthy();
});
