// @vitest-environment jsdom
import { act, fireEvent, screen } from '@testing-library/react';
import { afterEach, expect, test, vi } from 'vitest';
import { renderWith, setup } from '../../test-support/renderer/render';
import { Toasts } from './Toasts';

afterEach(() => vi.useRealTimers());

test('the toasts are a labelled landmark, each a live region of its own (none nested in another); pointing at them keeps them', () => {
  const ctx = setup();
  renderWith(<Toasts />, ctx);
  vi.useFakeTimers();
  act(() => void ctx.store.getState().toast('error', 'Export: the folder is not empty'));
  act(() => void ctx.store.getState().toast('info', 'Saved'));
  const region = screen.getByRole('region', { name: 'Notifications' });
  expect(region.getAttribute('aria-live')).toBeNull();
  expect(screen.getByRole('alert').textContent).toContain('Export: the folder is not empty');
  expect(screen.getByRole('status').textContent).toContain('Saved');
  fireEvent.pointerEnter(region);
  act(() => void vi.advanceTimersByTime(30_000));
  expect(screen.getAllByTestId('toast')).toHaveLength(2);
  fireEvent.pointerLeave(region);
  act(() => void vi.advanceTimersByTime(5_100));
  expect(screen.getAllByTestId('toast')).toHaveLength(1); // the note's 5 s counted from the release
  // Focus in a toast holds them too, until it leaves the toasts.
  act(() => screen.getByRole('button', { name: 'Dismiss' }).focus());
  act(() => void vi.advanceTimersByTime(60_000));
  expect(screen.getAllByTestId('toast')).toHaveLength(1);
  act(() => screen.getByRole('button', { name: 'Dismiss' }).blur());
  act(() => void vi.advanceTimersByTime(12_000));
  expect(screen.queryAllByTestId('toast')).toHaveLength(0);
});
