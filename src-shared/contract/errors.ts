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
  | 'internal';

export interface QcErrorShape {
  code: ErrorCode;
  message: string;
  file?: string;
  line?: number;
}

export class QcError extends Error implements QcErrorShape {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly line?: number;

  constructor(code: ErrorCode, message: string, where: { file?: string; line?: number } = {}) {
    super(message);
    this.name = 'QcError';
    this.code = code;
    if (where.file !== undefined) this.file = where.file;
    if (where.line !== undefined) this.line = where.line;
  }

  /** `file:line: message`, the one line a user sees. */
  describe(): string {
    return describeError(this);
  }

  toJSON(): QcErrorShape {
    return { code: this.code, message: this.message, ...(this.file !== undefined && { file: this.file }), ...(this.line !== undefined && { line: this.line }) };
  }

  static fromJSON(shape: QcErrorShape): QcError {
    return new QcError(shape.code, shape.message, shape);
  }
}

export function describeError(e: QcErrorShape): string {
  const where = e.file ? `${e.file}${e.line !== undefined ? `:${e.line}` : ''}: ` : '';
  return `${where}${e.message}`;
}

export function isQcError(e: unknown): e is QcError {
  return e instanceof QcError;
}

/** Normalise anything thrown into the shape that crosses a transport. */
export function toErrorShape(e: unknown): QcErrorShape {
  if (e instanceof QcError) return e.toJSON();
  if (e instanceof Error && e.name === 'AbortError') return { code: 'cancelled', message: 'cancelled' };
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}
