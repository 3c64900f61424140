/**
 * Another process that writes to a library while a test does something long there: it takes the
 * write lock (BEGIN IMMEDIATE; COMMIT) every ~10 ms with the library's busy timeout and notes when
 * each write committed, to show whether the long work lets other writers in (short transactions) or
 * locks them out.
 */
import { spawn } from 'node:child_process';
import { BUSY_TIMEOUT_MS } from '../src-main/core/db/open';
import { REPO_ROOT } from './fixtures';

const PROBE = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1], { timeout: Number(process.argv[2]) });
let tries = 0, errors = 0, stop = false;
const writes = [];
process.stdin.on('data', () => (stop = true));
console.log('ready');
const loop = () => {
  if (stop) { console.log(JSON.stringify({ tries, errors, writes })); db.close(); process.exit(0); }
  try { db.exec('BEGIN IMMEDIATE'); db.exec('COMMIT'); writes.push(Date.now()); } catch (e) { errors++; }
  tries++;
  setTimeout(loop, 10);
};
loop();
`;

export interface WriteProbeResult {
  tries: number;
  /** Writes that failed ("database is locked"). */
  errors: number;
  /** When each write committed (Date.now()), in order. */
  writes: number[];
}

/** How many of the probe's writes committed strictly between `from` and `to` (Date.now() values). */
export function writesBetween(r: WriteProbeResult, from: number, to: number): number {
  return r.writes.filter((t) => t > from && t < to).length;
}

/** Start the probe on a library's database file; resolves once it writes. `stop()` gives what it saw. */
export async function startWriteProbe(dbFile: string): Promise<{ stop(): Promise<WriteProbeResult> }> {
  const child = spawn(process.execPath, ['-e', PROBE, dbFile, String(BUSY_TIMEOUT_MS)], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return {
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin.write('stop\n');
      await exited;
      return JSON.parse(out.trim().split('\n').at(-1)!) as WriteProbeResult;
    },
  };
}
