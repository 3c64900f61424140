// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { renderWith, setup, until } from '../../test/render';
import { ExportScreen } from '../export/ExportScreen';
import { LibraryScreen } from './LibraryScreen';

describe('Library screen', () => {
  test('imports a path with mirrors, shows progress, the result, status and failures', async () => {
    const user = userEvent.setup();
    const { client } = renderWith(<LibraryScreen />);
    await until(() => expect(screen.getByTestId('status-images').dataset.value).toBe('300'));
    expect(screen.getByTestId('failures-table').dataset.total).toBe('3');
    await user.type(screen.getByTestId('import-path'), '/data/image_ratings.txt');
    await user.type(screen.getByTestId('import-mirror-prefix-0'), 'https://content.eol.org/=/data/images/');
    await user.click(screen.getByTestId('import-start'));
    expect(client.callsOf('library.import')).toEqual([{ source: '/data/image_ratings.txt', mirrors: [{ prefix: 'https://content.eol.org/', dir: '/data/images/' }] }]);
    await until(() => expect(screen.getByTestId('import-progress')).toBeTruthy());
    const result = await screen.findByTestId('import-result', {}, { timeout: 3000 });
    expect(result.dataset.new).toBe('8');
    await user.click(screen.getByTestId('retry-failed'));
    await until(() => expect(client.callsOf('library.retryFailed')).toEqual([{ mirrors: [{ prefix: 'https://content.eol.org/', dir: '/data/images/' }] }]));
  });

  test('cancel aborts the running import', async () => {
    const user = userEvent.setup();
    const { store } = renderWith(<LibraryScreen />);
    await user.type(screen.getByTestId('import-path'), '/data/r.txt');
    await user.click(screen.getByTestId('import-start'));
    await user.click(await screen.findByTestId('import-cancel'));
    await until(() => expect(store.getState().importJobId).toBeNull());
    expect(store.getState().toasts.at(-1)?.text).toBe('Import: cancelled');
  });

  test('an empty library offers the demo', async () => {
    const user = userEvent.setup();
    const { client, store } = renderWith(<LibraryScreen />, setup({ images: 0, trained: false }));
    await user.click(await screen.findByTestId('demo-load'));
    await until(() => expect(store.getState().toasts.at(-1)?.text).toMatch(/^Demo library: 112 new images · run 1 trained/));
    expect(client.callsOf('demo.load')).toEqual([{ train: true }]);
    await until(() => expect(store.getState().scoresStatus).toBe('ready'));
  });
});

describe('Export screen', () => {
  test('shows the threshold in force and exports the library', async () => {
    const user = userEvent.setup();
    const { client } = renderWith(<ExportScreen />);
    await until(() => expect(screen.getByTestId('export-threshold').dataset.source).toBe('recommended'));
    expect(screen.getByTestId('export-threshold').dataset.value).toBe('0.7');
    await user.type(screen.getByTestId('export-outdir'), '/out');
    await user.click(screen.getByTestId('export-start'));
    const files = await screen.findByTestId('export-result-files');
    expect(client.callsOf('export.tags')).toEqual([{ outDir: '/out' }]);
    expect(files.textContent).toContain('/out/library_finaltags.tsv');
  });

  test('classifies a bundle with mirrors', async () => {
    const user = userEvent.setup();
    const { client } = renderWith(<ExportScreen />);
    await user.type(screen.getByTestId('classify-source'), '/b.tsv');
    await user.type(screen.getByTestId('classify-outdir'), '/out');
    await user.type(screen.getByTestId('classify-mirror-prefix-0'), 'https://x/');
    await user.type(screen.getByTestId('classify-mirror-dir-0'), '/m');
    await user.click(screen.getByTestId('classify-start'));
    await screen.findByTestId('classify-result', {}, { timeout: 3000 });
    expect(client.callsOf('ml.classify')).toEqual([{ source: '/b.tsv', outDir: '/out', mirrors: [{ prefix: 'https://x/', dir: '/m' }] }]);
  });
});
