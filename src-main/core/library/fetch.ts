/**
 * Download bytes over HTTP(S) with Node's fetch (undici): per-request timeout covering the whole
 * body, retries with exponential backoff on 5xx / 408 / 429 / timeouts / connection errors
 * (never on 404, nor on an answer that cannot be read, such as one with more content encodings than
 * undici decodes: `not_image`), a redirect limit, and a maximum size. Failures carry a stable reason.
 *
 * Each redirect is judged by the host that issued it (sources.ts checkRedirect, as written). From
 * the first hop served by a public host on, every later request of the chain goes through an
 * undici Agent whose `lookup` refuses a name that resolves to a loopback, private or link-local
 * address before connecting, so DNS or /etc/hosts cannot route a public host's redirect into the
 * user's network, even when the chain began at a local URL. A URL named by a list downloaded
 * from a public host (`publicOnly`) is judged the same way from its first request on
 * (`private_refused`).
 *
 * Whether a list came from the user's network is judged by where its download connected
 * (fetchList), never by a second lookup afterwards: a name that answers public while the list
 * downloads and 127.0.0.1 a moment later (DNS rebinding) would otherwise pass for a local host.
 */
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Agent } from 'undici';
import { undici } from '../deferred';
import type { FailureReason } from '../../../src-shared/domain/library';
import { GROWTH_STEP, type Reservation } from './byteBudget';
import { checkRedirect, CREDENTIALS_REFUSED, hasCredentials, isPrivateHost } from './sources';

export interface FetchOptions {
  timeoutMs: number;
  /** Retries after the first attempt. */
  retries: number;
  maxBytes: number;
  maxRedirects: number;
  /** First backoff delay; doubles each retry (with jitter), capped at 10 s. */
  backoffMs: number;
  signal?: AbortSignal;
  /** Called for every HTTP request sent (redirects and retries included). */
  onRequest?: () => void;
  /** How host names are resolved (default: the system's, dns.lookup); tests give their own. */
  lookup?: LookupFunction;
  /**
   * The URL was named by a list downloaded from a public host: its name must not resolve to a
   * local or private address on any request, the first included (sources.ts judges it as written).
   */
  publicOnly?: boolean;
  /**
   * Bytes of a shared budget (byteBudget.ts) the body must hold before it is read: its
   * Content-Length, or more as it arrives. Time spent waiting for them is not counted in timeoutMs.
   */
  budget?: Reservation;
}

/**
 * The largest input list (ratings, exemplars, a bundle, a list of URLs, a tag file): a local one
 * larger is refused before it is read (importer.ts), and one downloaded over HTTP is stopped there
 * (fetchList), not at the 64 MB of a picture: a bundle of a million EOL URLs is ~100 MB.
 */
export const MAX_LIST_BYTES = 512 * 1024 * 1024;

/** A byte count as a limit is said: "64 MB" (binary megabytes, as the limits are set). */
const megabytes = (n: number) => `${(n / 2 ** 20).toLocaleString('en', { maximumFractionDigits: 1 })} MB`;

export const DEFAULT_FETCH_OPTIONS: FetchOptions = {
  timeoutMs: 30_000,
  retries: 3,
  maxBytes: 64 * 1024 * 1024,
  maxRedirects: 5,
  backoffMs: 250,
};

export class FetchFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    detail: string,
    readonly retryable: boolean,
  ) {
    super(detail);
    this.name = 'FetchFailure';
  }
}

const USER_AGENT = 'QualityCurator/0.1 (+https://eol.org; image-quality curation)';

export async function fetchBytes(url: string, options: Partial<FetchOptions> = {}): Promise<Buffer> {
  return download(url, options, (guarded) => agentFor(options.lookup, guarded));
}

/** An input list's bytes, and whether it was served from the user's own network. */
export interface FetchedList {
  bytes: Buffer;
  /**
   * True only when every connection of the download went to a loopback, private or link-local
   * address and every address its names resolved to was one: the list then came from the user's
   * network, whichever hop served it. A chain that passed a public host (a local URL redirecting
   * to a public list) counts as public, as does a download whose connections are unknown.
   */
  fromPrivate: boolean;
}

