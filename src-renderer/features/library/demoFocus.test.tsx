// @vitest-environment jsdom
// After the demo loaded whole the app shows Review and puts the keyboard focus on its gallery (the
// Load button that had it is gone). The whole demo trains for minutes here, so this drives the step
// after it on the real app; e2e/pages/library.ts checks the focus after a real demo load.
import { render, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { setup, until } from '../../../test-support/renderer/render';
import { App } from '../shell/App';

describe('after the demo loaded', () => {
  test('the focus moves to the gallery once Review shows it, not to the page', async () => {
    const { client, store } = setup({ images: 40 });
    render(<App client={client} store={store} />);
    await until(() => expect(store.getState().initialised).toBe(true));
    store.getState().setScreen('library');
    await until(() => expect(screen.getByTestId('screen-library')).toBeTruthy());
    const load = document.createElement('button');
    document.body.append(load);
    load.focus();
    load.remove(); // as the demo offer unmounts with the Library screen
    expect(document.activeElement).toBe(document.body);
    store.getState().setScreen('review'); // as loadDemo does when the demo loaded whole
    await until(() => expect(document.activeElement).toBe(screen.getByTestId('gallery')));
  });
});
