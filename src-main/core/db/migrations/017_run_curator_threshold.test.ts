/**
 * Migration 017 on a real database: the library-wide curator threshold of a version-16 library
 * moves onto the run active at migration time (the pinned one, else the newest finished run that is
 * not archived), and the others keep their recommendations; a library without a finished run keeps it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../../app';
import { RunStore } from '../../ml/runs';
import { schemaVersion } from '../open';
import { dbAtVersion, useMigrationDb } from '../../../../test-support/migrationDb';

const mdb = useMigrationDb('qc-m017-');

/** A version-16 library with runs of these statuses (archived: `!`), and these settings. */
function v16(name: string, runs: string[], settings: Record<string, unknown>): string {
  const dataDir = path.join(mdb.dir(), name);
  fs.mkdirSync(dataDir);
  const db = dbAtVersion(dataDir, 16);
  const evaluation = (t: number) => JSON.stringify({ thresholds: { bad: { threshold: t, best_bound: null }, good: { threshold: null } } });
  runs.forEach((r, i) => {
    db.prepare("INSERT INTO runs (status, params, backbone, evaluation, archived) VALUES (?, '{}', 'b', ?, ?)").run(r.replace('!', ''), evaluation(0.9 + i / 100), r.endsWith('!') ? 1 : 0);
  });
  for (const [k, v] of Object.entries(settings)) db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run(k, JSON.stringify(v));
  db.close();
  return dataDir;
}

async function curators(dataDir: string): Promise<{ version: number; runs: (number | null)[]; setting: unknown; inForce: unknown[] }> {
  const core = createCore({ dataDir });
  try {
    const db = core.context.db;
    const store = new RunStore(db);
    const ids = (db.prepare('SELECT id FROM runs ORDER BY id').all() as { id: number }[]).map((r) => r.id);
    const setting = db.prepare("SELECT value FROM settings WHERE key = 'threshold_bad'").get() as { value: string } | undefined;
    return {
      version: schemaVersion(db),
      runs: (db.prepare('SELECT curator_threshold AS c FROM runs ORDER BY id').all() as { c: number | null }[]).map((r) => r.c),
      setting: setting ? JSON.parse(setting.value) : undefined,
      inForce: ids.map((id) => store.thresholdInForce(id)),
    };
  } finally {
    await core.close();
  }
}

describe('migration 017 (run curator threshold)', () => {
  it("moves the library's curator threshold onto the pinned active run; the other runs keep their recommendations", async () => {
    const got = await curators(v16('pinned', ['done', 'done', 'done'], { threshold_bad: 0.95, active_run: 2 }));
    expect(got.version).toBeGreaterThanOrEqual(17);
    expect(got.runs).toEqual([null, 0.95, null]);
    expect(got.setting).toBeUndefined();
    expect(got.inForce).toEqual([
      { threshold: 0.9, source: 'recommended' },
      { threshold: 0.95, source: 'curator' },
      { threshold: 0.92, source: 'recommended' },
    ]);
  });

  it('with no usable pin, onto the newest finished run that is not archived', async () => {
    // Run 4 failed and run 3 is archived; the pin names the archived run.
    const got = await curators(v16('newest', ['done', 'done', 'done!', 'failed'], { threshold_bad: 0.97, active_run: 3 }));
    expect(got.runs).toEqual([null, 0.97, null, null]);
    expect(got.setting).toBeUndefined();
  });

  it('a library with no finished run keeps it as its own; no curator threshold moves nothing', async () => {
    expect(await curators(v16('none', ['failed'], { threshold_bad: 0.8 }))).toMatchObject({ runs: [null], setting: 0.8 });
    expect(await curators(v16('cleared', ['done'], { threshold_bad: null, active_run: null }))).toMatchObject({ runs: [null], inForce: [{ threshold: 0.9, source: 'recommended' }] });
  });
});
