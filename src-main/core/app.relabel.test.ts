/**
 * A rule change left half done by a process that ended (a `qc rule` killed) while the app or
 * `qc serve` stays open is taken up, in the background, when the library's status or sources are
 * asked for (app.ts), not only at the next open.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Core } from './app';
import { SETTING, getSetting } from './db/settings';
import { devLibrary } from '../../test-support/devLibrary';
import { tempDir } from '../../test-support/fixtures';
import { disagreeing, leaveRuleUnfinished } from '../../test-support/ruleCheck';

describe('a rule change left half done by a process that ended', () => {
  let dir: string;
  let core: Core;
  beforeAll(async () => {
    dir = tempDir();
    ({ core } = await devLibrary(dir, 40));
  }, 60_000);
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const leftHalfDone = (bad: number[]) => expect(leaveRuleUnfinished(core.context.db, bad)).toBeGreaterThan(0);

  it('is finished when library.status is asked', async () => {
    leftHalfDone([1, 2, 3]);
    await core.call('library.status', {});
    await vi.waitFor(() => expect(disagreeing(core.context.db, [1, 2, 3])).toBe(0), { timeout: 20_000 });
    expect(getSetting(core.context.db, SETTING.labelRelabel, null)).toBeNull();
  });

  it('is finished when library.sources is asked, and the open views are told', async () => {
    leftHalfDone([1]);
    const told: string[] = [];
    const off = core.events.on('library.changed', (e) => told.push(e.reason));
    try {
      await core.call('library.sources', {});
      await vi.waitFor(() => expect(told).toContain('rule'), { timeout: 20_000 });
    } finally {
      off();
    }
    expect(disagreeing(core.context.db, [1])).toBe(0);
    expect(getSetting(core.context.db, SETTING.labelRelabel, null)).toBeNull();
    expect(told).toContain('rule');
  });
});
