// @vitest-environment jsdom
/**
 * This window's own Classify imports its bundle, and the core sends that progress as an import's to
 * every window: the Library screen's Imports card must not show it as another window importing.
 */
import { screen } from '@testing-library/react';
import { expect, test } from 'vitest';
import { bundleFile, DEV_IMAGES, DEV_URL_PREFIX, tempDir } from '../../../test-support/renderer/files';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { LibraryScreen } from './LibraryScreen';

test("this window's Classify is not shown as another window importing, while it runs", async () => {
  const ctx = setup();
  const { store } = renderWith(<LibraryScreen />, ctx);
  const off = store.getState().connect();
  await until(() => expect(screen.getByTestId('imports-table')).toBeTruthy());
  let progress = 0;
  const offProgress = ctx.client.on('job.progress', (p) => {
    if (p.job === 'import') progress++;
  });
  store.getState().setClassifyForm({ source: bundleFile(60), outDir: tempDir(), mirrors: [{ prefix: DEV_URL_PREFIX, dir: `${DEV_IMAGES}/` }] });
  const work = store.getState().startClassify();
  const seen: string[] = [];
  while (store.getState().classifyJobId !== null || seen.length === 0) {
    const el = screen.queryByTestId('import-elsewhere');
    const rows = screen.queryAllByRole('row').filter((r) => r.textContent!.includes('running elsewhere'));
    seen.push(`${el?.textContent ?? ''}${rows.map((r) => r.textContent).join(';')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  await work;
  offProgress();
  off();
  // The bundle's import progress was heard here, and nothing said another window was importing.
  expect(progress).toBeGreaterThan(0);
  expect(seen.filter((t) => t !== '')).toEqual([]);
}, 120_000);
