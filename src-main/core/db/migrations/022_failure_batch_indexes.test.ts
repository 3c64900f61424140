/**
 * Migration 022 on a real database: library.status counts failures by reason and library.failures
 * reads its first page by index, with no scan and sort of the failures table, and whether a label
 * batch was undone is an index probe (labels.ts). Query plans, not times: they hold at any size.
 */
import { describe, expect, it } from 'vitest';
import { schemaVersion, type Db } from '../open';
import { FAILURES_BY_REASON, FAILURES_PAGE, FETCH_FAILURES, libraryStatus, listFailures } from '../../library/status';
import { dbAtVersion, useMigrationDb } from '../../../../test-support/migrationDb';

const mdb = useMigrationDb('qc-m022-');

const plan = (d: Db, sql: string, ...params: unknown[]) => (d.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('\n');

// The statements labels.ts runs to undo (lastUndoable, curatorBatch, laterLiveChange).
const LAST_UNDOABLE = `SELECT b.id FROM label_batches b WHERE b.actor = 'curator'
  AND NOT EXISTS (SELECT 1 FROM label_batches u WHERE u.reverts = b.id) ORDER BY b.id DESC LIMIT 1`;
const CURATOR_BATCH = "SELECT b.id, EXISTS (SELECT 1 FROM label_batches u WHERE u.reverts = b.id) AS undone FROM label_batches b WHERE b.id = ? AND b.actor = 'curator'";
const LATER_LIVE_CHANGE = `SELECT 1 AS n FROM label_events e JOIN label_batches b ON b.id = e.batch_id
  WHERE e.image_id = ? AND e.batch_id > ? AND b.actor = 'curator' AND NOT EXISTS (SELECT 1 FROM label_batches u WHERE u.reverts = b.id) LIMIT 1`;

/** 40 fetch failures and 20 row failures of three reasons; 10 curator batches, the even ones undone. */
function fill(d: Db): void {
  const imp = Number(d.prepare("INSERT INTO imports (kind, source) VALUES ('ratings', 'r.tsv')").run().lastInsertRowid);
  for (let k = 1; k <= 40; k++) {
    d.prepare("INSERT INTO failures (url, file, line, reason, detail, import_id, stage) VALUES (?, 'r.tsv', ?, ?, 'd', ?, 'fetch')").run(`https://x/${k}.jpg`, k, k % 2 ? 'http_404' : 'timeout', imp);
  }
  for (let k = 1; k <= 20; k++) d.prepare("INSERT INTO failures (url, file, line, reason, detail, import_id, stage) VALUES (NULL, 'r.tsv', ?, 'bad_rating', 'd', ?, 'row')").run(100 + k, imp);
  for (let k = 1; k <= 10; k++) {
    const b = Number(d.prepare("INSERT INTO label_batches (actor) VALUES ('curator')").run().lastInsertRowid);
    if (k % 2 === 0) d.prepare("INSERT INTO label_batches (actor, reverts) VALUES ('undo', ?)").run(b);
  }
}

describe('migration 022 (failure and label batch indexes)', () => {
  it('on a version-21 library: failures are counted and paged by index, an undo finds its batch by index', () => {
    const v21 = dbAtVersion(mdb.dir(), 21);
    fill(v21);
    v21.close();

    const db = mdb.open();
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(22);
    const byReason = plan(db, FAILURES_BY_REASON);
    expect(byReason, byReason).toMatch(/COVERING INDEX failures_stage_reason/);
    expect(byReason, byReason).not.toMatch(/TEMP B-TREE/);
    expect(plan(db, FETCH_FAILURES)).toMatch(/SEARCH failures USING COVERING INDEX failures_(stage_reason|order) \(stage=\?\)/);
    const page = plan(db, FAILURES_PAGE, 200);
    expect(page, page).toMatch(/INDEX failures_order/);
    expect(page, page).not.toMatch(/TEMP B-TREE/);
    for (const [sql, ...params] of [[LAST_UNDOABLE], [CURATOR_BATCH, 1], [LATER_LIVE_CHANGE, 1, 0]] as [string, ...unknown[]][]) {
      const text = plan(db, sql, ...params);
      expect(text, text).toMatch(/label_batches_reverts \(reverts=\?\)/);
      expect(text, text).not.toMatch(/SCAN u\b/);
    }

    // The status and the list say what they said.
    const status = libraryStatus(db, mdb.dir());
    expect(status.failed).toBe(40);
    expect(status.failures_by_reason).toEqual({ http_404: 20, timeout: 20, bad_rating: 20 });
    const list = listFailures(db, 5);
    expect(list.total).toBe(60);
    expect(list.failures.map((f) => f.line)).toEqual([1, 2, 3, 4, 5]);
    expect(db.prepare(LAST_UNDOABLE).get()).toEqual({ id: 13 });
    expect(db.prepare(CURATOR_BATCH).get(2)).toEqual({ id: 2, undone: 1 });
  });
});