/**
 * Download an input list under fetchBytes' rules and say where it came from, by the connections
 * that served it: the peer address of each socket, and every address the lookup gave for it (a
 * name that resolves to a public address too may have been served from there). The download has
 * Agents of its own, closed after it, so no connection of another request is counted or reused.
 */
export async function fetchList(url: string, options: Partial<FetchOptions> = {}): Promise<FetchedList> {
  // Refused at once, as an image URL with them is (sources.ts), not sent and retried.
  if (URL.canParse(url) && hasCredentials(new URL(url))) throw new FetchFailure('bad_url', CREDENTIALS_REFUSED, false);
  const seen: string[] = [];
  let connections = 0;
  const base = options.lookup ?? dns.lookup;
  const watched: LookupFunction = (hostname, lookupOptions, callback) =>
    base(hostname, { ...lookupOptions, all: true }, (err, found, family) => {
      if (err) return callback(err, '', 0);
      const list = Array.isArray(found) ? found : [{ address: found, family: family ?? 0 }];
      seen.push(...list.map((a) => a.address));
      if (lookupOptions.all) callback(null, list);
      else if (list.length) callback(null, list[0]!.address, list[0]!.family);
      else callback(Object.assign(new Error(`${hostname} resolves to no address`), { code: 'ENOTFOUND' }), '', 0);
    });
  const agent = (lookup: LookupFunction) => {
    const connect = undici.buildConnector({ lookup });
    return new undici.Agent({
      connect: (opts, callback) =>
        connect(opts, (err, socket) => {
          if (socket) {
            connections++;
            // A socket without a peer address (closed at once) counts as public: no address to clear it.
            seen.push(socket.remoteAddress ?? 'unknown');
          }
          if (err) callback(err, null);
          else callback(null, socket!);
        }),
    });
  };
  const plain = agent(watched);
  const guarded = agent(publicOnly(watched));
  try {
    const bytes = await download(url, { maxBytes: MAX_LIST_BYTES, ...options }, (g) => (g ? guarded : plain));
    return { bytes, fromPrivate: connections > 0 && seen.every((a) => isPrivateHost(a)) };
  } finally {
    await Promise.all([plain.destroy(), guarded.destroy()]);
  }
}

/** fetchBytes with the dispatcher of each request chosen by `dispatcher` (guarded: public addresses only). */
async function download(url: string, options: Partial<FetchOptions>, dispatcher: (guarded: boolean) => Agent | undefined): Promise<Buffer> {
  const opts = { ...DEFAULT_FETCH_OPTIONS, ...options };
  // Callers validate their arguments; this keeps a bad number from turning into no request at all.
  opts.retries = Number.isSafeInteger(opts.retries) && opts.retries >= 0 ? opts.retries : DEFAULT_FETCH_OPTIONS.retries;
  opts.timeoutMs = Number.isFinite(opts.timeoutMs) && opts.timeoutMs > 0 ? opts.timeoutMs : DEFAULT_FETCH_OPTIONS.timeoutMs;
  let last: FetchFailure | undefined;
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new DOMException('cancelled', 'AbortError');
    try {
      return await fetchOnce(url, opts, dispatcher);
    } catch (e) {
      if (!(e instanceof FetchFailure)) throw e; // cancellation
      last = e;
      if (!e.retryable || attempt === opts.retries) break;
      const delay = Math.min(10_000, opts.backoffMs * 2 ** attempt) * (0.75 + Math.random() * 0.5);
      await sleep(delay, undefined, { signal: opts.signal });
    }
  }
  // With no retries there was one attempt: "(after 1 attempts)" said nothing worth reading.
  const attempts = opts.retries + 1;
  throw last?.retryable ? new FetchFailure(last.reason, attempts > 1 ? `${last.message} (after ${attempts} attempts)` : last.message, false) : last!;
}

