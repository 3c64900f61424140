// @vitest-environment jsdom
// The Export screen as a curator reads it, on the real core (seeded library, in-memory client): what
// it says an export will write and leave out, what the export wrote, and that each figure is the core's.
import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { bundleFile, DEV_IMAGES, DEV_URL_PREFIX, joinPath, listDir, readTsv, tagFile, tempDir } from '../../../test-support/renderer/files';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { devRatings, linesWriter } from '../../../test-support/fixtures';
import { ExportScreen } from './ExportScreen';

/** The export's result shown and Export enabled again: the result is kept, then the toast shown, then the busy state cleared, each in its own render. */
async function whenExported(timeout = 10_000): Promise<HTMLElement> {
  const result = await screen.findByTestId('export-result', {}, { timeout });
  await until(() => expect((screen.getByTestId('export-start') as HTMLButtonElement).disabled).toBe(false), timeout);
  return result;
}

const ELSEWHERE = ['https://elsewhere.example.org/media/1.jpg', 'https://elsewhere.example.org/media/2.jpg', 'https://elsewhere.example.org/media/3.jpg'];

describe('Export: predictions merged into another run', () => {
  test('the preview and the result say how many predictions merged for another run the export leaves out, and making that run active exports them', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    const s = () => ctx.store.getState();
    const off = s().connect();
    const active = ctx.client.runs.find((r) => r.active)!.run_id;
    const other = ctx.client.runs.find((r) => !r.active)!.run_id;
    // Another machine's tag files, merged into the run that is not active (`qc import --run`).
    const merged = await ctx.client.call('ml.importTags', { files: [tagFile(ELSEWHERE, 0.9)], runId: other });
    expect(merged.remote).toBe(ELSEWHERE.length);
    // And one into the active run: its export writes that one.
    const own = 'https://elsewhere.example.org/media/own.jpg';
    expect((await ctx.client.call('ml.importTags', { files: [tagFile([own], 0.8)], runId: active })).remote).toBe(1);
    renderWith(<ExportScreen />, ctx);

    const line = `${ELSEWHERE.length} predictions merged for run #${other} are not in this export: make run #${other} active to export them`;
    const preview = await screen.findByTestId('export-preview-merged-elsewhere', {}, { timeout: 5000 });
    expect(preview.textContent).toBe(line);

    const out = tempDir();
    await user.type(screen.getByTestId('export-outdir'), out);
    await user.click(screen.getByTestId('export-start'));
    await whenExported();
    const summary = s().lastExport!;
    expect(summary.run_id).toBe(active);
    // The core's count, in the result's words; and the file has none of them.
    expect(summary.merged_other_runs).toEqual([{ run_id: other, urls: ELSEWHERE.length }]);
    expect(screen.getByTestId('export-result-merged-elsewhere').textContent).toBe(line);
    // The toast says so too (a curator on another screen sees only it).
    await until(() => expect(s().toasts.map((t) => t.text)).toContain(`Exported ${summary.rows} rows (${summary.tagged_bad} tagged bad) to 1 file; ${ELSEWHERE.length} predictions merged for run #${other} not in it`));
    const written = readTsv(joinPath(out, 'library_finaltags.tsv')).map((r) => r.eolMediaURL);
    for (const u of ELSEWHERE) expect(written).not.toContain(u);
    expect(written).toContain(own);

    // The curator makes that run active (another window, or the Train screen): the preview follows.
    await act(async () => {
      await ctx.client.call('ml.setActive', { runId: other });
    });
    await until(() => expect(s().activeRunId).toBe(other));
    // Now the one merged into the run that was active is left out, and said so before the export.
    const singular = `1 prediction merged for run #${active} is not in this export: make run #${active} active to export it`;
    await until(() => expect(screen.getByTestId('export-preview-merged-elsewhere').textContent).toBe(singular));
    const again = tempDir();
    await user.clear(screen.getByTestId('export-outdir'));
    await user.type(screen.getByTestId('export-outdir'), again);
    await user.click(screen.getByTestId('export-start'));
    await until(() => expect(s().lastExport?.run_id).toBe(other), 10_000);
    expect(s().lastExport!.merged_other_runs).toEqual([{ run_id: active, urls: 1 }]);
    await until(() => expect(screen.getByTestId('export-result-merged-elsewhere').textContent).toBe(singular));
    const rows = readTsv(joinPath(again, 'library_finaltags.tsv')).map((r) => r.eolMediaURL);
    for (const u of ELSEWHERE) expect(rows).toContain(u);
    expect(rows).not.toContain(own);
    off();
  }, 60_000);
});

