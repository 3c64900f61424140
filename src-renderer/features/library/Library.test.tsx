// @vitest-environment jsdom
// The Library and Export screens on the real core (a seeded library, real imports from the dev photos).
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { bundleFile, DEMO_RATINGS, DEV_IMAGES, DEV_URL_PREFIX, joinPath, ratingsFile, readTsv, tempDir } from '../../../test-support/renderer/files';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { miniDemo } from '../../../test-support/seedLibrary';
import { ExportScreen } from '../export/ExportScreen';
import { LibraryScreen } from './LibraryScreen';

/** Paste a value into a field (typing a long path key by key is slow in jsdom and tests nothing more). */
async function fill(user: ReturnType<typeof userEvent.setup>, testId: string, value: string): Promise<void> {
  await user.click(screen.getByTestId(testId));
  await user.paste(value);
}

describe('Library screen', () => {
  test('imports a file with a mirror, shows the result, the status and the failures, and retries them', async () => {
    const user = userEvent.setup();
    const file = ratingsFile(4, 1);
    const { client, store } = renderWith(<LibraryScreen />);
    await until(() => expect(screen.getByTestId('status-images').dataset.value).toBe('300'));
    await fill(user, 'import-path', file);
    await fill(user, 'import-mirror-prefix-0', `${DEV_URL_PREFIX}=${DEV_IMAGES}/`);
    await user.click(screen.getByTestId('import-start'));
    expect(client.callsOf('library.import')).toEqual([{ source: file, mirrors: [{ prefix: DEV_URL_PREFIX, dir: `${DEV_IMAGES}/` }] }]);
    const result = await screen.findByTestId('import-result', {}, { timeout: 20_000 });
    expect(result.dataset.new).toBe('4');
    expect(result.dataset.failed).toBe('1');
    // The toast's colour follows the result (importNote): neutral when one failed, not green.
    await until(() => expect(store.getState().toasts.find((t) => t.text.startsWith('Import: 4 new'))?.kind).toBe('info'));
    await until(() => expect(screen.getByTestId('status-images').dataset.value).toBe('304'));
    await until(() => expect(screen.getByTestId('failures-table').dataset.total).toBe('1'));
    await user.click(screen.getByTestId('retry-failed'));
    await until(() => expect(client.callsOf('library.retryFailed')).toEqual([{ mirrors: [{ prefix: DEV_URL_PREFIX, dir: `${DEV_IMAGES}/` }] }]));
  });

  test('a copy of a ratings file imported before: the result and the toast say its rows were not counted twice', async () => {
    // The copy's rows are stored (so editing the first file never loses them: labels/countedRows.ts)
    // and counted once: its images are all there already, and the toast says why nothing changed.
    const user = userEvent.setup();
    const { store } = renderWith(<LibraryScreen />);
    await until(() => expect(screen.getByTestId('status-images').dataset.value).toBe('300'));
    await fill(user, 'import-mirror-prefix-0', `${DEV_URL_PREFIX}=${DEV_IMAGES}/`);
    for (const [i, file] of [ratingsFile(3, 0), ratingsFile(3, 0)].entries()) {
      await user.clear(screen.getByTestId('import-path'));
      await fill(user, 'import-path', file);
      await user.click(screen.getByTestId('import-start'));
      await until(() => expect(store.getState().lastImport?.source).toBe(file), 20_000);
      const notes = () => screen.queryAllByTestId('import-count-note').map((n) => n.textContent);
      if (i === 0) expect(notes()).toEqual([]);
      else await until(() => expect(notes()).toEqual([' · 3 rows already in the library from an earlier import: not counted twice']));
    }
    await until(() =>
      expect(store.getState().toasts.find((t) => t.text.startsWith('Import: 0 new'))?.text).toBe(
        'Import: 0 new, 3 already stored. 3 rows already in the library from an earlier import: not counted twice.',
      ),
    );
  });

  test('a relative path is refused in words, before any call', async () => {
    const user = userEvent.setup();
    const { client, store } = renderWith(<LibraryScreen />);
    await fill(user, 'import-path', 'data/image_ratings.txt');
    await user.click(screen.getByTestId('import-start'));
    await until(() => expect(store.getState().toasts.at(-1)?.text).toMatch(/whole path.*"data\/image_ratings.txt"/));
    expect(store.getState().toasts.at(-1)?.text).not.toMatch(/library\.import|source:/);
    expect(client.callsOf('library.import')).toEqual([]);
  });

  test('cancel aborts the running import', async () => {
    const user = userEvent.setup();
    const { store } = renderWith(<LibraryScreen />, setup({ latencyMs: 400 }));
    await fill(user, 'import-path', ratingsFile(20, 0));
    await fill(user, 'import-mirror-prefix-0', `${DEV_URL_PREFIX}=${DEV_IMAGES}/`);
    await user.click(screen.getByTestId('import-start'));
    await user.click(await screen.findByTestId('import-cancel'));
    await until(() => expect(store.getState().importJobId).toBeNull(), 20_000);
    // Cancelled before its downloads began, the import ends in a cancel error ("Import: cancelled");
    // cancelled while downloading (a loaded machine gets that far), it ends with the summary of what
    // it kept ("Import cancelled: 0 new, …"). Either way it says it was cancelled.
    expect(store.getState().toasts.at(-1)?.text).toMatch(/^Import(: cancelled$| cancelled: \d+ new, )/);
  });

  test('an empty library offers the demo with the number of photos the demo holds', async () => {
    renderWith(<LibraryScreen />, setup({ images: 0, trained: false }));
    const offer = await screen.findByTestId('demo');
    const rows = readTsv(DEMO_RATINGS).length;
    expect(rows).toBeGreaterThan(100);
    expect(offer.dataset.offer).toBe('load');
    expect(offer.textContent).toContain(`${rows} rated photos`);
    expect(screen.getByTestId('demo-load').textContent).toBe('Load the demo library');
  });

  test('an empty library offers the demo; cancelling it says so, stays on Library, trains nothing and offers to finish it', async () => {
    const user = userEvent.setup();
    // The real demo.load on a 24-photo demo library, cancelled once its import has stored photos
    // (training the whole demo takes minutes on two cores; the e2e test does that).
    const { client, store } = renderWith(<LibraryScreen />, setup({ images: 0, trained: false, demoDir: miniDemo(12) }));
    expect((await screen.findByTestId('demo')).textContent).toContain('24 rated photos');
    await user.click(screen.getByTestId('demo-load'));
    expect(client.callsOf('demo.load')).toEqual([{ train: true }]);
    const job = () => store.getState().jobs.find((j) => j.method === 'demo.load');
    await until(() => expect(job()?.progress?.done ?? 0).toBeGreaterThan(0), 20_000);
    store.getState().cancelJob(job()!.id);
    await until(() => expect(store.getState().importJobId).toBeNull(), 20_000);
    const stored = (await client.call('library.status', {})).images;
    expect(stored).toBeGreaterThan(0);
    expect(client.runs).toEqual([]);
    const note = store.getState().toasts.find((t) => t.text.startsWith('Demo library'))!;
    expect(note.kind).toBe('info');
    expect(note.text).toMatch(/cancelled/);
    expect(note.text).toMatch(/no run trained/);
    expect(note.text).toContain(`${stored} of 24 photos imported`);
    expect(store.getState().screen).toBe('library');
    await until(() => expect(screen.getByTestId('status-images').dataset.value).toBe(String(stored)));
    // The library holds only demo photos and no run: the curator can finish the demo from here.
    await until(() => expect(screen.getByTestId('demo').dataset.offer).toBe('finish'));
    expect(screen.getByTestId('demo-load').textContent).toBe('Finish loading the demo');
  }, 60_000);
});

