import { screen } from '@testing-library/react';
import { EvaluationPanel } from '../../src-renderer/features/train/EvaluationPanel';
import { RunCompare, RunsTable } from '../../src-renderer/features/train/RunsTable';
import { renderWith, type setup } from './render';

/** The Train screen's runs table, comparison and evaluation panel over `ctx`'s runs and scores, once the table shows. */
export async function renderRunsPanels(ctx: ReturnType<typeof setup>) {
  await ctx.store.getState().loadRuns();
  await ctx.store.getState().loadScores();
  const rendered = renderWith(
    <>
      <RunsTable />
      <RunCompare />
      <EvaluationPanel />
    </>,
    ctx,
  );
  await screen.findByTestId('runs-table');
  return rendered;
}
