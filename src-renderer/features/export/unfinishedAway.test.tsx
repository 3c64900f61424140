// @vitest-environment jsdom
/**
 * An export that fails while the curator is on another screen: back on Export, the note says nothing
 * was written there, so the older result still shown is not taken for this attempt's (the note was
 * kept by the screen and lost when it unmounted).
 */
import { screen } from '@testing-library/react';
import { expect, test } from 'vitest';
import { joinPath, tempDir } from '../../../test-support/renderer/files';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { useApp } from '../../stores/app';
import { ExportScreen } from './ExportScreen';

function Shell() {
  const s = useApp((x) => x.screen);
  return s === 'export' ? <ExportScreen /> : <div data-testid="elsewhere" />;
}

test('an export that fails while another screen is shown leaves its note for when Export is shown again', async () => {
  const ctx = setup();
  const { store } = renderWith(<Shell />, ctx);
  store.getState().setScreen('export');
  await screen.findByTestId('export-preview', {}, { timeout: 15_000 });
  const first = tempDir();
  store.getState().setExportForm({ outDir: first });
  await store.getState().startExport();
  await until(() => expect(screen.getByTestId('export-result-files').textContent).toBe(joinPath(first, 'library_finaltags.tsv')), 15_000);
  // The next one starts here; the curator goes to Review while it runs, and it fails there (a folder inside the library is refused).
  const refused = joinPath(ctx.lib.dataDir, 'tags');
  store.getState().setExportForm({ outDir: refused });
  const p = store.getState().startExport();
  store.getState().setScreen('review');
  expect(await p).toBeNull();
  expect(store.getState().toasts.at(-1)?.kind).toBe('error');
  store.getState().setScreen('export');
  await screen.findByTestId('export-result', {}, { timeout: 15_000 });
  await until(() => expect(screen.getByTestId('export-unfinished').textContent).toContain(refused), 15_000);
  // The result below is the first export's, said as such.
  expect(screen.getByTestId('export-result-files').textContent).toBe(joinPath(first, 'library_finaltags.tsv'));
  // The next export that succeeds takes the note away.
  const second = tempDir();
  store.getState().setExportForm({ outDir: second });
  await store.getState().startExport();
  await until(() => expect(screen.queryByTestId('export-unfinished')).toBeNull(), 15_000);
}, 120_000);
