/**
 * A whole-library embedding in two processes at once (`qc embed` in a terminal beside the app):
 * the second waits for the first while it is alive and storing, then finds the features cached,
 * instead of computing every one of them again. An owner that was killed, or that stored nothing
 * for EMBEDDING_STALE_MS, is not waited for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../app';
import { getSetting, setSetting, SETTING } from '../db/settings';
import { EMBEDDING_STALE_MS } from './embedService';
import { devLibrary } from '../../../test-support/devLibrary';
import { REPO_ROOT, tempDir } from '../../../test-support/fixtures';
import { qcNodeArgs } from '../../../test-support/qcProcess';

const N = 40;
type Marker = { token: string; pid: number; start: string | null; at: number } | null;

describe('ml.embed of the whole library in two processes', () => {
  let core: Core;
  let dir: string;
  let dataDir: string;

  beforeAll(async () => {
    dir = tempDir();
    ({ core, dataDir } = await devLibrary(dir, N));
  });
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const marker = () => getSetting<Marker>(core.context.db, SETTING.embedding, null);

  /** A real `qc embed` on the library; resolves once its marker is recorded. */
  async function startQcEmbed(): Promise<{ child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; out: () => string }> {
    const child = spawn(process.execPath, [...qcNodeArgs(), '--data', dataDir, 'embed', '--json'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 60_000;
    while (marker()?.pid !== child.pid && Date.now() < deadline) await sleep(20);
    expect(marker()?.pid, out).toBe(child.pid);
    return { child, exited, out: () => out };
  }

  it('waits for the other process, then finds every feature cached', async () => {
    core.context.db.prepare('DELETE FROM features').run();
    const other = await startQcEmbed();
    const messages: string[] = [];
    const s = await core.call('ml.embed', {}, { onProgress: (p) => p.phase === 'waiting' && messages.push(p.message ?? '') });
    expect(messages[0]).toContain(`another process (pid ${other.child.pid})`);
    expect(s).toMatchObject({ images: N, embedded: 0, cached: N, failed: 0 });
    expect((await other.exited).code, other.out()).toBe(0);
    expect(JSON.parse(other.out().trim().split('\n').pop()!)).toMatchObject({ images: N, embedded: N, cached: 0 });
    expect(marker()).toBeNull();
  }, 180_000);

  it('a process killed while it embeds is not waited for: this one embeds what it left', async () => {
    core.context.db.prepare('DELETE FROM features').run();
    const other = await startQcEmbed();
    other.child.kill('SIGKILL');
    expect((await other.exited).signal).toBe('SIGKILL');
    expect(marker()?.pid).toBe(other.child.pid); // left behind, as a kill leaves it
    const phases: string[] = [];
    const s = await core.call('ml.embed', {}, { onProgress: (p) => phases.push(p.phase) });
    expect(phases).not.toContain('waiting');
    expect(s.embedded + s.cached).toBe(N);
    expect(s.embedded).toBeGreaterThan(0);
    expect(marker()).toBeNull();
  }, 180_000);

  it('a live owner is waited for until it falls silent for EMBEDDING_STALE_MS; a cancelled wait returns at once', async () => {
    const db = core.context.db;
    // pid 1 is alive and holds no lock in this library: only its silence can end the wait.
    setSetting(db, SETTING.embedding, { token: 'other', pid: 1, start: null, at: Date.now() });
    const stop = new AbortController();
    const waited = await core.call('ml.embed', {}, { signal: stop.signal, onProgress: (p) => p.phase === 'waiting' && stop.abort() });
    expect(stop.signal.aborted).toBe(true);
    expect(waited.embedded).toBe(0);
    expect(marker()?.token).toBe('other');

    db.prepare('DELETE FROM features').run();
    setSetting(db, SETTING.embedding, { token: 'other', pid: 1, start: null, at: Date.now() - EMBEDDING_STALE_MS - 1000 });
    const phases: string[] = [];
    const s = await core.call('ml.embed', {}, { onProgress: (p) => phases.push(p.phase) });
    expect(phases).not.toContain('waiting');
    expect(s).toMatchObject({ images: N, embedded: N });
    expect(marker()).toBeNull();
  }, 180_000);
});
