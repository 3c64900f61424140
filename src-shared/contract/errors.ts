/**
 * Errors that cross the API boundary. A QcError carries a stable code plus, where it applies,
 * the file and line it is about, so every transport (CLI, IPC, HTTP) can print one clear line.
 */
export type ErrorCode =
  | 'bad_input' // a file or argument the user gave is wrong
  | 'invalid_argument' // an API call's argument does not fit its schema (contract/schemas.ts); the message names the field
  | 'not_found'
  | 'schema_too_new' // the database was written by a newer Quality Curator
  | 'cancelled'
  | 'conflict'
  | 'unknown_method'
  | 'not_available' // this transport cannot do it (e.g. native dialogs outside the desktop app)
  | 'disk_full' // the disk holding the library has no space left for a change; the message names the folder and says the library is unchanged
  | 'read_only' // the library database (or its -wal, -shm or folder) cannot be written; the message names it and what to do
  | 'internal';

/** One end of the range a number field accepts (`inclusive`: the end itself is accepted). */
export interface ArgumentBound {
  value: number;
  inclusive: boolean;
}

/**
 * What an `invalid_argument` error is about, for a screen that words it for a curator: the
 * method, the field (`['threshold']`, `['mirrors', 0, 'dir']`; empty for the arguments as a
 * whole), the schema's reason, and for a number outside its range the range the field accepts.
 * The message keeps the technical line (`ml.setThreshold: threshold: …`) for the CLI, API
 * clients and logs.
 */
export interface ArgumentDetail {
  method: string;
  path: (string | number)[];
  reason: string;
  range?: { min?: ArgumentBound; max?: ArgumentBound };
}

export interface QcErrorShape {
  code: ErrorCode;
  message: string;
  file?: string;
  line?: number;
  /** `invalid_argument` only: which field and why, in parts. */
  detail?: ArgumentDetail;
}

export class QcError extends Error implements QcErrorShape {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly detail?: ArgumentDetail;

  constructor(code: ErrorCode, message: string, where: { file?: string; line?: number; detail?: ArgumentDetail } = {}) {
    super(message);
    this.name = 'QcError';
    this.code = code;
    if (where.file !== undefined) this.file = where.file;
    if (where.line !== undefined) this.line = where.line;
    if (where.detail !== undefined) this.detail = where.detail;
  }

  /** `file:line: message`, the one line a user sees. */
  describe(): string {
    return describeError(this);
  }

  /** The shape every transport carries (IPC, WebSocket, the ML worker): the one serialisation, read back by {@link fromJSON}. */
  toJSON(): QcErrorShape {
    return {
      code: this.code,
      message: this.message,
      ...(this.file !== undefined && { file: this.file }),
      ...(this.line !== undefined && { line: this.line }),
      ...(this.detail !== undefined && { detail: this.detail }),
    };
  }

  /** A QcError from what crossed a transport; a `detail` that is not well formed is dropped (the message still says it all). */
  static fromJSON(shape: QcErrorShape): QcError {
    const detail = argumentDetail(shape.detail);
    return new QcError(shape.code, shape.message, { ...(shape.file !== undefined && { file: shape.file }), ...(shape.line !== undefined && { line: shape.line }), ...(detail && { detail }) });
  }
}

/** `invalid_argument` for one field: the message `method: a.b[2]: reason` (`args: reason` for the whole), with its detail. */
export function invalidArgument(detail: ArgumentDetail, message = `${detail.method}: ${fieldPath(detail.path)}: ${detail.reason}`): QcError {
  return new QcError('invalid_argument', message, { detail });
}

/** `a.b[2]`, or `args` for the arguments as a whole. */
export function fieldPath(path: readonly (string | number)[]): string {
  return path.length ? path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${p}`)).join('') : 'args';
}

const isBound = (b: unknown): b is ArgumentBound =>
  typeof b === 'object' && b !== null && typeof (b as ArgumentBound).value === 'number' && typeof (b as ArgumentBound).inclusive === 'boolean';

/** `d` when it is a well-formed {@link ArgumentDetail} (copied, nothing else kept), else undefined. */
function argumentDetail(d: unknown): ArgumentDetail | undefined {
  if (typeof d !== 'object' || d === null) return undefined;
  const { method, path, reason, range } = d as Partial<ArgumentDetail>;
  if (typeof method !== 'string' || typeof reason !== 'string' || !Array.isArray(path) || !path.every((p) => typeof p === 'string' || typeof p === 'number')) return undefined;
  const out: ArgumentDetail = { method, path: [...path], reason };
  if (typeof range === 'object' && range !== null) {
    const r: NonNullable<ArgumentDetail['range']> = {};
    if (isBound(range.min)) r.min = { value: range.min.value, inclusive: range.min.inclusive };
    if (isBound(range.max)) r.max = { value: range.max.value, inclusive: range.max.inclusive };
    if (r.min || r.max) out.range = r;
  }
  return out;
}

export function describeError(e: QcErrorShape): string {
  const where = e.file ? `${e.file}${e.line !== undefined ? `:${e.line}` : ''}: ` : '';
  return `${where}${e.message}`;
}

/** Normalise anything thrown into the shape that crosses a transport. */
export function toErrorShape(e: unknown): QcErrorShape {
  if (e instanceof QcError) return e.toJSON();
  if (e instanceof Error && e.name === 'AbortError') return { code: 'cancelled', message: 'cancelled' };
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}
