/**
 * The ML worker thread: one long-lived thread that keeps the backbone session open and does the
 * CPU-heavy work (inference, training) off the main thread. The messages are in protocol.ts.
 */
import { parentPort } from 'node:worker_threads';
import { embedResultBuffers } from '../embed';
import { InProcessEngine } from '../engine';
import type { TrainJobResult } from '../trainJob';
import { encodeError, type WorkerReply, type WorkerRequest } from './protocol';

const engine = new InProcessEngine();
const running = new Map<number, AbortController>();
const port = parentPort;

function trainBuffers(r: TrainJobResult): ArrayBuffer[] {
  return [r.pAll.buffer as ArrayBuffer, r.oof.buffer as ArrayBuffer, ...(r.issueP ? [r.issueP.buffer as ArrayBuffer] : []), ...(r.heldLogit ? [r.heldLogit.buffer as ArrayBuffer] : [])];
}

if (port) {
  port.on('message', async (msg: WorkerRequest) => {
    if (msg.type === 'cancel') return running.get(msg.id)?.abort();
    if (msg.type === 'close') {
      // The client terminates this thread after the reply: first let the engine's pool finish the
      // native calls its threads are in (a thread stopped inside onnxruntime can abort the process).
      for (const c of running.values()) c.abort();
      await engine.close().catch(() => {});
      return port.postMessage({ id: msg.id, type: 'done', result: null } satisfies WorkerReply);
    }
    const controller = new AbortController();
    running.set(msg.id, controller);
    const reply = (m: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
    try {
      if (msg.type === 'embed') {
        const result = await engine.embed(msg.req, (results) => reply({ id: msg.id, type: 'batch', results }, embedResultBuffers(results)), controller.signal);
        reply({ id: msg.id, type: 'done', result });
      } else if (msg.type === 'predict') {
        const result = await engine.predict(msg.head, msg.m);
        reply({ id: msg.id, type: 'done', result }, [result.buffer as ArrayBuffer]);
      } else {
        const result = await engine.train(msg.req, (event) => reply({ id: msg.id, type: 'event', event }), controller.signal);
        reply({ id: msg.id, type: 'done', result }, trainBuffers(result));
      }
    } catch (e) {
      reply({ id: msg.id, type: 'error', error: encodeError(e) });
    } finally {
      running.delete(msg.id);
    }
  });
}
