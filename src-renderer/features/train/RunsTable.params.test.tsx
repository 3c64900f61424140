// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderRunsPanels } from '../../../test-support/renderer/runsPanels';
import { setup } from '../../../test-support/renderer/render';

describe('the runs table: a run\'s recipe as it was trained', () => {
  test('small dropout, L2 and learning rates read back as the values the run stored (qc run --json), not rounded to one digit (l2 0.0015 was "2e-3")', async () => {
    const ctx = setup();
    const { db } = ctx.lib.core.context;
    const runId = ctx.lib.runId!;
    const params = JSON.parse((db.prepare('SELECT params FROM runs WHERE id = ?').get(runId) as { params: string }).params) as Record<string, unknown>;
    const set = { l2: 0.0015, learningRate: 0.00025, dropout: 0.0075 };
    db.prepare('UPDATE runs SET params = ? WHERE id = ?').run(JSON.stringify({ ...params, ...set }), runId);
    await renderRunsPanels(ctx);
    const run = ctx.store.getState().runs.find((r) => r.run_id === runId)!;
    expect(run.params).toMatchObject(set);
    const row = screen.getByTestId(`run-row-${runId}`);
    const recipe = [...row.querySelectorAll('td')].map((td) => td.title).find((t) => t.includes(' · l2 '))!;
    expect(recipe).toBeTruthy();
    const read = (name: string) => Number(new RegExp(`\\b${name} (\\S+)`).exec(recipe)![1]);
    expect({ do: read('do'), l2: read('l2'), lr: read('lr') }).toEqual({ do: set.dropout, l2: set.l2, lr: set.learningRate });
  });
});
