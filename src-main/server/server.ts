/**
 * `qc serve`: the app in a browser. Plain Node (`node:http` + `ws`) on 127.0.0.1 only.
 *
 * - `/` and the renderer's files: no token needed (the page reads its token from `location.hash`,
 *   keeps it in the tab's sessionStorage and takes it out of the address bar).
 * - `/files/<thumb|preview|original>/<imageId>?t=TOKEN`: image files, cached for an hour (IMAGE_CACHE_CONTROL).
 * - `/api?t=TOKEN`: a WebSocket carrying the `ClientMessage`/`ServerMessage` wire format.
 *
 * Every request and upgrade must name this server in its Host header (DNS rebinding) and, when it
 * has an Origin, come from this server's own origin (cross-site requests). No connection, with a
 * token or without, can hold on for long without traffic: see IDLE_TIMEOUT_MS, HEADERS_TIMEOUT_MS,
 * MAX_PIPELINED and refuseBody; and connections without the token give way to new ones at
 * MAX_CONNECTIONS.
 */
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pipeline } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CORE_EVENTS, type EventMap, type EventName } from '../../src-shared/contract/events';
import { parseFilePath, type ServerMessage } from '../../src-shared/contract/transport';
import type { Core } from '../core/app';
import { imageFileOnDisk, openImageFileOnDisk, type OpenImageFile } from '../core/library/files';
import { ApiClient } from './api';
import { appUrl, BASE_HEADERS, fileKeyOf, generateToken, hostOriginProblem, htmlHeaders, isAcceptableToken, tokenMatches } from './security';
import { findStaticFile, notBuiltPage } from './static';
import { parseTarget, type Target } from './target';

/** Largest WebSocket message accepted from a client. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 30_000;
/**
 * A client that stops reading (while it still sends calls, or pongs to look alive) would make
 * the server hold every answer it cannot send: past this much unsent it is disconnected.
 */
export const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/**
 * Open connections at most (a browser keeps about six to a host, plus the API's WebSocket), so a
 * local program that opens sockets without end cannot exhaust this process's file handles (which
 * the library's own files need). Past it the oldest connection that has not shown the token (the
 * API's WebSocket, a picture's `?t=`) is closed to make room; only when every other one has shown
 * it is the new connection closed instead. A program without the token thus cannot keep the
 * browser's WebSocket and pictures out by holding or reopening connections.
 */
export const MAX_CONNECTIONS = 256;
/**
 * A request's headers must arrive within this (slow-header clients hold connections otherwise); a
 * whole request too (no request here has a body: one that announces one is refused at once).
 */
export const HEADERS_TIMEOUT_MS = 15_000;
/**
 * How often Node checks the header and request limits. Its default (30 s) let a header drip hold
 * a connection for up to 45 s under a 15 s limit.
 */
const CONNECTIONS_CHECK_MS = 1_000;
/**
 * A connection on which nothing moves either way for this long is closed: a client that sends
 * requests and never reads their answers (its writes make no progress) would otherwise hold one of
 * the MAX_CONNECTIONS slots, and the memory of what it asked for, for good. (Node grants a stalled
 * write one more period, so such a client is gone within twice this.) Not while this server
 * is still working out an answer (a thumbnail being made), and never for the API's WebSockets
 * (`ws` clears the timeout on upgrade; their heartbeat and MAX_BUFFERED_BYTES watch them instead).
 */
export const IDLE_TIMEOUT_MS = 5_000;
/**
 * Requests one connection may have waiting behind an answer still being sent (HTTP pipelining,
 * which browsers do not use): each waits, unread from disk, until the one before it is sent, and a
 * connection with more waiting is closed.
 */
export const MAX_PIPELINED = 8;
/**
 * Pictures are cached by the browser for an hour, not for good: their URLs carry the session token
 * and name the library's pictures, which should not stay in the browser's cache long after the
 * session. An hour keeps scrolling back through a gallery free of requests.
 */
export const IMAGE_CACHE_CONTROL = 'private, max-age=3600';
/** How long close() waits for calls that were aborted to wind down. */
const CLOSE_WAIT_MS = 10_000;

export interface ServerOptions {
  core: Core;
  /** The built renderer (electron-vite's `out/renderer`). */
  rendererDir: string;
  /** 0 (default): a free port. */
  port?: number;
  /** Loopback only: `127.0.0.1` (default) or `localhost` (which binds 127.0.0.1 too). */
  host?: string;
  /** The session token (default: 256 random bits). */
  token?: string;
  /** A client with more than this unsent is cut off (default {@link MAX_BUFFERED_BYTES}). */
  maxBufferedBytes?: number;
  /** Open connections at most (default {@link MAX_CONNECTIONS}). */
  maxConnections?: number;
  /** Default {@link HEADERS_TIMEOUT_MS} (tests shorten it). */
  headersTimeoutMs?: number;
  /** Default {@link IDLE_TIMEOUT_MS} (tests shorten it). */
  idleTimeoutMs?: number;
}

