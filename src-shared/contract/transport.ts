/**
 * The wire format shared by every remote transport (WebSocket in browser mode, Electron IPC):
 * a call carries an id chosen by the client (a whole number ≥ 0; the server answers an envelope it
 * cannot take, id and all, with id -1); the server answers with progress messages and one
 * result or error for that id; `cancel` aborts it. Push events are broadcast to every client.
 */
import type { EventMap, EventName, JobProgress } from './events';
import type { QcErrorShape } from './errors';
import type { Method } from './handlers';

export type ClientMessage = { type: 'call'; id: number; method: Method; args: unknown } | { type: 'cancel'; id: number };

export type ServerMessage =
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: QcErrorShape }
  | { type: 'progress'; id: number; progress: JobProgress }
  | { [E in EventName]: { type: 'event'; name: E; payload: EventMap[E] } }[EventName];

/** Electron's IPC channels: calls and cancels in, every ServerMessage out (preload.ts and ipc.ts both use these). */
export const IPC_CHANNELS = { call: 'qc:call', cancel: 'qc:cancel', message: 'qc:message' } as const;

/** What Electron's preload exposes to the page as `window.bridge` (contextBridge), over IPC_CHANNELS. */
export interface Bridge {
  /** Send a call; its answer arrives through `listen` as result/error/progress messages with the same id. */
  call(id: number, method: Method, args: unknown): unknown;
  cancel(id: number): unknown;
  /** Every ServerMessage (progress, result, error, event); returns a function that stops listening. */
  listen(cb: (msg: ServerMessage) => void): (() => void) | void;
}

/** Image files are served by URL, never sent through the API: `<base>/files/<kind>/<imageId>`. */
export const FILE_KINDS = ['thumb', 'preview', 'original'] as const;
export type FileKind = (typeof FILE_KINDS)[number];

export function filePath(kind: FileKind, imageId: number): string {
  return `files/${kind}/${imageId}`;
}

/** Parse `files/<kind>/<id>` (no leading slash); null for anything else, including traversal attempts. */
export function parseFilePath(path: string): { kind: FileKind; imageId: number } | null {
  const m = /^files\/(thumb|preview|original)\/([1-9][0-9]{0,15})$/.exec(path);
  return m ? { kind: m[1] as FileKind, imageId: Number(m[2]) } : null;
}
