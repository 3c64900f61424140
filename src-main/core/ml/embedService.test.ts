/**
 * Two embeddings of one library at once in one process (two tabs, `ml.embed` beside a training):
 * the second waits for the first and finds its features cached, instead of computing them again.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCore, type Core } from '../app';
import { devLibrary } from '../../../test-support/devLibrary';
import { tempDir } from '../../../test-support/fixtures';

const N = 24;

describe('ml.embed called twice at once', () => {
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

  it('embeds each image once: the second call waits, then finds everything cached', async () => {
    const phases: string[] = [];
    const [a, b] = await Promise.all([core.call('ml.embed', {}), core.call('ml.embed', {}, { onProgress: (p) => phases.push(p.phase) })]);
    expect(a).toMatchObject({ images: N, embedded: N, cached: 0, failed: 0 });
    expect(b).toMatchObject({ images: N, embedded: 0, cached: N, failed: 0 });
    expect(phases[0]).toBe('waiting');
  }, 120_000);

  it('a call cancelled while it waits returns at once', async () => {
    const db = core.context.db;
    db.prepare('DELETE FROM features').run();
    const stop = new AbortController();
    let firstDone = false;
    const first = core.call('ml.embed', {}).finally(() => (firstDone = true));
    const second = core.call('ml.embed', {}, { signal: stop.signal, onProgress: (p) => p.phase === 'waiting' && stop.abort() });
    const s = await second;
    expect(s.embedded).toBe(0);
    // The cancelled one did not wait for the first to finish.
    expect(firstDone).toBe(false);
    const r = await first;
    expect(r.embedded).toBe(N);
  }, 120_000);

  it('two cores of this process on one library: the second waits for the first', async () => {
    core.context.db.prepare('DELETE FROM features').run();
    const other = createCore({ dataDir });
    try {
      const messages: string[] = [];
      const first = core.call('ml.embed', {});
      // The second asks once the first has claimed the library's embedding.
      while (!core.context.db.prepare("SELECT 1 FROM settings WHERE key = 'embedding'").get()) await sleep(10);
      const second = other.call('ml.embed', {}, { onProgress: (p) => p.phase === 'waiting' && messages.push(p.message ?? '') });
      const [a, b] = await Promise.all([first, second]);
      expect(a).toMatchObject({ embedded: N, cached: 0 });
      expect(b).toMatchObject({ embedded: 0, cached: N });
      expect(messages[0]).toContain('another call in this process');
    } finally {
      await other.close();
    }
  }, 120_000);

  it('a call after the others have finished does not say it waits', async () => {
    const phases: string[] = [];
    const s = await core.call('ml.embed', {}, { onProgress: (p) => phases.push(p.phase) });
    expect(s.cached).toBe(N);
    expect(phases).not.toContain('waiting');
  }, 120_000);
});
