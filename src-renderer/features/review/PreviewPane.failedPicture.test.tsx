// @vitest-environment jsdom
import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { ReviewScreen } from './ReviewScreen';

const tiles = () => screen.queryAllByTestId(/^tile-\d+$/);

test('a picture whose file cannot be loaded says so, beside the details; the next image starts afresh', async () => {
  const user = userEvent.setup();
  // The seeded library stores no pixels: its files are missing, as after a deleted original.
  renderWith(<ReviewScreen />, setup());
  await until(() => expect(tiles().length).toBeGreaterThan(2));
  await user.click(tiles()[0]!);
  const preview = await screen.findByTestId('preview');
  await until(() => expect(within(preview).getByTestId('preview-label')).toBeTruthy());
  expect(within(preview).queryByTestId('preview-image-failed')).toBeNull();
  fireEvent.error(within(preview).getByAltText(/^(EOL \S+|#\d+)$/));
  const said = within(preview).getByTestId('preview-image-failed');
  expect(said.textContent).toMatch(/could not be shown: its file in the library is missing or cannot be read/);
  expect(said.getAttribute('role')).toBe('status');
  // The details are still there.
  expect(within(preview).getByTestId('preview-label')).toBeTruthy();
  // The next image: no word until its own picture fails.
  await user.keyboard('{ArrowRight}');
  const next = tiles()[1]!.dataset.testid!.slice(5);
  await until(() => expect(screen.getByTestId('preview').dataset.imageId).toBe(next));
  expect(within(screen.getByTestId('preview')).queryByTestId('preview-image-failed')).toBeNull();
});
