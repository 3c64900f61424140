/**
 * `qc cancel` stops a training that another process runs on the library (here a real `qc train`,
 * as the app or a terminal would run it): the training ends `cancelled`, and `qc cancel` says
 * which run it cancelled and in which process, or that nothing was training. A run that is not
 * training is refused (exit 1), like every other command's refusal. Real processes, a seeded library.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../test-support/fixtures';
import { seedLibrary } from '../../test-support/seedLibrary';
import { createCore } from '../core/app';
import { formatCancel } from './formatMl';

let dir: string;
let dataDir: string;
const qcArgs = (...args: string[]) => ['--import', path.join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs'), path.join(REPO_ROOT, 'src-main/cli/main.ts'), '--data', dataDir, ...args];
function qc(...args: string[]) {
  const r = spawnSync(process.execPath, qcArgs(...args), { cwd: REPO_ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  dir = tempDir('qc-cli-cancel-');
  const lib = seedLibrary({ runs: 1, dataDir: path.join(dir, 'data') });
  dataDir = lib.dataDir;
  await lib.core.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * A real `qc train --json` (signals only, 10,000 epochs, no copies; `extra` options) in its own
 * process (the text without --json), once its run is recorded as running (read through a core of this test's own); runId is
 * undefined when the process ended first.
 */
async function startTraining(extra: string[] = [], { json = true } = {}) {
  const trainer = spawn(process.execPath, qcArgs('train', '--features', 'signals', ...extra, '--epochs', '10000', '--augment', '0', ...(json ? ['--json'] : [])), { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  trainer.stdout.on('data', (d) => (out += d));
  trainer.stderr.on('data', (d) => (err += d));
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => trainer.on('exit', (code, signal) => ((ended = true), resolve({ code, signal }))));
  const watcher = createCore({ dataDir });
  let runId: number | undefined;
  try {
    for (let i = 0; i < 600 && runId === undefined && !ended; i++) {
      await new Promise((r) => setTimeout(r, 100));
      runId = (await watcher.call('ml.runs', {})).runs.find((r) => r.status === 'running')?.run_id;
    }
  } finally {
    await watcher.close();
  }
  return { trainer, runId, exited, out: () => out, err: () => err };
}

describe('qc cancel', () => {
  it('says nothing is training when nothing is', () => {
    const r = qc('cancel');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('Nothing is training on this library.');
    const j = qc('cancel', '--json');
    expect(j.code, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({ run_id: null });
  }, 60_000);

  it('cancels a qc train running in another process, and then refuses that run as not training', async () => {
    const t = await startTraining(['--hidden', '0']);
    const { trainer, runId } = t;
    expect(runId, t.err()).toBeDefined();

    const r = qc('cancel', '--json');
    expect(r.code, r.stderr).toBe(0);
    const answer = JSON.parse(r.stdout) as { run_id: number; pid: number; status: 'cancelled' };
    expect(answer).toEqual({ run_id: runId, pid: trainer.pid, status: 'cancelled' });
    expect(formatCancel(answer)).toBe(`Cancelled run ${runId} (training in process ${trainer.pid}).`);
    // The training process ends with its run cancelled.
    // A training cancelled from elsewhere exits 130, as a Ctrl-C'd one does, so `qc train && …` stops.
    expect((await t.exited).code).toBe(130);
    // Its answer is marked cancelled as after Ctrl-C (the text then starts "Cancelled: ").
    expect(JSON.parse(t.out())).toMatchObject({ run_id: runId, status: 'cancelled', cancelled: true });

    const again = qc('cancel', String(runId));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`run ${runId} is not training (it is cancelled)`);
    const unknown = qc('cancel', '999');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no run with id 999');
    expect(qc('cancel').stdout.trim()).toBe('Nothing is training on this library.');
  }, 180_000);

  it('a qc train cancelled from another process prints its run as after Ctrl-C: "Cancelled: Run N (cancelled)", exit 130', async () => {
    const t = await startTraining(['--hidden', '0'], { json: false });
    expect(t.runId, t.err()).toBeDefined();
    const r = qc('cancel');
    expect(r.code, r.stderr).toBe(0);
    expect((await t.exited).code).toBe(130);
    expect(t.out()).toMatch(new RegExp(`^Cancelled: Run ${t.runId} \\(cancelled\\) `));
  }, 180_000);

  it('Ctrl-C while the out-of-fold fits run in the worker threads: the fits stop, qc exits 130, the run is cancelled', async () => {
    // The MLP head (onnxruntime in each worker thread), with epochs enough to be inside the fits.
    const t = await startTraining();
    const { trainer, runId } = t;
    const watcher = createCore({ dataDir });
    try {
      expect(runId, t.err()).toBeDefined();
      // Into the fits (the run's data are loaded in well under a second here).
      await new Promise((r) => setTimeout(r, 3000));
      const t0 = Date.now();
      trainer.kill('SIGINT');
      const end = await t.exited;
      // Stopped inside onnxruntime, a worker thread aborted the whole process (SIGABRT, 'terminate called').
      expect(t.err()).not.toMatch(/terminate called|Napi::Error/);
      expect(end, t.err()).toEqual({ code: 130, signal: null });
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect((await watcher.call('ml.runs', {})).runs.find((r) => r.run_id === runId)?.status).toBe('cancelled');
      // The answer that came back is printed marked cancelled, as every command's after Ctrl-C.
      expect(JSON.parse(t.out())).toMatchObject({ run_id: runId, status: 'cancelled', cancelled: true });
    } finally {
      trainer.kill('SIGKILL');
      await watcher.close();
    }
  }, 180_000);
});
