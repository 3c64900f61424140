// @vitest-environment jsdom
// What another program changes in the library (`qc threshold`, `qc label`) is on the Export and
// Library screens the next time they are shown, and on Export after each export, with no event
// needed: here the change is written past the API (the core's database and label service, no
// handler, so no event reaches the page), as another program's write reaches this window.
import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test, vi } from 'vitest';
import { readTsv, joinPath, tempDir } from '../../../test-support/renderer/files';
import { renderWith, setup, until, type TestContext } from '../../../test-support/renderer/render';
import { useApp } from '../../stores/app';
import { LibraryScreen } from '../library/LibraryScreen';
import { ExportScreen } from './ExportScreen';

/** The screen the store says is shown (leaving it unmounts it, as the app does). */
function Shown() {
  const s = useApp((st) => st.screen);
  return s === 'export' ? <ExportScreen /> : s === 'library' ? <LibraryScreen /> : <div />;
}

/** `qc threshold T` beside the app: the run's curator threshold, written with no event. */
function setThresholdElsewhere(ctx: TestContext, t: number): void {
  const changed = ctx.lib.core.context.db.prepare('UPDATE runs SET curator_threshold = ? WHERE id = ?').run(t, ctx.lib.runId).changes;
  expect(changed).toBe(1);
}

const show = (ctx: TestContext, s: 'export' | 'library' | 'review') => act(() => ctx.store.getState().setScreen(s));
const shownThreshold = () => screen.getByTestId('export-threshold').dataset;

describe('screens shown again ask again', () => {
  test('Export shows the threshold another program set, when shown again and after an export', async () => {
    const user = userEvent.setup();
    const ctx = setup({ recommended: 0.7 });
    ctx.store.setState({ screen: 'export' });
    renderWith(<Shown />, ctx);
    await until(() => expect(shownThreshold().value).toBe('0.7'));
    expect(shownThreshold().source).toBe('recommended');

    // `qc threshold 0.5` beside the app, then Library and back to Export.
    setThresholdElsewhere(ctx, 0.5);
    show(ctx, 'library');
    const calls = vi.spyOn(ctx.client, 'call');
    show(ctx, 'export');
    await until(() => expect(shownThreshold().value).toBe('0.5'));
    expect(shownThreshold().source).toBe('curator');
    // Read from the runs, not from the slider's data (review.scores recounts its sketch: ~300 ms at a million images).
    expect(calls.mock.calls.map((c) => c[0])).not.toContain('review.scores');
    calls.mockRestore();

    // While Export is shown: `qc threshold 0.42`, then an export (which uses 0.42): the line says 0.42 after it.
    setThresholdElsewhere(ctx, 0.42);
    const out = tempDir();
    await user.click(screen.getByTestId('export-outdir'));
    await user.paste(out);
    await user.click(screen.getByTestId('export-start'));
    await screen.findByTestId('export-result-files', {}, { timeout: 10_000 });
    expect(screen.getByTestId('export-result').textContent).toContain('threshold 0.42');
    expect(readTsv(joinPath(out, 'library_finaltags.tsv')).length).toBeGreaterThan(0);
    await until(() => expect(shownThreshold().value).toBe('0.42'));
    // The slider's place (Review) is the one the scores loaded with: only the threshold in force followed.
    expect(ctx.store.getState().scores?.runId).toBe(ctx.lib.runId);
  }, 30_000);

  test("Library shows another program's labels when shown again", async () => {
    const ctx = setup();
    ctx.store.setState({ screen: 'library' });
    renderWith(<Shown />, ctx);
    const curator = () => Number(screen.getByTestId('status-curator').dataset.value);
    await until(() => expect(screen.getByTestId('status-curator')).toBeTruthy());
    const before = curator();
    const unlabelledByCurator = ctx.client.images.filter((i) => i.origin !== 'curator').slice(0, 3).map((i) => i.id);
    expect(unlabelledByCurator).toHaveLength(3);
    // `qc label … --as bad` beside the app, then Review and back to Library.
    ctx.lib.core.context.labels.set(unlabelledByCurator, 'bad');
    show(ctx, 'review');
    show(ctx, 'library');
    await until(() => expect(curator()).toBe(before + 3));
  });
});
