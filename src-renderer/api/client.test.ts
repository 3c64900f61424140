// @vitest-environment jsdom
import { afterEach, describe, expect, test, vi } from 'vitest';
import { QcError, describeError } from '../../src-shared/contract/errors';
import type { ClientMessage, ServerMessage } from '../../src-shared/contract/transport';
import { bridgeClient, pickClient, takeToken, tokenFromHash, TOKEN_STORAGE_KEY, wsClient, type Bridge } from './client';
import { fileKeyOf } from './fileKey';

/** A WebSocket double that records what the client sends and lets the test answer. */
class FakeSocket {
  static instances: FakeSocket[] = [];
  readonly sent: ClientMessage[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as ClientMessage);
  }
  close() {
    this.readyState = 3;
    this.onclose?.();
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  answer(msg: ServerMessage) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.();
  }
}

const Impl = FakeSocket as unknown as typeof WebSocket;

afterEach(() => {
  FakeSocket.instances = [];
  vi.useRealTimers();
});

describe('wsClient', () => {
  test('refuses a call with NaN or Infinity in its arguments (JSON would send null) without sending it', async () => {
    const c = wsClient('ws://127.0.0.1:5174/api', 'tok', { WebSocketImpl: Impl });
    const ws = FakeSocket.instances[0]!;
    ws.open();
    await expect(c.call('ml.setThreshold', { threshold: Number.NaN })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/^ml\.setThreshold: threshold: NaN/), detail: { method: 'ml.setThreshold', path: ['threshold'] } });
    await expect(c.call('review.page', { offset: 0, limit: Number.POSITIVE_INFINITY })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/limit: Infinity/) });
    expect(ws.sent).toEqual([]);
    // A finite threshold, and null ("the run's"), go out as they are.
    const pending = [c.call('ml.setThreshold', { threshold: null }), c.call('ml.setThreshold', { threshold: 0.5 })].map((p) => p.catch((e: unknown) => e));
    expect(ws.sent.map((m) => (m.type === 'call' ? m.args : null))).toEqual([{ threshold: null }, { threshold: 0.5 }]);
    c.close?.();
    for (const e of await Promise.all(pending)) expect(e).toMatchObject({ code: 'cancelled' });
  });

  test('queues calls until open, resolves results, routes progress and events', async () => {
    const c = wsClient('ws://127.0.0.1:5174/api', 'tok en', { WebSocketImpl: Impl });
    const ws = FakeSocket.instances[0]!;
    expect(ws.url).toBe('ws://127.0.0.1:5174/api?t=tok%20en');
    const progress = vi.fn();
    const p = c.call('library.import', { source: '/x.tsv' }, { onProgress: progress });
    expect(ws.sent).toEqual([]);
    ws.open();
    expect(ws.sent).toEqual([{ type: 'call', id: 1, method: 'library.import', args: { source: '/x.tsv' } }]);
    ws.answer({ type: 'progress', id: 1, progress: { job: 'import', phase: 'download', done: 1, total: 2 } });
    expect(progress).toHaveBeenCalledWith({ job: 'import', phase: 'download', done: 1, total: 2 });
    const events = vi.fn();
    const off = c.on('label.changed', events);
    ws.answer({ type: 'event', name: 'label.changed', payload: { changes: [] } });
    off();
    ws.answer({ type: 'event', name: 'label.changed', payload: { changes: [] } });
    expect(events).toHaveBeenCalledTimes(1);
    ws.answer({ type: 'result', id: 1, result: { import_id: 3 } });
    await expect(p).resolves.toEqual({ import_id: 3 });
    c.close?.();
  });

  test('errors reject with a QcError carrying code, file and line', async () => {
    const c = wsClient('ws://h/api', 't', { WebSocketImpl: Impl });
    const ws = FakeSocket.instances[0]!;
    ws.open();
    const p = c.call('library.import', { source: 'r.tsv' });
    ws.answer({ type: 'error', id: 1, error: { code: 'bad_input', message: 'no obj_url column', file: 'r.tsv', line: 1 } });
    const e = await p.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(QcError);
    expect(describeError(e as QcError)).toBe('r.tsv:1: no obj_url column');
    c.close?.();
  });

  test('abort sends cancel for a sent call and drops a queued one', async () => {
    const c = wsClient('ws://h/api', 't', { WebSocketImpl: Impl });
    const ws = FakeSocket.instances[0]!;
    const queued = new AbortController();
    const q = c.call('ml.train', {}, { signal: queued.signal });
    queued.abort();
    await expect(q).rejects.toMatchObject({ code: 'cancelled' });
    ws.open();
    expect(ws.sent).toEqual([]);
    const ac = new AbortController();
    const p = c.call('ml.train', {}, { signal: ac.signal });
    ac.abort();
    expect(ws.sent.at(-1)).toEqual({ type: 'cancel', id: 2 });
    ws.answer({ type: 'error', id: 2, error: { code: 'cancelled', message: 'cancelled' } });
    await expect(p).rejects.toMatchObject({ code: 'cancelled' });
    c.close?.();
  });

  test('a dropped connection rejects pending calls and reconnects with backoff', async () => {
    vi.useFakeTimers();
    const c = wsClient('ws://h/api', 't', { WebSocketImpl: Impl, backoffMs: 100, probe: async () => 'down' });
    const states: string[] = [];
    c.onConnection?.((s) => states.push(s));
    FakeSocket.instances[0]!.open();
    const p = c.call('library.status', {});
    FakeSocket.instances[0]!.drop();
    await expect(p).rejects.toMatchObject({ code: 'internal' });
    expect(FakeSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(FakeSocket.instances).toHaveLength(2);
    FakeSocket.instances[1]!.drop();
    await vi.advanceTimersByTimeAsync(140);
    expect(FakeSocket.instances).toHaveLength(2); // the second wait is about twice as long (150–250 ms)
    await vi.advanceTimersByTimeAsync(200);
    expect(FakeSocket.instances).toHaveLength(3);
    FakeSocket.instances[2]!.open();
    expect(states).toEqual(['connecting', 'open', 'closed', 'connecting', 'closed', 'connecting', 'open']);
    c.close?.();
  });

  test('a restarted server (the token is refused) ends the session once instead of reconnecting forever', async () => {
    vi.useFakeTimers();
    let answer: 'ok' | 'expired' | 'down' = 'down';
    const probe = vi.fn(async () => answer);
    const c = wsClient('ws://h/api', 't', { WebSocketImpl: Impl, backoffMs: 100, probe });
    const states: string[] = [];
    c.onConnection?.((s) => states.push(s));
    FakeSocket.instances[0]!.open();
    FakeSocket.instances[0]!.drop();
    await vi.advanceTimersByTimeAsync(200);
    expect(FakeSocket.instances).toHaveLength(2);
    answer = 'expired';
    FakeSocket.instances[1]!.drop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(FakeSocket.instances).toHaveLength(2);
    expect(states.at(-1)).toBe('expired');
    expect(probe).toHaveBeenCalledTimes(2);
    c.close?.();
  });

  test('a session found gone stays gone when a socket opened while the probe ran closes afterwards (a reloaded tab with a dead token)', async () => {
    vi.useFakeTimers();
    let answer!: (a: 'ok' | 'expired' | 'down') => void;
    const c = wsClient('ws://h/api', 'dead', { WebSocketImpl: Impl, backoffMs: 100, probe: () => new Promise((r) => (answer = r)) });
    const states: string[] = [];
    c.onConnection?.((s) => states.push(s));
    // The first socket never opens (qc serve refuses the old token); while the probe runs, the page
    // starting up asks for its status, which opens another socket.
    FakeSocket.instances[0]!.drop();
    const status = c.call('library.status', {}).catch((e: unknown) => e);
    expect(FakeSocket.instances).toHaveLength(2);
    answer('expired');
    await vi.advanceTimersByTimeAsync(0);
    expect(await status).toMatchObject({ code: 'not_available', message: expect.stringMatching(/session of qc serve has ended/) });
    // That second socket is refused too and closes: the session stays ended, never "reconnecting…".
    FakeSocket.instances[1]!.drop();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(states.at(-1)).toBe('expired');
    expect(FakeSocket.instances).toHaveLength(2);
    c.close?.();
    expect(states.at(-1)).toBe('expired');
  });

  test('a call made while the link is down waits at most queueLimitMs, then is refused and never sent', async () => {
    vi.useFakeTimers();
    const c = wsClient('ws://h/api', 't', { WebSocketImpl: Impl, backoffMs: 10_000, maxBackoffMs: 10_000, probe: async () => 'down', queueLimitMs: 3_000 });
    FakeSocket.instances[0]!.open();
    FakeSocket.instances[0]!.drop();
    let outcome: unknown = 'pending';
    const p = c.call('labels.set', { imageIds: [1], label: 'bad' }).then(
      () => 'saved',
      (e: unknown) => e,
    );
    void p.then((o) => (outcome = o));
    await vi.advanceTimersByTimeAsync(2_900);
    expect(outcome).toBe('pending');
    await vi.advanceTimersByTimeAsync(200);
    expect(outcome).toMatchObject({ code: 'not_available', message: expect.stringMatching(/not sent, nothing was saved/) });
    expect(c.lostCalls?.()).toEqual({ unsent: ['labels.set'], unanswered: [] });
    // The link comes back: the refused call is not sent late.
    await vi.advanceTimersByTimeAsync(15_000);
    const next = FakeSocket.instances.at(-1)!;
    next.open();
    expect(next.sent).toEqual([]);
    c.close?.();
  });

  test('when the session turns out gone, queued calls are refused at once and later ones too; what was in flight is counted apart', async () => {
    vi.useFakeTimers();
    let answer!: (a: 'ok' | 'expired' | 'down') => void;
    const c = wsClient('ws://h/api', 't', { WebSocketImpl: Impl, backoffMs: 100, probe: () => new Promise((r) => (answer = r)) });
    const ws = FakeSocket.instances[0]!;
    ws.open();
    const inFlight = c.call('labels.set', { imageIds: [1], label: 'good' }).catch((e: unknown) => e);
    ws.drop();
    expect(await inFlight).toMatchObject({ code: 'internal' });
    // Labelled while the page does not know yet that qc serve was restarted.
    let outcome: unknown = 'pending';
    void c.call('labels.set', { imageIds: [2], label: 'bad' }).then(
      () => (outcome = 'saved'),
      (e: unknown) => (outcome = e),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome).toBe('pending');
    answer('expired');
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome).toMatchObject({ code: 'not_available', message: expect.stringMatching(/session of qc serve has ended/) });
    await expect(c.call('labels.undo', {})).rejects.toMatchObject({ code: 'not_available' });
    expect(c.lostCalls?.()).toEqual({ unsent: ['labels.set', 'labels.undo'], unanswered: ['labels.set'] });
    expect(ws.sent.filter((m) => m.type === 'call')).toHaveLength(1);
    c.close?.();
  });

  test('file URLs carry the image key, never the token', () => {
    const c = wsClient('ws://h/api', 'a/b', { WebSocketImpl: Impl });
    expect(c.fileUrl('thumb', 12)).toBe(`/files/thumb/12?f=${fileKeyOf('a/b')}`);
    expect(c.fileUrl('thumb', 12)).not.toContain('a%2Fb');
    expect(fileKeyOf('a/b')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The test vector the server's key (node:crypto) is checked against in server.test.ts.
    expect(fileKeyOf('abc_DEF-123')).toBe('RG1IxO-p1bMvg7_6NI_Tktd_EbB9nJEySAIyBJKolKI');
    c.close?.();
  });
});

