// @vitest-environment jsdom
// The Export screen as a curator reads it, on the real core (seeded library, in-memory client): what
// it says an export will write and leave out, what the export wrote, and that each figure is the core's.
import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { joinPath, readTsv, tagFile, tempDir } from '../../../test-support/renderer/files';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { ExportScreen } from './ExportScreen';

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
    await screen.findByTestId('export-result', {}, { timeout: 10_000 });
    const summary = s().lastExport!;
    expect(summary.run_id).toBe(active);
    // The core's count, in the result's words; and the file has none of them.
    expect(summary.merged_other_runs).toEqual([{ run_id: other, urls: ELSEWHERE.length }]);
    expect(screen.getByTestId('export-result-merged-elsewhere').textContent).toBe(line);
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
