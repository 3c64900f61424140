// @vitest-environment jsdom
// The Library screen's list of imports on the real core: each import with how it ended and the images
// it brought, and an import another window runs on the same library, with its progress while it runs.
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { DEV_IMAGES, DEV_URL_PREFIX, ratingsFile } from '../../../test-support/renderer/files';
import { memoryClient } from '../../../test-support/renderer/memoryTransport';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { LibraryScreen } from './LibraryScreen';

const MIRROR = { prefix: DEV_URL_PREFIX, dir: `${DEV_IMAGES}/` };

describe('Library screen: imports', () => {
  test('lists each import with how it ended and the images it brought', async () => {
    const user = userEvent.setup();
    const { store } = renderWith(<LibraryScreen />, setup());
    // As the app: every window follows library.changed (a cancelled import's end included).
    const off = store.getState().connect();
    await until(() => expect(screen.getByTestId('imports-table')).toBeTruthy());
    await user.click(screen.getByTestId('import-mirror-prefix-0'));
    await user.paste(`${DEV_URL_PREFIX}=${DEV_IMAGES}/`);
    await user.click(screen.getByTestId('import-path'));
    await user.paste(ratingsFile(3, 0));
    await user.click(screen.getByTestId('import-start'));
    await until(() => expect(store.getState().lastImport).not.toBeNull(), 20_000);
    await until(() => expect(store.getState().importJobId).toBeNull(), 20_000);
    const done = store.getState().lastImport!;
    const row = await until(() => screen.getByTestId(`import-row-${done.import_id}`));
    await until(() => expect([row.dataset.status, row.dataset.images]).toEqual(['done', String(done.images_new + done.images_existing)]));
    // One cancelled once it has begun: listed as such.
    await user.clear(screen.getByTestId('import-path'));
    await user.click(screen.getByTestId('import-path'));
    await user.paste(ratingsFile(200, 0));
    await user.click(screen.getByTestId('import-start'));
    await until(() => expect(store.getState().jobs.find((j) => j.method === 'library.import')?.progress?.done ?? 0).toBeGreaterThan(0), 20_000);
    await user.click(screen.getByTestId('import-cancel'));
    await until(() => expect(store.getState().importJobId).toBeNull(), 20_000);
    await until(() => expect(screen.getAllByRole('row').map((r) => r.dataset.status)).toContain('cancelled'));
    off();
  }, 60_000);

  test('an import in another window shows with its progress while it runs, then as done', async () => {
    const ctx = setup({ images: 0, trained: false });
    const { store } = renderWith(<LibraryScreen />, ctx);
    const off = store.getState().connect();
    const other = memoryClient(ctx.lib.core);
    try {
      await until(() => expect(screen.getByTestId('imports-card').textContent).toMatch(/No imports yet|Imports/));
      const work = other.call('library.import', { source: ratingsFile(200, 0), mirrors: [MIRROR] });
      const progress = await screen.findByTestId('import-elsewhere-progress', {}, { timeout: 20_000 });
      expect(progress.getAttribute('aria-label')).toBe('Import in another window');
      expect(screen.getAllByRole('row').some((r) => r.dataset.status === 'running' && r.textContent!.includes('running elsewhere'))).toBe(true);
      // This window's Import stays free (it would wait for the same file, and say so).
      expect((screen.getByTestId('import-start') as HTMLButtonElement).disabled).toBe(false);
      const summary = await work;
      const row = await until(() => screen.getByTestId(`import-row-${summary.import_id}`));
      await until(() => expect([row.dataset.status, row.dataset.images]).toEqual(['done', String(summary.images_new + summary.images_existing)]), 10_000);
      expect(screen.queryByTestId('import-elsewhere')).toBeNull();
      await until(() => expect(screen.getByTestId('status-images').dataset.value).toBe(String(summary.images_new)));
    } finally {
      off();
      await other.dispose();
    }
  }, 60_000);
});
