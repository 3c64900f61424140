/**
 * The messages between the main thread (client.ts) and the ML worker thread (entry.ts).
 * In: { id, type: 'embed' | 'train' | 'predict' | 'cancel' | 'close' }; out: { id, type: 'batch' | 'event' |
 * 'done' | 'error' }. Float32Array buffers are transferred, not copied. An error crosses as its
 * name plus, for a QcError, its code, file and line, so a `not_found` in the worker is a
 * `not_found` for the caller.
 */
import { QcError, type QcErrorShape } from '../../../../src-shared/contract/errors';
import type { EmbedResult } from '../embed';
import type { EmbedRequest } from '../engine';
import type { Matrix, TrainedHead } from '../train/head';
import type { TrainJobEvent, TrainJobRequest } from '../trainJob';

export type WorkerRequest =
  | { id: number; type: 'embed'; req: EmbedRequest }
  | { id: number; type: 'train'; req: TrainJobRequest }
  | { id: number; type: 'predict'; head: TrainedHead; m: Matrix }
  | { id: number; type: 'cancel' }
  /** Cancel everything, close the engine (its pool waits for the work its threads are in), answer 'done'. */
  | { id: number; type: 'close' };

/** An error as it crosses the thread boundary. */
export interface WorkerError {
  name: string;
  message: string;
  /** Set when the worker threw a QcError. */
  qc?: QcErrorShape;
}

export type WorkerReply =
  | { id: number; type: 'batch'; results: EmbedResult[] }
  | { id: number; type: 'event'; event: TrainJobEvent }
  | { id: number; type: 'done'; result: unknown }
  | { id: number; type: 'error'; error: WorkerError };

export function encodeError(e: unknown): WorkerError {
  if (e instanceof QcError) return { name: e.name, message: e.message, qc: e.toJSON() };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

/** The error the caller sees: a QcError with its code, or an Error with the worker's name (AbortError stays AbortError). */
export function decodeError(w: WorkerError): Error {
  if (w.qc) return QcError.fromJSON(w.qc);
  return Object.assign(new Error(w.message), { name: w.name });
}
