/**
 * A training run whose process is killed with SIGKILL does not stay `running` for ever, and one run
 * trains on a library at a time: a second is refused while the first one's process lives, and
 * allowed once it has ended.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_PARAMS } from '../../../src-shared/domain/ml';
import { REPO_ROOT, tempDir } from '../../../test-support/fixtures';
import { openDatabase } from '../db/open';
import { thisProcess } from '../library/store';
import { RunStore } from './runs';

describe('a training run whose process ends', () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dbFile = path.join(dir, 'library.db');
  const db = openDatabase(dbFile);
  const row = (id: number) => db.prepare('SELECT status, error FROM runs WHERE id = ?').get(id) as { status: string; error: string | null };

  it('blocks a second run while it lives, and is marked interrupted once killed with SIGKILL', async () => {
    // Another process on the library starts a run (the store's own create) and keeps training.
    const script = `
      import { openDatabase } from ${JSON.stringify(path.join(REPO_ROOT, 'src-main/core/db/open.ts'))};
      import { RunStore } from ${JSON.stringify(path.join(REPO_ROOT, 'src-main/core/ml/runs.ts'))};
      import { DEFAULT_TRAIN_PARAMS } from ${JSON.stringify(path.join(REPO_ROOT, 'src-shared/domain/ml.ts'))};
      const id = new RunStore(openDatabase(${JSON.stringify(dbFile)})).create(DEFAULT_TRAIN_PARAMS);
      process.stdout.write(String(id) + '\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, signal) => resolve(signal)));
    const theirs = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d) => resolve(Number(String(d).trim())));
      child.on('exit', () => reject(new Error(`the child ended: ${stderr}`)));
    });
    try {
      const store = new RunStore(db);
      expect(row(theirs).status).toBe('running');
      expect(() => store.create(DEFAULT_TRAIN_PARAMS)).toThrow(expect.objectContaining({ code: 'conflict', message: expect.stringMatching(new RegExp(`run ${theirs} is training in another process \\(pid ${child.pid}\\)`)) }));
      expect(store.list().find((r) => r.run_id === theirs)?.status).toBe('running');
    } finally {
      child.kill('SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');
    // The next open (or the next list or train) settles it, and training is allowed again.
    const store = new RunStore(db);
    expect(row(theirs)).toEqual({ status: 'failed', error: expect.stringMatching(new RegExp(`^interrupted: its process \\(pid ${child.pid}\\) ended before training finished`)) });
    const mine = store.create(DEFAULT_TRAIN_PARAMS);
    expect(row(mine).status).toBe('running');
    // Ours blocks a second one here too, until it fails or finishes.
    expect(() => new RunStore(db).create(DEFAULT_TRAIN_PARAMS)).toThrow(/is training in this app/);
    expect(row(mine).status).toBe('running'); // a second store of this process does not take it for dead
    store.fail(mine, 'cancelled', 'cancelled', 0);
    const next = store.create(DEFAULT_TRAIN_PARAMS);
    store.fail(next, 'failed', 'test', 0);
  });

  it('marks a run with this process as its owner, which this process is not training, interrupted (a pid reused after a restart)', () => {
    const me = thisProcess();
    const id = Number(db.prepare("INSERT INTO runs (status, params, backbone, pid, pid_start) VALUES ('running', '{}', 'b', ?, ?)").run(me.pid, me.start).lastInsertRowid);
    const before = Number(db.prepare("INSERT INTO runs (status, params, backbone) VALUES ('running', '{}', 'b')").run().lastInsertRowid); // recorded before migration 014
    expect(new RunStore(db).markInterrupted()).toBe(0); // the constructor has done it
    expect(row(id).status).toBe('failed');
    expect(row(before)).toEqual({ status: 'failed', error: expect.stringMatching(/^interrupted: its process ended/) });
  });
});