export interface RunningServer {
  /** `http://127.0.0.1:PORT/#token=TOKEN` (no `:80` on port 80): what the user opens. */
  url: string;
  port: number;
  token: string;
  address(): AddressInfo;
  /** Connected API clients. */
  clients(): number;
  /** Stop listening, disconnect every client, abort their calls and wait (bounded) for them to end. The core stays open. */
  close(): Promise<void>;
}

type Headers = Record<string, string | number>;

function send(res: ServerResponse, status: number, body: string, headers: Headers = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const buf = Buffer.from(body, 'utf8');
  res.writeHead(status, { ...BASE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': buf.length, ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : buf);
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: string, size: number, headers: Headers): void {
  res.writeHead(200, { ...BASE_HEADERS, 'Content-Length': size, ...headers });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  pipeline(fs.createReadStream(file), res, () => {});
}

/** Sends an open file (closed once sent, or at once for HEAD). */
function sendOpenFile(req: IncomingMessage, res: ServerResponse, file: OpenImageFile, headers: Headers): void {
  try {
    res.writeHead(200, { ...BASE_HEADERS, 'Content-Length': file.size, ...headers });
  } catch (e) {
    void file.handle.close().catch(() => {});
    throw e;
  }
  if (req.method === 'HEAD') {
    res.end();
    void file.handle.close().catch(() => {});
    return;
  }
  pipeline(file.handle.createReadStream(), res, () => {});
}

/** End a socket once what was written to it is sent, and let it read nothing more. */
function closeAfterWrites(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.writableFinished) return void socket.destroy();
  socket.once('finish', () => socket.destroy());
  socket.end();
}

/**
 * Whether a request announces a body. No route here takes one, and a body dripped a byte at a time
 * behind an answer given at once would hold the connection for as long as the request limit allows
 * (Node reads a request's body to reach the next request on the connection).
 */
export function hasBody(req: Pick<IncomingMessage, 'headers'>): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && !/^0+$/.test(length.trim()));
}

