// @vitest-environment jsdom
// A rule change a killed `qc rule` left unfinished is finished by the core in the background when the
// Library screen asks for the library's status (app.ts); the Ratings → labels card shows it running
// (its `relabel` progress, pushed by the core) and drops it at its end, with the rule in force read
// again. Stop 72's wave audit: the browser showed nothing while labels changed under it.
import { screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { disagreeing, leaveRuleUnfinished, ruleUnfinished } from '../../../test-support/ruleCheck';
import { LibraryScreen, useLeftoverRelabel } from './LibraryScreen';

describe('Library screen: a rule change left unfinished', () => {
  test('shows its progress while the core finishes it, then the rule it finished', async () => {
    const ctx = setup({ images: 6_000, trained: false, features: false });
    const db = ctx.lib.core.context.db;
    // What a `qc rule 1,2,3` killed before its first chunk leaves.
    expect(leaveRuleUnfinished(db, [1, 2, 3])).toBeGreaterThan(0);

    const seen: string[] = [];
    const watch = new MutationObserver(() => {
      const bar = document.querySelector('[data-testid="rule-leftover-progress"]');
      const text = bar?.getAttribute('aria-valuetext');
      if (text && !seen.includes(text)) seen.push(text);
    });
    watch.observe(document.body, { subtree: true, childList: true, attributes: true });
    try {
      renderWith(<LibraryScreen />, ctx);
      await until(() => expect(ruleUnfinished(db)).toBe(false));
      await until(() => expect(screen.queryByTestId('rule-leftover')).toBeNull());
    } finally {
      watch.disconnect();
    }
    expect(disagreeing(db, [1, 2, 3])).toBe(0);
    // The bar showed the chunks as they came (6,000 images: chunks of 2,000), never a finished one.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((t) => /^labels [\d,]+ of 6,000/.test(t))).toBe(true);
    expect(seen.some((t) => t.startsWith('labels 6,000 of'))).toBe(false);
    // The card shows the rule the core finished, read again after its library.changed.
    await until(() => expect((screen.getByTestId('rule-class-3') as HTMLSelectElement).value).toBe('bad'));
  }, 120_000);

  test("another rule's save or an import's progress is not taken for it", async () => {
    const ctx = setup({ images: 20, trained: false });
    let shown: ReturnType<typeof useLeftoverRelabel> = null;
    function Probe() {
      shown = useLeftoverRelabel();
      return null;
    }
    renderWith(<Probe />, ctx);
    ctx.client.emit('job.progress', { job: 'rule', phase: 'labels', done: 1, total: 3 });
    ctx.client.emit('job.progress', { job: 'import', phase: 'rows', done: 1, total: 3 });
    await new Promise((r) => setTimeout(r, 50));
    expect(shown).toBeNull();
    ctx.client.emit('job.progress', { job: 'relabel', phase: 'labels', done: 2, total: 3 });
    await until(() => expect(shown?.done).toBe(2));
    ctx.client.emit('library.changed', { reason: 'rule' });
    await until(() => expect(shown).toBeNull());
  });
});
