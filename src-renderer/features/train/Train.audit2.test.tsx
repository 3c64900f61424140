// @vitest-environment jsdom
import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderRunsPanels } from '../../../test-support/renderer/runsPanels';
import { setup, until } from '../../../test-support/renderer/render';

describe('Train screen, second audit', () => {
  test('the two-run comparison names its metric column for screen readers (no empty header)', async () => {
    const ctx = setup();
    await renderRunsPanels(ctx);
    const card = await screen.findByTestId('run-compare-any');
    const headers = within(card).getAllByRole('columnheader');
    expect(headers.length).toBe(3);
    for (const th of headers) expect(th.textContent!.trim(), th.outerHTML).not.toBe('');
    expect(within(card).getByRole('columnheader', { name: 'metric' })).toBeTruthy();
  });
});

describe('Train screen, second audit: runs that leave or fail', () => {
  test('a run picked for the two-run comparison that is then archived (and hidden) leaves the comparison on the runs still listed, not gone with no way to pick another', async () => {
    const ctx = setup({ runs: 3 });
    await renderRunsPanels(ctx);
    const done = ctx.store.getState().runs.filter((r) => r.status === 'done');
    expect(done.length).toBe(3);
    const first = done[0]!.run_id;
    fireEvent.change(await screen.findByTestId('compare-left'), { target: { value: String(first) } });
    expect(screen.getByTestId('run-compare-any').dataset.left).toBe(String(first));
    await ctx.store.getState().archiveRun(first, true);
    await until(() => expect(ctx.store.getState().runs.some((r) => r.run_id === first)).toBe(false));
    const card = await screen.findByTestId('run-compare-any');
    const listed = ctx.store.getState().runs.map((r) => String(r.run_id));
    expect(listed).toContain(card.dataset.left);
    expect(listed).toContain(card.dataset.right);
    expect(card.dataset.left).not.toBe(card.dataset.right);
    // Both pickers are there to choose again, and each shows a run it lists.
    for (const id of ['compare-left', 'compare-right']) {
      const select = screen.getByTestId(id) as HTMLSelectElement;
      expect([...select.options].map((o) => o.value)).toContain(select.value);
    }
  });

  test("a failed run says why in the runs table in words anyone can reach (qc run prints its error), not only in a mouse tooltip", async () => {
    const ctx = setup();
    const { db } = ctx.lib.core.context;
    const error = 'interrupted: its process (pid 4242) ended before training finished; train again';
    const id = Number(
      db.prepare("INSERT INTO runs (status, params, backbone, error, seconds, finished_at) SELECT 'failed', params, backbone, ?, 1.5, finished_at FROM runs ORDER BY id LIMIT 1").run(error)
        .lastInsertRowid,
    );
    await renderRunsPanels(ctx);
    const row = await screen.findByTestId(`run-row-${id}`);
    expect(row.dataset.status).toBe('failed');
    // Shown in the row's text (a screen reader and a keyboard reach it), and tied to the status it explains.
    expect(row.textContent).toContain(error);
    const status = within(row).getByText('failed');
    const described = status.getAttribute('aria-describedby');
    expect(described).toBeTruthy();
    expect(document.getElementById(described!)?.textContent).toContain(error);
  });
});