describe('Export: what it says it will write is what the core writes', () => {
  test('the whole library: the run, the file and its rows, before and after', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    const active = ctx.client.runs.find((r) => r.active)!.run_id;
    const own = 'https://elsewhere.example.org/media/own.jpg';
    await ctx.client.call('ml.importTags', { files: [tagFile([own], 0.8)], runId: active });
    renderWith(<ExportScreen />, ctx);
    const out = tempDir();
    await user.type(screen.getByTestId('export-outdir'), out);
    const preview = await screen.findByTestId('export-preview');
    expect(preview.dataset.run).toBe(String(active));
    // Where the threshold comes from, in the words the Train screen and `qc runs` use (the seeded run proves none).
    const threshold = screen.getByTestId('export-threshold');
    expect(threshold.dataset.source).toBe('best-bound');
    expect(threshold.textContent).toContain(`(best bound, run ${active})`);
    expect(preview.textContent).toBe(
      `Writes run #${active}'s tags as library_finaltags.tsv into ${out}: a row for each of the ${ctx.client.images.length} images, then one for each of the run's predictions merged by URL whose image is not here (at most 1).`,
    );
    await user.click(screen.getByTestId('export-start'));
    const result = await whenExported();
    const rows = readTsv(joinPath(out, 'library_finaltags.tsv'));
    expect(rows).toHaveLength(Number(preview.dataset.images) + Number(preview.dataset.merged));
    expect(Number(result.dataset.rows)).toBe(rows.length);
    expect(Number(result.dataset.taggedBad)).toBe(rows.filter((r) => r.imclass === 'bad').length);
    expect(screen.getByTestId('export-result-files').textContent).toBe(joinPath(out, 'library_finaltags.tsv'));
    expect(result.textContent).toContain(`threshold ${threshold.querySelector('b')!.textContent} (best bound) · run ${active}`);
  }, 30_000);

  test('a bundle: its rows and its chunk and final-tags files, before and after', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    const active = ctx.client.runs.find((r) => r.active)!.run_id;
    const imported = await ctx.client.call('library.import', { source: bundleFile(3, 'media.tsv'), kind: 'bundle', mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
    renderWith(<ExportScreen />, ctx);
    const out = tempDir();
    await user.type(screen.getByTestId('export-outdir'), out);
    await until(() => expect((screen.getByRole('option', { name: 'a bundle' }) as HTMLOptionElement).disabled).toBe(false));
    await user.selectOptions(screen.getByTestId('export-scope'), 'bundle');
    await until(() => expect(screen.getByRole('option', { name: /^media\.tsv/ })).toBeTruthy());
    await user.selectOptions(screen.getByTestId('export-bundle'), String(imported.bundle_id));
    const preview = await screen.findByTestId('export-preview');
    expect(preview.textContent).toBe(`Writes run #${active}'s tags of bundle media.tsv into ${out}: its 3 rows in one chunk file (…_a.tsv, up to 5,000 rows each) and …_finaltags.tsv, named after the bundle's file.`);
    await user.click(screen.getByTestId('export-start'));
    const result = await whenExported(30_000);
    expect(listDir(out)).toEqual(['media_a.tsv', 'media_finaltags.tsv']);
    expect(readTsv(joinPath(out, 'media_a.tsv'))).toHaveLength(Number(preview.dataset.rows));
    expect(readTsv(joinPath(out, 'media_finaltags.tsv'))).toHaveLength(Number(preview.dataset.rows));
    expect(Number(result.dataset.rows)).toBe(Number(preview.dataset.rows));
  }, 60_000);
});

