/**
 * The warm-up never drops the library's locks: closing any descriptor of a file drops every POSIX
 * lock the process holds on it, SQLite's included, and another process's SQLite then finds the
 * library unlocked, checkpoints it and deletes the -wal and -shm this process still uses (the two
 * then see different data; the database ends corrupt). After the warm-up of a core opened as the
 * app and `qc serve` open it, this process still holds its locks (Linux: /proc/locks), and a
 * `sqlite3`-like reader in another process that opens, reads and closes leaves the WAL in place.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../../test-support/fixtures';
import { createCore } from '../app';

const LOCKS = '/proc/locks';

describe.skipIf(!fs.existsSync(LOCKS))('the warm-up and the library file locks', () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps this process\'s SQLite locks on the database through the warm-up; another reader closing leaves the WAL', async () => {
    const dataDir = path.join(dir, 'lib');
    const core = createCore({ dataDir, warm: true });
    try {
      const db = core.context.paths.db;
      // Something in the WAL, and a read transaction's locks taken and released as a call does.
      core.context.db.prepare("INSERT INTO settings (key, value) VALUES ('warm-lock-test', '1')").run();
      const warmed = await core.warmed;
      expect(warmed?.bytes).toBeGreaterThan(0);
      const inode = fs.statSync(db).ino;
      const mine = () => fs.readFileSync(LOCKS, 'utf8').split('\n').filter((l) => new RegExp(`\\s${process.pid}\\s+[0-9a-f]+:[0-9a-f]+:${inode}\\s`).test(l));
      expect(mine().length, fs.readFileSync(LOCKS, 'utf8')).toBeGreaterThan(0);
      // Another program's SQLite opens the library, reads, and closes: it must not find it unlocked.
      const reader = spawnSync(process.execPath, ['-e', `const D = require('better-sqlite3'); const d = new D(${JSON.stringify(db)}); d.prepare('SELECT COUNT(*) FROM settings').get(); d.close();`], { cwd: REPO_ROOT, encoding: 'utf8' });
      expect(reader.status, reader.stderr).toBe(0);
      expect(fs.existsSync(`${db}-wal`)).toBe(true);
      expect(core.context.db.prepare("SELECT value FROM settings WHERE key = 'warm-lock-test'").pluck().get()).toBe('1');
      // Chosen as an input (through a link too), the database is refused before it is opened, so
      // no descriptor of it is closed: the locks stay.
      const link = path.join(dir, 'link.tsv');
      fs.symlinkSync(db, link);
      for (const source of [db, link, `${db}-wal`]) {
        await expect(core.call('library.import', { source }), source).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/database of the open library/) });
        expect(mine().length, source).toBeGreaterThan(0);
      }
      await expect(core.call('ml.importTags', { files: [db] })).rejects.toMatchObject({ message: expect.stringMatching(/database of the open library|no trained model/) });
      expect(mine().length).toBeGreaterThan(0);
    } finally {
      await core.close();
    }
  }, 60_000);
});