/** Refuse an upgrade request on its raw socket. */
function refuseUpgrade(socket: Socket, status: number): void {
  if (socket.writable) {
    socket.once('finish', () => socket.destroy());
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n`);
  } else {
    socket.destroy();
  }
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { core, rendererDir } = opts;
  const host = opts.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`qc serve listens on 127.0.0.1 only (got host "${host}")`);
  const token = opts.token ?? generateToken();
  // What the page's image URLs carry instead of the token: it opens the image routes only (security.ts).
  const fileKey = fileKeyOf(token);
  if (!isAcceptableToken(token)) throw new Error('the session token must be base64url with at least 128 bits (22+ characters)');

  const headersTimeout = opts.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  const idleTimeout = opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  const server = http.createServer({ headersTimeout, requestTimeout: headersTimeout, connectionsCheckingInterval: CONNECTIONS_CHECK_MS });
  const maxConnections = opts.maxConnections ?? MAX_CONNECTIONS;
  // The cap is kept below ('connection'); Node's own, one above it, only backs it up: Node closes a
  // connection past its cap before this server could choose which one goes.
  server.maxConnections = maxConnections + 1;
  server.timeout = idleTimeout;
  /** Open connections, oldest first, and whether each has shown the token. */
  const connections = new Map<Socket, boolean>();
  const trust = (socket: Socket) => {
    if (connections.has(socket)) connections.set(socket, true);
  };
  /** The answer each connection is working on, and how many requests wait behind it. */
  const current = new WeakMap<Socket, ServerResponse>();
  const waiting = new WeakMap<Socket, number>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
  const clients = new Map<WebSocket, ApiClient>();
  const alive = new WeakMap<WebSocket, boolean>();
  let port = 0;
  let closing = false;

  async function serveImage(req: IncomingMessage, res: ServerResponse, target: Target): Promise<void> {
    if (!tokenMatches(target.query.get('f'), fileKey) && !tokenMatches(target.query.get('t'), token)) return send(res, 401, 'a valid key is needed (?f=… or ?t=…)');
    trust(req.socket);
    const parsed = parseFilePath(target.path.slice(1));
    if (!parsed) return send(res, 400, 'expected /files/<thumb|preview|original>/<imageId>');
    // Streamed from the very file that was checked (its device and inode), opened once.
    const checked = await imageFileOnDisk(core.context, parsed.kind, parsed.imageId);
    const file = checked && (await openImageFileOnDisk(checked));
    if (!file) return send(res, 404, 'no such image file');
    sendOpenFile(req, res, file, { 'Content-Type': file.contentType, 'Cache-Control': IMAGE_CACHE_CONTROL });
  }

  async function serveRenderer(req: IncomingMessage, res: ServerResponse, target: Target): Promise<void> {
    const found = await findStaticFile(rendererDir, target.segments);
    if (found) {
      return sendFile(req, res, found.path, found.size, { 'Content-Type': found.contentType, 'Cache-Control': found.cacheControl, ...(found.isHtml && htmlHeaders(port)) });
    }
    const isIndex = target.segments.length === 0 || (target.segments.length === 1 && target.segments[0] === 'index.html');
    if (isIndex) return send(res, 200, notBuiltPage(rendererDir), { 'Content-Type': 'text/html; charset=utf-8', ...htmlHeaders(port) });
    send(res, 404, 'not found');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const problem = hostOriginProblem(req, port);
    if (problem) return send(res, 403, problem);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    const target = parseTarget(req.url);
    if (!target) return send(res, 400, 'bad request target');
    const first = target.segments[0];
    if (first === 'files') return serveImage(req, res, target);
    if (first === 'api') return send(res, 426, 'the API is a WebSocket at /api?t=TOKEN', { Upgrade: 'websocket', Connection: 'Upgrade' });
    return serveRenderer(req, res, target);
  }

  server.on('connection', (socket: Socket) => {
    connections.set(socket, false);
    socket.once('close', () => connections.delete(socket));
    if (connections.size <= maxConnections) return;
    for (const s of connections.keys()) if (s.destroyed) connections.delete(s);
    if (connections.size <= maxConnections) return;
    let victim = socket;
    for (const [s, trusted] of connections) {
      if (!trusted && s !== socket) {
        victim = s;
        break;
      }
    }
    connections.delete(victim);
    victim.destroy();
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    if (hasBody(req)) {
      // Answered and closed at once; one waiting behind another answer (pipelined) is just closed.
      if (!res.socket) return void socket.destroy();
      res.once('finish', () => closeAfterWrites(socket));
      return send(res, 400, 'no request here has a body', { Connection: 'close' });
    }
    const start = () => {
      current.set(socket, res);
      handle(req, res).catch((e: unknown) => send(res, 500, `internal error: ${(e as Error).message}`));
    };
    // Node hands an answer its socket once the answers before it are sent: only then is a
    // pipelined request's file opened, so a client that does not read holds one at most.
    if (res.socket) return start();
    const n = (waiting.get(socket) ?? 0) + 1;
    if (n > MAX_PIPELINED) return void socket.destroy();
    waiting.set(socket, n);
    res.once('socket', () => {
      waiting.set(socket, (waiting.get(socket) ?? 1) - 1);
      start();
    });
  });

  // A connection idle past its limit (Node counts a write that makes no progress as idle; the
  // keep-alive limit between requests lands here too) is closed, unless this server is still
  // working out its answer: then it is given another period.
  server.on('timeout', (socket: Socket) => {
    const res = current.get(socket);
    if (res && !res.headersSent && !res.writableEnded && !socket.destroyed) return void socket.setTimeout(idleTimeout);
    socket.destroy();
  });

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (closing) return refuseUpgrade(socket, 503);
    if (hostOriginProblem(req, port)) return refuseUpgrade(socket, 403);
    const target = parseTarget(req.url);
    if (!target) return refuseUpgrade(socket, 400);
    if (target.path !== '/api') return refuseUpgrade(socket, 404);
    if (!tokenMatches(target.query.get('t'), token)) return refuseUpgrade(socket, 401);
    trust(socket);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const client = new ApiClient(ws, core, opts.maxBufferedBytes ?? MAX_BUFFERED_BYTES);
      clients.set(ws, client);
      alive.set(ws, true);
      ws.on('pong', () => alive.set(ws, true));
      ws.on('close', () => clients.delete(ws));
    });
  });

  // Dead clients (a laptop lid closed mid-call) are noticed and their calls aborted.
  const heartbeat = setInterval(() => {
    for (const ws of clients.keys()) {
      if (!alive.get(ws)) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const broadcast = <E extends EventName>(name: E, payload: EventMap[E]) => {
    const msg = { type: 'event', name, payload } as Extract<ServerMessage, { type: 'event' }>;
    for (const client of clients.values()) client.event(msg);
  };
  const unsubscribe = CORE_EVENTS.map((name) => core.events.on(name, (p) => broadcast(name, p)));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  let closed: Promise<void> | null = null;
  return {
    url: appUrl(port, token),
    port,
    token,
    address: () => server.address() as AddressInfo,
    clients: () => clients.size,
    close() {
      closed ??= (async () => {
        closing = true;
        clearInterval(heartbeat);
        for (const off of unsubscribe) off();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        const winding = [...clients.values()].map((client) => client.dispose(CLOSE_WAIT_MS));
        for (const ws of clients.keys()) ws.terminate();
        clients.clear();
        wss.close();
        server.closeAllConnections();
        await stopped;
        await Promise.all(winding);
      })();
      return closed;
    },
  };
}
