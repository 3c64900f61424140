/**
 * One client of the API over any transport (Electron IPC, `qc serve`'s WebSocket): `ClientMessage`s
 * arrive as untrusted input and their shape is validated here; each call runs through the core's
 * one dispatcher (`Core.call`, which checks the arguments against the method's schema in
 * src-shared/contract/schemas.ts, answering `invalid_argument` naming the field) with its own
 * AbortController (cancel aborts it, dispose aborts all), progress is throttled, and
 * `ServerMessage`s go back through `send`. Transports only carry bytes.
 *
 * Any value may arrive in any field (JSON from a WebSocket, a structured clone over IPC): nothing
 * here turns a client's value into text except through {@link shownValue}, and `call`/`cancel`
 * never throw (a throw here would run in the transport's listener and end the process).
 */
import type { JobProgress } from '../../src-shared/contract/events';
import { toErrorShape, type QcErrorShape } from '../../src-shared/contract/errors';
import type { Method } from '../../src-shared/contract/handlers';
import type { ServerMessage } from '../../src-shared/contract/transport';
import type { Core } from './app';

type Dispatcher = Pick<Core, 'call' | 'handlers'>;

const MAX_CALLS = 64;
const PROGRESS_INTERVAL_MS = 50;

/** A client's call id: a whole number ≥ 0 (-1 is the id of the server's answers to envelopes it cannot take; -0 would be answered as 0). */
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && !Object.is(v, -0);

/** How much of a client's string an error message or log line repeats. */
const SHOWN_CHARS = 200;

/**
 * A client-supplied value as text for an error message or a log line, without ever calling into
 * it: `String()` or a template on an object runs its `toString`/`valueOf`/`Symbol.toPrimitive`,
 * and JSON.parse builds objects whose `toString` is `1` (String() then throws). Strings are cut to
 * `max` characters, other primitives are written as they are, anything else by its kind
 * (`(an object)`, `(an array)`). Never throws.
 */
export function shownValue(v: unknown, max = SHOWN_CHARS): string {
  switch (typeof v) {
    case 'string':
      return v.length > max ? `${v.slice(0, max)}… (${v.length.toLocaleString('en')} characters)` : v;
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return String(v);
    case 'symbol':
      return '(a symbol)';
    case 'function':
      return '(a function)';
    default:
      return v === null ? 'null' : Array.isArray(v) ? '(an array)' : '(an object)';
  }
}

export function isMethod(handlers: object, method: unknown): method is Method {
  return typeof method === 'string' && Object.prototype.hasOwnProperty.call(handlers, method) && typeof (handlers as Record<string, unknown>)[method] === 'function';
}

/** A thrown value's message for an error reply, never throwing itself. */
function errorText(e: unknown): string {
  try {
    return shownValue(e instanceof Error ? e.message : e);
  } catch {
    return '(unreadable)';
  }
}

/** The shape of a call's failure; one that cannot be read becomes `internal` (never a throw in the answer's path). */
function errorShape(e: unknown): QcErrorShape {
  try {
    const shape = toErrorShape(e);
    if (typeof shape.message === 'string') return shape;
  } catch {
    // below
  }
  return { code: 'internal', message: errorText(e) };
}

/** At most one progress message per job phase every interval; the first and last of a phase always go. */
export class ProgressThrottle {
  /** When each key's job phase last sent: by key (a call, or the session's events), then job and phase. */
  private last = new Map<string, Map<string, number>>();

  constructor(private readonly intervalMs = PROGRESS_INTERVAL_MS) {}

  shouldSend(key: string, p: JobProgress): boolean {
    const phase = `${p.job}\0${p.phase}`;
    const now = performance.now();
    let phases = this.last.get(key);
    if (!phases) this.last.set(key, (phases = new Map()));
    const prev = phases.get(phase);
    if (prev !== undefined && p.done < p.total && now - prev < this.intervalMs) return false;
    phases.set(phase, now);
    return true;
  }

  /** Drop what is kept for `key` (a call that ended), so a long-lived session keeps nothing per call. */
  forget(key: string): void {
    this.last.delete(key);
  }

  /** How many keys are kept (tests). */
  get size(): number {
    return this.last.size;
  }
}

