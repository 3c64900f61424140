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
  act(() => screen.getByRole('button', { name: 'Close notification' }).focus());
  act(() => void vi.advanceTimersByTime(60_000));
  expect(screen.getAllByTestId('toast')).toHaveLength(1);
  act(() => screen.getByRole('button', { name: 'Close notification' }).blur());
  act(() => void vi.advanceTimersByTime(12_000));
  expect(screen.queryAllByTestId('toast')).toHaveLength(0);
});

test("a toast's close button is not named like a screen's Dismiss (Label issues' Dismiss changes data)", () => {
  const ctx = setup();
  renderWith(<Toasts />, ctx);
  act(() => void ctx.store.getState().toast('info', 'Nothing selected'));
  expect(screen.getByRole('button', { name: 'Close notification' })).toBeTruthy();
  expect(screen.queryByRole('button', { name: /dismiss/i })).toBeNull();
});

test('closing a toast from the keyboard puts the focus back where it came from, or on the gallery, never on <body>; the others then expire', () => {
  const ctx = setup();
  renderWith(
    <>
      <main>
        <div data-testid="gallery" tabIndex={0} role="grid" aria-label="Review gallery" />
        <button type="button">Origin</button>
      </main>
      <Toasts />
    </>,
    ctx,
  );
  vi.useFakeTimers();
  act(() => void ctx.store.getState().toast('error', 'Import: no such file'));
  act(() => void ctx.store.getState().toast('error', 'Export: the folder is not empty'));
  const origin = screen.getByRole('button', { name: 'Origin' });
  act(() => origin.focus());
  // Tab into the toasts: from the origin to the first toast's ×, which is pressed (Enter clicks it).
  const [first] = screen.getAllByRole('button', { name: 'Close notification' });
  act(() => first!.focus());
  act(() => fireEvent.click(first!));
  expect(screen.getAllByTestId('toast')).toHaveLength(1);
  expect(document.activeElement).toBe(origin);
  // Released: the other toast counts down again.
  act(() => void vi.advanceTimersByTime(12_100));
  expect(screen.queryAllByTestId('toast')).toHaveLength(0);

  // Come from something that is gone by then: the gallery takes the focus.
  act(() => void ctx.store.getState().toast('info', 'Saved'));
  act(() => (document.activeElement as HTMLElement).blur());
  act(() => screen.getByRole('button', { name: 'Close notification' }).focus());
  act(() => fireEvent.click(screen.getByRole('button', { name: 'Close notification' })));
  expect(document.activeElement).toBe(screen.getByRole('grid'));
});
