// @vitest-environment jsdom
// The Library screen given a tag file (an earlier classify's output), on the real core through the
// in-memory transport: it merges the predictions into the active run as `qc import` does, and the
// toast and the result say what was merged.
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { tagFile } from '../../../test-support/renderer/files';
import { renderWith, until } from '../../../test-support/renderer/render';
import { LibraryScreen } from './LibraryScreen';

describe('Library screen: tag files', () => {
  test('a tag file (a classify chunk) is merged into the active run, and the toast says what was merged', async () => {
    const user = userEvent.setup();
    const { client, store, lib } = renderWith(<LibraryScreen />);
    const f = tagFile(['https://elsewhere.example/a.jpg', 'https://elsewhere.example/b.jpg'], 0.9);
    await until(() => expect(screen.getByTestId('status-images').dataset.value).toBe('300'));
    await user.click(screen.getByTestId('import-path'));
    await user.paste(f);
    await user.click(screen.getByTestId('import-start'));
    expect(client.callsOf('library.import')).toEqual([{ source: f }]);
    const result = await screen.findByTestId('import-result', {}, { timeout: 20_000 });
    expect(result.dataset.kind).toBe('tags');
    expect(result.dataset.rows).toBe('2');
    expect(result.textContent).toContain(`2 tag rows from 1 file into run ${lib.runId}`);
    const toast = await until(() => {
      const t = store.getState().toasts.find((x) => x.text.startsWith('Import: merged'));
      expect(t).toBeDefined();
      return t!;
    });
    expect(toast).toMatchObject({ kind: 'success', text: `Import: merged 2 tag rows from 1 file into run ${lib.runId}: 0 predictions of images here (0 of them kept as the run scored them out of fold), 2 by URL only (image not here), 0 without a prediction.` });
    const stored = lib.core.context.db.prepare('SELECT p_bad FROM url_predictions WHERE run_id = ? AND url = ?').pluck().get(lib.runId, 'https://elsewhere.example/a.jpg');
    expect(stored).toBeCloseTo(0.9, 6);
    expect(screen.getByTestId('status-images').dataset.value).toBe('300');
  });
});