/** One client's calls (a renderer page, a WebSocket). A new page gets a new session; the old one is disposed. */
export class CallSession {
  private readonly calls = new Map<number, AbortController>();
  private readonly pending = new Set<Promise<void>>();
  private readonly throttle = new ProgressThrottle();
  private disposed = false;

  constructor(
    private readonly core: Dispatcher,
    private readonly sendRaw: (msg: ServerMessage) => void,
  ) {}

  /** Never throws: a page that has gone away simply misses the message. */
  private send(msg: ServerMessage): void {
    try {
      this.sendRaw(msg);
    } catch {
      // the page is gone
    }
  }

  get inFlight(): number {
    return this.calls.size;
  }

  /** A call message (already parsed from JSON or structured-cloned). Never throws: whatever goes wrong is answered as an error. */
  call(msg: unknown): void {
    if (this.disposed) return;
    let id = -1;
    try {
      const m = (typeof msg === 'object' && msg !== null && !Array.isArray(msg) ? msg : {}) as Record<string, unknown>;
      if (isId(m.id)) id = m.id;
      this.validateAndRun(id, m);
    } catch (e) {
      // Validation is meant to refuse everything it does not accept; this is the last line, so a
      // later slip answers `internal` instead of ending the process that serves every client.
      this.error(id, { code: 'internal', message: `the call could not be handled: ${errorText(e)}` });
    }
  }

  private validateAndRun(id: number, m: Record<string, unknown>): void {
    if (!isId(m.id) || m.type !== 'call') return this.error(id, { code: 'bad_input', message: 'expected { type: "call", id, method, args }' });
    const args = m.args ?? {};
    if (typeof args !== 'object' || args === null || Array.isArray(args)) return this.error(id, { code: 'bad_input', message: 'args must be an object' });
    if (this.calls.has(id)) return this.error(id, { code: 'conflict', message: `call id ${id} is already in use` });
    if (!isMethod(this.core.handlers, m.method)) return this.error(id, { code: 'unknown_method', message: `no such method: ${shownValue(m.method)}` });
    if (this.calls.size >= MAX_CALLS) return this.error(id, { code: 'conflict', message: `too many calls in flight (at most ${MAX_CALLS})` });
    this.run(id, m.method, args);
  }

  /** A cancel message. */
  cancel(msg: unknown): void {
    try {
      const id = typeof msg === 'object' && msg !== null ? (msg as Record<string, unknown>).id : undefined;
      if (isId(id)) this.calls.get(id)?.abort();
    } catch {
      // a message that cannot even be read cancels nothing
    }
  }

  /** A push event for this client (job progress is throttled). */
  event(msg: Extract<ServerMessage, { type: 'event' }>): void {
    if (this.disposed) return;
    if (msg.name === 'job.progress' && !this.throttle.shouldSend('event', msg.payload)) return;
    this.send(msg);
  }

  /** Abort every call, send nothing more, and wait (at most `waitMs`) for the calls to wind down. */
  async dispose(waitMs = 10_000): Promise<void> {
    this.disposed = true;
    for (const c of this.calls.values()) c.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.pending]), new Promise((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
  }

  private run(id: number, method: Method, args: object): void {
    const controller = new AbortController();
    this.calls.set(id, controller);
    const onProgress = (progress: JobProgress) => {
      if (!this.disposed && this.throttle.shouldSend(`call:${id}`, progress)) this.send({ type: 'progress', id, progress });
    };
    let started: Promise<unknown>;
    try {
      started = this.core.call(method, args as never, { signal: controller.signal, onProgress });
    } catch (e) {
      started = Promise.reject(e); // a dispatcher that throws at once still answers, and frees the id
    }
    const p = started
      .then(
        (result) => {
          if (!this.disposed) this.send({ type: 'result', id, result });
        },
        (e: unknown) => this.error(id, errorShape(e)),
      )
      .finally(() => {
        this.calls.delete(id);
        this.throttle.forget(`call:${id}`);
        this.pending.delete(p);
      });
    this.pending.add(p);
  }

  private error(id: number, error: QcErrorShape): void {
    if (!this.disposed) this.send({ type: 'error', id, error });
  }
}

/** Progress and job events may be dropped under back-pressure; results, errors and label changes never. */
export function isLossy(msg: ServerMessage): boolean {
  return msg.type === 'progress' || (msg.type === 'event' && msg.name === 'job.progress');
}
