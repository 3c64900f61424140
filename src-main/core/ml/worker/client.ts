/** The main thread's side of the ML worker (entry.ts): the same MlEngine interface, over worker messages (protocol.ts). */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EmbedResult } from '../embed';
import type { EmbedInfo, EmbedRequest, MlEngine } from '../engine';
import type { Matrix, TrainedHead } from '../train/head';
import type { TrainJobEvent, TrainJobRequest, TrainJobResult } from '../trainJob';
import { decodeError, type WorkerReply, type WorkerRequest } from './protocol';

/** How long close() waits for the worker to close its engine (whose pool waits at most 10 s) before stopping it. */
const CLOSE_ANSWER_MS = 15_000;

interface Pending {
  onBatch: (results: EmbedResult[]) => void;
  onEvent: (e: TrainJobEvent) => void;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** The worker's entry: the .ts source through tsx's loader (CLI, tests), the bundled mlWorker.js next to this file in a build. */
function workerEntry(): { url: URL; workerData?: { entry: string } } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return { url: new URL('./tsBoot.mjs', here), workerData: { entry: new URL('./entry.ts', here).href } };
  const built = new URL('./mlWorker.js', here);
  if (!fs.existsSync(fileURLToPath(built))) throw new Error(`ML worker not found at ${fileURLToPath(built)}`);
  return { url: built };
}

/** MlEngine in the ML worker thread (InProcessEngine is the same in the calling thread). */
export class WorkerEngine implements MlEngine {
  private worker: Worker | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();

  private start(): Worker {
    if (this.worker) return this.worker;
    const { url, workerData } = workerEntry();
    const w = new Worker(url, { workerData });
    w.on('message', (msg: WorkerReply) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      if (msg.type === 'batch' || msg.type === 'event') {
        // The caller's handler stores what arrived (a batch's features, an epoch): an error there (a
        // full disk, a write lock held too long) fails this call, as it would in the calling
        // thread. Thrown from this listener it was an uncaught exception that ended the process:
        // `qc serve` and the desktop app with every window's work.
        try {
          if (msg.type === 'batch') p.onBatch(msg.results);
          else p.onEvent(msg.event);
        } catch (e) {
          this.pending.delete(msg.id);
          w.postMessage({ id: msg.id, type: 'cancel' } satisfies WorkerRequest);
          p.reject(e instanceof Error ? e : new Error(String(e)));
        }
      } else {
        this.pending.delete(msg.id);
        if (msg.type === 'done') p.resolve(msg.result);
        else p.reject(decodeError(msg.error));
      }
    });
    w.on('error', (e) => this.failAll(e));
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = null;
      if (code !== 0) this.failAll(new Error(`the ML worker exited with code ${code}`));
    });
    w.unref();
    this.worker = w;
    return w;
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private request<T>(make: (id: number) => WorkerRequest, handlers: Pick<Pending, 'onBatch' | 'onEvent'>, signal?: AbortSignal, transfer: ArrayBuffer[] = []): Promise<T> {
    const w = this.start();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => w.postMessage({ id, type: 'cancel' } satisfies WorkerRequest);
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        ...handlers,
        resolve: (v) => (done(), resolve(v as T)),
        reject: (e) => (done(), reject(e)),
      });
      w.ref();
      w.postMessage(make(id), transfer);
    }).finally(() => {
      if (!this.pending.size) this.worker?.unref();
    });
  }

  embed(req: EmbedRequest, onBatch: (results: EmbedResult[]) => void, signal?: AbortSignal): Promise<EmbedInfo> {
    return this.request<EmbedInfo>((id) => ({ id, type: 'embed', req }), { onBatch, onEvent: () => {} }, signal);
  }

  /** The request's matrix buffer is transferred to the worker: the caller must not use `req.x` afterwards. */
  train(req: TrainJobRequest, onEvent: (e: TrainJobEvent) => void, signal?: AbortSignal): Promise<TrainJobResult> {
    return this.request<TrainJobResult>((id) => ({ id, type: 'train', req }), { onBatch: () => {}, onEvent }, signal, [req.x.buffer as ArrayBuffer]);
  }

  /** The matrix buffer is transferred to the worker: the caller must not use `m.x` afterwards. */
  predict(head: TrainedHead, m: Matrix): Promise<Float32Array> {
    return this.request<Float32Array>((id) => ({ id, type: 'predict', head, m }), { onBatch: () => {}, onEvent: () => {} }, undefined, [m.x.buffer as ArrayBuffer]);
  }

  /**
   * Cancel what the worker is doing, let it close its engine (the preparation pool waits, at most
   * CLOSE_WAIT_MS, for the onnxruntime calls its threads are in), then stop it; a worker that does
   * not answer within CLOSE_ANSWER_MS is stopped anyway.
   */
  async close(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.worker = null;
    const id = this.nextId++;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_ANSWER_MS);
      const onMessage = (msg: WorkerReply) => {
        if (msg.id === id) end();
      };
      const end = () => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('exit', end);
        resolve();
      };
      w.on('message', onMessage);
      w.once('exit', end);
      w.ref();
      w.postMessage({ id, type: 'close' } satisfies WorkerRequest);
    });
    await w.terminate();
  }
}
