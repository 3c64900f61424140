// @vitest-environment jsdom
// An import refused for its path marks the path field invalid and describes it with the reason, which
// stays by the field after the toast has gone, until the path is edited.
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import { renderWith, until } from '../../../test-support/renderer/render';
import { LibraryScreen } from './LibraryScreen';

const field = () => screen.getByRole('textbox', { name: 'Path or URL' });
const description = (el: HTMLElement) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent ?? '';

test('a path with no file or folder there: the field is invalid, described by the reason, until it is edited', async () => {
  const user = userEvent.setup();
  const { store } = renderWith(<LibraryScreen />);
  expect(field().getAttribute('aria-invalid')).toBeNull();
  await user.click(field());
  await user.paste('/nonexistent/thing.txt');
  await user.keyboard('{Enter}');
  await until(() => expect(field().getAttribute('aria-invalid')).toBe('true'));
  expect(description(field())).toMatch(/no such file or folder/);
  expect(store.getState().toasts.at(-1)?.text).toMatch(/no such file or folder/);
  // The toast going leaves the field's reason.
  store.getState().dismissToast(store.getState().toasts.at(-1)!.id);
  expect(description(field())).toMatch(/no such file or folder/);
  await user.type(field(), 'x');
  expect(field().getAttribute('aria-invalid')).toBeNull();
  expect(field().getAttribute('aria-describedby')).toBeNull();
});

test('a path that is not whole is refused before it is sent, and the field says why', async () => {
  const user = userEvent.setup();
  const { client } = renderWith(<LibraryScreen />);
  await user.click(field());
  await user.paste('relative/ratings.txt');
  await user.keyboard('{Enter}');
  expect(field().getAttribute('aria-invalid')).toBe('true');
  expect(description(field())).toMatch(/Type the whole path/);
  expect(client.callsOf('library.import')).toHaveLength(0);
});