describe('bridgeClient', () => {
  test('sends through the bridge, answers through listen, cancels by id', async () => {
    let listener: ((m: ServerMessage) => void) | null = null;
    const bridge: Bridge = { call: vi.fn(), cancel: vi.fn(), listen: (cb) => void (listener = cb) };
    const c = bridgeClient(bridge);
    const ac = new AbortController();
    const p = c.call('labels.set', { imageIds: [1], label: 'bad' }, { signal: ac.signal });
    expect(bridge.call).toHaveBeenCalledWith(1, 'labels.set', { imageIds: [1], label: 'bad' });
    ac.abort();
    expect(bridge.cancel).toHaveBeenCalledWith(1);
    listener!({ type: 'result', id: 1, result: { batch_id: 4, changed: [], unchanged: 1 } });
    await expect(p).resolves.toMatchObject({ batch_id: 4 });
    expect(c.fileUrl('preview', 7)).toBe('app://files/preview/7');
  });

  test('a rejected IPC send fails the call', async () => {
    const bridge: Bridge = { call: () => Promise.reject(new Error('sender refused')), cancel: vi.fn(), listen: () => undefined };
    await expect(bridgeClient(bridge).call('library.status', {})).rejects.toMatchObject({ code: 'internal', message: 'sender refused' });
  });
});