async function fetchOnce(startUrl: string, opts: FetchOptions, dispatcherFor: (guarded: boolean) => Agent | undefined): Promise<Buffer> {
  const controller = new AbortController();
  const expire = () => controller.abort(new FetchFailure('timeout', `no complete answer within ${opts.timeoutMs} ms`, true));
  let timer = setTimeout(expire, opts.timeoutMs);
  // Waiting for the budget stops the clock: the time limit is the server's, not the queue's.
  let left = opts.timeoutMs;
  let since = performance.now();
  const reserve = async (bytes: number) => {
    clearTimeout(timer);
    left -= performance.now() - since;
    try {
      await opts.budget?.ensure(bytes, controller.signal);
    } finally {
      since = performance.now();
      timer = setTimeout(expire, Math.max(0, left));
    }
  };
  const onAbort = () => controller.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let url = startUrl;
    const seen = new Set<string>([url]);
    // A URL a public host's list named, and every hop after one served by a public host, must
    // not lead to a local or private address: sticky, so a public host reached through a local
    // URL cannot hand the chain back to the user's network.
    let guarded = opts.publicOnly === true;
    for (let hop = 0; ; hop++) {
      opts.onRequest?.();
      const dispatcher = dispatcherFor(guarded);
      const init: RequestInit = { redirect: 'manual', signal: controller.signal, headers: { 'user-agent': USER_AGENT, accept: 'image/*,*/*;q=0.5' } };
      // The package's Agent serves Node's bundled fetch (undici 7 takes the older handler API too).
      // `dispatcher` is Node's extension of RequestInit: the DOM's declarations lack it and
      // @types/node's name its own copy of undici's types, so it is added untyped.
      if (dispatcher) Object.assign(init, { dispatcher });
      const res = await fetch(url, init).catch((e: unknown) => {
        throw refusedHere(e, hop) ?? e;
      });
      if (res.status >= 300 && res.status < 400 && res.headers.has('location')) {
        await res.body?.cancel();
        const next = new URL(res.headers.get('location') as string, url).toString();
        if (hop + 1 > opts.maxRedirects || seen.has(next)) {
          throw new FetchFailure('too_many_redirects', seen.has(next) ? `redirect loop back to ${next}` : `more than ${opts.maxRedirects} redirects`, false);
        }
        checkRedirect(url, next);
        if (!isPrivateHost(new URL(url).hostname)) guarded = true;
        seen.add(next);
        url = next;
        continue;
      }
      if (res.status >= 300 && res.status < 400) {
        // A redirect that names no place to go: nothing to follow (not a refusal of the request, not a 4xx).
        await res.body?.cancel();
        throw new FetchFailure('redirect_refused', `HTTP ${res.status}, a redirect without a Location header: nowhere to follow`, false);
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw statusFailure(res.status);
      }
      return await readBody(res, opts.maxBytes, opts.budget && reserve);
    }
  } catch (e) {
    throw classify(e, controller.signal, opts.signal);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** A refusal of the guarded lookup, said as what was refused: a redirect, or a URL a public list named. */
function refusedHere(e: unknown, hop: number): FetchFailure | null {
  const cause = (e as { cause?: unknown }).cause;
  if (!(cause instanceof FetchFailure) || cause.reason !== 'redirect_refused') return null;
  return hop > 0
    ? new FetchFailure('redirect_refused', `redirect from a public host refused: ${cause.message}`, false)
    : new FetchFailure('private_refused', `a URL named by a list downloaded from a public host refused: ${cause.message}`, false);
}

function statusFailure(status: number): FetchFailure {
  if (status === 404 || status === 410) return new FetchFailure('http_404', `HTTP ${status}`, false);
  if (status >= 500 || status === 408 || status === 429) return new FetchFailure('http_5xx', `HTTP ${status}`, true);
  return new FetchFailure('http_4xx', `HTTP ${status}`, false);
}

async function readBody(res: Response, maxBytes: number, reserve?: (bytes: number) => Promise<void>): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new FetchFailure('too_large', `Content-Length ${declared.toLocaleString('en')} bytes is over the limit of ${megabytes(maxBytes)}`, false);
  }
  if (!res.body) return Buffer.alloc(0);
  // The budget's bytes are held before the body is read (undici reads no further while it waits);
  // a body of unknown length reserves a step ahead as it arrives.
  let reserved = declared >= 0 ? declared : 0;
  if (reserve && reserved > 0) await reserve(reserved);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new FetchFailure('too_large', `the body is over the limit of ${megabytes(maxBytes)}`, false);
    if (reserve && total > reserved) await reserve((reserved = Math.min(maxBytes, total + GROWTH_STEP)));
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, total);
}

