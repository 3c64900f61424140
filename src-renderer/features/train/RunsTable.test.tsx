// @vitest-environment jsdom
import { screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderWith, setup } from '../../../test-support/renderer/render';
import { RunCompare, RunsTable } from './RunsTable';

describe('the runs tables name every column', () => {
  test('the runs table and the run comparison have no empty column header (the actions and metric columns are named for screen readers)', async () => {
    const ctx = setup();
    await ctx.store.getState().loadRuns();
    expect(ctx.store.getState().runs.filter((r) => r.status === 'done').length).toBeGreaterThanOrEqual(2);
    renderWith(
      <>
        <RunsTable />
        <RunCompare />
      </>,
      ctx,
    );
    for (const id of ['runs-table', 'run-compare']) {
      const table = await screen.findByTestId(id);
      const headers = within(table).getAllByRole('columnheader');
      expect(headers.length).toBeGreaterThan(3);
      for (const th of headers) expect(th.textContent!.trim(), `${id}: ${th.outerHTML}`).not.toBe('');
    }
    expect(within(screen.getByTestId('runs-table')).getByRole('columnheader', { name: 'actions' })).toBeTruthy();
    expect(within(screen.getByTestId('run-compare')).getByRole('columnheader', { name: 'metric' })).toBeTruthy();
  });
});
