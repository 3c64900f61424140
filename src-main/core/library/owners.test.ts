/**
 * Who owns library work, across processes that cannot see each other's pids: two containers on one
 * host sharing a library each have their own pid namespace (and their own pid 1). A process holds a
 * lock in the library's owners/ folder while it has the library open (store.ts holdOwnerLock);
 * its imports, runs and temporary files count as live while that lock is held, and as ended once
 * the system has dropped it (SIGKILL included).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { openDatabase } from '../db/open';
import { libraryPaths } from '../paths';
import { tempDir } from '../../../test-support/fixtures';
import { useTempLibrary, writeDevRatings } from '../../../test-support/devLibrary';
import { startNode, startQc, waitFor, type KillableChild } from '../../../test-support/killChild';
import { RunStore } from '../ml/runs';
import type { TrainParams } from '../../../src-shared/domain/ml';
import { ownerLockState, thisProcess } from './store';

const me = thisProcess();
/** Linux with /proc: starts carry `<ticks>.<boot>.<pid namespace>`. */
const namespaced = me.start !== null && me.start.split('.').length === 3;

describe('owner locks', () => {
  let dir: string;
  const children: KillableChild[] = [];

  beforeAll(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    for (const c of children.splice(0)) await c.kill();
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a core holds one lock file while open (shared by the cores of one process) and removes it when closed', async () => {
    const dataDir = path.join(dir, 'one');
    const owners = libraryPaths(dataDir).owners;
    const a = createCore({ dataDir });
    const b = createCore({ dataDir });
    const files = fs.readdirSync(owners);
    expect(files).toEqual([`${me.pid}_${me.start}.lock`]);
    expect(ownerLockState(owners, me)).toBe('held');
    await a.close();
    expect(fs.readdirSync(owners)).toEqual(files);
    await b.close();
    expect(fs.readdirSync(owners)).toEqual([]);
    expect(ownerLockState(owners, me)).toBe('none');
  });

  it.skipIf(!namespaced)('work recorded by a process of another pid namespace with this very pid is live while its lock is held, ended once it is dropped', async () => {
    const dataDir = path.join(dir, 'foreign');
    const paths = libraryPaths(dataDir);
    // Another process takes its lock on the library and waits.
    const child = startNode(['-e', `import('./src-main/core/library/store.ts').then((m) => { const me = m.thisProcess(); m.holdOwnerLock(${JSON.stringify(paths.owners)}); console.log(JSON.stringify(me)); setInterval(() => {}, 1000); })`], { detached: true });
    children.push(child);
    const owner = JSON.parse(await child.firstLine()) as { pid: number; start: string };
    // What a process that is pid N in its own namespace leaves, where this process is pid N too
    // (each container's first process is pid 1): its lock (moved to that name: a lock goes with
    // its file), an import and a training run `running`, a temporary file.
    const [ticks, boot] = owner.start.split('.');
    const foreignStart = `${ticks}.${boot}.${Number(me.start!.split('.')[2]) + 1}`;
    fs.renameSync(path.join(paths.owners, `${owner.pid}_${owner.start}.lock`), path.join(paths.owners, `${me.pid}_${foreignStart}.lock`));
    const setup = createCore({ dataDir });
    const db = setup.context.db;
    const importId = Number(db.prepare("INSERT INTO imports (kind, source, status, pid, pid_start) VALUES ('ratings', 'x', 'running', ?, ?)").run(me.pid, foreignStart).lastInsertRowid);
    const runId = Number(db.prepare("INSERT INTO runs (status, params, backbone, pid, pid_start) VALUES ('running', '{}', 'b', ?, ?)").run(me.pid, foreignStart).lastInsertRowid);
    const temp = path.join(paths.tmp, `${me.pid}_${foreignStart}-abc123abc123`);
    fs.writeFileSync(temp, 'half a picture');
    await setup.close();

    const status = () => {
      const d = openDatabase(paths.db);
      try {
        return {
          import: (d.prepare('SELECT status FROM imports WHERE id = ?').get(importId) as { status: string }).status,
          run: (d.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: string }).status,
        };
      } finally {
        d.close();
      }
    };
    // Opened while that process lives: its work is left alone, and training is refused.
    const live = createCore({ dataDir });
    try {
      expect(status()).toEqual({ import: 'running', run: 'running' });
      expect(fs.existsSync(temp)).toBe(true);
      expect(() => new RunStore(live.context.db).create({ backbone: 'b' } as TrainParams)).toThrow(/run \d+ is training in another process/);
    } finally {
      await live.close();
    }

    await child.kill();
    // Opened after it was killed: its work is marked interrupted, its file and its lock file go.
    const after = createCore({ dataDir });
    try {
      expect(status()).toEqual({ import: 'failed', run: 'failed' });
      expect(fs.existsSync(temp)).toBe(false);
      expect(fs.readdirSync(paths.owners)).toEqual([`${me.pid}_${me.start}.lock`]);
    } finally {
      await after.close();
    }
  }, 60_000);
});

