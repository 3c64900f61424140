import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { warmFiles } from './warm';

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

describe('createCore({ warm })', () => {
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
