// @vitest-environment jsdom
// An import the core refuses (a file that is not there) ends without a result: the card no longer
// shows the earlier import's figures as if they were this one's (real core, in-memory transport).
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { DEV_IMAGES, DEV_URL_PREFIX, joinPath, ratingsFile, tempDir } from '../../../test-support/renderer/files';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { useApp } from '../../stores/app';
import { LibraryScreen } from './LibraryScreen';

describe('Library screen: an import without a result', () => {
  test('a refused import hides the earlier result and says it ended without one', async () => {
    const user = userEvent.setup();
    const { client, store } = renderWith(<LibraryScreen />);
    await user.click(screen.getByTestId('import-mirror-prefix-0'));
    await user.paste(`${DEV_URL_PREFIX}=${DEV_IMAGES}/`);
    await user.click(screen.getByTestId('import-path'));
    await user.paste(ratingsFile(2, 0));
    await user.click(screen.getByTestId('import-start'));
    const first = await screen.findByTestId('import-result', {}, { timeout: 20_000 });
    const firstId = first.dataset.importId;
    expect(Number(firstId)).toBeGreaterThan(0);

    const missing = joinPath(tempDir(), 'not-there.txt');
    await user.clear(screen.getByTestId('import-path'));
    await user.click(screen.getByTestId('import-path'));
    await user.paste(missing);
    await user.click(screen.getByTestId('import-start'));
    await until(() => expect(client.callsOf('library.import')).toHaveLength(2));
    await until(() => expect(store.getState().importJobId).toBeNull(), 20_000);
    // The core refused it, and said so.
    await until(() => expect(store.getState().toasts.some((t) => t.kind === 'error' && t.text.startsWith('Import:'))).toBe(true));
    expect(screen.queryByTestId('import-result')).toBeNull();
    // … and the card keeps saying why, once the toast is gone.
    expect(screen.getByTestId('import-no-result').textContent).toBe(`No result · The import of ${missing} ended without one: ${missing}: no such file or folder; the earlier result is no longer shown.`);

    // The next import that ends with a result shows it again.
    await user.clear(screen.getByTestId('import-path'));
    await user.click(screen.getByTestId('import-path'));
    await user.paste(ratingsFile(3, 0));
    await user.click(screen.getByTestId('import-start'));
    await until(() => expect(Number(screen.getByTestId('import-result').dataset.importId)).toBeGreaterThan(Number(firstId)), 20_000);
    expect(screen.queryByTestId('import-no-result')).toBeNull();
  }, 60_000);

  test('an import that ends without a result while another screen is shown says so when Library is shown again', async () => {
    function Shell() {
      const screenShown = useApp((x) => x.screen);
      return screenShown === 'library' ? <LibraryScreen /> : <div data-testid="elsewhere" />;
    }
    const ctx = setup();
    const { store } = renderWith(<Shell />, ctx);
    store.getState().setScreen('library');
    store.getState().setImportForm({ path: ratingsFile(2, 0), mirrors: [{ prefix: DEV_URL_PREFIX, dir: `${DEV_IMAGES}/` }] });
    expect(await store.getState().startImport()).not.toBeNull();
    await screen.findByTestId('import-result', {}, { timeout: 20_000 });
    // The next import starts here and is refused while the curator is on Review.
    const missing = joinPath(tempDir(), 'not-there.txt');
    store.getState().setImportForm({ path: missing });
    const p = store.getState().startImport();
    store.getState().setScreen('review');
    expect(await p).toBeNull();
    store.getState().setScreen('library');
    await until(() => expect(screen.getByTestId('import-no-result').textContent).toContain(`The import of ${missing} ended without one`));
    expect(screen.queryByTestId('import-result')).toBeNull();
  }, 60_000);
});
