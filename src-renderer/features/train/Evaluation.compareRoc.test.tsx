// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderRunsPanels } from '../../../test-support/renderer/runsPanels';
import { setup, until } from '../../../test-support/renderer/render';

describe('comparing two runs: the ROC of each', () => {
  test("a run whose test split lacks a class is drawn from its out-of-fold curve, and named so, as the run's own ROC does (its line was empty)", async () => {
    const ctx = setup();
    const { db } = ctx.lib.core.context;
    const first = (db.prepare("SELECT id FROM runs WHERE status = 'done' ORDER BY id LIMIT 1").get() as { id: number }).id;
    const ev = JSON.parse((db.prepare('SELECT evaluation FROM runs WHERE id = ?').get(first) as { evaluation: string }).evaluation) as { curves: { bad: { test: unknown[]; oof: unknown[] } } };
    expect(ev.curves.bad.oof.length).toBeGreaterThan(0);
    ev.curves.bad.test = []; // its test split held one class only: no ROC there
    db.prepare('UPDATE runs SET evaluation = ? WHERE id = ?').run(JSON.stringify(ev), first);
    await renderRunsPanels(ctx);
    const card = await screen.findByTestId('run-compare-any');
    expect([card.dataset.left, card.dataset.right]).toContain(String(first));
    const chart = await until(() => screen.getByTestId('compare-roc'));
    const lines = [...chart.querySelectorAll('polyline')].map((p) => p.getAttribute('points') ?? '');
    expect(lines.length).toBe(2);
    for (const l of lines) expect(l.split(' ').length).toBeGreaterThan(2);
    const caption = chart.querySelector('figcaption')!.textContent!;
    expect(caption).toContain(`run ${first} (out of fold)`);
    expect(caption).toContain('out of fold where its test split lacks a class');
  });
});
