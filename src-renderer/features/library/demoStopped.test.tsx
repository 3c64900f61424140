// @vitest-environment jsdom
// A demo whose load stopped before its first run (npm start stopped with Ctrl-C while it trained,
// then started again): every photo is in, no run. Library, Review and Train point to "Finish
// loading the demo" and say nothing false about it (the real demo.load on a small demo library).
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { renderWith, setup, until, type TestContext } from '../../../test-support/renderer/render';
import { miniDemo } from '../../../test-support/seedLibrary';
import { ThresholdSlider } from '../review/ThresholdSlider';
import { TrainScreen } from '../train/TrainScreen';
import { LibraryScreen } from './LibraryScreen';

/** A library holding the whole demo and no run: demo.load without its training, as a stopped load leaves it. */
async function stoppedDemo(): Promise<{ ctx: TestContext; rows: number }> {
  const ctx = setup({ images: 0, trained: false, demoDir: miniDemo(6) });
  const loaded = await ctx.lib.core.call('demo.load', { train: false });
  expect(loaded.run).toBeNull();
  const status = await ctx.lib.core.call('library.status', {});
  expect(status.demo?.offer).toBe('finish');
  expect(status.images).toBe(status.demo!.rows);
  return { ctx, rows: status.demo!.rows };
}

describe('a demo whose first run was not trained', () => {
  test('Library says its first run was not trained, not "only part of the demo (N of N photos)"', async () => {
    const { ctx, rows } = await stoppedDemo();
    renderWith(<LibraryScreen />, ctx);
    const offer = await screen.findByTestId('demo');
    await until(() => expect(offer.dataset.offer).toBe('finish'));
    const text = offer.textContent ?? '';
    expect(text).not.toMatch(/only part/);
    expect(text).not.toContain(`${rows} of ${rows}`);
    expect(text).toMatch(/first run was not trained/);
    expect(screen.getByTestId('demo-load').textContent).toBe('Finish loading the demo');
  });

  test('Library still says how much is missing when only part of the demo is in', async () => {
    const ctx = setup({ images: 0, trained: false, demoDir: miniDemo(6) });
    renderWith(<LibraryScreen />, ctx);
    // As a load cancelled during its import leaves the status: fewer images than the demo's rows.
    await until(() => expect(ctx.store.getState().status?.demo?.rows).toBeGreaterThan(0));
    const rows = ctx.store.getState().status!.demo!.rows;
    ctx.store.setState({ status: { ...ctx.store.getState().status!, images: rows - 3, demo: { rows, offer: 'finish' } } });
    await until(() => expect(screen.getByTestId('demo').textContent).toContain(`only part of the demo (${rows - 3} of ${rows} photos)`));
  });

  test('Review points to Library\'s "Finish loading the demo", and its button goes there', async () => {
    const user = userEvent.setup();
    const { ctx } = await stoppedDemo();
    await Promise.all([ctx.store.getState().loadStatus(), ctx.store.getState().loadScores()]);
    const { store } = renderWith(<ThresholdSlider />, ctx);
    const off = await screen.findByTestId('threshold');
    await until(() => expect(off.dataset.demo).toBe('finish'));
    expect(off.textContent).toMatch(/demo's first run was not trained/);
    expect(off.textContent).toContain('"Finish loading the demo" on the Library screen');
    await user.click(screen.getByTestId('threshold-go-demo'));
    expect(store.getState().screen).toBe('library');
  });

  test('Train does not warn that every image\'s features will be computed: it points to "Finish loading the demo"', async () => {
    const user = userEvent.setup();
    const { ctx } = await stoppedDemo();
    await ctx.store.getState().loadStatus();
    const { store } = renderWith(<TrainScreen />, ctx);
    const note = await screen.findByTestId('first-training-note');
    await until(() => expect(note.dataset.demo).toBe('finish'));
    expect(note.textContent).not.toMatch(/computes the features/);
    expect(note.textContent).toContain('"Finish loading the demo" on the Library screen');
    await user.click(screen.getByTestId('first-training-go-demo'));
    expect(store.getState().screen).toBe('library');
  });

  test('a library of its own with no run keeps the first-training note and the plain "No trained model yet"', async () => {
    const ctx = setup({ trained: false });
    await Promise.all([ctx.store.getState().loadStatus(), ctx.store.getState().loadScores()]);
    expect(ctx.store.getState().status?.demo?.offer ?? null).toBeNull();
    renderWith(
      <>
        <ThresholdSlider />
        <TrainScreen />
      </>,
      ctx,
    );
    const note = await screen.findByTestId('first-training-note');
    expect(note.textContent).toMatch(/computes the features of each image that has none yet/);
    expect(screen.getByTestId('threshold').textContent).toMatch(/^No trained model yet: train one/);
    expect(screen.queryByTestId('threshold-go-demo')).toBeNull();
  });
});
