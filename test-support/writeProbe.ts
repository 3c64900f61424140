/**
 * Another process that writes to a library while a test does something long there: it takes the
 * write lock (BEGIN IMMEDIATE; COMMIT) every ~10 ms with the library's busy timeout and times each
 * wait, to show whether the long work lets other writers in (short transactions) or locks them out.
 */
import { spawn } from 'node:child_process';
import { BUSY_TIMEOUT_MS } from '../src-main/core/db/open';
import { REPO_ROOT } from './fixtures';

const PROBE = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1], { timeout: Number(process.argv[2]) });
let maxWait = 0, tries = 0, errors = 0, stop = false;
process.stdin.on('data', () => (stop = true));
console.log('ready');
const loop = () => {
  if (stop) { console.log(JSON.stringify({ maxWait, tries, errors })); db.close(); process.exit(0); }
  const t = performance.now();
  try { db.exec('BEGIN IMMEDIATE'); db.exec('COMMIT'); } catch (e) { errors++; }
  maxWait = Math.max(maxWait, performance.now() - t);
  tries++;
  setTimeout(loop, 10);
};
loop();
`;

export interface WriteProbeResult {
  /** The longest wait for the write lock, ms. */
  maxWait: number;
  tries: number;
  /** Writes that failed ("database is locked"). */
  errors: number;
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