describe('pickClient', () => {
  const loc = (hash: string) => ({ hash, host: '127.0.0.1:5174', protocol: 'http:' }) as Location;

  test('bridge first, then a token from the hash, else null', () => {
    const bridge: Bridge = { call: vi.fn(), cancel: vi.fn(), listen: () => undefined };
    expect(pickClient({ bridge, location: loc('#token=x') }, { WebSocketImpl: Impl })?.fileUrl('thumb', 1)).toBe('app://files/thumb/1');
    expect(FakeSocket.instances).toHaveLength(0);
    const c = pickClient({ location: loc('#token=abc') }, { WebSocketImpl: Impl });
    expect(FakeSocket.instances[0]!.url).toBe('ws://127.0.0.1:5174/api?t=abc');
    c?.close?.();
    expect(pickClient({ location: loc('') }, { WebSocketImpl: Impl })).toBeNull();
    expect(pickClient({ location: loc('#other=1') }, { WebSocketImpl: Impl })).toBeNull();
    expect(FakeSocket.instances).toHaveLength(1);
    expect(tokenFromHash('#t=q')).toBe('q');
  });
});

describe('the token leaves the address bar', () => {
  afterEach(() => {
    window.sessionStorage.clear();
    window.history.replaceState(null, '', '/');
  });

  test('read from the link once, kept for the tab (a reload finds it), gone from the URL and its history entry; other parameters stay', () => {
    window.history.replaceState(null, '', '/?x=1#token=abc_DEF-123&review=outcome%3Dfp');
    const c = pickClient(window, { WebSocketImpl: Impl });
    expect(FakeSocket.instances.at(-1)!.url).toBe(`ws://${window.location.host}/api?t=abc_DEF-123`);
    expect(c?.fileUrl('thumb', 3)).toBe(`/files/thumb/3?f=${fileKeyOf('abc_DEF-123')}`);
    c?.close?.();
    expect(window.location.href).not.toContain('abc_DEF-123');
    expect(window.location.hash).toBe('#review=outcome%3Dfp');
    expect(window.location.search).toBe('?x=1');
    expect(window.sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBe('abc_DEF-123');
    // A reload: the URL has no token now, the tab still has it.
    const again = pickClient(window, { WebSocketImpl: Impl });
    expect(FakeSocket.instances.at(-1)!.url).toBe(`ws://${window.location.host}/api?t=abc_DEF-123`);
    again?.close?.();
  });

  test('a new link opened in the tab wins over the token it kept; no token anywhere: no client', () => {
    window.sessionStorage.setItem(TOKEN_STORAGE_KEY, 'old-token-old-token-old');
    window.history.replaceState(null, '', '/#t=new-token-new-token-new');
    expect(takeToken(window)).toBe('new-token-new-token-new');
    expect(window.location.hash).toBe('');
    expect(takeToken(window)).toBe('new-token-new-token-new');
    window.sessionStorage.clear();
    expect(takeToken(window)).toBeNull();
    expect(pickClient(window, { WebSocketImpl: Impl })).toBeNull();
  });

  test('a tab that cannot keep it (storage blocked) leaves it in the address bar, where a reload needs it', () => {
    const replaceState = vi.fn();
    const blocked = {
      location: { hash: '#token=abc', pathname: '/', search: '' } as Location,
      history: { state: null, replaceState } as unknown as History,
      get sessionStorage(): Storage {
        throw new DOMException('blocked', 'SecurityError');
      },
    };
    expect(takeToken(blocked)).toBe('abc');
    expect(replaceState).not.toHaveBeenCalled();
  });
});
