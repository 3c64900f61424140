/**
 * The wire format shared by every remote transport (WebSocket in browser mode, Electron IPC):
 * a call carries an id chosen by the client; the server answers with progress messages and one
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
