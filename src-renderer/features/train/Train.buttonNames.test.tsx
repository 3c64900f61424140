// @vitest-environment jsdom
import { screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderRunsPanels } from '../../../test-support/renderer/runsPanels';
import { setup, until } from '../../../test-support/renderer/render';

/** The accessible name of each button inside `root`: what a screen reader says when Tab reaches it. */
function names(root: HTMLElement): string[] {
  const said: string[] = [];
  within(root).getAllByRole('button', {
    name: (name) => {
      said.push(name);
      return true;
    },
  });
  return said;
}

/** The accessible name of one button. */
function nameOf(el: HTMLElement): string {
  return names(el.parentElement!).find((_, i) => within(el.parentElement!).getAllByRole('button')[i] === el)!;
}

describe('Train screen: every button says what it acts on', () => {
  test('the runs table\'s Make active, Archive and Restore name their run (a screen reader heard "Make active" once per row)', async () => {
    const ctx = setup({ runs: 3 });
    await renderRunsPanels(ctx);
    const runs = ctx.store.getState().runs;
    const inactive = runs.filter((r) => r.status === 'done' && !r.active).map((r) => r.run_id);
    expect(inactive.length).toBe(2);
    const table = screen.getByTestId('runs-table');
    const all = names(table);
    expect(new Set(all).size, all.join(' | ')).toBe(all.length);
    for (const id of inactive) {
      // Each name starts with the button's visible words (what a voice-control user says), then its run.
      expect(nameOf(screen.getByTestId(`run-activate-${id}`))).toMatch(new RegExp(`^Make active\\b.*\\brun ${id}\\b`));
      expect(nameOf(screen.getByTestId(`run-archive-${id}`))).toMatch(new RegExp(`^Archive run ${id}\\b`));
    }
    await ctx.store.getState().setShowArchived(true);
    await ctx.store.getState().archiveRun(inactive[0]!, true);
    await until(() => expect(screen.getByTestId(`run-archive-${inactive[0]}`).textContent).toBe('Restore'));
    expect(nameOf(screen.getByTestId(`run-archive-${inactive[0]}`))).toMatch(new RegExp(`^Restore run ${inactive[0]}\\b`));
  });

  test('the thresholds\' Browse and Use for export name the threshold they take, and the confusion cells the images they open', async () => {
    const ctx = setup();
    // The active run proves a threshold and has a point estimate (the seeded one proves none): both rows offer Browse and Use for export.
    const { db } = ctx.lib.core.context;
    const runId = ctx.lib.runId!;
    const ev = JSON.parse((db.prepare('SELECT evaluation FROM runs WHERE id = ?').get(runId) as { evaluation: string }).evaluation) as { thresholds: { bad: Record<string, unknown> } };
    const stats = { threshold: 0.8125, flagged: 70, tp: 69, fp: 1, coverage: 0.6, error: 1 / 70, error_upper: 0.0447 };
    ev.thresholds.bad = { ...ev.thresholds.bad, threshold: 0.8125, chosen_on: stats, best_bound: null, estimate: { ...stats, threshold: 0.7, errorInterval: [0.001, 0.07], on_test: stats } };
    db.prepare('UPDATE runs SET evaluation = ? WHERE id = ?').run(JSON.stringify(ev), runId);
    await renderRunsPanels(ctx);
    const choices = await screen.findByTestId('threshold-choices');
    const buttons = names(choices);
    expect(buttons.length).toBe(4);
    expect(new Set(buttons).size, buttons.join(' | ')).toBe(buttons.length);
    for (const row of ['threshold-proven', 'threshold-estimate']) {
      const tr = screen.getByTestId(row);
      if (tr.dataset.value === '') continue;
      for (const b of within(tr).getAllByRole('button')) {
        expect(nameOf(b).startsWith(b.textContent!.trim()), nameOf(b)).toBe(true);
        expect(nameOf(b)).toContain(tr.querySelector('td.num')!.textContent!);
      }
    }
    await until(() => expect(screen.getByTestId('confusion-fp').dataset.value).not.toBe(''));
    const cells = (['tp', 'fp', 'fn', 'tn'] as const).map((o) => nameOf(screen.getByTestId(`confusion-${o}`)));
    expect(new Set(cells).size, cells.join(' | ')).toBe(4);
    expect(cells[1]).toContain('labelled good, flagged');
    // The visible words stay in the name: 'all scored: N'.
    expect(cells[1]).toContain(screen.getByTestId('confusion-fp').textContent!.trim());
  });
});
