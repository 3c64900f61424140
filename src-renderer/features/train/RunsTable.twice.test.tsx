// @vitest-environment jsdom
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderRunsPanels } from '../../../test-support/renderer/runsPanels';
import { setup, until } from '../../../test-support/renderer/render';

describe('the runs table acts once per press', () => {
  test('Archive pressed twice before the table answers archives once (one call, one toast), and Make active sets once', async () => {
    const ctx = setup({ runs: 3, latencyMs: 60 });
    const { client } = await renderRunsPanels(ctx);
    const s = ctx.store.getState;
    const [a, b] = s().runs.filter((r) => r.status === 'done' && !r.active).map((r) => r.run_id);
    const archive = screen.getByTestId(`run-archive-${a}`);
    fireEvent.click(archive);
    fireEvent.click(archive);
    await until(() => expect(s().runs.some((r) => r.run_id === a)).toBe(false));
    await new Promise((r) => setTimeout(r, 300)); // a second call, had one been sent, would be answered by now
    expect(client.callsOf('ml.archiveRuns')).toEqual([{ runIds: [a], archived: true }]);
    expect(s().toasts.filter((t) => t.text.startsWith(`Run ${a} archived`)).length).toBe(1);
    // While it works, the button says it is busy without dropping focus (aria-disabled, not disabled).
    const activate = screen.getByTestId(`run-activate-${b}`);
    fireEvent.click(activate);
    expect(activate.getAttribute('aria-disabled')).toBe('true');
    fireEvent.click(activate);
    await until(() => expect(s().activeRunId).toBe(b));
    await new Promise((r) => setTimeout(r, 300));
    expect(client.callsOf('ml.setActive')).toEqual([{ runId: b }]);
  });
});