describe('Export screen', () => {
  test('without a trained run, Export and Classify are disabled and the screen says why', async () => {
    const { client } = renderWith(<ExportScreen />, setup({ trained: false }));
    await until(() => expect((screen.getByTestId('export-start') as HTMLButtonElement).disabled).toBe(true));
    expect((screen.getByTestId('classify-start') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('classify-no-run').textContent).toMatch(/train one on the Train screen/);
    await until(() => expect(screen.getByTestId('export-no-run').textContent).toMatch(/no trained model yet.*curator labels alone are not exported/));
    expect(client.callsOf('export.tags')).toEqual([]);
  });

  test('shows the threshold in force and exports the library', async () => {
    const user = userEvent.setup();
    const out = tempDir();
    const { client } = renderWith(<ExportScreen />, setup({ recommended: 0.7 }));
    await until(() => expect(screen.getByTestId('export-threshold').dataset.source).toBe('recommended'));
    expect(screen.getByTestId('export-threshold').dataset.value).toBe('0.7');
    await fill(user, 'export-outdir', out);
    await user.click(screen.getByTestId('export-start'));
    const files = await screen.findByTestId('export-result-files', {}, { timeout: 10_000 });
    expect(client.callsOf('export.tags')).toEqual([{ outDir: out }]);
    expect(files.textContent).toContain(joinPath(out, 'library_finaltags.tsv'));
    expect(readTsv(joinPath(out, 'library_finaltags.tsv'))).toHaveLength(300);
  });

  test('classifies a bundle with mirrors', async () => {
    const user = userEvent.setup();
    const bundle = bundleFile(2);
    const out = tempDir();
    // The seeded run is a linear head on the signals: classify measures the two new photos' signals and scores them.
    const { client, store } = renderWith(<ExportScreen />);
    // Review's "From" filter has loaded the imports and bundles before.
    await store.getState().loadSources();
    expect(store.getState().sources!.bundles).toHaveLength(0);
    await fill(user, 'classify-source', bundle);
    await fill(user, 'classify-outdir', out);
    await fill(user, 'classify-mirror-prefix-0', DEV_URL_PREFIX);
    await fill(user, 'classify-mirror-dir-0', DEV_IMAGES);
    await user.click(screen.getByTestId('classify-start'));
    expect(client.callsOf('ml.classify')).toEqual([{ source: bundle, outDir: out, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] }]);
    const result = await screen.findByTestId('classify-result', {}, { timeout: 60_000 });
    expect(result.textContent).toMatch(/2/);
    const finals = readTsv(joinPath(out, 'b_finaltags.tsv'));
    expect(finals).toHaveLength(2);
    expect(finals.every((r) => r.p_bad !== '' && r.source === 'model')).toBe(true); // both scored
    // The classified bundle is now one of the library's: the "From" filter and the bundle picker list it.
    const id = store.getState().lastClassify!.bundle_id;
    await until(() => expect(store.getState().sources!.bundles.map((b) => b.id)).toContain(id));
  }, 90_000);
});
