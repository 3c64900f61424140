import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { FOREGROUND_MAX_PAUSE_MS, ForegroundGate, warmFiles, type WarmResult } from './warm';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-warm-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const fileOf = (name: string, bytes: number) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, Buffer.alloc(bytes, 7));
  return f;
};

describe('warmFiles', () => {
  it('reads every byte of each file once, and passes over one that does not exist', async () => {
    const a = fileOf('a', 1_000_003);
    const b = fileOf('b', 4097);
    expect(await warmFiles([a, path.join(dir, 'gone'), b], { chunkBytes: 65536 })).toEqual({ bytes: 1_004_100 });
  });

  it('says so when there is nothing to read', async () => {
    expect(await warmFiles([path.join(dir, 'gone')])).toEqual({ bytes: 0, skipped: 'missing' });
  });

  it('skips files larger than its budget', async () => {
    const a = fileOf('a', 10_000);
    expect(await warmFiles([a], { budgetBytes: 9_999 })).toEqual({ bytes: 0, skipped: 'too_large' });
    expect((await warmFiles([a], { budgetBytes: 10_000 })).bytes).toBe(10_000);
  });

  it('stops at the next read once aborted', async () => {
    const a = fileOf('a', 8 << 20);
    const ac = new AbortController();
    ac.abort();
    expect(await warmFiles([a], { signal: ac.signal, chunkBytes: 4096 })).toEqual({ bytes: 0, skipped: 'aborted' });
    const later = new AbortController();
    const pending = warmFiles([a], { signal: later.signal, chunkBytes: 4096 });
    await new Promise((r) => setImmediate(r));
    later.abort();
    const r = await pending;
    expect(r.skipped).toBe('aborted');
    expect(r.bytes).toBeLessThan(8 << 20);
  });
});

/** Whether p has settled after ms. */
const settledWithin = async (p: Promise<unknown>, ms: number) => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setTimeout(r, ms));
  return done;
};

describe('warmFiles with a foreground gate', () => {
  it('reads nothing while a call is in flight and everything once it has left', async () => {
    const a = fileOf('a', 1 << 20);
    const gate = new ForegroundGate();
    gate.enter();
    const pending = warmFiles([a], { foreground: gate, maxPauseMs: 60_000, chunkBytes: 65536 });
    // A second: the reading thread starts within it even on a loaded machine (it reads 1 MB in a few ms).
    expect(await settledWithin(pending, 1000)).toBe(false);
    gate.leave();
    expect(gate.inFlight).toBe(0);
    const t = performance.now();
    const r = await pending;
    // It reads on once the last call has left, not after its 60-s budget.
    expect(performance.now() - t).toBeLessThan(1000);
    expect(r.bytes).toBe(1 << 20);
    // It waited from its start to the leave (how late it started depends on the machine's load).
    expect(r.pausedMs).toBeGreaterThan(0);
    expect(r.pausedMs).toBeLessThanOrEqual(1100);
  });

  it('waits for calls that never end only so long in all, then reads on', async () => {
    const a = fileOf('a', 1 << 20);
    const gate = new ForegroundGate();
    gate.enter();
    gate.enter();
    const t = performance.now();
    const r = await warmFiles([a], { foreground: gate, maxPauseMs: 200, chunkBytes: 65536 });
    expect(r.bytes).toBe(1 << 20);
    expect(r.pausedMs).toBeGreaterThanOrEqual(150);
    expect(r.pausedMs).toBeLessThan(1000);
    expect(performance.now() - t).toBeLessThan(5000);
    expect(gate.inFlight).toBe(2);
  });

  it('stops waiting when aborted', async () => {
    const a = fileOf('a', 1 << 20);
    const gate = new ForegroundGate();
    gate.enter();
    const ac = new AbortController();
    const pending = warmFiles([a], { foreground: gate, maxPauseMs: 60_000, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 100));
    const t = performance.now();
    ac.abort();
    const r = await pending;
    expect(performance.now() - t).toBeLessThan(1000);
    expect(r).toMatchObject({ bytes: 0, skipped: 'aborted' });
  });

  it('reads at once with no calls in flight, and says it never waited', async () => {
    const a = fileOf('a', 300_000);
    expect(await warmFiles([a], { foreground: new ForegroundGate(), maxPauseMs: 60_000 })).toEqual({ bytes: 300_000, pausedMs: 0 });
  });
});

describe('createCore({ warm })', () => {
  it("steps the warm-up aside while a call is answered, a failed call's included", async () => {
    const core = createCore({ dataDir: path.join(dir, 'lib'), ml: 'in-process', warm: true });
    try {
      const handlers = core.handlers as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
      const real = handlers['library.status']!;
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      handlers['library.status'] = async (...a) => {
        await held;
        return real(...a);
      };
      // The call enters before the reading thread has started, and holds it back while in flight
      // (held a little less than the reader's 500 ms budget: the thread's start is not counted in it).
      const call = core.call('library.status', {});
      expect(await settledWithin(core.warmed!, 450)).toBe(false);
      release();
      expect(await call).toMatchObject({ images: 0 });
      const r = (await core.warmed) as WarmResult;
      expect(r.bytes).toBeGreaterThan(0);
      expect(r.pausedMs).toBeGreaterThan(0);
      expect(r.pausedMs).toBeLessThanOrEqual(FOREGROUND_MAX_PAUSE_MS + 50);
    } finally {
      await core.close();
    }
    // A call that fails leaves the gate too: the warm-up is not held for its whole pause budget.
    const again = createCore({ dataDir: path.join(dir, 'lib'), ml: 'in-process', warm: true });
    try {
      const handlers = again.handlers as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
      handlers['library.status'] = async () => {
        await new Promise((r) => setTimeout(r, 100));
        throw new Error('boom');
      };
      await expect(again.call('library.status', {})).rejects.toThrow('boom');
      const r = (await again.warmed) as WarmResult;
      expect(r.bytes).toBeGreaterThan(0);
      expect(r.pausedMs).toBeLessThan(400);
    } finally {
      await again.close();
    }
  });

  it('warms the library database in the background only when asked, and close() waits for it', async () => {
    const cold = createCore({ dataDir: path.join(dir, 'lib'), ml: 'in-process' });
    expect(cold.warmed).toBeNull();
    await cold.close();
    const core = createCore({ dataDir: path.join(dir, 'lib'), ml: 'in-process', warm: true });
    const size = fs.statSync(core.context.paths.db).size + (fs.existsSync(`${core.context.paths.db}-wal`) ? fs.statSync(`${core.context.paths.db}-wal`).size : 0);
    const r = await core.warmed;
    expect(r?.bytes).toBe(size);
    expect(size).toBeGreaterThan(0);
    // Queries still work during and after the warm-up.
    expect(await core.call('library.status', {})).toMatchObject({ images: 0 });
    await core.close();
    // Closed at once: the read stops and has ended by the time close() returns.
    const quick = createCore({ dataDir: path.join(dir, 'lib'), ml: 'in-process', warm: true });
    let ended = false;
    void quick.warmed!.then(() => (ended = true));
    await quick.close();
    expect(ended).toBe(true);
  });
});