/** What undici says of a response with more Content-Encoding layers than it decodes (5 in undici 6 and 7). */
const TOO_MANY_ENCODINGS = /too many content-encodings/i;

/** Map whatever fetch threw to a FetchFailure, or rethrow the caller's cancellation. */
function classify(e: unknown, own: AbortSignal, caller?: AbortSignal): unknown {
  if (e instanceof FetchFailure) return e;
  if (caller?.aborted) return caller.reason ?? e;
  if (own.aborted && own.reason instanceof FetchFailure) return own.reason;
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (cause instanceof FetchFailure) return cause; // refused by the guarded lookup
  const code = cause?.code ?? (e as { code?: string }).code;
  // The server's answer names more content encodings than undici decodes (it aborts the response):
  // a bad answer, the same on every try, so not a network failure and not retried.
  const said = String(cause?.message ?? '');
  if (TOO_MANY_ENCODINGS.test(said)) return new FetchFailure('not_image', `the server's answer cannot be read: ${said}`, false);
  if (code === 'ERR_INVALID_URL' || (e instanceof TypeError && /invalid url|unsupported protocol/i.test(String(cause?.message ?? e.message)))) {
    return new FetchFailure('bad_url', String(cause?.message ?? (e as Error).message), false);
  }
  const message = [code, cause?.message ?? (e as Error).message].filter(Boolean).join(' ');
  return new FetchFailure('network', message || 'connection failed', true);
}

const agents = new Map<LookupFunction, { plain: Agent; guarded: Agent }>();

/**
 * The dispatcher of a request: for one that must not reach a local or private address, an Agent
 * whose lookup refuses such addresses (its connections are its own, never shared with unguarded
 * requests); with a `lookup` of the caller's, an Agent that uses it; else none (fetch's own).
 */
function agentFor(lookup: LookupFunction | undefined, guarded: boolean): Agent | undefined {
  if (!guarded && !lookup) return undefined;
  const base = lookup ?? dns.lookup;
  let pair = agents.get(base);
  if (!pair) {
    pair = { plain: new undici.Agent({ connect: { lookup: base } }), guarded: new undici.Agent({ connect: { lookup: publicOnly(base) } }) };
    agents.set(base, pair);
  }
  return guarded ? pair.guarded : pair.plain;
}

/**
 * A lookup that refuses a name resolving to any loopback, private, link-local or unique-local
 * address (sources.ts isPrivateHost), with the reason the written-address check gives. Every
 * address of the name is checked, since the connection may try any of them.
 */
function publicOnly(base: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, { ...options, all: true }, (err, found, family) => {
      if (err) return callback(err, '', 0);
      const list = Array.isArray(found) ? found : [{ address: found, family: family ?? 0 }];
      const bad = list.find((a) => isPrivateHost(a.address));
      if (bad || !list.length) {
        const why = bad ? `${hostname} resolves to ${bad.address}, a local or private address` : `${hostname} resolves to no address`;
        return callback(new FetchFailure('redirect_refused', why, false), '', 0);
      }
      if (options.all) callback(null, list);
      else callback(null, list[0]!.address, list[0]!.family);
    });
  };
}
