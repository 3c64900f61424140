/**
 * The renderer's only way to the core: a typed `call` over whichever transport the window has.
 *
 * - Electron: the preload script exposes `window.bridge` (IPC); images come from `app://files/…`.
 * - Browser mode (`qc serve`): a WebSocket to `/api?t=<token>`; images from `/files/…?f=<key>`,
 *   a key derived from the token that opens the image routes only (fileKey.ts).
 *
 * Both speak the wire format of src-shared/contract/transport.ts. A call rejects with a
 * {@link QcError} (code, message, file, line, and for a wrong argument its detail) so the UI can show
 * `errorText` (api/errorText.ts).
 */
import { invalidArgument, QcError, type QcErrorShape } from '../../src-shared/contract/errors';
import type { EventMap, EventName, JobProgress } from '../../src-shared/contract/events';
import type { ArgsOf, Method, ResultOf } from '../../src-shared/contract/handlers';
import { filePath, type Bridge, type ClientMessage, type FileKind, type ServerMessage } from '../../src-shared/contract/transport';
import { fileKeyOf } from './fileKey';

export interface CallOptions {
  onProgress?: (p: JobProgress) => void;
  /** Aborting sends `cancel`; the call still settles with the core's answer (a partial result or a `cancelled` error). */
  signal?: AbortSignal;
}

/** `expired`: the server no longer accepts this page's token (qc serve was restarted): the page needs the new link. */
export type ConnectionState = 'connecting' | 'open' | 'closed' | 'expired';

export interface ApiClient {
  call<M extends Method>(method: M, args: ArgsOf<M>, opts?: CallOptions): Promise<ResultOf<M>>;
  on<E extends EventName>(event: E, fn: (payload: EventMap[E]) => void): () => void;
  fileUrl(kind: FileKind, imageId: number): string;
  /** Connection changes (WebSocket transport); the bridge is always open. */
  onConnection?(fn: (state: ConnectionState) => void): () => void;
  /** Stop reconnecting and drop listeners (tests, hot reload). */
  close?(): void;
  /**
   * The calls the link lost (WebSocket transport), by method: `unsent` were never sent (refused while
   * the link was down or the session gone: nothing of them reached the core), `unanswered` were sent
   * and the link dropped before their answer (the core may or may not have done them).
   */
  lostCalls?(): { unsent: Method[]; unanswered: Method[] };
}

export type { Bridge };

declare global {
  interface Window {
    bridge?: Bridge;
  }
}

/** Anything thrown into a QcError (what every rejected call carries). */
export function toQcError(e: unknown): QcError {
  if (e instanceof QcError) return e;
  if (e && typeof e === 'object' && 'code' in e && 'message' in e && typeof (e as QcErrorShape).message === 'string') {
    return QcError.fromJSON(e as QcErrorShape);
  }
  if (e instanceof Error && e.name === 'AbortError') return new QcError('cancelled', 'cancelled');
  return new QcError('internal', e instanceof Error ? e.message : String(e));
}

export function isCancelled(e: unknown): boolean {
  return (e instanceof QcError && e.code === 'cancelled') || (e instanceof Error && e.name === 'AbortError');
}

interface Pending {
  method: Method;
  resolve: (v: unknown) => void;
  reject: (e: QcError) => void;
  onProgress?: (p: JobProgress) => void;
  cleanup: () => void;
}

/**
 * Bookkeeping shared by both transports: pending calls by id, event listeners, and the routing
 * of incoming ServerMessages to them.
 */
export class MessageRouter {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<EventName, Set<(payload: never) => void>>();

  newId(): number {
    return this.nextId++;
  }

  add(id: number, p: Pending): void {
    this.pending.set(id, p);
  }

  has(id: number): boolean {
    return this.pending.has(id);
  }

  methodOf(id: number): Method | undefined {
    return this.pending.get(id)?.method;
  }

  settle(id: number, outcome: { result: unknown } | { error: QcError }): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.cleanup();
    if ('error' in outcome) p.reject(outcome.error);
    else p.resolve(outcome.result);
  }

  rejectAll(error: QcError): void {
    for (const id of [...this.pending.keys()]) this.settle(id, { error });
  }

  get size(): number {
    return this.pending.size;
  }

  handle(msg: ServerMessage): void {
    switch (msg.type) {
      case 'result':
        this.settle(msg.id, { result: msg.result });
        break;
      case 'error':
        this.settle(msg.id, { error: QcError.fromJSON(msg.error) });
        break;
      case 'progress':
        this.pending.get(msg.id)?.onProgress?.(msg.progress);
        break;
      case 'event': {
        const set = this.listeners.get(msg.name);
        if (set) for (const fn of [...set]) (fn as (p: unknown) => void)(msg.payload);
        break;
      }
      default:
        break;
    }
  }

  on<E extends EventName>(event: E, fn: (payload: EventMap[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn as (payload: never) => void);
    return () => set.delete(fn as (payload: never) => void);
  }

  clearListeners(): void {
    this.listeners.clear();
  }
}

