/**
 * A core that stays open (the app, `qc serve`) shows an import killed in another process as
 * interrupted, not `running`, without being opened again: library.sources and library.status settle
 * it (handlers.ts, importer.ts markInterruptedAsync), its journal included.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { poll, startQc } from '../../../test-support/killChild';
import { useTempLibrary, writeDevRatings } from '../../../test-support/devLibrary';

describe('a core that stays open', () => {
  const lib = useTempLibrary({ serve: { delayMs: 150 }, open: false });

  it('shows an import killed in another process as interrupted in library.sources, its journal settled', async () => {
    const file = path.join(lib.dir, 'image_ratings.txt');
    writeDevRatings(file, 30, lib.server.base);
    const core = createCore({ dataDir: lib.dataDir });
    try {
      const child = startQc(lib.dataDir, ['import', file, '--concurrency', '2', '--json']);
      await poll(() => lib.server.totalHits() >= 3, 60_000);
      expect(lib.server.totalHits(), child.stderr()).toBeGreaterThanOrEqual(3);
      const before = await core.call('library.sources', {});
      expect(before.imports[0]).toMatchObject({ source: file, status: 'running' });
      expect(await child.kill()).toBe('SIGKILL');

      const after = await core.call('library.sources', {});
      expect(after.imports[0]).toMatchObject({ source: file, status: 'failed' });
      const error = core.context.db.prepare('SELECT error FROM imports WHERE id = ?').pluck().get(after.imports[0]!.id) as string;
      expect(error).toMatch(/^interrupted: its process \(pid \d+\) ended/);
      // Its journal is settled: no file it stored without a row is left behind.
      expect(fs.existsSync(path.join(lib.dataDir, 'journal', `import-${after.imports[0]!.id}`))).toBe(false);
    } finally {
      await core.close();
    }
  }, 90_000);

  it('marks one left running by a process that has ended when library.status is asked', async () => {
    const core = createCore({ dataDir: lib.dataDir });
    try {
      const db = core.context.db;
      // A process that has exited: its pid is free (or another process's, started later).
      const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      const pid = Number(gone.stdout);
      expect(pid).toBeGreaterThan(0);
      const id = Number(db.prepare("INSERT INTO imports (kind, source, status, pid, pid_start) VALUES ('ratings', 'gone.txt', 'running', ?, NULL)").run(pid).lastInsertRowid);
      const status = () => db.prepare('SELECT status FROM imports WHERE id = ?').pluck().get(id);
      expect(status()).toBe('running');
      await core.call('library.status', {});
      expect(status()).toBe('failed');
    } finally {
      await core.close();
    }
  });
});
