/**
 * A preparation worker (prepPool.ts): decodes an image and makes its backbone inputs, crops,
 * signals, defect block and hash (prepare.ts), then transfers the buffers back. No database. With an `embed`
 * request it also runs the backbone on a chunk of images with a session of its own (one onnxruntime
 * thread, opened on first use and kept), and returns their vectors (embed.ts `embedBatches`). With a
 * `fit` request it trains one fold's head and predicts the fold (folds.ts `fitFold`, one onnxruntime
 * thread): a training run's out-of-fold fits run side by side on the pool's threads.
 */
import { parentPort } from 'node:worker_threads';
import { openBackbone, type Backbone } from '../backbone/runtime';
import { SessionCache } from '../backbone/sessionCache';
import { embedBatches, embedResultBuffers, type EmbedItem, type EmbedResult } from '../embed';
import type { FeatureSet } from '../../../../src-shared/domain/ml';
import { DecodeCache, prepareImage, preparedBuffers, type PrepareItem, type PrepareOptions } from '../prepare';
import { fitFold, type FoldFit, type FoldFitResult } from '../train/folds';
import { encodeError, type WorkerError } from './protocol';

export interface PrepRequest {
  id: number;
  item: PrepareItem;
  opts: PrepareOptions;
}

/** A chunk of images to prepare and embed in the worker (one batch of embedBatches). */
export interface EmbedChunkRequest {
  id: number;
  embed: {
    items: EmbedItem[];
    sets: FeatureSet[];
    /** null when neither whole-image nor crop features are wanted. */
    backbone: { id: string; modelsDir: string } | null;
    /** Where the defect net is ('defects'). */
    modelsDir?: string;
  };
}

/** One out-of-fold fit (folds.ts FoldFit); its matrices are read in shared memory. */
export interface FitRequest {
  id: number;
  fit: FoldFit;
}

/**
 * Stop request `id`: a fit at its next epoch (it then answers with an AbortError), an embedded chunk
 * before its next image's preparation and before the backbone (it then answers with no results);
 * no reply of its own.
 */
export interface CancelRequest {
  id: number;
  cancel: true;
}

export type PrepWorkerRequest = PrepRequest | EmbedChunkRequest | FitRequest | CancelRequest;

/** The reply to either request: a prepared image or a chunk's results; `error` when the chunk failed as a whole (e.g. the backbone would not open). */
export interface PrepWorkerReply {
  id: number;
  result?: unknown;
  error?: WorkerError;
}

const cache = new DecodeCache(4);
const backbones = new SessionCache<Backbone>();

function backbone(id: string, modelsDir: string): Promise<Backbone> {
  // One intra-op thread: the pool has one worker per core, each running its own chunks.
  return backbones.get(`${modelsDir}::${id}`, () => openBackbone(id, { modelsDir, providers: ['cpu'], intraOpNumThreads: 1 }));
}

async function embedChunk(req: EmbedChunkRequest['embed'], signal: AbortSignal): Promise<EmbedResult[]> {
  const bb = req.backbone ? await backbone(req.backbone.id, req.backbone.modelsDir) : null;
  const out: EmbedResult[] = [];
  // The whole chunk is one batch: the backbone calls are exactly those of the in-thread path.
  // Cancelled, it answers with no results: the images not yet prepared are left undone.
  for await (const batch of embedBatches(bb, req.items, { sets: req.sets, batchSize: req.items.length, signal, ...(req.modelsDir && { modelsDir: req.modelsDir }), prepare: (it, o, target) => prepareImage(it, o, cache, signal, target) })) out.push(...batch);
  return out;
}

const port = parentPort;
/** The fits and embedded chunks under way, by request id, for a cancel. */
const cancellable = new Map<number, AbortController>();
if (port) {
  /** Do one request's work and reply: its result with `buffers(result)` transferred, or the error it met. */
  const answer = async <T>(id: number, work: () => Promise<T>, buffers: (result: T) => ArrayBuffer[]): Promise<void> => {
    try {
      const result = await work();
      port.postMessage({ id, result } satisfies PrepWorkerReply, buffers(result));
    } catch (e) {
      port.postMessage({ id, error: encodeError(e) } satisfies PrepWorkerReply);
    }
  };
  port.on('message', (msg: PrepWorkerRequest) => {
    // One intra-op thread for a fit: the pool's other threads run the other folds.
    if ('cancel' in msg) return cancellable.get(msg.id)?.abort();
    /** The request's work, with a signal that its cancel aborts. */
    const withCancel = <T>(work: (signal: AbortSignal) => Promise<T>) => {
      const controller = new AbortController();
      cancellable.set(msg.id, controller);
      return () => work(controller.signal).finally(() => cancellable.delete(msg.id));
    };
    if ('fit' in msg) return answer(msg.id, withCancel((signal) => fitFold(msg.fit, { threads: 1, signal })), (r: FoldFitResult) => [r.p.buffer as ArrayBuffer, r.z.buffer as ArrayBuffer]);
    if ('embed' in msg) return answer(msg.id, withCancel((signal) => embedChunk(msg.embed, signal)), embedResultBuffers);
    // An image that cannot be decoded is a result (Prepared.error); an error here is a failure of
    // the preparation itself (e.g. the defect net cannot be opened).
    return answer(msg.id, () => prepareImage(msg.item, msg.opts, cache), preparedBuffers);
  });
}
