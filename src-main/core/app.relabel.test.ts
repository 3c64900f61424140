/**
 * A rule change left half done by a process that ended (a `qc rule` killed) while the app or
 * `qc serve` stays open is taken up, in the background, when the library's status or sources are
 * asked for (app.ts), not only at the next open.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Core } from './app';
import { SETTING, setSetting, getSetting } from './db/settings';
import { devLibrary } from '../../test-support/devLibrary';
import { tempDir } from '../../test-support/fixtures';
import { disagreeing } from '../../test-support/ruleCheck';

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

  /** What a `qc rule` killed before its first chunk leaves: the new rule stored, its relabelling owned by a process that has exited. */
  const leftHalfDone = (bad: number[]) => {
    const db = core.context.db;
    const gone = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    expect(gone).toBeGreaterThan(0);
    setSetting(db, SETTING.labelRule, { bad, good: [4, 5], exemplar: 'good' });
    setSetting(db, SETTING.labelRelabel, { version: `killed-${bad.join('')}`, after: 0, pid: gone, start: null });
    expect(disagreeing(db, bad)).toBeGreaterThan(0);
  };

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
