/**
 * The heavy ML work (backbone inference, head training) behind one interface, so it can run in
 * the long-lived ML worker thread (ml/worker/entry.ts) or, where threads are unwanted, in process.
 * It receives ids, file paths and matrices, never database handles, and returns results.
 */
import type { Backbone } from './backbone/runtime';
import { backboneThreads, describeProvider, openBackbone } from './backbone/runtime';
import { SessionCache } from './backbone/sessionCache';
import type { FeatureSet } from '../../../src-shared/domain/ml';
import { embedBatches, embedChunks, type EmbedItem, type EmbedResult } from './embed';
import type { PrepareOptions } from './prepare';
import { PrepPool } from './worker/prepPool';
import { predictHead, type Matrix, type TrainedHead } from './train/head';
import { runTrainJob, type TrainJobEvent, type TrainJobRequest, type TrainJobResult } from './trainJob';

/** Images per batch (embed.ts: one backbone hand-over; on the CPU, one worker's chunk). */
export const EMBED_BATCH = 16;

export interface EmbedRequest {
  backboneId: string;
  modelsDir: string;
  items: EmbedItem[];
  sets: FeatureSet[];
  batchSize?: number;
}

export interface EmbedInfo {
  provider: string;
  /** One line: the provider and why the ones before it were not used (describeProvider). */
  providerNote?: string;
  backboneId: string;
  dim: number;
}

export interface MlEngine {
  /** Calls `onBatch` for every finished batch, in order. */
  embed(req: EmbedRequest, onBatch: (results: EmbedResult[]) => void, signal?: AbortSignal): Promise<EmbedInfo>;
  /** Train a head, score every row, and compute out-of-fold predictions; events stream per epoch and fold. */
  train(req: TrainJobRequest, onEvent: (e: TrainJobEvent) => void, signal?: AbortSignal): Promise<TrainJobResult>;
  /** p(bad) of every row under a trained head. */
  predict(head: TrainedHead, m: Matrix): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Runs in the calling thread; the worker wraps one of these. */
export class InProcessEngine implements MlEngine {
  private backbones = new SessionCache<Backbone>();
  /** The thread pool (image preparation, fold fits): undefined until the first embed or training, null when threads are unavailable. */
  private pool: PrepPool | null | undefined;

  private backbone(id: string, modelsDir: string): Promise<Backbone> {
    // backboneThreads(): half the cores for onnxruntime's intra-op threads (QC_ORT_THREADS),
    // no inter-op parallelism (MobileNetV2 is a chain); the prep pool's threads fill the rest.
    return this.backbones.get(`${modelsDir}::${id}`, () => openBackbone(id, { modelsDir, intraOpNumThreads: backboneThreads() }));
  }

  async embed(req: EmbedRequest, onBatch: (results: EmbedResult[]) => void, signal?: AbortSignal): Promise<EmbedInfo> {
    const needsBackbone = req.sets.some((s) => s === 'whole' || s === 'crops');
    const backbone = needsBackbone ? await this.backbone(req.backboneId, req.modelsDir) : null;
    // A pool of worker threads, one per core (created once, kept with the engine).
    if (this.pool === undefined) this.pool = PrepPool.create();
    const pool = this.pool;
    const batchSize = req.batchSize ?? EMBED_BATCH;
    if (pool && (!backbone || backbone.provider === 'cpu')) {
      // On the CPU each worker prepares and embeds whole batches with its own session (prepPool.ts).
      const bb = backbone && { id: req.backboneId, modelsDir: req.modelsDir };
      for await (const batch of embedChunks(req.items, batchSize, 2 * pool.size, (chunk) => pool.embedChunk(chunk, req.sets, bb, req.modelsDir, signal), signal)) onBatch(batch);
    } else {
      // A GPU session (or no pool): the workers decode, resize, crop and measure; this thread's session embeds.
      const prepare = pool ? (item: EmbedItem, o: PrepareOptions) => pool.prepare(item, o) : undefined;
      for await (const batch of embedBatches(backbone, req.items, { sets: req.sets, batchSize, modelsDir: req.modelsDir, ...(signal && { signal }), ...(prepare && { prepare }) })) onBatch(batch);
    }
    return { provider: backbone?.provider ?? 'none', ...(backbone && { providerNote: describeProvider(backbone.provider, backbone.attempts) }), backboneId: req.backboneId, dim: backbone?.dim ?? 0 };
  }

  train(req: TrainJobRequest, onEvent: (e: TrainJobEvent) => void, signal?: AbortSignal): Promise<TrainJobResult> {
    // The out-of-fold fits run side by side on the pool's threads (one onnxruntime thread each).
    // A cancel reaches the fits in the workers, and the pass ends only once they have (folds.ts).
    if (this.pool === undefined) this.pool = PrepPool.create();
    const pool = this.pool;
    return runTrainJob(req, onEvent, signal, pool ? { fit: (job, sig) => pool.fitFold(job, sig), concurrency: pool.size } : undefined);
  }

  predict(head: TrainedHead, m: Matrix): Promise<Float32Array> {
    return predictHead(head, m);
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
    await Promise.all(this.backbones.drain().map(async (b) => (await b).close().catch(() => {})));
  }
}
