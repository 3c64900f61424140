// @vitest-environment jsdom
import { act, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { ExportScreen } from './ExportScreen';
import { holdAnswer } from '../../../test-support/renderer/gate';

describe('Export: the threshold line after a slow ml.runs answer', () => {
  test('a threshold.changed pushed while the show-time ml.runs is on its way keeps its value when that older answer lands', async () => {
    const ctx = setup();
    const s = () => ctx.store.getState();
    await s().loadScores();
    await s().loadRuns();
    await s().loadStatus();
    const off = s().connect();
    const before = s().scores!.inForce.threshold;
    const held = holdAnswer(ctx.client, 'ml.runs');
    renderWith(<ExportScreen />, ctx);
    await held.seen;
    await new Promise((r) => setTimeout(r, 20)); // answered by the core with the old threshold
    // Another window: "Use 0.777 for export" (the core pushes threshold.changed to this one).
    await act(async () => {
      await ctx.client.call('ml.setThreshold', { threshold: 0.777 });
    });
    await until(() => expect(screen.getByTestId('export-threshold').dataset.value).toBe('0.777'));
    await act(async () => {
      held.release();
      await new Promise((r) => setTimeout(r, 50));
    });
    expect(before).not.toBe(0.777);
    // The next export uses 0.777 (the core's); the line should say so.
    expect(screen.getByTestId('export-threshold').dataset.value).toBe('0.777');
    off();
  });
});
