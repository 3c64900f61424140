/** Every open view hears when the threshold for export changes (two tabs never disagree). */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventMap } from '../../../src-shared/contract/events';
import { createCore } from '../app';
import { tempDir } from '../../../test-support/fixtures';
import { seedLibrary } from '../../../test-support/seedLibrary';

describe('threshold.changed', () => {
  const dir = tempDir();
  const core = createCore({ dataDir: path.join(dir, 'data') });
  afterAll(async () => {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is pushed when the curator sets or clears the threshold', async () => {
    // A curator's threshold belongs to a run (with none it is refused, runs.test.ts).
    const runId = Number(core.context.db.prepare("INSERT INTO runs (status, params, backbone) VALUES ('done', '{}', 'test')").run().lastInsertRowid);
    const heard: EventMap['threshold.changed'][] = [];
    core.events.on('threshold.changed', (p) => heard.push(p));
    await core.call('ml.setThreshold', { threshold: 0.95 });
    await core.call('ml.setThreshold', { threshold: null });
    expect(heard.map((h) => h.curator)).toEqual([0.95, null]);
    expect(heard[0]!.active_run).toBe(runId);
  });
});

describe('archiving or restoring runs', () => {
  it('a restore that changes the active run announces its threshold besides the runs; ml.bestRuns announces the runs it archived', async () => {
    const lib = seedLibrary({ images: 120, runs: 3 });
    try {
      const { core } = lib;
      const heard: [string, unknown][] = [];
      core.events.on('threshold.changed', (p) => heard.push(['threshold.changed', p]));
      core.events.on('runs.changed', (p) => heard.push(['runs.changed', p]));
      await core.call('ml.setActive', { runId: 1 });
      await core.call('ml.archiveRuns', { runIds: [3], archived: true });
      await core.call('ml.setActive', { runId: null });
      expect((await core.call('ml.runs', {})).active).toBe(2);
      heard.length = 0;
      // No run is pinned and run 3 is the newest finished one: restoring it makes it active.
      await core.call('ml.archiveRuns', { runIds: [3], archived: false });
      const scores = await core.call('review.scores', {});
      expect(scores.run_id).toBe(3);
      expect(heard).toEqual([
        ['threshold.changed', { curator: scores.curator, active_run: 3, in_force: scores.in_force }],
        ['runs.changed', { active_run: 3 }],
      ]);
      // Archiving a run that is not the active one changes only the runs.
      heard.length = 0;
      await core.call('ml.archiveRuns', { runIds: [1], archived: true });
      expect(heard).toEqual([['runs.changed', { active_run: 3 }]]);
      heard.length = 0;
      await core.call('ml.archiveRuns', { runIds: [1], archived: false });
      const best = await core.call('ml.bestRuns', { n: 1, archiveRest: true });
      expect(best.archived.length).toBeGreaterThan(0);
      expect(heard.at(-1)).toEqual(['runs.changed', { active_run: 3 }]);
    } finally {
      await lib.core.close();
    }
  });
});

describe('ml.setThreshold naming its run', () => {
  it('sets the threshold of the run it names, not of a run that became active meanwhile; refuses an unknown or unfinished run', async () => {
    const lib = seedLibrary({ images: 60, runs: 2 });
    try {
      const { core } = lib;
      await core.call('ml.setActive', { runId: 2 });
      // Chosen on run 1's scores while another window made run 2 active: it stays on run 1.
      const r = await core.call('ml.setThreshold', { threshold: 0.8, runId: 1 });
      expect(r.threshold).toBe(0.8);
      // What exports use is still run 2's threshold, and the answer says so (not run 1's 0.8).
      expect(r.active_run).toBe(2);
      expect(r.in_force).toEqual((await core.call('review.scores', { runId: 2 })).in_force);
      expect(r.in_force.source).not.toBe('curator');
      expect((await core.call('review.scores', { runId: 1 })).curator).toBe(0.8);
      expect((await core.call('review.scores', { runId: 2 })).curator).toBeNull();
      // Without a run named, the active run's.
      await core.call('ml.setThreshold', { threshold: 0.7 });
      expect((await core.call('review.scores', { runId: 2 })).curator).toBe(0.7);
      expect((await core.call('review.scores', { runId: 1 })).curator).toBe(0.8);
      await expect(core.call('ml.setThreshold', { threshold: 0.5, runId: 99 })).rejects.toMatchObject({ code: 'not_found' });
      const running = Number(core.context.db.prepare("INSERT INTO runs (status, params, backbone) VALUES ('failed', '{}', 'test')").run().lastInsertRowid);
      await expect(core.call('ml.setThreshold', { threshold: 0.5, runId: running })).rejects.toMatchObject({ code: 'bad_input' });
    } finally {
      await lib.core.close();
    }
  });
});
