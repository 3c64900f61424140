// @vitest-environment jsdom
/**
 * A form's error toast goes once the form is changed (it stayed 12 s over a field already fixed),
 * and Export tags says a relative output folder is refused as it is typed, before Export is
 * pressed, instead of previewing "into relout" (UX audit L9).
 */
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../../../test-support/renderer/files';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { ExportScreen } from './ExportScreen';

describe("a form's errors", () => {
  test("Export tags: a relative folder is refused as it is typed, its toast goes when the folder is fixed", async () => {
    const user = userEvent.setup();
    const ctx = setup({ images: 60, runs: 1 });
    renderWith(<ExportScreen />, ctx);
    const field = screen.getByTestId('export-outdir');
    await user.type(field, 'relout');
    const why = await screen.findByTestId('export-outdir-relative');
    expect(why.textContent).toContain('"relout" would be looked up from the folder the app was started in');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(field.getAttribute('aria-describedby')).toBe(why.id);
    // The preview no longer promises to write there.
    const preview = await screen.findByTestId('export-preview');
    expect(preview.textContent).not.toContain('relout');
    await user.click(screen.getByTestId('export-start'));
    await until(() => expect(ctx.store.getState().toasts.map((t) => t.kind)).toEqual(['error']));
    expect(ctx.client.callsOf('export.tags')).toEqual([]);

    // Fixed: the toast and the note go, and the preview names the folder.
    const out = tempDir();
    await user.clear(field);
    await user.type(field, out);
    expect(ctx.store.getState().toasts).toEqual([]);
    expect(screen.queryByTestId('export-outdir-relative')).toBeNull();
    expect(field.getAttribute('aria-invalid')).toBeNull();
    expect(screen.getByTestId('export-preview').textContent).toContain(`into ${out}`);
  }, 30_000);

  test("Train: the core's refusal of a value goes when the form is changed; an error that is not the form's stays", async () => {
    const ctx = setup({ images: 60, runs: 1 });
    const s = () => ctx.store.getState();
    await s().loadRuns();
    s().setTrainForm({ learningRate: 0 });
    expect(await s().startTraining()).toBeNull();
    const refused = s().toasts.at(-1)!;
    expect(refused.kind).toBe('error');
    expect(refused.text).toMatch(/^Training: .*learning rate/iu);
    s().setTrainForm({ learningRate: 0.001 });
    expect(s().toasts).toEqual([]);

    // Not about a field: it stays however the form changes.
    ctx.client.failNext('ml.train', { code: 'bad_input', message: 'the library is busy' });
    expect(await s().startTraining()).toBeNull();
    await until(() => expect(s().toasts.map((t) => t.kind)).toEqual(['error']));
    s().setTrainForm({ learningRate: 0.002 });
    expect(s().toasts.map((t) => t.kind)).toEqual(['error']);
  }, 30_000);
});