describe('Export: a bundle no import of which finished', () => {
  test('the picker marks it, off, with why, and the preview says export would refuse it instead of promising its files', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    const mirrors = [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }];
    const whole = await ctx.client.call('library.import', { source: bundleFile(2, 'whole.tsv'), kind: 'bundle', mirrors });
    const cut = await ctx.client.call('library.import', { source: bundleFile(3, 'cut.tsv'), kind: 'bundle', mirrors });
    // Its only import ended without finishing (a classify cancelled, or ended by a reload).
    ctx.lib.core.context.db.prepare("UPDATE imports SET status = 'cancelled' WHERE id = ?").run(cut.import_id);
    await expect(ctx.client.call('export.tags', { outDir: tempDir(), bundleId: cut.bundle_id! })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/no import of this bundle finished/) });
    renderWith(<ExportScreen />, ctx);
    await until(() => expect((screen.getByRole('option', { name: 'a bundle' }) as HTMLOptionElement).disabled).toBe(false));
    await user.selectOptions(screen.getByTestId('export-scope'), 'bundle');
    const cutOption = (await screen.findByRole('option', { name: /^cut\.tsv/ })) as HTMLOptionElement;
    expect(cutOption.disabled).toBe(true);
    expect(cutOption.textContent).toContain('its import did not finish');
    const wholeOption = screen.getByRole('option', { name: /^whole\.tsv/ }) as HTMLOptionElement;
    expect(wholeOption.disabled).toBe(false);
    expect(wholeOption.textContent).toBe(`whole.tsv (2 rows, id ${whole.bundle_id})`);
    // Picked before its import ended so: the preview says export would refuse it, and promises no file.
    act(() => ctx.store.getState().setExportForm({ bundleId: String(cut.bundle_id) }));
    const warning = await screen.findByTestId('export-preview-not-ready');
    expect(warning.textContent).toContain('Bundle cut.tsv cannot be exported: its import did not finish');
    expect(screen.queryByTestId('export-preview')).toBeNull();
  }, 60_000);
});

describe('Export: while it runs', () => {
  test('the button says so and is disabled, Enter in the folder starts no second export, the progress bar is named, and the toast repeats the result', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    renderWith(<ExportScreen />, ctx);
    await screen.findByTestId('export-preview');
    const out = tempDir();
    await user.type(screen.getByTestId('export-outdir'), out);
    const release = ctx.client.hold('export.tags');
    await user.click(screen.getByRole('button', { name: 'Export' }));
    const start = screen.getByTestId('export-start') as HTMLButtonElement;
    expect(start.disabled).toBe(true);
    expect(start.textContent).toBe('Exporting…');
    // Named for what it measures before the core's first progress message too (it was "job progress").
    expect(screen.getByRole('progressbar', { name: 'Export progress' })).toBe(screen.getByTestId('export-progress'));
    await user.type(screen.getByTestId('export-outdir'), '{Enter}');
    await user.click(start);
    release();
    const result = await whenExported();
    expect(ctx.client.callsOf('export.tags')).toHaveLength(1);
    const rows = readTsv(joinPath(out, 'library_finaltags.tsv'));
    expect(Number(result.dataset.rows)).toBe(rows.length);
    expect(ctx.store.getState().toasts.map((t) => [t.kind, t.text])).toEqual([['success', `Exported ${rows.length} rows (${rows.filter((r) => r.imclass === 'bad').length} tagged bad) to 1 file`]]);
  }, 30_000);
});

describe('Export: cancel', () => {
  test('Cancel beside the progress stops the export mid-way: nothing is written, the toast says so, no result is shown and Export is offered again', async () => {
    const user = userEvent.setup();
    const ctx = setup({ images: 40_000, runs: 1 });
    renderWith(<ExportScreen />, ctx);
    await screen.findByTestId('export-preview', {}, { timeout: 10_000 });
    const out = tempDir();
    await user.type(screen.getByTestId('export-outdir'), out);
    await user.click(screen.getByRole('button', { name: 'Export' }));
    // Once the core has written some rows, and before it has written them all.
    await until(() => expect(Number(screen.getByTestId('export-progress').dataset.done)).toBeGreaterThan(0), 20_000);
    const bar = screen.getByTestId('export-progress').dataset;
    expect(Number(bar.done)).toBeLessThan(Number(bar.total)); // mid-way (the whole export takes over a second here)
    await user.click(screen.getByRole('button', { name: 'Cancel export' }));
    await until(() => expect(screen.queryByTestId('export-cancel')).toBeNull(), 20_000);
    expect(ctx.store.getState().toasts.map((t) => [t.kind, t.text])).toEqual([['info', 'Export: cancelled']]);
    expect(listDir(out)).toEqual([]);
    expect(screen.queryByTestId('export-result')).toBeNull();
    expect((screen.getByTestId('export-start') as HTMLButtonElement).disabled).toBe(false);
  }, 120_000);
});

