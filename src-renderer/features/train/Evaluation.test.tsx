// @vitest-environment jsdom
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { thresholdNumbers } from '../../stores/reviewThreshold';
import { ThresholdSlider } from '../review/ThresholdSlider';
import { EvaluationPanel } from './EvaluationPanel';

describe('evaluation panel', () => {
  test('confusion cells count what the gallery finds and open those images in Review', async () => {
    const ctx = setup();
    await ctx.store.getState().loadRuns();
    await ctx.store.getState().loadScores();
    const { client, store } = renderWith(<EvaluationPanel />, ctx);
    await until(() => expect(screen.getByTestId('confusion-fp').dataset.value).not.toBe(''));
    const t = store.getState().threshold;
    // Each cell is the number of labelled images the gallery's outcome filter finds at the threshold.
    const labelled = client.images.filter((i) => i.label !== null && i.p_bad !== null);
    const count = (o: string) =>
      labelled.filter((i) => (o === 'tp' ? i.p_bad! >= t && i.label === 'bad' : o === 'fp' ? i.p_bad! >= t && i.label === 'good' : o === 'fn' ? i.p_bad! < t && i.label === 'bad' : i.p_bad! < t && i.label === 'good')).length;
    for (const o of ['tp', 'fp', 'fn', 'tn']) expect(Number(screen.getByTestId(`confusion-${o}`).dataset.value)).toBe(count(o));
    // Every column header has a name a screen reader can say (axe: empty-table-header).
    const headers = screen.getByTestId('confusion').querySelectorAll('th');
    expect([...headers].map((th) => th.textContent!.trim()).filter((t) => t === '')).toEqual([]);
    fireEvent.click(screen.getByTestId('confusion-fp'));
    expect(store.getState().screen).toBe('review');
    expect(store.getState().views.review.filters).toMatchObject({ outcome: 'fp', predicted: 'all' });
  });

  test('the bold counts are the out-of-fold images the Review slider counts, named apart from the gallery counts', async () => {
    const ctx = setup();
    // The stored split, as training stores it: a fifth of the labelled images are the test split
    // (held out too, but only checking the threshold afterwards), the rest train or validation.
    const { db } = ctx.lib.core.context;
    const put = db.prepare('INSERT INTO splits (image_id, group_id, split, fold) VALUES (?, ?, ?, ?)');
    for (const im of ctx.lib.images.filter((i) => i.label)) put.run(im.id, im.id, im.id % 5 === 0 ? 'test' : 'train', im.id % 5);
    await ctx.store.getState().loadRuns();
    await ctx.store.getState().loadScores();
    renderWith(<EvaluationPanel />, ctx);
    await until(() => expect(screen.getByTestId('confusion-oof-fp').dataset.value).not.toBe(''));
    await until(() => expect(screen.getByTestId('confusion-fp').dataset.value).not.toBe(''));
    const { store } = ctx;
    const t = store.getState().threshold;
    // Out of fold, as the core defines it (runs.ts outOfFoldSql): held out and not in the stored test split.
    const rows = db
      .prepare(`SELECT p.p_bad AS p, l.label FROM predictions p JOIN labels l ON l.image_id = p.image_id WHERE p.run_id = ? AND p.heldout = 1 AND p.image_id NOT IN (SELECT image_id FROM splits WHERE split = 'test') AND l.label IN ('good', 'bad')`)
      .all(store.getState().activeRunId) as { p: number; label: string }[];
    const want = {
      tp: rows.filter((r) => r.p >= t && r.label === 'bad').length,
      fp: rows.filter((r) => r.p >= t && r.label === 'good').length,
      fn: rows.filter((r) => r.p < t && r.label === 'bad').length,
      tn: rows.filter((r) => r.p < t && r.label === 'good').length,
    };
    const oof = (o: string) => Number(screen.getByTestId(`confusion-oof-${o}`).dataset.value);
    for (const o of ['tp', 'fp', 'fn', 'tn'] as const) expect(oof(o)).toBe(want[o]);
    // The slider's numbers at the same threshold come from the same images.
    const slider = thresholdNumbers(store.getState().scores!, t);
    expect(oof('tp') + oof('fp')).toBe(slider.heldoutFlagged);
    expect(oof('tp') + oof('fp') + oof('fn') + oof('tn')).toBe(slider.heldoutSize);
    // The seeded run scores its test split too: the gallery's set is larger, and the panel says which is which.
    const gallery = ['tp', 'fp', 'fn', 'tn'].reduce((a, o) => a + Number(screen.getByTestId(`confusion-${o}`).dataset.value), 0);
    expect(gallery).toBeGreaterThan(rows.length);
    const sets = screen.getByTestId('confusion-sets').textContent!;
    expect(sets).toContain(`${rows.length} out-of-fold images`);
    expect(sets).toContain('not the test split');
    expect(sets).toContain(`${gallery} labelled images the run scores`);
  });

  test('a cell opens as many images in Review as it counts, whatever Review was filtered by before', async () => {
    const ctx = setup();
    await ctx.store.getState().loadRuns();
    await ctx.store.getState().loadScores();
    // Earlier, on Review, the curator looked at one genus, labelled bad, from one import, oldest first.
    const sources = await ctx.client.call('library.sources', {});
    ctx.store.getState().setFilters('review', { taxon: 'Quercus', label: 'bad', origin: 'import', source: `import:${sources.imports[0]!.id}`, sort: 'id', order: 'asc' });
    const { store } = renderWith(<EvaluationPanel />, ctx);
    await until(() => expect(screen.getByTestId('confusion-tn').dataset.value).not.toBe(''));
    const counted = Number(screen.getByTestId('confusion-tn').dataset.value);
    expect(counted).toBeGreaterThan(0);
    fireEvent.click(screen.getByTestId('confusion-tn'));
    await until(() => expect(store.getState().views.review.total).toBe(counted));
    expect(store.getState().views.review.filters).toMatchObject({ outcome: 'tn', predicted: 'all', taxon: '', label: 'any', origin: 'any', sort: 'id', order: 'asc' });
  });

  test('compares two runs and warns when their test splits differ', async () => {
    const ctx = setup();
    await ctx.store.getState().loadRuns();
    const runs = ctx.store.getState().runs.filter((r) => r.status === 'done');
    renderWith(<EvaluationPanel />, ctx);
    if (runs.length < 2) {
      await until(() => expect(screen.getByText(/Train a second run/)).toBeTruthy());
      return;
    }
    const compare = await screen.findByTestId('run-compare-any');
    expect(compare.dataset.left).not.toBe(compare.dataset.right);
    const [a, b] = [runs.find((r) => String(r.run_id) === compare.dataset.left)!, runs.find((r) => String(r.run_id) === compare.dataset.right)!];
    const differ = `${a.snapshot?.test.bad}/${a.snapshot?.test.good}` !== `${b.snapshot?.test.bad}/${b.snapshot?.test.good}` || a.snapshot?.hash !== b.snapshot?.hash;
    expect(screen.queryByTestId('compare-warning') !== null).toBe(differ);
  });

  test('a p(bad) histogram of the held-out images by label sits under the slider, on its scale, with the threshold line', async () => {
    const ctx = setup();
    await ctx.store.getState().loadRuns();
    await ctx.store.getState().loadScores();
    renderWith(<ThresholdSlider />, ctx);
    const svg = await screen.findByTestId('threshold-histogram', {}, { timeout: 5000 });
    const bars = svg.querySelectorAll('rect');
    expect(bars.length).toBe(50);
    // Every held-out labelled image once: the images behind the coverage and error beside it.
    const { sketch } = ctx.store.getState().scores!;
    const count = (cls: string) =>
      [...bars].map((b) => b.querySelector('title')!.textContent!).filter((t) => t.includes(`labelled ${cls}`)).map((t) => Number(/^(\d+) /.exec(t)![1])).reduce((a, b) => a + b, 0);
    expect(count('bad')).toBe(sketch.positiveCount);
    expect(count('good')).toBe(sketch.heldoutSize - sketch.positiveCount);
    // The line stands where the slider's thumb does: the threshold's place on the log-odds grid.
    const line = screen.getByTestId('threshold-histogram-threshold');
    const draft = ctx.store.getState().draftThreshold;
    expect(Number(line.getAttribute('x1'))).toBeCloseTo((sketch.position(draft) / sketch.bins) * 320, 3);
  });

  test('shows the proven and the point-estimate threshold, and either can be made the export threshold', async () => {
    const ctx = setup();
    await ctx.store.getState().loadRuns();
    await ctx.store.getState().loadScores();
    const { client, store } = renderWith(<EvaluationPanel />, ctx);
    const run = store.getState().runs.find((r) => r.run_id === store.getState().activeRunId)!;
    const proven = await screen.findByTestId('threshold-proven');
    expect(proven.dataset.value).toBe(run.thresholds!.bad.threshold === null ? '' : String(run.thresholds!.bad.chosen_on!.threshold));
    const est = screen.getByTestId('threshold-estimate');
    const estValue = run.thresholds!.bad.estimate?.threshold ?? null;
    expect(est.dataset.value).toBe(estValue === null ? '' : String(estValue));
    if (estValue !== null) {
      fireEvent.click(screen.getByTestId('threshold-estimate-use'));
      await until(() => expect(client.callsOf('ml.setThreshold').at(-1)).toEqual({ threshold: estValue }));
      await until(() => expect(store.getState().scores!.inForce).toMatchObject({ source: 'curator' }));
    }
  });
});
