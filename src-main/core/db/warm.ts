/**
 * Warm the library database into the operating system's page cache, in the background.
 *
 * A large library (a million images: a database of several hundred MB to 2 GB) opened after the
 * machine has been busy with other work is out of the page cache: SQLite then reads each B-tree
 * page it needs from disk at random, and a filter that touches many pages (a common taxon: a few
 * thousand lookups across `image_taxa` and `predictions`) is several times slower than on a warm
 * file (bench:ui: taxon "Aves" 296 ms warm, 589 ms cold at 1M). Reading the file once from start
 * to end is sequential (the disk's fast path) and leaves every page cached for the queries that
 * follow.
 *
 * The reads run on a thread of their own (a small worker, 4 MB blocking reads), not on the event
 * loop's I/O callbacks: better-sqlite3's queries are synchronous, so while the main thread answers
 * a long first query, callbacks would wait and the warm-up with them. It stops at the next read
 * once aborted (a shared flag), so closing the library never waits for the whole file.
 *
 * Skipped where it would evict more than it gains: files larger than half the free memory.
 * Interactive front ends (the desktop app, `qc serve`) ask for it; one-shot `qc` commands don't.
 */
import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';

export interface WarmResult {
  /** Bytes read (0 when skipped). */
  bytes: number;
  /** Why nothing was read, or why it stopped early ('failed': the reading thread could not start or died). */
  skipped?: 'missing' | 'too_large' | 'aborted' | 'failed';
}

/** How long an aborted read may take to stop before it is let go (warmFiles settles; closing waits no longer). */
export const WARM_STOP_WAIT_MS = 2000;

export interface WarmOptions {
  signal?: AbortSignal;
  /** Read size (default 4 MiB). */
  chunkBytes?: number;
  /** Largest total size to warm (default: half of the free memory now). */
  budgetBytes?: number;
}

/**
 * The reading thread, as source (a few lines of plain Node; as a string it needs no entry of its own
 * in the app's bundles). workerData: files, chunk size, and a shared Int32 that is 1 once aborted.
 */
const READER = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const stop = new Int32Array(workerData.stop);
const buf = Buffer.allocUnsafe(workerData.chunk);
let bytes = 0;
let aborted = false;
outer: for (const file of workerData.files) {
  let fd;
  try { fd = fs.openSync(file, 'r'); } catch { continue; }
  try {
    for (;;) {
      if (Atomics.load(stop, 0)) { aborted = true; break outer; }
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      bytes += n;
    }
  } catch {
    // A file that cannot be read further: what was read is cached all the same.
  } finally {
    fs.closeSync(fd);
  }
}
parentPort.postMessage({ bytes, aborted });
`;

/**
 * Read `files` (a database and its WAL) once, sequentially, discarding the bytes. Async throughout:
 * a thread that cannot start rejects the promise instead of throwing at the caller (createCore
 * opens the library whatever becomes of its warm-up).
 */
export async function warmFiles(files: readonly string[], opts: WarmOptions = {}): Promise<WarmResult> {
  const sizes = files.map((f) => {
    try {
      return fs.statSync(f).size;
    } catch {
      return 0;
    }
  });
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total === 0) return { bytes: 0, skipped: 'missing' };
  if (total > (opts.budgetBytes ?? os.freemem() / 2)) return { bytes: 0, skipped: 'too_large' };
  if (opts.signal?.aborted) return { bytes: 0, skipped: 'aborted' };
  const stop = new SharedArrayBuffer(4);
  const worker = new Worker(READER, { eval: true, workerData: { files: files.filter((_, i) => sizes[i]), chunk: opts.chunkBytes ?? 4 << 20, stop } });
  return new Promise<WarmResult>((resolve) => {
    let result: WarmResult = { bytes: 0, skipped: 'aborted' };
    let letGo: NodeJS.Timeout | undefined;
    const onAbort = () => {
      Atomics.store(new Int32Array(stop), 0, 1);
      // It stops at its next read. One stuck on a dead network drive is let go after a while: the
      // promise settles and the thread no longer keeps the process alive.
      letGo = setTimeout(() => {
        worker.unref();
        resolve({ bytes: 0, skipped: 'aborted' });
      }, WARM_STOP_WAIT_MS);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (m: { bytes: number; aborted: boolean }) => (result = m.aborted ? { bytes: m.bytes, skipped: 'aborted' } : { bytes: m.bytes }));
    // A thread that failed to start or died has read nothing we can count on: report none read.
    worker.once('error', () => (result = { bytes: 0, skipped: 'failed' }));
    worker.once('exit', () => {
      clearTimeout(letGo);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    });
  });
}
