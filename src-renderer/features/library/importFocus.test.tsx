// @vitest-environment jsdom
// Keyboard focus around an import on the real core: Import disables itself while it runs and Cancel
// goes when it ends, so focus must move between them, never stay on a disabled button or drop to <body>.
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { DEV_IMAGES, DEV_URL_PREFIX, ratingsFile } from '../../../test-support/renderer/files';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { LibraryScreen } from './LibraryScreen';

describe('Library screen: focus around an import', () => {
  test('Import moves focus to Cancel; a cancel gives it back to Import', async () => {
    const user = userEvent.setup();
    const { store } = renderWith(<LibraryScreen />, setup({ latencyMs: 400 }));
    await user.click(screen.getByTestId('import-path'));
    await user.paste(ratingsFile(200, 0));
    await user.click(screen.getByTestId('import-mirror-prefix-0'));
    await user.paste(`${DEV_URL_PREFIX}=${DEV_IMAGES}/`);
    await user.click(screen.getByTestId('import-start'));
    const cancel = await screen.findByTestId('import-cancel');
    expect(document.activeElement).toBe(cancel);
    // The keyboard alone cancels it: Enter on the focused Cancel.
    await user.keyboard('{Enter}');
    await until(() => expect(store.getState().importJobId).toBeNull(), 20_000);
    expect(store.getState().toasts.at(-1)?.text).toMatch(/^Import: cancelled/);
    await until(() => expect(document.activeElement).toBe(screen.getByTestId('import-start')));
    expect((screen.getByTestId('import-start') as HTMLButtonElement).disabled).toBe(false);
  });

  test('an import started from the path field (Enter) leaves focus in the field', async () => {
    const user = userEvent.setup();
    const { store } = renderWith(<LibraryScreen />, setup({ latencyMs: 200 }));
    await user.click(screen.getByTestId('import-mirror-prefix-0'));
    await user.paste(`${DEV_URL_PREFIX}=${DEV_IMAGES}/`);
    await user.click(screen.getByTestId('import-path'));
    await user.paste(ratingsFile(2, 0));
    await user.keyboard('{Enter}');
    await until(() => expect(store.getState().importJobId).not.toBeNull());
    expect(document.activeElement).toBe(screen.getByTestId('import-path'));
    await until(() => expect(store.getState().importJobId).toBeNull(), 20_000);
    expect(document.activeElement).toBe(screen.getByTestId('import-path'));
  });
});

describe('Library screen: the Cancel of an import', () => {
  test('is named for its job, says Cancelling… while it cancels, and acts once', async () => {
    const user = userEvent.setup();
    const { client, store } = renderWith(<LibraryScreen />);
    await user.click(screen.getByTestId('import-path'));
    await user.paste(ratingsFile(200, 0));
    await user.click(screen.getByTestId('import-mirror-prefix-0'));
    await user.paste(`${DEV_URL_PREFIX}=${DEV_IMAGES}/`);
    await user.click(screen.getByTestId('import-start'));
    const cancel = await screen.findByRole('button', { name: 'Cancel import' });
    // Once the core is at work (its answer to the cancel comes at its next page, not at once).
    await until(() => expect(store.getState().jobs.find((j) => j.method === 'library.import')?.progress?.done ?? 0).toBeGreaterThan(0), 20_000);
    await user.dblClick(cancel);
    expect(cancel.textContent).toBe('Cancelling…');
    expect((cancel as HTMLButtonElement).disabled).toBe(true);
    await until(() => expect(store.getState().importJobId).toBeNull(), 20_000);
    expect(client.callsOf('library.import')).toHaveLength(1);
    expect(store.getState().toasts.filter((t) => /cancelled/.test(t.text))).toHaveLength(1);
  });
});
