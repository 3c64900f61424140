/**
 * Migration 013 on a real database: imports get `pid_start` beside `pid`; the imports a version-12
 * library holds keep their rows (no start: judged by their pid alone), and new imports record the
 * start of their process where the system tells it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../../app';
import { thisProcess } from '../../library/store';
import { schemaVersion } from '../open';
import { useMigrationDb } from '../../../../test-support/migrationDb';

const mdb = useMigrationDb('qc-m013-');

describe('migration 013 (import start)', () => {
  it('adds pid_start to the imports of a version-12 library, and new imports fill it', async () => {
    const { dataDir, db: v12 } = mdb.dataDirAt(12);
    const columns = (d: typeof v12) => (d.prepare('PRAGMA table_info(imports)').all() as { name: string }[]).map((c) => c.name);
    expect(columns(v12)).not.toContain('pid_start');
    // A live process's import (this one's parent), and one that finished.
    v12.prepare("INSERT INTO imports (kind, source, status, pid) VALUES ('ratings', 'a', 'running', ?)").run(process.ppid);
    v12.prepare("INSERT INTO imports (kind, source, status, pid) VALUES ('ratings', 'b', 'done', ?)").run(process.ppid);
    v12.close();

    const core = createCore({ dataDir });
    try {
      const db = core.context.db;
      expect(schemaVersion(db)).toBeGreaterThanOrEqual(13);
      expect(columns(db)).toContain('pid_start');
      expect(db.prepare('SELECT source, status, pid_start FROM imports ORDER BY id').all()).toEqual([
        { source: 'a', status: 'running', pid_start: null },
        { source: 'b', status: 'done', pid_start: null },
      ]);
      const list = path.join(mdb.dir(), 'empty.txt');
      fs.writeFileSync(list, 'obj_url\toverall_rating\n');
      const s = await core.call('library.import', { source: list, kind: 'ratings' });
      expect(db.prepare('SELECT pid, pid_start FROM imports WHERE id = ?').get(s.import_id)).toEqual({ pid: process.pid, pid_start: thisProcess().start });
    } finally {
      await core.close();
    }
  });
});