describe('Export: keyboard', () => {
  test('Cancel pressed from the keyboard: when the export has ended, focus is back on Export, not lost with the Cancel button', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    renderWith(<ExportScreen />, ctx);
    await screen.findByTestId('export-preview');
    await user.type(screen.getByTestId('export-outdir'), tempDir());
    const release = ctx.client.hold('export.tags');
    await user.keyboard('{Enter}'); // submits the form from the folder field
    const cancel = await screen.findByRole('button', { name: 'Cancel export' });
    cancel.focus();
    await user.keyboard('{Enter}');
    // While the core settles the cancel: its name says so, as its text does.
    expect(screen.getByRole('button', { name: 'Cancelling export' }).textContent).toBe('Cancelling…');
    release();
    await until(() => expect(screen.queryByTestId('export-cancel')).toBeNull());
    expect(ctx.store.getState().toasts.map((t) => t.text)).toEqual(['Export: cancelled']);
    await until(() => expect(document.activeElement).toBe(screen.getByTestId('export-start')));
  });

  test("Classify's Cancel is named for its job, and focus goes back to Classify when the cancel ends it", async () => {
    const user = userEvent.setup();
    const ctx = setup();
    renderWith(<ExportScreen />, ctx);
    await screen.findByTestId('export-preview');
    await user.type(screen.getByTestId('classify-source'), bundleFile(2));
    await user.type(screen.getByTestId('classify-outdir'), tempDir());
    const release = ctx.client.hold('ml.classify');
    await user.click(screen.getByRole('button', { name: 'Classify' }));
    const cancel = await screen.findByRole('button', { name: 'Cancel classify' });
    cancel.focus();
    await user.keyboard('{Enter}');
    expect(screen.getByRole('button', { name: 'Cancelling classify' }).textContent).toBe('Cancelling…');
    release();
    await until(() => expect(screen.queryByTestId('classify-cancel')).toBeNull());
    expect(ctx.store.getState().toasts.map((t) => t.text)).toEqual(['Classify: cancelled']);
    await until(() => expect(document.activeElement).toBe(screen.getByTestId('classify-start')));
  });
});

describe('Export: what', () => {
  test('a library with no bundle says why "a bundle" cannot be chosen', async () => {
    const ctx = setup();
    renderWith(<ExportScreen />, ctx);
    await screen.findByTestId('export-preview');
    const option = screen.getByRole('option', { name: /^a bundle/ }) as HTMLOptionElement;
    expect(option.disabled).toBe(true);
    expect(option.textContent).toBe('a bundle (none imported yet)');
  });
});

describe('Export: an export that fails', () => {
  test('says the attempt wrote nothing, so the older result below is not taken for it; a later export clears that', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    renderWith(<ExportScreen />, ctx);
    await screen.findByTestId('export-preview');
    const folder = screen.getByTestId('export-outdir');
    const first = tempDir();
    await user.type(folder, first);
    await user.click(screen.getByTestId('export-start'));
    await whenExported();
    // A folder the core cannot create: inside the library (refused, nothing written).
    const refused = joinPath(ctx.lib.dataDir, 'tags');
    await user.clear(folder);
    await user.type(folder, refused);
    await user.click(screen.getByTestId('export-start'));
    const note = await screen.findByTestId('export-unfinished', {}, { timeout: 10_000 });
    expect(ctx.store.getState().toasts.at(-1)!.kind).toBe('error');
    expect(note.textContent).toBe(`The export into ${refused} did not finish (the message said why): nothing was written there. Below is the last export that did.`);
    expect(screen.getByTestId('export-result-files').textContent).toBe(joinPath(first, 'library_finaltags.tsv'));
    const second = tempDir();
    await user.clear(folder);
    await user.type(folder, second);
    await user.click(screen.getByTestId('export-start'));
    expect(screen.queryByTestId('export-unfinished')).toBeNull(); // while it runs
    await until(() => expect(screen.getByTestId('export-result-files').textContent).toBe(joinPath(second, 'library_finaltags.tsv')), 10_000);
    await until(() => expect((screen.getByTestId('export-start') as HTMLButtonElement).disabled).toBe(false));
    expect(screen.queryByTestId('export-unfinished')).toBeNull();
  }, 30_000);
});

