/**
 * A running run says who trains it: this process (the app's core, whose windows get its progress and
 * can cancel it) or another program on the library (`qc train` in a terminal), by its pid.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_PARAMS } from '../../../src-shared/domain/ml';
import { tempDir } from '../../../test-support/fixtures';
import { startTrainingElsewhere } from '../../../test-support/trainingProcess';
import { openDatabase } from '../db/open';
import { RunStore } from './runs';

describe('who trains a running run', () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dbFile = path.join(dir, 'library.db');
  const db = openDatabase(dbFile);

  it('another live process: not here, with its pid; this process: here; a finished run: no trainer', async () => {
    const other = await startTrainingElsewhere(dbFile);
    try {
      const store = new RunStore(db);
      const theirs = store.list().find((r) => r.run_id === other.runId);
      expect(theirs?.status).toBe('running');
      expect(theirs?.trainer).toEqual({ here: false, pid: other.pid });
      expect(store.summary(other.runId).trainer).toEqual({ here: false, pid: other.pid });
    } finally {
      await other.kill();
    }
    const store = new RunStore(db); // settles the killed one's run as interrupted
    expect(store.summary(other.runId)).toMatchObject({ status: 'failed' });
    expect(store.summary(other.runId).trainer).toBeUndefined();
    const mine = store.create(DEFAULT_TRAIN_PARAMS);
    expect(store.list().find((r) => r.run_id === mine)?.trainer).toEqual({ here: true });
    expect(new RunStore(db).summary(mine).trainer).toEqual({ here: true }); // any core of this process
    store.fail(mine, 'cancelled', 'cancelled', 0);
    expect(store.summary(mine).trainer).toBeUndefined();
  });
});