/** Whether this machine lets us start a process in a new pid namespace (root, or user namespaces). */
const canUnshare = namespaced && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', 'true']).status === 0;

/** The real thing: `qc import` in its own pid namespace (it is pid 1 there), this test outside it. */
describe.skipIf(!canUnshare)('an import run in another pid namespace, the library opened from this one', () => {
  const lib = useTempLibrary({ serve: { delayMs: 100 }, open: false });

  it('stays running while it runs, finishes, and is marked interrupted once killed', async () => {
    const { dataDir } = lib;
    const paths = libraryPaths(dataDir);
    const file = path.join(lib.dir, 'ratings.txt');
    writeDevRatings(file, 40, lib.server.base);
    const start = () => startQc(dataDir, ['import', file, '--concurrency', '1', '--json'], { wrap: ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'], detached: true });
    const importRow = () => {
      if (!fs.existsSync(paths.db)) return undefined;
      const d = openDatabase(paths.db);
      try {
        return d.prepare('SELECT id, status, pid, error FROM imports ORDER BY id DESC LIMIT 1').get() as { id: number; status: string; pid: number; error: string | null } | undefined;
      } finally {
        d.close();
      }
    };

    // 1. Opened from here while the import runs (over and over): it stays running and ends done.
    const child = start();
    const first = await waitFor('the import to start', () => importRow()?.status === 'running' && lib.server.totalHits() >= 3 && importRow());
    expect(first.pid).toBe(1); // pid 1 in its namespace; this one has a pid 1 of its own
    let opens = 0;
    while (child.alive()) {
      const core = createCore({ dataDir });
      await core.close();
      opens++;
      // Never marked interrupted (the child may finish between the two looks: then it is done).
      expect(importRow()?.status).toMatch(/^(running|done)$/);
      await new Promise((r) => setTimeout(r, 50)); // the server answers, the child's exit is seen
    }
    expect((await child.exited).code).toBe(0);
    expect(opens).toBeGreaterThan(0);
    const finished = importRow()!;
    expect(finished).toMatchObject({ id: first.id, status: 'done', error: null });

    // 2. Killed half way (SIGKILL to the whole namespace): the next open marks it interrupted.
    fs.rmSync(dataDir, { recursive: true, force: true });
    const hits = lib.server.totalHits();
    const again = start();
    await waitFor('the second import to start', () => lib.server.totalHits() - hits >= 3);
    await again.kill();
    // unshare has exited; its child (pid 1 there) may take a moment more to be gone.
    const killed = importRow()!;
    const d = openDatabase(paths.db);
    const owner = d.prepare('SELECT pid, pid_start AS start FROM imports WHERE id = ?').get(killed.id) as { pid: number; start: string };
    d.close();
    await waitFor('the killed process to be gone', () => ownerLockState(paths.owners, owner) === 'free', 10_000);
    const core = createCore({ dataDir });
    try {
      expect(importRow()).toMatchObject({ status: 'failed', error: expect.stringMatching(/^interrupted/) });
    } finally {
      await core.close();
    }
  }, 120_000);
});
