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
 * It steps aside while the library answers a call (`foreground`: a count of calls in flight that
 * the core keeps). The warm-up's sequential reads and a query's random page reads share one disk
 * queue: at a million images on a cold file, with the reader running beside them, the slider's
 * stored sketch took 530–890 ms to read back instead of 60–75 and the gallery's first page
 * 135–610 ms instead of 50–60: the first paint paid for the warm-up that exists to speed it. So
 * the reader waits while a call is in flight, up to FOREGROUND_MAX_PAUSE_MS in all: the calls of
 * the first paint go first, and a long job (a training run answers its call only at the end) or
 * calls that never let up delay the warm-up by that much at most. Waiting for every call would
 * starve it (calls made back to back left 100 MB of a 1.9 GB file read at close, and the later
 * filters met the disk instead); a longer budget moves more of the disk's cost onto the first
 * heavy filter that follows (a common taxon: ~1.2 s after a 300-ms budget, 1.7–1.9 s after 1 s).
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
  /** With a foreground gate: the milliseconds the reader waited for calls in flight. */
  pausedMs?: number;
}

/** How long an aborted read may take to stop before it is let go (warmFiles settles; closing waits no longer). */
export const WARM_STOP_WAIT_MS = 2000;

/** The longest the reader waits for calls in flight, in all; then it reads on whatever is in flight. */
export const FOREGROUND_MAX_PAUSE_MS = 500;

/**
 * Calls in flight, shared with the reading thread: the core enters before it answers a call and
 * leaves when the answer is ready (app.ts). Index 0 is the count.
 */
export class ForegroundGate {
  readonly buffer = new SharedArrayBuffer(4);
  private readonly count = new Int32Array(this.buffer);
  enter(): void {
    Atomics.add(this.count, 0, 1);
  }
  leave(): void {
    // The reader sleeps on this word: wake it when the last call has left.
    if (Atomics.sub(this.count, 0, 1) === 1) Atomics.notify(this.count, 0);
  }
  /** Calls in flight now. */
  get inFlight(): number {
    return Atomics.load(this.count, 0);
  }
}

export interface WarmOptions {
  signal?: AbortSignal;
  /** Read size (default 4 MiB). */
  chunkBytes?: number;
  /** Largest total size to warm (default: half of the free memory now). */
  budgetBytes?: number;
  /** Calls in flight: the reader waits while there are any (at most FOREGROUND_MAX_PAUSE_MS in all). */
  foreground?: ForegroundGate;
  /** Override FOREGROUND_MAX_PAUSE_MS (tests). */
  maxPauseMs?: number;
  /**
   * Takes the files' descriptors once the reading is over, to close them after the process's
   * SQLite connection to the database has closed (app.ts). Without it they are closed then.
   */
  keepOpen?: (fds: number[]) => void;
}

/**
 * The reading thread, as source (a few lines of plain Node; as a string it needs no entry of its own
 * in the app's bundles). workerData: files, chunk size, a shared Int32 that is 1 once aborted, the
 * calls in flight (a shared Int32, or null) and the longest wait for them in all. It waits in slices of
 * 50 ms so that an abort is seen within one; it reports how long it stepped aside.
 */
const READER = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const stop = new Int32Array(workerData.stop);
const busy = workerData.busy ? new Int32Array(workerData.busy) : null;
const buf = Buffer.allocUnsafe(workerData.chunk);
let bytes = 0;
let aborted = false;
let pausedMs = 0;
// Wait while calls are in flight, at most maxPause in all.
function stepAside() {
  if (!busy) return;
  for (;;) {
    if (Atomics.load(stop, 0)) return;
    const n = Atomics.load(busy, 0);
    const left = workerData.maxPause - pausedMs;
    if (n <= 0 || left <= 0) return;
    const t = Date.now();
    Atomics.wait(busy, 0, n, Math.min(50, left));
    pausedMs += Date.now() - t;
  }
}
// The files come open (their descriptors, opened by the caller, read at explicit positions) and
// are never closed here: see warmFiles.
outer: for (const fd of workerData.fds) {
  let pos = 0;
  try {
    for (;;) {
      stepAside();
      if (Atomics.load(stop, 0)) { aborted = true; break outer; }
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      pos += n;
      bytes += n;
    }
  } catch {
    // A file that cannot be read further: what was read is cached all the same.
  }
}
parentPort.postMessage({ bytes, aborted, pausedMs });
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
  // Opened here, and closed only by `keepOpen`'s owner once the database is closed: closing any
  // descriptor of a file drops every POSIX lock this process holds on it, SQLite's included, and
  // then another process's SQLite (a `sqlite3` shell that reads and exits) finds the library
  // unlocked, checkpoints and deletes the -wal and -shm this process is still using: from then on
  // the two see different data and the database is corrupted (SQLite's "How To Corrupt", 2.2).
  const fds: number[] = [];
  for (const [i, f] of files.entries()) {
    if (!sizes[i]) continue;
    try {
      fds.push(fs.openSync(f, 'r'));
    } catch {
      // Gone since it was measured: nothing to read.
    }
  }
  const handOver = () => {
    if (opts.keepOpen) opts.keepOpen(fds);
    else for (const fd of fds) fs.closeSync(fd);
    fds.length = 0;
  };
  const stop = new SharedArrayBuffer(4);
  let worker: Worker;
  try {
    worker = new Worker(READER, { eval: true, workerData: {
      fds,
      chunk: opts.chunkBytes ?? 4 << 20,
      stop,
      busy: opts.foreground?.buffer ?? null,
      maxPause: opts.maxPauseMs ?? FOREGROUND_MAX_PAUSE_MS,
    },
  });
  } catch (e) {
    handOver();
    throw e;
  }
  return new Promise<WarmResult>((resolve) => {
    let result: WarmResult = { bytes: 0, skipped: 'aborted' };
    let letGo: NodeJS.Timeout | undefined;
    const onAbort = () => {
      Atomics.store(new Int32Array(stop), 0, 1);
      // It stops at its next read. One stuck on a dead network drive is let go after a while: the
      // promise settles and the thread no longer keeps the process alive.
      letGo = setTimeout(() => {
        worker.unref();
        // Its descriptors go to their owner (closed after the database), or stay open while it may still read.
        if (opts.keepOpen) handOver();
        resolve({ bytes: 0, skipped: 'aborted' });
      }, WARM_STOP_WAIT_MS);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (m: { bytes: number; aborted: boolean; pausedMs: number }) => {
      result = m.aborted ? { bytes: m.bytes, skipped: 'aborted' } : { bytes: m.bytes };
      if (opts.foreground) result.pausedMs = m.pausedMs;
    });
    // A thread that failed to start or died has read nothing we can count on: report none read.
    worker.once('error', () => (result = { bytes: 0, skipped: 'failed' }));
    worker.once('exit', () => {
      clearTimeout(letGo);
      opts.signal?.removeEventListener('abort', onAbort);
      handOver();
      resolve(result);
    });
  });
}
