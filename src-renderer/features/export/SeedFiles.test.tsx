// @vitest-environment jsdom
// Files for other tools (Export screen) and the runs table's fit verdicts and archive, on the real core.
import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { fileExists, joinPath, listDir, readJson, tempDir } from '../../../test-support/renderer/files';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { TrainScreen } from '../train/TrainScreen';
import { useApp } from '../../stores/app';
import { ExportScreen } from './ExportScreen';

const tmp = tempDir('qc-seedfiles-');

/** The Export screen while it is the screen shown (leaving it unmounts it, as the app does). */
function OnExport() {
  return useApp((s) => s.screen) === 'export' ? <ExportScreen /> : <div />;
}

describe('files for other tools', () => {
  test('exports the training folders and the active run as an ONNX model with its card', async () => {
    const user = userEvent.setup();
    const { client } = renderWith(<ExportScreen />);
    const active = client.runs.find((r) => r.active)!;
    await until(() => expect((screen.getByTestId('model-export-start') as HTMLButtonElement).disabled).toBe(false));

    const training = joinPath(tmp, 'training');
    fireEvent.change(screen.getByTestId('training-export-dir'), { target: { value: training } });
    fireEvent.change(screen.getByTestId('training-export-sample'), { target: { value: '25' } });
    await user.click(screen.getByTestId('training-export-start'));
    await until(() => expect(screen.getByTestId('training-export-result')).toBeTruthy(), 20_000);
    expect(client.callsOf('export.training')).toEqual([{ outDir: training, sample: 25 }]);
    expect(listDir(joinPath(training, 'images'))).toEqual(['1', '2', '3', '4', '5', 'agg']);
    expect(fileExists(joinPath(training, 'five_download_25.txt'))).toBe(true);

    const model = joinPath(tmp, 'model');
    fireEvent.change(screen.getByTestId('model-export-dir'), { target: { value: model } });
    await user.click(screen.getByTestId('model-export-start'));
    const result = await until(() => screen.getByTestId('model-export-result'), 20_000);
    expect(result.dataset.run).toBe(String(active.run_id));
    const card = readJson<{ run_id: number; preprocessing: { needs_only_the_image: boolean } }>(joinPath(model, 'model-card.json'));
    expect(card.run_id).toBe(active.run_id);
    // The seeded runs use the hand-made signals: the card and the screen say they come from outside ONNX.
    expect(card.preprocessing.needs_only_the_image).toBe(false);
    expect(within(result).getByText(/signals features, computed outside ONNX/)).toBeTruthy();
  }, 60_000);

  test('says what the training folders left out (the seeded library keeps no original files)', async () => {
    const user = userEvent.setup();
    const ctx = setup();
    const { db } = ctx.lib.core.context;
    const { n } = db.prepare('SELECT COUNT(*) AS n FROM images i LEFT JOIN labels l ON l.image_id = i.id WHERE i.rating_class IS NOT NULL OR l.label IS NOT NULL').get() as { n: number };
    expect(n).toBeGreaterThan(0);
    renderWith(<ExportScreen />, ctx);
    fireEvent.change(screen.getByTestId('training-export-dir'), { target: { value: joinPath(tmp, 'training-missing') } });
    await user.click(screen.getByTestId('training-export-start'));
    await until(() => expect(screen.getByTestId('training-export-result')).toBeTruthy(), 20_000);
    expect(screen.getAllByTestId('training-export-warning').map((w) => w.textContent)).toEqual([`${n} images have no original file in the library: left out of the image folders (their URLs are in the download lists)`]);
  }, 60_000);

  test('leaving the screen mid-export keeps the folder typed and the button disabled, and shows the result on return: no second export', async () => {
    const user = userEvent.setup();
    // Each call waits 300 ms before reaching the core: the export is still running when the screen comes back.
    const { client, store } = renderWith(<OnExport />, setup({ latencyMs: 300 }));
    store.getState().setScreen('export');
    const training = joinPath(tmp, 'training-kept');
    fireEvent.change(await screen.findByTestId('training-export-dir'), { target: { value: training } });
    await user.click(screen.getByTestId('training-export-start'));
    store.getState().setScreen('library');
    await until(() => expect(screen.queryByTestId('seed-files')).toBeNull());
    store.getState().setScreen('export');
    const start = (await screen.findByTestId('training-export-start')) as HTMLButtonElement;
    expect((screen.getByTestId('training-export-dir') as HTMLInputElement).value).toBe(training);
    expect(start.disabled).toBe(true);
    expect((screen.getByTestId('model-export-start') as HTMLButtonElement).disabled).toBe(true);
    await store.getState().startTrainingExport(); // as a second press would: refused while one runs
    await until(() => expect(screen.getByTestId('training-export-result')).toBeTruthy(), 20_000);
    expect(client.callsOf('export.training')).toEqual([{ outDir: training, sample: 7000 }]);
    expect(start.disabled).toBe(false);
  }, 30_000);

  test('an empty folder field is refused before any call', async () => {
    const user = userEvent.setup();
    const { client, store } = renderWith(<ExportScreen />);
    await user.click(screen.getByTestId('training-export-start'));
    expect(client.callsOf('export.training')).toEqual([]);
    await until(() => expect(store.getState().toasts.some((t) => /new or empty folder/.test(t.text))).toBe(true));
  });
});

describe('runs table: how each run learned, archive and restore', () => {
  test('shows the core\'s fit verdict and archives a run (hidden, not deleted), then restores it', async () => {
    const user = userEvent.setup();
    const { client } = renderWith(<TrainScreen />);
    await until(() => expect(screen.getByTestId('run-row-1')).toBeTruthy());
    for (const r of client.runs) {
      if (r.fit && r.fit.verdict !== 'unknown') expect(screen.getByTestId(`run-fit-${r.run_id}`).dataset.verdict).toBe(r.fit.verdict);
    }
    expect(client.runs.filter((r) => r.fit?.verdict !== 'unknown').length).toBeGreaterThan(0);
    // The active run cannot be archived: it has no button.
    const active = client.runs.find((r) => r.active)!;
    expect(screen.queryByTestId(`run-archive-${active.run_id}`)).toBeNull();

    await user.click(screen.getByTestId('run-archive-1'));
    await until(() => expect(screen.queryByTestId('run-row-1')).toBeNull());
    expect(client.runs.map((r) => r.run_id)).not.toContain(1);
    await user.click(screen.getByTestId('runs-show-archived'));
    await until(() => expect(screen.getByTestId('run-archive-1').textContent).toBe('Restore'));
    await user.click(screen.getByTestId('run-archive-1'));
    await until(() => expect(client.runs.map((r) => r.run_id)).toContain(1));
    expect(client.callsOf('ml.archiveRuns')).toEqual([{ runIds: [1], archived: true }, { runIds: [1], archived: false }]);
  }, 30_000);
});
