/**
 * A long read that must see one consistent library (a tag export of a million images) and must not
 * block this process while it runs (progress, cancel, other calls). One SQLite read transaction
 * gives the consistency, but better-sqlite3's transactions are synchronous: one that stayed open
 * across awaits on the library's own connection would take in this process's writes made meanwhile
 * (a label set while the export runs) and would be ended by their commits. So the read runs on a
 * second, read-only connection of its own, inside a transaction opened here and held across the
 * awaits: WAL gives it the snapshot of its first read, whatever any process writes meanwhile, and
 * writers are never blocked by it (only checkpoints wait for it to end).
 */
import { openDatabase, type Db } from './open';

/**
 * Run `read` on a read-only connection in one read transaction, closed afterwards whatever happens.
 * A database in memory (tests only) has no second connection: `read` gets `db` itself, without
 * the snapshot.
 */
export async function withSnapshot<T>(db: Db, read: (reader: Db) => Promise<T>): Promise<T> {
  if (db.memory) return read(db);
  const reader = openDatabase(db.name, { readonly: true });
  try {
    reader.exec('BEGIN');
    // The snapshot is taken at the first read, not at BEGIN: take it now.
    reader.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get();
    return await read(reader);
  } finally {
    if (reader.inTransaction) reader.exec('COMMIT');
    reader.close();
  }
}
