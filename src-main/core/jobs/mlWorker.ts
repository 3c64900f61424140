/**
 * The ML worker thread: one long-lived thread that keeps the backbone session open and does the
 * CPU-heavy work (inference, training) off the main thread. Messages in: { id, type: 'embed' |
 * 'train' | 'cancel' }; out: { id, type: 'batch' | 'event' | 'done' | 'error' }. Float32Array
 * buffers are transferred, not copied.
 */
import { parentPort } from 'node:worker_threads';
import type { EmbedResult } from '../ml/embed';
import { InProcessEngine, type EmbedRequest } from '../ml/engine';
import type { Matrix, TrainedHead } from '../ml/train/head';
import type { TrainJobEvent, TrainJobRequest, TrainJobResult } from '../ml/trainJob';

export type WorkerRequest =
  | { id: number; type: 'embed'; req: EmbedRequest }
  | { id: number; type: 'train'; req: TrainJobRequest }
  | { id: number; type: 'predict'; head: TrainedHead; m: Matrix }
  | { id: number; type: 'cancel' };
export type WorkerReply =
  | { id: number; type: 'batch'; results: EmbedResult[] }
  | { id: number; type: 'event'; event: TrainJobEvent }
  | { id: number; type: 'done'; result: unknown }
  | { id: number; type: 'error'; message: string; name: string };

const engine = new InProcessEngine();
const running = new Map<number, AbortController>();
const port = parentPort;

function embedBuffers(results: EmbedResult[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const r of results) for (const v of [r.whole, r.crops, r.signals]) if (v) out.push(v.buffer as ArrayBuffer);
  return out;
}

function trainBuffers(r: TrainJobResult): ArrayBuffer[] {
  return [r.pAll.buffer as ArrayBuffer, r.oof.buffer as ArrayBuffer];
}

if (port) {
  port.on('message', async (msg: WorkerRequest) => {
    if (msg.type === 'cancel') return running.get(msg.id)?.abort();
    const controller = new AbortController();
    running.set(msg.id, controller);
    const reply = (m: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
    try {
      if (msg.type === 'embed') {
        const result = await engine.embed(msg.req, (results) => reply({ id: msg.id, type: 'batch', results }, embedBuffers(results)), controller.signal);
        reply({ id: msg.id, type: 'done', result });
      } else if (msg.type === 'predict') {
        const result = await engine.predict(msg.head, msg.m);
        reply({ id: msg.id, type: 'done', result }, [result.buffer as ArrayBuffer]);
      } else {
        const result = await engine.train(msg.req, (event) => reply({ id: msg.id, type: 'event', event }), controller.signal);
        reply({ id: msg.id, type: 'done', result }, trainBuffers(result));
      }
    } catch (e) {
      const err = e as Error;
      reply({ id: msg.id, type: 'error', message: err.message, name: err.name });
    } finally {
      running.delete(msg.id);
    }
  });
}
