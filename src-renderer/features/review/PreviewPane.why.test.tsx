// @vitest-environment jsdom
/**
 * The preview's "why" never presents the final model's score as the one shown: for an image whose
 * shown p(bad) is out of fold (a train or validation image), it names both numbers and says which
 * one the threshold uses and which one the parts explain.
 */
import { act, screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { fmtP, fmtPAt } from '../../components/format';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { PreviewPane } from './PreviewPane';

describe("the preview's why p(bad)", () => {
  test('for an out-of-fold image, names the shown p(bad) (as printed above) and the final model score it explains', async () => {
    const ctx = setup({ images: 120, runs: 1 });
    const { client, store } = ctx;
    await store.getState().loadScores();
    const threshold = store.getState().threshold;
    // A labelled held-out image whose shown score and the final model's differ.
    let detail = null as Awaited<ReturnType<typeof client.call<'images.get'>>> | null;
    for (const im of client.images.filter((m) => m.heldout && m.label !== null)) {
      const d = await client.call('images.get', { imageId: im.id });
      if (d.attribution?.shown_score === 'out_of_fold' && d.attribution.parts.length && fmtP(d.attribution.p_bad) !== fmtP(d.p_bad)) {
        detail = d;
        break;
      }
    }
    expect(detail).not.toBeNull();
    const d = detail!;
    renderWith(<PreviewPane />, ctx);
    act(() => store.setState({ preview: { open: true, view: 'review', imageId: d.image_id, detail: d, loading: false, error: null } }));
    const pane = within(screen.getByTestId('preview'));
    const why = await until(() => pane.getByTestId('preview-attribution'));
    expect(why.dataset.shownScore).toBe('out_of_fold');
    const text = within(why).getByTestId('preview-attribution-what').textContent!;
    const shown = pane.getByTestId('preview-pbad').firstChild!.textContent!;
    expect(shown).toBe(fmtPAt(d.p_bad, threshold));
    // Both numbers, each named for what it is; never "Why p(bad) <the final model's score>".
    expect(text).toContain(`the p(bad) above (${shown}), which the threshold and the tags use, is out of fold`);
    expect(text).toContain(`final model scores it ${fmtP(d.attribution!.p_bad)}`);
    expect(text).not.toMatch(/^Why p\(bad\)/);
  });
});
