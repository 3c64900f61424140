// @vitest-environment jsdom
/**
 * Name/value tables name each row: their first cell is a row header (`<th scope="row">`), so a
 * screen reader says "Width, 580 px" or "class 3, 41" instead of a bare value (a11y audit F10):
 * the preview's signals and "why" tables, a run's thresholds, the library's rating classes, the keys.
 */
import { act, screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { renderRunsPanels } from '../../../test-support/renderer/runsPanels';
import { LibraryScreen } from '../library/LibraryScreen';
import { KeyHelp } from '../review/KeyHelp';
import { PreviewPane } from '../review/PreviewPane';
import { setPrefs } from '../review/prefs';

/** Each body row of `table`: its row header's text, then its other cells' texts. */
function rows(table: HTMLElement): [string, number][] {
  return within(table)
    .getAllByRole('row')
    .map((r) => [within(r).getByRole('rowheader').textContent!, within(r).queryAllByRole('cell').length]);
}

describe('name/value tables have row headers', () => {
  test("the preview's signals and why tables", async () => {
    const ctx = setup({ images: 120, runs: 1 });
    await ctx.store.getState().loadScores();
    let detail = null as Awaited<ReturnType<typeof ctx.client.call<'images.get'>>> | null;
    for (const im of ctx.client.images.filter((m) => m.label !== null)) {
      const d = await ctx.client.call('images.get', { imageId: im.id });
      if (d.attribution?.parts.length) {
        detail = d;
        break;
      }
    }
    const d = detail!;
    renderWith(<PreviewPane />, ctx);
    act(() => ctx.store.setState({ preview: { open: true, view: 'review', imageId: d.image_id, detail: d, loading: false, error: null } }));
    const why = await until(() => screen.getByTestId('preview-attribution'));
    const whyRows = rows(within(why).getByRole('table'));
    expect(whyRows.length).toBeGreaterThan(0);
    for (const [name, cells] of whyRows) {
      expect(name).not.toBe('');
      expect(cells).toBe(1);
    }
    // The signals, read from the seeded library's cached vectors.
    const signals = screen.getAllByTestId(/^signal-/u);
    expect(signals.length).toBeGreaterThan(0);
    for (const s of signals) expect(within(s.closest('tr')!).getByRole('rowheader').textContent).not.toBe('');
  });

  test("a run's thresholds: proven, point estimate, exports use", async () => {
    const ctx = setup();
    await renderRunsPanels(ctx);
    const choices = await screen.findByTestId('threshold-choices');
    const names = rows(within(choices).getByRole('table')).map(([n]) => n);
    expect(names).toEqual(['proven', 'point estimate', 'exports use']);
  });

  test("the library's rating classes, and the keys", async () => {
    const ctx = setup({ images: 60, runs: 1 });
    renderWith(<LibraryScreen />, ctx);
    const ratings = await screen.findByTestId('status-ratings');
    expect(rows(ratings).map(([n, cells]) => [n, cells])).toEqual([1, 2, 3, 4, 5].map((c) => [`class ${c}`, 2]));
    expect(within(ratings).getAllByRole('rowheader')[0]!.getAttribute('scope')).toBe('row');

    renderWith(<KeyHelp />, ctx);
    act(() => setPrefs({ helpOpen: true }));
    const keys = within(await screen.findByTestId('key-help')).getByRole('table');
    for (const [name, cells] of rows(keys)) {
      expect(name).not.toBe('');
      expect(cells).toBe(1);
    }
    act(() => setPrefs({ helpOpen: false }));
  });
});
