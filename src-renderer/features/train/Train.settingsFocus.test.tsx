// @vitest-environment jsdom
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { TrainScreen } from './TrainScreen';

const SLOW = 20_000;

describe("the Train form's \"Run N's settings\"", () => {
  test('pressed from the keyboard, it goes (the form follows the active run again) and focus moves to Defaults beside it, not to <body>', async () => {
    const ctx = setup();
    const { store } = renderWith(<TrainScreen />, ctx);
    await until(() => expect(store.getState().runsLoaded).toBe(true), SLOW);
    const active = store.getState().activeRunId!;
    fireEvent.change(screen.getByTestId('train-epochs'), { target: { value: '7' } });
    const button = await screen.findByTestId('train-from-active');
    expect(button.textContent).toBe(`Run ${active}'s settings`);
    button.focus();
    fireEvent.click(button);
    await until(() => expect(screen.queryByTestId('train-from-active')).toBeNull());
    expect(screen.getByTestId('train-form-source').dataset.follows).toBe('true');
    expect(document.activeElement).not.toBe(document.body);
    expect(document.activeElement).toBe(screen.getByTestId('train-defaults'));
  }, 60_000);
});
