// @vitest-environment jsdom
import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { ReviewScreen } from './ReviewScreen';

const tall = window.innerHeight;

function resizeTo(height: number): void {
  act(() => {
    Object.defineProperty(window, 'innerHeight', { value: height, configurable: true, writable: true });
    window.dispatchEvent(new Event('resize'));
  });
}

afterEach(() => {
  localStorage.clear();
  resizeTo(tall);
});

describe('Review in a short window', () => {
  test("starts with the threshold's details hidden under ~760 px of height, shown above, until the curator chooses; the choice is kept", async () => {
    localStorage.clear();
    const user = userEvent.setup();
    const ctx = setup({ images: 120 });
    await ctx.store.getState().loadScores();
    renderWith(<ReviewScreen />, ctx);
    await screen.findByTestId('threshold-details-toggle');
    const shown = () => screen.queryByTestId('threshold-guide') !== null && screen.queryByTestId('threshold-histogram') !== null;
    // 1024×700: the gallery gets the details' room; the slider and its numbers stay.
    resizeTo(700);
    await until(() => expect(shown()).toBe(false));
    expect(screen.getByTestId('threshold-details-toggle').getAttribute('aria-expanded')).toBe('false');
    expect(screen.getByTestId('threshold-flagged')).toBeTruthy();
    resizeTo(1000);
    await until(() => expect(shown()).toBe(true));
    // A page opened in the short window starts with them hidden.
    resizeTo(700);
    vi.resetModules();
    expect((await import('./prefs')).prefs().thresholdDetails).toBe(false);
    // The curator shows them: that stays, whatever the height, and in the next page too.
    await user.click(screen.getByTestId('threshold-details-toggle'));
    expect(shown()).toBe(true);
    resizeTo(650);
    resizeTo(1000);
    resizeTo(700);
    expect(shown()).toBe(true);
    vi.resetModules();
    expect((await import('./prefs')).prefs().thresholdDetails).toBe(true);
  });
});
