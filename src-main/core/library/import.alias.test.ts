/**
 * A ratings file is one input however its path is written: read again through a link to it (or
 * through a linked folder), its rows replace those stored under the other path, so one rating
 * counts once, not once per path (a label's weight takes n rows as n raters). Real links, real files.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { devRatings } from '../../../test-support/fixtures';
import { DEV_MIRRORS, useTempLibrary } from '../../../test-support/devLibrary';
import { writeRatingsFile } from '../../../test-support/image-server';
import { processStart } from './store';

describe.skipIf(process.platform === 'win32')('a file imported by another path', () => {
  const lib = useTempLibrary();
  let file: string;
  const mirrors = DEV_MIRRORS;
  const count = (sql: string, ...params: unknown[]) => lib.core.context.db.prepare(sql).pluck().get(...params) as number;
  const ratings = () => lib.core.context.db.prepare('SELECT id, rating FROM images ORDER BY id').all();

  beforeAll(() => {
    fs.mkdirSync(path.join(lib.dir, 'r'));
    file = path.join(lib.dir, 'r', 'ratings.txt');
    writeRatingsFile(file, devRatings().slice(0, 5));
    fs.appendFileSync(file, `999\t${devRatings()[5]![1]}\tabc\t{}\n`); // line 7: a bad rating, a row failure
  });

  it('through a linked folder or a link to the file, stores its rows once', async () => {
    const first = await lib.core.call('library.import', { source: file, mirrors });
    const before = ratings();
    const n = count('SELECT COUNT(*) FROM source_rows');
    expect(n).toBe(5); // and line 7 a failure

    fs.symlinkSync(path.join(lib.dir, 'r'), path.join(lib.dir, 'rlink'));
    const viaFolder = path.join(lib.dir, 'rlink', 'ratings.txt');
    const s = await lib.core.call('library.import', { source: viaFolder, mirrors });
    expect(s.rows).toBe(first.rows);
    expect(s.rows_removed).toBeUndefined();
    expect(count('SELECT COUNT(*) FROM source_rows')).toBe(n);
    expect(count('SELECT COUNT(*) FROM source_rows WHERE origin = ?', viaFolder)).toBe(n);
    expect(ratings()).toEqual(before);
    // Its bad line is one failure, under the path it was last read by.
    const failures = (await lib.core.call('library.failures', {})).failures.filter((f) => f.line === 7);
    expect(failures.map((f) => f.file)).toEqual([viaFolder]);

    const link = path.join(lib.dir, 'link.txt');
    fs.symlinkSync(file, link);
    await lib.core.call('library.import', { source: link, mirrors });
    await lib.core.call('library.import', { source: file, mirrors });
    expect(count('SELECT COUNT(*) FROM source_rows')).toBe(n);
    expect(count('SELECT COUNT(*) FROM source_rows WHERE origin = ?', file)).toBe(n);
    expect(ratings()).toEqual(before);
    expect((await lib.core.call('library.failures', {})).failures.filter((f) => f.line === 7)).toHaveLength(1);
  });

  it('waits while an import of it by another path runs in a live process', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => other.on('exit', resolve));
    try {
      const viaFolder = path.join(lib.dir, 'rlink', 'ratings.txt');
      const theirs = Number(
        lib.core.context.db
          .prepare("INSERT INTO imports (kind, source, encoding, status, pid, pid_start) VALUES ('ratings', ?, 'utf-8', 'running', ?, ?)")
          .run(viaFolder, other.pid, processStart(other.pid!)).lastInsertRowid,
      );
      const waits: string[] = [];
      let settled = false;
      const waiting = lib.core
        .call('library.import', { source: file, mirrors }, { onProgress: (p) => void (p.phase === 'waiting' && waits.push(p.message ?? '')) })
        .finally(() => (settled = true));
      await vi.waitFor(() => expect(waits).toHaveLength(1), { timeout: 10_000 });
      expect(waits[0]).toContain(`import ${theirs}`);
      expect(settled).toBe(false);
      other.kill('SIGKILL');
      await exited;
      await waiting;
      expect(count("SELECT status FROM imports WHERE id = ?", theirs)).toBe('failed');
    } finally {
      other.kill('SIGKILL');
    }
  });
});
