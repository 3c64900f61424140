/**
 * One import of an input at a time: a second library.import of the same file while one is running
 * (a double-clicked Import, two tabs, the app beside `qc import`) is refused with a `conflict`
 * naming the file and the running import. Two at once took the file's rows from each other and
 * then removed them as stale: a third of a big file's rows were left. An import whose process has
 * ended does not block the next one.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { DEV_IMAGES, DEV_URL_PREFIX, devRatings, qcRejection, tempDir } from '../../../test-support/fixtures';
import { processStart } from './store';

/** More than one transaction of rows (importer.ts ROW_CHUNK is 20,000). */
const ROWS = 30_000;

describe('two imports of the same file at once', () => {
  let dir: string;
  let core: Core;
  let file: string;
  const mirrors = [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }];
  const count = (sql: string, ...params: unknown[]) => (core.context.db.prepare(sql).get(...params) as { n: number }).n;

  beforeAll(() => {
    dir = tempDir();
    core = createCore({ dataDir: path.join(dir, 'data') });
    // 30,000 rows naming 5 pictures of the dev set (read from the mirror: no network).
    const urls = devRatings()
      .slice(0, 5)
      .map(([, url]) => url);
    file = path.join(dir, 'image_ratings.txt');
    const lines = ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry'];
    for (let i = 0; i < ROWS; i++) lines.push(`${i}\t${urls[i % 5]}\t${1 + (i % 5)}\t{}`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
  });
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every row: the second is refused with a conflict naming the file and the running import', async () => {
    const [a, b] = await Promise.allSettled([core.call('library.import', { source: file, mirrors }), core.call('library.import', { source: file, mirrors })]);
    // Every row of the file is kept (two at once left about a third of them).
    expect(count('SELECT COUNT(*) AS n FROM source_rows WHERE origin = ?', file)).toBe(ROWS);
    const done = [a, b].filter((r) => r.status === 'fulfilled');
    const refused = [a, b].filter((r) => r.status === 'rejected');
    expect(done).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const e = (refused[0] as PromiseRejectedResult).reason as { code: string; message: string; file?: string };
    expect(e.code).toBe('conflict');
    const running = (done[0] as PromiseFulfilledResult<{ import_id: number; rows_removed?: number }>).value;
    expect(e.message).toContain(file);
    expect(e.message).toContain(`import ${running.import_id}`);
    expect(e.file).toBe(file);
    expect(running.rows_removed).toBeUndefined();
    expect(count('SELECT COUNT(*) AS n FROM images')).toBe(5);
    // Each picture has every one of its 6,000 rows behind its rating.
    const ratings = core.context.db.prepare('SELECT rating FROM images ORDER BY rating').pluck().all() as number[];
    expect(ratings).toEqual([1, 2, 3, 4, 5]);

    // Once it has finished, the file is imported again as usual.
    const again = await core.call('library.import', { source: file, mirrors });
    expect(again.rows).toBe(ROWS);
    expect(again.rows_removed).toBeUndefined();
    expect(count('SELECT COUNT(*) AS n FROM source_rows WHERE origin = ?', file)).toBe(ROWS);
  }, 120_000);

  it('is refused while another live process runs an import of the file, and not once that process has ended', async () => {
    // Another process's import of the file, left running: a real live process owns it.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => other.on('exit', resolve));
    try {
      const start = processStart(other.pid!);
      expect(start).not.toBeNull();
      const theirs = Number(
        core.context.db.prepare("INSERT INTO imports (kind, source, encoding, status, pid, pid_start) VALUES ('ratings', ?, 'utf-8', 'running', ?, ?)").run(file, other.pid, start)
          .lastInsertRowid,
      );
      const e = await qcRejection(core.call('library.import', { source: file, mirrors }));
      expect(e.code).toBe('conflict');
      expect(e.message).toContain(`import ${theirs}, running in another process (pid ${other.pid})`);
      expect(count("SELECT COUNT(*) AS n FROM imports WHERE status = 'running'")).toBe(1);

      // Another file is not held up by it.
      const small = path.join(dir, 'small.txt');
      fs.writeFileSync(small, `obj_with_overall_rating\tobj_url\toverall_rating\n1\t${devRatings()[0]![1]}\t4\n`);
      expect((await core.call('library.import', { source: small, mirrors })).rows).toBe(1);

      // The process ends (killed, crashed): its import no longer blocks; it is marked interrupted.
      other.kill('SIGKILL');
      await exited;
      const s = await core.call('library.import', { source: file, mirrors });
      expect(s.rows).toBe(ROWS);
      expect(core.context.db.prepare('SELECT status FROM imports WHERE id = ?').pluck().get(theirs)).toBe('failed');
      expect(count('SELECT COUNT(*) AS n FROM source_rows WHERE origin = ?', file)).toBe(ROWS);
    } finally {
      other.kill('SIGKILL');
    }
  }, 120_000);
});
