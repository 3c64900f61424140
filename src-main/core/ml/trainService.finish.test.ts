/**
 * How a training run ends, for a process that may be killed at any point of it: the run's graphs
 * are in the library before it is marked finished, and its predictions, label issues, finished
 * status and activation are committed together or not at all. A finished run that lacks its graphs
 * (left by a version that wrote them after finishing, killed in between) gets them with the next
 * list of runs, and a temporary file such a kill left beside them goes at the next open.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../../test-support/fixtures';
import { trainedDevLibrary } from '../../../test-support/trainedLibrary';
import { createCore, type Core } from '../app';
import { libraryGraphFiles } from '../export/graphs';
import { RunStore } from './runs';

const TRAIN = { features: ['whole' as const], hidden: 0, augment: 0 };

describe('the end of a training run', () => {
  let dir: string;
  let dataDir: string;
  let core: Core;
  let first: number;

  beforeAll(async () => {
    dir = tempDir();
    dataDir = path.join(dir, 'data');
    first = (await trainedDevLibrary(dataDir, 12)).run.run_id;
    core = createCore({ dataDir, ml: 'in-process' });
  }, 180_000);
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const count = (table: string, runId: number) => (core.context.db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE run_id = ?`).get(runId) as { n: number }).n;
  const status = (runId: number) => (core.context.db.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: string }).status;
  const newest = () => (core.context.db.prepare('SELECT MAX(id) AS id FROM runs').get() as { id: number }).id;

  it('writes the graphs into the library before the run is marked finished', async () => {
    const seen: { done: boolean; graphs: boolean }[] = [];
    const off = core.events.on('runs.changed', () => {
      const id = newest();
      seen.push({ done: status(id) === 'done', graphs: libraryGraphFiles(dataDir, id).every((f) => fs.existsSync(f)) });
    });
    try {
      const run = await core.call('ml.train', TRAIN);
      expect(run.status).toBe('done');
    } finally {
      off();
    }
    expect(seen.filter((s) => s.done).length).toBeGreaterThan(0);
    expect(seen.filter((s) => s.done && !s.graphs)).toEqual([]);
    expect(fs.readdirSync(path.join(dataDir, 'tmp'))).toEqual([]);
  }, 120_000);

  it('commits predictions, label issues, the finished run and its activation together: a failure at the last step leaves none of them', async () => {
    const active = (await core.call('ml.runs', {})).active;
    const spy = vi.spyOn(RunStore.prototype, 'activateIfBetter').mockImplementationOnce(() => {
      throw new Error('killed at the activation');
    });
    try {
      await expect(core.call('ml.train', TRAIN)).rejects.toThrow('killed at the activation');
    } finally {
      spy.mockRestore();
    }
    const id = newest();
    expect(status(id)).toBe('failed');
    expect({ predictions: count('predictions', id), issues: count('label_issues', id), pruned: count('run_pruned', id) }).toEqual({ predictions: 0, issues: 0, pruned: 0 });
    expect((await core.call('ml.runs', {})).active).toBe(active);
    expect(count('predictions', active!)).toBeGreaterThan(0); // the table is filled for a finished run
  }, 120_000);

  it('a finished run without its graphs gets them with the next list of runs; a dead writer’s temporary file goes at the next open', async () => {
    await core.close();
    const graphs = path.dirname(libraryGraphFiles(dataDir, first)[0]!);
    fs.rmSync(graphs, { recursive: true });
    fs.mkdirSync(graphs, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const left = `run-${first}-loss.svg.tmp-${dead}-597d3d1699e9`;
    fs.writeFileSync(path.join(graphs, left), '<svg');
    core = createCore({ dataDir, ml: 'in-process' });
    expect(fs.readdirSync(graphs)).toEqual([]);
    expect((await core.call('ml.runs', {})).runs.find((r) => r.run_id === first)?.status).toBe('done');
    expect(fs.readdirSync(graphs).sort()).toEqual(libraryGraphFiles(dataDir, first).map((f) => path.basename(f)).sort());
    expect(fs.readFileSync(path.join(graphs, `run-${first}-loss.svg`), 'utf8')).toContain(`Run ${first}: loss per epoch`);
  }, 60_000);
});