/**
 * Start a call: register it with the router, hook its AbortSignal to `cancel`, and hand the
 * message to `send`. `send` may throw (the transport is down) and the call rejects.
 */
/**
 * Arguments as they will cross the WebSocket: JSON has no NaN or Infinity, and JSON.stringify
 * would send them as null, which a method may read as something else (ml.setThreshold's null is
 * "the run's threshold"). Such a number is refused here, naming the field, as the core's schema
 * refuses it over IPC (structured clone keeps NaN).
 */
function jsonSafe<T>(method: string, args: T): T {
  JSON.stringify(args, function (this: unknown, key, value: unknown) {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw invalidArgument({ method, path: key ? [key] : [], reason: `${String(value)} is not a number that can be sent (expected a finite number)` });
    }
    return value;
  });
  return args;
}

function startCall<M extends Method>(
  router: MessageRouter,
  method: M,
  opts: CallOptions | undefined,
  send: (id: number) => void,
  cancel: (id: number, sent: boolean) => void,
): Promise<ResultOf<M>> {
  return new Promise<ResultOf<M>>((resolve, reject) => {
    const signal = opts?.signal;
    if (signal?.aborted) {
      reject(new QcError('cancelled', 'cancelled'));
      return;
    }
    const id = router.newId();
    const onAbort = () => cancel(id, true);
    router.add(id, {
      method,
      resolve: resolve as (v: unknown) => void,
      reject,
      ...(opts?.onProgress && { onProgress: opts.onProgress }),
      cleanup: () => signal?.removeEventListener('abort', onAbort),
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      send(id);
    } catch (e) {
      router.settle(id, { error: toQcError(e) });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Electron
// ---------------------------------------------------------------------------------------------

export function bridgeClient(bridge: Bridge): ApiClient {
  const router = new MessageRouter();
  const unlisten = bridge.listen((msg) => router.handle(msg));
  return {
    call(method, args, opts) {
      return startCall(
        router,
        method,
        opts,
        (id) => {
          const sent = bridge.call(id, method, args);
          // A rejected IPC send (e.g. the main process refused the sender) fails the call;
          // what a successful send resolves to is ignored: the answer comes through `listen`.
          if (sent && typeof (sent as Promise<unknown>).then === 'function') {
            (sent as Promise<unknown>).then(undefined, (e: unknown) => router.settle(id, { error: toQcError(e) }));
          }
        },
        (id) => void bridge.cancel(id),
      );
    },
    on: (event, fn) => router.on(event, fn),
    fileUrl: (kind, imageId) => `app://${filePath(kind, imageId)}`,
    close() {
      if (typeof unlisten === 'function') unlisten();
      router.clearListeners();
      router.rejectAll(new QcError('cancelled', 'the client was closed'));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Browser mode
// ---------------------------------------------------------------------------------------------

export interface WsClientOptions {
  /** The WebSocket constructor (tests pass a fake; default: the global one). */
  WebSocketImpl?: typeof WebSocket;
  /** First reconnect delay in ms; doubles up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /**
   * After the socket closes: does the server still accept the token? `expired` when it answers 401
   * (a restarted qc serve has a new token), `ok` when it accepts it, `down` when it does not answer.
   * Default: a GET of an image route with the token.
   */
  probe?: () => Promise<'ok' | 'expired' | 'down'>;
  /**
   * How long a call waits for the link to (re)open before it is refused, in ms (default
   * {@link QUEUE_LIMIT_MS}): a label set while qc serve is away fails (and is put back on screen)
   * instead of looking saved while it waits, perhaps forever.
   */
  queueLimitMs?: number;
}

/** The default of {@link WsClientOptions.queueLimitMs}. */
export const QUEUE_LIMIT_MS = 5_000;

/** Ask the server whether it still knows `token`: an image route answers 401 for a wrong one. */
export async function probeToken(apiUrl: string, token: string): Promise<'ok' | 'expired' | 'down'> {
  try {
    const u = new URL(apiUrl);
    u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
    u.pathname = `/${filePath('thumb', 0)}`;
    u.search = `?t=${encodeURIComponent(token)}`;
    const res = await fetch(u.toString(), { method: 'HEAD' });
    return res.status === 401 ? 'expired' : 'ok';
  } catch {
    return 'down';
  }
}

/**
 * A client over `ws(s)://<host>/api?t=<token>`. Calls made while (re)connecting are queued and
 * sent on open, each for at most `queueLimitMs` (then refused: `not_available`); every pending call
 * is rejected when the socket closes, then it reconnects with exponential backoff. When the session
 * is gone (the token refused: qc serve restarted) every queued call is refused at once, and so is
 * every later one.
 */
export function wsClient(url: string, token: string, options: WsClientOptions = {}): ApiClient {
  const Impl = options.WebSocketImpl ?? globalThis.WebSocket;
  const base = options.backoffMs ?? 250;
  const maxBackoff = options.maxBackoffMs ?? 10_000;
  const router = new MessageRouter();
  const connectionListeners = new Set<(s: ConnectionState) => void>();
  const queueLimit = options.queueLimitMs ?? QUEUE_LIMIT_MS;
  /** Messages waiting for the socket to open, by call id, each with the timer that refuses it. */
  let queue: { id: number; msg: ClientMessage; timer: ReturnType<typeof setTimeout> }[] = [];
  const lost = { unsent: [] as Method[], unanswered: [] as Method[] };
  /** Refuse the queued calls (never sent: nothing reached the core). */
  const refuseQueued = (error: QcError, which: (q: (typeof queue)[number]) => boolean = () => true) => {
    const out = queue.filter(which);
    queue = queue.filter((q) => !out.includes(q));
    for (const q of out) {
      clearTimeout(q.timer);
      if (q.msg.type === 'call' && router.has(q.id)) lost.unsent.push(q.msg.method);
      router.settle(q.id, { error });
    }
  };
  let expired = false;
  const goneError = () => new QcError('not_available', 'the session of qc serve has ended (it was restarted or stopped): this was not sent, nothing was saved; open the new link it printed');
  const sent = new Set<number>();
  let socket: WebSocket | null = null;
  let state: ConnectionState = 'closed';
  let attempts = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  let everOpened = false;

  const setState = (s: ConnectionState) => {
    // An ended session stays ended: a socket that was still opening when the probe answered (a call
    // made meanwhile starts one) closes later, and must not turn the page back to "reconnecting…".
    if (s === state || state === 'expired') return;
    state = s;
    for (const fn of [...connectionListeners]) fn(s);
  };

  const probe = options.probe ?? (() => probeToken(url, token));
  const sep = url.includes('?') ? '&' : '?';
  const fullUrl = `${url}${sep}t=${encodeURIComponent(token)}`;
  const fileKey = fileKeyOf(token);

  const connect = () => {
    if (closed) return;
    setState('connecting');
    let ws: WebSocket;
    try {
      ws = new Impl(fullUrl);
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      attempts = 0;
      everOpened = true;
      setState('open');
      const q = queue;
      queue = [];
      for (const { id, msg, timer: limit } of q) {
        clearTimeout(limit);
        ws.send(JSON.stringify(msg));
        if (msg.type === 'call') sent.add(id);
      }
    };
    ws.onmessage = (ev: MessageEvent) => {
      let msg: ServerMessage;
      try {
        msg = JSON.parse(typeof ev.data === 'string' ? ev.data : String(ev.data)) as ServerMessage;
      } catch {
        return;
      }
      if (msg.type === 'result' || msg.type === 'error') sent.delete(msg.id);
      router.handle(msg);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      // Queued calls were never sent; those sent and not answered may or may not have been done.
      refuseQueued(new QcError('not_available', 'the connection to qc serve was lost before this was sent: nothing was saved'));
      for (const id of sent) {
        const method = router.methodOf(id);
        if (method) lost.unanswered.push(method);
      }
      sent.clear();
      router.rejectAll(
        new QcError(
          'internal',
          everOpened ? 'the connection to qc serve was lost; reconnecting' : 'cannot connect to qc serve: is it still running, and is this the link it printed?',
        ),
      );
      setState('closed');
      // A restarted server has a new token: reconnecting with this one is hopeless; say so once.
      void probe().then((answer) => {
        if (closed) return;
        if (answer === 'expired') {
          closed = true;
          expired = true;
          if (timer) clearTimeout(timer);
          timer = null;
          refuseQueued(goneError());
          // A socket opened meanwhile (a call made while the probe ran) is dropped: its 401 would only say so again.
          const opening = socket;
          socket = null;
          opening?.close();
          setState('expired');
        } else scheduleReconnect();
      });
    };
    ws.onerror = () => {
      // onclose follows and does the work.
    };
  };

  const scheduleReconnect = () => {
    if (closed || timer) return;
    const delay = Math.min(maxBackoff, base * 2 ** attempts) * (0.75 + Math.random() * 0.5);
    attempts++;
    timer = setTimeout(() => {
      timer = null;
      connect();
    }, delay);
  };

  const OPEN = 1;
  const sendOrQueue = (id: number, msg: ClientMessage) => {
    if (socket && socket.readyState === OPEN) {
      socket.send(JSON.stringify(msg));
      if (msg.type === 'call') sent.add(id);
    } else {
      if (closed) {
        if (expired && msg.type === 'call') lost.unsent.push(msg.method);
        throw expired ? goneError() : new QcError('internal', 'the client was closed');
      }
      const limit = setTimeout(
        () =>
          refuseQueued(
            new QcError('not_available', `qc serve could not be reached for ${Math.round(queueLimit / 1000)} s: this was not sent, nothing was saved`),
            (q) => q.id === id,
          ),
        queueLimit,
      );
      queue.push({ id, msg, timer: limit });
      if (!socket && !timer) connect();
    }
  };

  connect();

  return {
    call(method, args, opts) {
      return startCall(
        router,
        method,
        opts,
        (id) => sendOrQueue(id, { type: 'call', id, method, args: jsonSafe(method, args) }),
        (id) => {
          const queuedAt = queue.findIndex((q) => q.id === id && q.msg.type === 'call');
          if (queuedAt >= 0) {
            // Never sent: nothing to cancel on the server.
            clearTimeout(queue[queuedAt]!.timer);
            queue.splice(queuedAt, 1);
            router.settle(id, { error: new QcError('cancelled', 'cancelled') });
          } else if (sent.has(id) && socket && socket.readyState === OPEN) {
            socket.send(JSON.stringify({ type: 'cancel', id } satisfies ClientMessage));
          }
        },
      );
    },
    on: (event, fn) => router.on(event, fn),
    // The image key, not the token: an image's address handed on opens no API (fileKey.ts).
    fileUrl: (kind, imageId) => `/${filePath(kind, imageId)}?f=${fileKey}`,
    onConnection(fn) {
      connectionListeners.add(fn);
      fn(state);
      return () => connectionListeners.delete(fn);
    },
    lostCalls: () => ({ unsent: [...lost.unsent], unanswered: [...lost.unanswered] }),
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      for (const q of queue) clearTimeout(q.timer);
      queue = [];
      const ws = socket;
      socket = null;
      router.rejectAll(new QcError('cancelled', 'the client was closed'));
      router.clearListeners();
      ws?.close();
      setState('closed');
    },
  };
}

/** The token from `#token=…` (also accepts `#t=…`), or null. */
export function tokenFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('token') ?? params.get('t');
  return token && token.trim() ? token.trim() : null;
}

/** Where a tab keeps its token once it has left the address bar. */
export const TOKEN_STORAGE_KEY = 'qc.token';

/** `hash` without its token (`token=`, `t=`), keeping every other parameter. */
export function hashWithoutToken(hash: string): string {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  params.delete('token');
  params.delete('t');
  const s = params.toString();
  return s ? `#${s}` : '';
}

type TokenWindow = Pick<Window, 'location'> & Partial<Pick<Window, 'sessionStorage' | 'history'>>;

/**
 * This tab's token: from the link it was opened with (`#token=…`), which is then kept in the tab's
 * sessionStorage (a reload finds it there) and taken out of the address bar, so it does not stay in
 * the history or in a link copied from the page; else the one kept earlier; else null. A token the
 * tab cannot keep (storage blocked) stays in the address bar, so that a reload still works.
 */
export function takeToken(win: TokenWindow): string | null {
  const fromHash = tokenFromHash(win.location.hash);
  let storage: Storage | undefined;
  try {
    storage = win.sessionStorage;
  } catch {
    storage = undefined; // storage blocked: reading the property throws
  }
  if (!fromHash) {
    try {
      const kept = storage?.getItem(TOKEN_STORAGE_KEY);
      return kept && kept.trim() ? kept.trim() : null;
    } catch {
      return null;
    }
  }
  try {
    if (!storage) return fromHash;
    storage.setItem(TOKEN_STORAGE_KEY, fromHash);
  } catch {
    return fromHash;
  }
  try {
    const { pathname, search } = win.location;
    win.history?.replaceState(win.history.state, '', `${pathname}${search}${hashWithoutToken(win.location.hash)}`);
  } catch {
    // the address bar keeps it: nothing lost
  }
  return fromHash;
}

/**
 * The client this window should use: the Electron bridge when present, else a WebSocket to the
 * serving host when the tab has a token ({@link takeToken}), else null (the app then shows the
 * no-session screen and makes no call).
 */
export function pickClient(win: Pick<Window, 'bridge'> & TokenWindow = window, options: WsClientOptions = {}): ApiClient | null {
  if (win.bridge) return bridgeClient(win.bridge);
  const token = takeToken(win);
  if (!token) return null;
  const scheme = win.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return wsClient(`${scheme}//${win.location.host}/api`, token, options);
}
