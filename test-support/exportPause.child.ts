/**
 * Test helper for src-main/core/export/tags.concurrent.test.ts, run as a child process:
 *
 *   node --import tsx exportPause.child.ts READY GO -- ARGS…
 *
 * Runs `qc ARGS…` (a real `qc export`) and pauses it at its first write into the library's final
 * tags' temporary file (`library_finaltags.tsv.tmp-…`, in the export's stage folder): it writes the
 * file READY, then waits (blocking, as a long export's write would) until the file GO exists, at most
 * a minute, and goes on. An export caught while it writes, for a second one to meet.
 */
import fs from 'node:fs';

const [ready, go, sep, ...args] = process.argv.slice(2);
if (sep !== '--' || !ready || !go) throw new Error('usage: READY GO -- ARGS…');
const paused = new Set<number>();
let done = false;
const realOpen = fs.openSync;
fs.openSync = ((file: fs.PathLike, ...rest: unknown[]) => {
  const fd = (realOpen as (...a: unknown[]) => number)(file, ...rest);
  if (/library_finaltags\.tsv\.tmp-/.test(String(file))) paused.add(fd);
  return fd;
}) as typeof fs.openSync;
const realWrite = fs.writeFileSync;
fs.writeFileSync = ((file: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
  if (!done && typeof file === 'number' && paused.has(file)) {
    done = true;
    fs.writeFileSync(ready, '');
    const wait = new Int32Array(new SharedArrayBuffer(4));
    for (const until = Date.now() + 60_000; !fs.existsSync(go) && Date.now() < until; ) Atomics.wait(wait, 0, 0, 20);
  }
  return (realWrite as (...a: unknown[]) => void)(file, ...rest);
}) as typeof fs.writeFileSync;

process.argv = [process.argv[0]!, 'qc', ...args];
await import('../src-main/cli/main');
