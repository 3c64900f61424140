/**
 * A training run whose process is killed with SIGKILL does not stay `running` for ever, and one run
 * trains on a library at a time: a second is refused while the first one's process lives, and
 * allowed once it has ended.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_PARAMS } from '../../../src-shared/domain/ml';
import { tempDir } from '../../../test-support/fixtures';
import { startTrainingElsewhere } from '../../../test-support/trainingProcess';
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
    const child = await startTrainingElsewhere(dbFile);
    const theirs = child.runId;
    let signal: NodeJS.Signals | null;
    try {
      const store = new RunStore(db);
      expect(row(theirs).status).toBe('running');
      expect(() => store.create(DEFAULT_TRAIN_PARAMS)).toThrow(expect.objectContaining({ code: 'conflict', message: expect.stringMatching(new RegExp(`run ${theirs} is training in another process \\(pid ${child.pid}\\)`)) }));
      expect(store.list().find((r) => r.run_id === theirs)?.status).toBe('running');
    } finally {
      signal = await child.kill();
    }
    expect(signal).toBe('SIGKILL');
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
