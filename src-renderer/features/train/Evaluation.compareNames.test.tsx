// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderRunsPanels } from '../../../test-support/renderer/runsPanels';
import { setup, until } from '../../../test-support/renderer/render';

describe('comparing two runs: the pickers', () => {
  test('each run picker has a name a screen reader says (axe: select-name), and the two differ', async () => {
    const ctx = setup();
    await renderRunsPanels(ctx);
    const card = await screen.findByTestId('run-compare-any');
    const said: string[] = [];
    const pickers = within(card).getAllByRole('combobox', {
      name: (name) => {
        said.push(name);
        return true;
      },
    });
    expect(pickers.length).toBe(2);
    for (const name of said) expect(name.trim()).not.toBe('');
    expect(new Set(said).size).toBe(2);
    expect(within(card).getByRole('combobox', { name: /first run/i })).toBe(screen.getByTestId('compare-left'));
    expect(within(card).getByRole('combobox', { name: /second run/i })).toBe(screen.getByTestId('compare-right'));
  });
});

describe('comparing two runs: never a run with itself', () => {
  const options = (id: string) => [...(screen.getByTestId(id) as HTMLSelectElement).options].map((o) => Number(o.value));

  test("neither picker offers the other's run, and archiving the first run picked moves to another pair, never run N against run N", async () => {
    const ctx = setup({ runs: 3 });
    await renderRunsPanels(ctx);
    const card = await screen.findByTestId('run-compare-any');
    const runs = ctx.client.runs.filter((r) => r.status === 'done').map((r) => r.run_id);
    expect(runs).toHaveLength(3);
    const [r1, r2, r3] = runs as [number, number, number];
    const pair = () => [Number(card.dataset.left), Number(card.dataset.right)];
    // Each picker lists every run but the other's.
    const [l, r] = pair();
    expect(l).not.toBe(r);
    expect(options('compare-left')).toEqual(runs.filter((x) => x !== r));
    expect(options('compare-right')).toEqual(runs.filter((x) => x !== l));
    // Run 2 against run 1, with run 1 active (the audit's "pick 5 and 1").
    await act(async () => {
      await ctx.store.getState().makeActive(r1);
    });
    fireEvent.change(screen.getByTestId('compare-left'), { target: { value: String(r2) } });
    fireEvent.change(screen.getByTestId('compare-right'), { target: { value: String(r1) } });
    expect(pair()).toEqual([r2, r1]);
    // Archive run 2: the first picker falls back to the active run, run 1, which the second shows:
    // the second moves to another run instead of comparing run 1 with itself.
    await act(async () => {
      await ctx.store.getState().archiveRun(r2, true);
    });
    await until(() => expect(pair()[0]).toBe(r1));
    expect(pair()).toEqual([r1, r3]);
    expect(options('compare-left')).toEqual([r1]);
    expect(options('compare-right')).toEqual([r3]);
  });
});
