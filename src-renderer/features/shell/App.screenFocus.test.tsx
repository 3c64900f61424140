// @vitest-environment jsdom
/**
 * A screen opened by the desktop menu (File → Import…/Export…: the store's setScreen, as
 * stores/ui.ts does for app.menu) while the focus was in the gallery it unmounts: the focus goes to
 * the new screen's heading, not to <body>. The sidebar's own button keeps the focus it has.
 */
import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import { setup, until } from '../../../test-support/renderer/render';
import { App } from './App';

test("the desktop menu's Export… and Import…, with the focus in Review's gallery, put it on the new screen's heading", async () => {
  const user = userEvent.setup();
  const { client, store } = setup({ images: 120 });
  render(<App client={client} store={store} />);
  await until(() => expect(screen.queryAllByTestId(/^tile-\d+$/).length).toBeGreaterThan(0));
  await until(() => expect(document.activeElement).toBe(screen.getByTestId('gallery')));

  act(() => store.getState().setScreen('export'));
  expect(screen.getByTestId('screen-export')).toBeTruthy();
  expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Export', level: 2 }));
  // From there (the heading goes with its screen) to Library.
  act(() => store.getState().setScreen('library'));
  expect(screen.getByTestId('screen-library')).toBeTruthy();
  expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Library', level: 2 }));

  // The sidebar's button keeps the focus its click gave it.
  await user.click(screen.getByTestId('nav-train'));
  expect(screen.getByTestId('screen-train')).toBeTruthy();
  expect(document.activeElement).toBe(screen.getByTestId('nav-train'));
});
