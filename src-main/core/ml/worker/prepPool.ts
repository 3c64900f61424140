/**
 * A fixed pool of worker threads, one per core, for the embedding's CPU work:
 * - `prepare`: one image made ready for the backbone (decode, resize, crops, signals: prepare.ts),
 *   so JavaScript and sharp work runs on every core while the caller's backbone runs the previous
 *   batch. Items of one file always go to the same worker (synthetic copies of one original then
 *   share its decode).
 * - `embedChunk`: a whole batch prepared *and* embedded in one worker with its own single-threaded
 *   onnxruntime session (engine.ts uses it on the CPU provider). Each core then runs its own chunks
 *   end to end: with one shared session the backbone thread was the bottleneck while preparation
 *   idled, and the cores were ~75-85% busy.
 * - `fitFold`: one out-of-fold fit of a training run (folds.ts), in the least busy worker with one
 *   onnxruntime thread, so that a run's folds train side by side on every core.
 * Results come back as transferred buffers, never copied. Where the worker entry cannot be found
 * (a build without prepWorker.js) `PrepPool.create` returns null and the caller works in its own thread.
 */
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FeatureSet } from '../../../../src-shared/domain/ml';
import type { EmbedItem, EmbedResult } from '../embed';
import type { Prepared, PrepareItem, PrepareOptions } from '../prepare';
import type { FoldFit, FoldFitResult } from '../train/folds';
import { abortError } from '../train/head';
import type { CancelRequest, EmbedChunkRequest, FitRequest, PrepRequest, PrepWorkerReply } from './prepEntry';
import { decodeError } from './protocol';

export const PREP_THREADS_ENV = 'QC_PREP_THREADS';
/** How long close() waits for the work under way in the workers before stopping them. */
const CLOSE_WAIT_MS = 10_000;

/** Pool size: QC_PREP_THREADS, else one per core (onnxruntime's own threads share the cores). */
export function prepThreads(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env[PREP_THREADS_ENV]);
  return Number.isInteger(n) && n >= 0 ? n : Math.max(1, os.availableParallelism());
}

function entry(): { url: URL; workerData?: { entry: string } } | null {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return { url: new URL('./tsBoot.mjs', here), workerData: { entry: new URL('./prepEntry.ts', here).href } };
  const built = new URL('./prepWorker.js', here);
  return fs.existsSync(fileURLToPath(built)) ? { url: built } : null;
}

interface Waiter {
  resolve: (result: unknown) => void;
  reject: (e: Error) => void;
  /** The worker it was sent to. */
  worker: number;
}

function fileSlot(file: string, n: number): number {
  let h = 2166136261;
  for (let i = 0; i < file.length; i++) h = Math.imul(h ^ file.charCodeAt(i), 16777619);
  return (h >>> 0) % n;
}

export class PrepPool {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private closed = false;
  /** Requests sent and not yet answered by a live worker (still counted after failAll gave up on them). */
  private inFlight = 0;
  private drained: (() => void) | null = null;

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on('message', (msg: PrepWorkerReply) => {
        this.settled(1);
        const p = this.waiting.get(msg.id);
        this.waiting.delete(msg.id);
        if (msg.error) p?.reject(decodeError(msg.error));
        else p?.resolve(msg.result);
        if (!this.waiting.size) for (const x of this.workers) x.unref();
      });
      w.on('error', (e) => {
        this.settled(this.inFlight);
        this.failAll(e);
      });
      w.on('exit', (code) => {
        this.settled(this.inFlight);
        if (!this.closed && code !== 0) this.failAll(new Error(`an image preparation worker exited with code ${code}`));
      });
      w.unref();
    }
  }

  /** A pool of `size` threads, or null when size is 0 or the worker entry is missing. */
  static create(size = prepThreads()): PrepPool | null {
    const e = entry();
    if (!e || size < 1) return null;
    return new PrepPool(Array.from({ length: size }, () => new Worker(e.url, e.workerData ? { workerData: e.workerData } : {})));
  }

  get size(): number {
    return this.workers.length;
  }

  prepare(item: PrepareItem, opts: PrepareOptions): Promise<Prepared> {
    return this.send(fileSlot(item.file, this.workers.length), (id) => ({ id, item, opts }) satisfies PrepRequest) as Promise<Prepared>;
  }

  /**
   * Prepare and embed `items` (one batch) in the worker with the fewest requests in flight, with
   * that worker's own CPU session of backbone `backbone` (null: no backbone features) and of the
   * defect net in `modelsDir`. Results in item order.
   */
  embedChunk(items: EmbedItem[], sets: FeatureSet[], backbone: { id: string; modelsDir: string } | null, modelsDir?: string, signal?: AbortSignal): Promise<EmbedResult[]> {
    // A cancel reaches the chunk in its worker: it leaves the images not yet prepared and answers
    // at once with no results, instead of finishing the chunk for nothing.
    return this.sendCancellable((id) => ({ id, embed: { items, sets, backbone, ...(modelsDir && { modelsDir }) } }) satisfies EmbedChunkRequest, signal) as Promise<EmbedResult[]>;
  }

  /**
   * Train and predict one fold (folds.ts FoldFit) in the worker with the fewest requests in flight.
   * Its matrices should be in shared memory (then they are not copied). A cancel reaches the fit
   * in its worker (it stops at its next epoch and answers with an AbortError).
   */
  fitFold(job: FoldFit, signal?: AbortSignal): Promise<FoldFitResult> {
    return this.sendCancellable((id) => ({ id, fit: job }) satisfies FitRequest, signal) as Promise<FoldFitResult>;
  }

  /** Send to the least busy worker; `signal`'s abort sends it a cancel, and the promise settles only when the worker has left the work. */
  private sendCancellable(message: (id: number) => EmbedChunkRequest | FitRequest, signal?: AbortSignal): Promise<unknown> {
    const slot = this.leastBusy();
    let sent = -1;
    const onAbort = () => {
      if (sent >= 0 && this.waiting.has(sent)) this.workers[slot]!.postMessage({ id: sent, cancel: true } satisfies CancelRequest);
    };
    if (signal?.aborted) return Promise.reject(abortError());
    signal?.addEventListener('abort', onAbort, { once: true });
    return this.send(slot, (id) => {
      sent = id;
      return message(id);
    }).finally(() => signal?.removeEventListener('abort', onAbort));
  }

  private leastBusy(): number {
    const load = this.workers.map(() => 0);
    for (const w of this.waiting.values()) load[w.worker]!++;
    return load.indexOf(Math.min(...load));
  }

  private send(slot: number, message: (id: number) => PrepRequest | EmbedChunkRequest | FitRequest, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the image preparation pool is closed'));
    const id = this.nextId++;
    const w = this.workers[slot]!;
    this.inFlight++;
    return new Promise<unknown>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, worker: slot });
      w.ref();
      w.postMessage(message(id), transfer);
    });
  }

  private failAll(e: Error): void {
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  private settled(n: number): void {
    this.inFlight = Math.max(0, this.inFlight - n);
    if (!this.inFlight) this.drained?.();
  }

  /**
   * Callers waiting are answered at once; the workers are stopped once the work they are doing ends
   * (at most CLOSE_WAIT_MS): a worker stopped inside a native call (onnxruntime running a fold fit
   * or a batch that a cancel left behind) can abort the whole process when that call returns into a
   * thread that is gone.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new Error('the image preparation pool was closed'));
    if (this.inFlight) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_WAIT_MS);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
