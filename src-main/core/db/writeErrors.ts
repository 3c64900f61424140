/**
 * Errors from changing the library after it opened, in a curator's words: every statement,
 * `exec`, `pragma` and transaction of a connection from openDatabase passes SQLite's errors about
 * writing the library (a read-only database, …) through openErrors.ts `databaseWriteError`, so
 * every caller — a CLI command, a `qc serve` call, a training run's recorded error — gets one
 * QcError naming the file and what to do instead of SQLite's bare words under code `internal`.
 * Other errors pass unchanged (the same object: SQLITE_BUSY retries still see SQLite's code).
 */
import type Database from 'better-sqlite3';
import { databaseWriteError } from './openErrors';

type Db = Database.Database;
type Fn = (...args: unknown[]) => unknown;

/** `fn` with its errors passed through `translate` (called with the caller's `this`). */
function guarded(fn: Fn, translate: (e: unknown) => unknown): Fn {
  return function (this: unknown, ...args: unknown[]) {
    try {
      return fn.apply(this, args);
    } catch (e) {
      throw translate(e);
    }
  };
}

/**
 * `rows` with the errors of its next(), return() and throw() passed through `translate`; iterable
 * itself (for…of), and a loop left early still ends the statement (return()).
 */
function guardedIterator(rows: Iterator<unknown>, translate: (e: unknown) => unknown): IterableIterator<unknown> {
  const call = <R>(f: () => R): R => {
    try {
      return f();
    } catch (e) {
      throw translate(e);
    }
  };
  const guarded: IterableIterator<unknown> = {
    next: (...a: [] | [unknown]) => call(() => rows.next(...a)),
    [Symbol.iterator]() {
      return guarded;
    },
  };
  if (rows.return) guarded.return = (value?: unknown) => call(() => rows.return!(value));
  if (rows.throw) guarded.throw = (e?: unknown) => call(() => rows.throw!(e));
  return guarded;
}

/** Make `db`'s statements (prepared from now on: run, get, all, and iterate's rows), exec, pragma and transactions answer write failures with databaseWriteError. */
export function translateWriteErrors(db: Db, file: string): void {
  const translate = (e: unknown) => databaseWriteError(file, e);
  const prepare = db.prepare.bind(db) as unknown as Fn;
  db.prepare = ((...args: unknown[]) => {
    const statement = prepare(...args) as Record<string, Fn>;
    // The method is looked up on the prototype at each call, not kept from now: what replaces it
    // there later (a test's spy) is still what runs.
    const proto = Object.getPrototypeOf(statement) as Record<string, Fn>;
    for (const m of ['run', 'get', 'all'] as const) {
      statement[m] = function (this: unknown, ...a: unknown[]) {
        try {
          return proto[m]!.apply(this, a);
        } catch (e) {
          throw translate(e);
        }
      };
    }
    // iterate steps the statement at each next() of the iterator it returns, not in the call: a
    // write refused (an `INSERT … RETURNING` read row by row) or a read failing on a full disk
    // throws there, so the iterator's own methods are guarded too.
    statement.iterate = function (this: unknown, ...a: unknown[]) {
      let rows: Iterator<unknown>;
      try {
        rows = proto.iterate!.apply(this, a) as Iterator<unknown>;
      } catch (e) {
        throw translate(e);
      }
      return guardedIterator(rows, translate);
    };
    return statement;
  }) as unknown as Db['prepare'];
  db.exec = guarded(db.exec.bind(db) as unknown as Fn, translate) as unknown as Db['exec'];
  db.pragma = guarded(db.pragma.bind(db) as unknown as Fn, translate) as unknown as Db['pragma'];
  const transaction = db.transaction.bind(db) as unknown as (fn: Fn) => Fn & Record<'deferred' | 'immediate' | 'exclusive', Fn>;
  db.transaction = ((fn: Fn) => {
    const t = transaction(fn);
    const variants = { deferred: guarded(t.deferred, translate), immediate: guarded(t.immediate, translate), exclusive: guarded(t.exclusive, translate) };
    const main = guarded(t, translate);
    // Like better-sqlite3's own: each variant carries the others.
    for (const f of [main, ...Object.values(variants)]) {
      Object.defineProperties(f, {
        default: { value: main },
        deferred: { value: variants.deferred },
        immediate: { value: variants.immediate },
        exclusive: { value: variants.exclusive },
        database: { value: db, enumerable: true },
      });
    }
    return main;
  }) as unknown as Db['transaction'];
}