describe('Classify: one that did not finish', () => {
  test('a cancelled classify says so, and the earlier result below is said to be the last that finished, not this one; a later classify clears it', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    renderWith(<ExportScreen />, ctx);
    await screen.findByTestId('export-preview');
    const classify = async (bundle: string, out: string) => {
      await user.clear(screen.getByTestId('classify-source'));
      await user.type(screen.getByTestId('classify-source'), bundle);
      await user.clear(screen.getByTestId('classify-outdir'));
      await user.type(screen.getByTestId('classify-outdir'), out);
      await user.click(screen.getByRole('button', { name: 'Classify' }));
    };
    await user.type(screen.getByTestId('classify-mirror-prefix-0'), DEV_URL_PREFIX);
    await user.type(screen.getByTestId('classify-mirror-dir-0'), DEV_IMAGES);
    const firstOut = tempDir();
    await classify(linesWriter(tempDir())('one.tsv', ['eolMediaURL', ...devRatings().slice(0, 2).map((r) => r[1])]), firstOut);
    await until(() => expect(ctx.store.getState().lastClassify).not.toBeNull(), 60_000);
    await until(() => expect((screen.getByTestId('classify-start') as HTMLButtonElement).disabled).toBe(false));
    const firstLine = screen.getByTestId('classify-counts').textContent;
    // The next one is cancelled.
    const secondOut = tempDir();
    const second = linesWriter(tempDir())('two.tsv', ['eolMediaURL', ...devRatings().slice(2, 4).map((r) => r[1])]);
    const release = ctx.client.hold('ml.classify');
    await classify(second, secondOut);
    await user.click(await screen.findByRole('button', { name: 'Cancel classify' }));
    release();
    const note = await screen.findByTestId('classify-unfinished', {}, { timeout: 10_000 });
    expect(ctx.store.getState().toasts.at(-1)!.text).toBe('Classify: cancelled');
    expect(note.textContent).toContain(`The classify of ${second} into ${secondOut} did not finish`);
    expect(note.textContent).toContain('no tag files were written there');
    expect(note.textContent).toContain('Below is the last classify that did finish.');
    expect(listDir(secondOut)).toEqual([]);
    // The earlier result stays below it, as it was.
    expect(screen.getByTestId('classify-counts').textContent).toBe(firstLine);
    // A classify that finishes takes the note away.
    await classify(second, tempDir());
    expect(screen.queryByTestId('classify-unfinished')).toBeNull(); // while it runs
    await until(() => expect(screen.getByTestId('classify-counts').textContent).not.toBe(firstLine), 60_000);
    expect(screen.queryByTestId('classify-unfinished')).toBeNull();
  }, 120_000);
});

describe('Classify: what its line says of a URL that could not be downloaded', () => {
  test('a failed URL the run has a merged prediction for is written with it, and the line does not call its row NA', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    const active = ctx.client.runs.find((r) => r.active)!.run_id;
    const missing = `${DEV_URL_PREFIX}not-in-the-mirror.jpg`;
    // Another machine scored that URL (its tag files merged into the active run).
    await ctx.client.call('ml.importTags', { files: [tagFile([missing], 0.9)], runId: active });
    const bundle = linesWriter(tempDir())('two.tsv', ['eolMediaURL', ...devRatings().slice(0, 2).map((r) => r[1]), missing]);
    renderWith(<ExportScreen />, ctx);
    await screen.findByTestId('export-preview');
    const out = tempDir();
    await user.type(screen.getByTestId('classify-source'), bundle);
    await user.type(screen.getByTestId('classify-outdir'), out);
    await user.type(screen.getByTestId('classify-mirror-prefix-0'), DEV_URL_PREFIX);
    await user.type(screen.getByTestId('classify-mirror-dir-0'), DEV_IMAGES);
    await user.click(screen.getByRole('button', { name: 'Classify' }));
    const counts = await screen.findByTestId('classify-counts', {}, { timeout: 60_000 });
    expect(ctx.store.getState().lastClassify!.failed).toBe(1);
    const row = readTsv(joinPath(out, 'two_finaltags.tsv')).find((r) => r.eolMediaURL === missing)!;
    expect(row.p_bad).not.toBe('');
    expect(row.imclass).toBe('bad');
    expect(counts.textContent).toContain(`1 URL could not be downloaded: its row is NA with no confidence, unless tag files merged into run #${active} scored it`);
  }, 90_000);
});
