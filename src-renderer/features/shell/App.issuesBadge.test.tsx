// @vitest-environment jsdom
/**
 * The sidebar's Label issues badge agrees with the screen: the open issues within the estimate,
 * then those the screen lists beyond it; never 0 beside a screen that still lists issues.
 */
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import { fmtInt } from '../../components/format';
import { setup, until } from '../../../test-support/renderer/render';
import { App } from './App';

test('with every issue within the estimate reviewed, the badge reads "0 (+M)" for the M the screen still lists', { timeout: 180_000 }, async () => {
  const user = userEvent.setup();
  const { client, lib } = setup({ images: 240, trained: false });
  // A real run on the seeded signals with 12 labels planted wrong: it lists issues beyond the estimate too.
  const flipped = lib.images.filter((im) => im.label).filter((_, i) => i % 15 === 3).slice(0, 12);
  for (const im of flipped) await lib.core.call('labels.set', { imageIds: [im.id], label: im.label === 'good' ? 'bad' : 'good' });
  expect((await lib.core.call('ml.train', { features: ['signals'], hidden: 0, epochs: 15, folds: 3 })).status).toBe('done');
  const all = await lib.core.call('ml.labelIssues', { limit: 10_000 });
  expect(all.beyond).toBeGreaterThan(0);
  expect(all.total).toBeGreaterThan(0);
  render(<App client={client} />);
  const badge = () => within(screen.getByTestId('nav-issues'));
  await until(() => expect(badge().getByTestId('nav-issues-open').textContent).toBe(fmtInt(all.total)));
  expect(badge().getByTestId('nav-issues-beyond').textContent).toBe(` (+${fmtInt(all.beyond)})`);

  // Every issue within the estimate dismissed (as by `qc issues --dismiss`), and the library reloaded.
  const within_ = all.issues.filter((i) => !i.beyond_estimate);
  await lib.core.call('ml.reviewIssues', { imageIds: within_.map((i) => i.image_id), action: 'dismiss' });
  client.emit('library.changed', { reason: 'elsewhere' });
  await until(() => expect(badge().getByTestId('nav-issues-open').textContent).toBe('0'));
  expect(badge().getByTestId('nav-issues-beyond').textContent).toBe(` (+${fmtInt(all.beyond)})`);
  expect(screen.getByTestId('nav-issues').textContent).toContain(`0 (+${fmtInt(all.beyond)})`);
  // The screen lists those beyond the estimate, as many as the badge says.
  await user.click(screen.getByTestId('nav-issues'));
  await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBe(Math.min(all.beyond, 200)));
  await until(() => expect(screen.getByTestId('issue-open').textContent).toContain(`then ${fmtInt(all.beyond)} beyond the estimate`));
});
