/**
 * One import of an input at a time: a second library.import of the same file while one is running
 * (a double-clicked Import, two tabs, the app beside `qc import`) waits for it (progress `waiting`,
 * naming the running import; Cancel stops the wait), then runs: neither fails. Two at once took
 * the file's rows from each other and then removed them as stale: a third of a big file's rows
 * were left. An import whose process has ended does not block the next one.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { devRatings, qcRejection } from '../../../test-support/fixtures';
import { DEV_MIRRORS, useTempLibrary } from '../../../test-support/devLibrary';
import { processStart } from './store';

/** More than one transaction of rows (importer.ts ROW_CHUNK is 20,000). */
const ROWS = 30_000;

describe('two imports of the same file at once', () => {
  const lib = useTempLibrary();
  let file: string;
  const mirrors = DEV_MIRRORS;
  const count = (sql: string, ...params: unknown[]) => (lib.core.context.db.prepare(sql).get(...params) as { n: number }).n;

  beforeAll(() => {
    // 30,000 rows naming 5 pictures of the dev set (read from the mirror: no network).
    const urls = devRatings()
      .slice(0, 5)
      .map(([, url]) => url);
    file = path.join(lib.dir, 'image_ratings.txt');
    const lines = ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry'];
    for (let i = 0; i < ROWS; i++) lines.push(`${i}\t${urls[i % 5]}\t${1 + (i % 5)}\t{}`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
  });

  it('keeps every row: the second waits for the first (saying which), then runs; neither fails', async () => {
    const waits: string[] = [];
    const onProgress = (p: { phase: string; message?: string }) => void (p.phase === 'waiting' && waits.push(p.message ?? ''));
    const [a, b] = await Promise.all([lib.core.call('library.import', { source: file, mirrors }, { onProgress }), lib.core.call('library.import', { source: file, mirrors }, { onProgress })]);
    // Every row of the file is kept (two at once left about a third of them).
    expect(count('SELECT COUNT(*) AS n FROM source_rows WHERE origin = ?', file)).toBe(ROWS);
    expect(waits).toHaveLength(1);
    const [first, second] = a.import_id < b.import_id ? [a, b] : [b, a];
    expect(waits[0]).toContain(file);
    expect(waits[0]).toContain(`import ${first.import_id}, running in this app`);
    for (const r of [first, second]) {
      expect(r.rows).toBe(ROWS);
      expect(r.rows_removed).toBeUndefined();
    }
    expect(second.images_existing).toBe(5);
    expect(count('SELECT COUNT(*) AS n FROM images')).toBe(5);
    // Each picture has every one of its 6,000 rows behind its rating.
    const ratings = lib.core.context.db.prepare('SELECT rating FROM images ORDER BY rating').pluck().all() as number[];
    expect(ratings).toEqual([1, 2, 3, 4, 5]);

    // Once it has finished, the file is imported again as usual.
    const again = await lib.core.call('library.import', { source: file, mirrors });
    expect(again.rows).toBe(ROWS);
    expect(again.rows_removed).toBeUndefined();
    expect(count('SELECT COUNT(*) AS n FROM source_rows WHERE origin = ?', file)).toBe(ROWS);
  }, 120_000);

  it('waits while another live process runs an import of the file (Cancel stops the wait), and not once that process has ended', async () => {
    // Another process's import of the file, left running: a real live process owns it.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => other.on('exit', resolve));
    try {
      const start = processStart(other.pid!);
      expect(start).not.toBeNull();
      const theirs = Number(
        lib.core.context.db.prepare("INSERT INTO imports (kind, source, encoding, status, pid, pid_start) VALUES ('ratings', ?, 'utf-8', 'running', ?, ?)").run(file, other.pid, start)
          .lastInsertRowid,
      );
      const imports = () => count('SELECT COUNT(*) AS n FROM imports');
      const before = imports();
      // Cancelled while it waits: nothing recorded.
      const stop = new AbortController();
      const waits: string[] = [];
      const cancelled = lib.core.call('library.import', { source: file, mirrors }, { signal: stop.signal, onProgress: (p) => void (p.phase === 'waiting' && waits.push(p.message ?? '')) });
      await vi.waitFor(() => expect(waits).toHaveLength(1), { timeout: 10_000 });
      expect(waits[0]).toContain(`import ${theirs}, running in another process (pid ${other.pid})`);
      stop.abort();
      expect((await qcRejection(cancelled)).code).toBe('cancelled');
      expect(imports()).toBe(before);

      // Another file is not held up by it.
      const small = path.join(lib.dir, 'small.txt');
      fs.writeFileSync(small, `obj_with_overall_rating\tobj_url\toverall_rating\n1\t${devRatings()[0]![1]}\t4\n`);
      expect((await lib.core.call('library.import', { source: small, mirrors })).rows).toBe(1);

      // Waiting while it lives; the process ends (killed, crashed): its import no longer blocks,
      // it is marked interrupted, and the waiting import runs.
      let settled = false;
      const waiting = lib.core.call('library.import', { source: file, mirrors }).finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 600));
      expect(settled).toBe(false);
      other.kill('SIGKILL');
      await exited;
      const s = await waiting;
      expect(s.rows).toBe(ROWS);
      expect(lib.core.context.db.prepare('SELECT status FROM imports WHERE id = ?').pluck().get(theirs)).toBe('failed');
      expect(count('SELECT COUNT(*) AS n FROM source_rows WHERE origin = ?', file)).toBe(ROWS);
    } finally {
      other.kill('SIGKILL');
    }
  }, 120_000);
});
