/**
 * Warm the library database into the operating system's page cache, in the background.
 *
 * A large library (a million images: a database of several hundred MB) opened after the machine
 * has been busy with other work is out of the page cache: SQLite then reads each B-tree page it
 * needs from disk at random, and a filter that touches many pages (a common taxon: a few
 * thousand lookups across `image_taxa` and `predictions`) is several times slower than on a warm
 * file (bench:ui: taxon "Aves" 296 ms warm, 589 ms cold at 1M). Reading the file once from start
 * to end is sequential (the disk's fast path) and leaves every page cached for the queries that
 * follow. The reads go through libuv's thread pool, never the event loop, a few MB at a time, and
 * stop at once when the library closes.
 *
 * Skipped where it would evict more than it gains: a file larger than half the free memory.
 * Interactive front ends (the desktop app, `qc serve`) ask for it; one-shot `qc` commands don't.
 */
import fs from 'node:fs';
import os from 'node:os';

export interface WarmResult {
  /** Bytes read (0 when skipped). */
  bytes: number;
  /** Why nothing was read, or why it stopped early. */
  skipped?: 'missing' | 'too_large' | 'aborted';
}

export interface WarmOptions {
  signal?: AbortSignal;
  /** Read size (default 4 MiB). */
  chunkBytes?: number;
  /** Largest total size to warm (default: half of the free memory now). */
  budgetBytes?: number;
}

/** Read `files` (a database and its WAL) once, sequentially, discarding the bytes. */
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
  const buf = Buffer.allocUnsafe(opts.chunkBytes ?? 4 << 20);
  let bytes = 0;
  for (const [i, file] of files.entries()) {
    if (!sizes[i]) continue;
    let fh: fs.promises.FileHandle;
    try {
      fh = await fs.promises.open(file, 'r');
    } catch {
      continue; // The WAL went away at a checkpoint: nothing to warm there.
    }
    try {
      for (;;) {
        if (opts.signal?.aborted) return { bytes, skipped: 'aborted' };
        const { bytesRead } = await fh.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        bytes += bytesRead;
      }
    } finally {
      await fh.close();
    }
  }
  return { bytes };
}
