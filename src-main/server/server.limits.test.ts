/**
 * `qc serve` against clients that hold connections without a token: one that sends requests and
 * never reads the answers, one that drips its headers or a body, one that pipelines without end,
 * one that opens connections until none is left. Real sockets on 127.0.0.1 (node:net), a real
 * server with shortened limits, a real (empty) library.
 */
import fs from 'node:fs';
import http from 'node:http';
import net, { type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createCore, type Core } from '../core/app';
import { tempDir } from '../../test-support/fixtures';
import { MAX_PIPELINED, startServer, type RunningServer } from './server';

const BIG_BYTES = 16 * 1024 * 1024;
const BIG = '/assets/index-abc123.js.map';
let dir: string;
let core: Core;
let rendererDir: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => {
  dir = tempDir('qc-server-limits-');
  core = createCore({ dataDir: path.join(dir, 'data'), ml: 'in-process' });
  rendererDir = path.join(dir, 'renderer');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>QC</title>');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1);\n');
  // Bigger than what the kernel buffers on a connection nobody reads, so its answers get stuck.
  fs.writeFileSync(path.join(rendererDir, BIG), Buffer.alloc(BIG_BYTES, 'x'));
});

afterAll(async () => {
  await core?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => resolve(sock));
    sock.once('error', reject);
  });
}

const get = (port: number, target: string) => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;

/** A client that asks for the big asset `n` times in one go (pipelined) and never reads. */
async function stuck(port: number, n: number): Promise<Socket> {
  const sock = await connect(port);
  sock.pause();
  sock.on('error', () => {});
  sock.write(get(port, BIG).repeat(n));
  return sock;
}

/** Read a socket from now on: the bytes that arrive and whether it closes within `ms`. */
function readFor(sock: Socket, ms: number): Promise<{ bytes: number; text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let bytes = 0;
    let text = '';
    const done = (closed: boolean) => {
      clearTimeout(timer);
      resolve({ bytes, text, closed });
    };
    const timer = setTimeout(() => done(false), ms);
    sock.on('data', (c: Buffer) => {
      bytes += c.length;
      if (text.length < 64 * 1024) text += c.toString('latin1');
    });
    sock.once('close', () => done(true));
    sock.on('error', () => {});
    sock.resume();
  });
}

function status(port: number, target = '/'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: target, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

/** Send one request on an open connection and wait for the start of its answer. */
function ask(sock: Socket, port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const onData = (c: Buffer) => {
      sock.off('close', onClose);
      resolve(c.toString('latin1'));
    };
    const onClose = () => {
      sock.off('data', onData);
      reject(new Error('closed before an answer'));
    };
    sock.once('data', onData);
    sock.once('close', onClose);
    sock.write(get(port, target));
  });
}

/** Whether a socket is still open after `ms` (the server's closing, if any, has arrived by then). */
async function openAfter(sock: Socket, ms: number): Promise<boolean> {
  await sleep(ms);
  return !sock.destroyed && !sock.readableEnded;
}

/** A connection that has sent part of a request's headers and holds there (the server's header limit set long). */
async function holding(port: number): Promise<Socket> {
  const sock = await connect(port);
  sock.on('error', () => {});
  sock.on('data', () => {});
  sock.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
  return sock;
}

async function apiAnswers(ws: WebSocket, id: number): Promise<{ type: string; id: number }> {
  const answer = new Promise<{ type: string; id: number }>((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)) as { type: string; id: number })));
  ws.send(JSON.stringify({ type: 'call', id, method: 'library.status', args: {} }));
  return answer;
}

function openApi(s: RunningServer): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/api?t=${s.token}`, { origin: `http://127.0.0.1:${s.port}` });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Files this process has open on `file` (Linux). */
function openFds(file: string): number {
  const real = fs.realpathSync(file);
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === real) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

describe('qc serve: clients that hold connections', () => {
  it('closes a connection whose answers are never read within the idle limit, and keeps an idle API WebSocket', async () => {
    const idle = 500;
    const s = await startServer({ core, rendererDir, idleTimeoutMs: idle });
    try {
      const ws = await openApi(s);
      const sock = await stuck(s.port, 4);
      await sleep(2 * idle + 1500);
      // Closed by the server: what the kernel had buffered arrives, then the end, well short of
      // the four answers. Still open, it would now be sent all of them and stay (keep-alive).
      const got = await readFor(sock, 3000);
      expect(got.closed).toBe(true);
      expect(got.bytes).toBeLessThan(4 * BIG_BYTES);
      sock.destroy();
      // The WebSocket sat idle through all that, past the idle limit several times: still served.
      expect(ws.readyState).toBe(WebSocket.OPEN);
      const answer = new Promise<{ type: string; id: number }>((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)) as { type: string; id: number })));
      ws.send(JSON.stringify({ type: 'call', id: 1, method: 'library.status', args: {} }));
      expect(await answer).toMatchObject({ type: 'result', id: 1 });
      ws.close();
    } finally {
      await s.close();
    }
  }, 30_000);

  it('closes a connection that drips its headers at the header limit, not up to 30 s later', async () => {
    const limit = 1500;
    const s = await startServer({ core, rendererDir, headersTimeoutMs: limit });
    try {
      const sock = await connect(s.port);
      const t0 = Date.now();
      sock.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n`);
      const drip = setInterval(() => sock.writable && sock.write('X-Drip: 1\r\n'), 200);
      const got = await readFor(sock, 10_000);
      clearInterval(drip);
      const elapsed = Date.now() - t0;
      expect(got.closed).toBe(true);
      expect(elapsed).toBeGreaterThanOrEqual(limit - 100);
      expect(elapsed).toBeLessThan(limit + 3000); // the check runs every second
      expect(got.text).not.toMatch(/^HTTP\/1\.1 200/);
      sock.destroy();
    } finally {
      await s.close();
    }
  }, 30_000);

  it('serves a new client soon after clients that never read have taken every connection', async () => {
    const idle = 500;
    const s = await startServer({ core, rendererDir, maxConnections: 4, idleTimeoutMs: idle });
    const held: Socket[] = [];
    try {
      for (let i = 0; i < 4; i++) held.push(await stuck(s.port, 4));
      await sleep(200);
      const t0 = Date.now();
      let got = 0;
      while (got !== 200 && Date.now() - t0 < 10_000) {
        got = await status(s.port).catch(() => 0);
        if (got !== 200) await sleep(100);
      }
      expect(got).toBe(200);
      expect(Date.now() - t0).toBeLessThan(2 * idle + 3000);
    } finally {
      for (const h of held) h.destroy();
      await s.close();
    }
  }, 30_000);

  it('refuses a request that announces a body with 400 and closes it at once, however slowly the body drips', async () => {
    const s = await startServer({ core, rendererDir, headersTimeoutMs: 20_000, idleTimeoutMs: 20_000 });
    try {
      const announce = [
        `GET /nothing HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nContent-Length: 1000000000\r\n\r\n`,
        `GET / HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n`,
        `POST /files/thumb/1 HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nContent-Length: 5000\r\n\r\n`,
        `GET / HTTP/1.1\r\nHost: evil.example\r\nContent-Length: 5000\r\n\r\n`,
      ];
      for (const head of announce) {
        const sock = await connect(s.port);
        const t0 = Date.now();
        sock.write(head);
        // One byte of body every 100 ms: the connection never goes idle, and the body never ends.
        const drip = setInterval(() => sock.writable && sock.write('x'), 100);
        const got = await readFor(sock, 5000);
        clearInterval(drip);
        sock.destroy();
        expect(got.closed).toBe(true);
        expect(Date.now() - t0).toBeLessThan(2000);
        expect(got.text).toMatch(/^HTTP\/1\.1 400 /);
        expect(got.text.toLowerCase()).toContain('connection: close');
      }
      // A request that says its body is empty is served as usual, and its connection kept.
      const sock = await connect(s.port);
      sock.on('error', () => {});
      const zero = new Promise<string>((resolve) => sock.once('data', (c: Buffer) => resolve(c.toString('latin1'))));
      sock.write(`GET /assets/app.js HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nContent-Length: 0\r\n\r\n`);
      expect(await zero).toMatch(/^HTTP\/1\.1 200 /);
      expect(await ask(sock, s.port, '/assets/app.js')).toMatch(/^HTTP\/1\.1 200 /);
      sock.destroy();
    } finally {
      await s.close();
    }
  }, 30_000);

  it('makes room for a new connection by closing the oldest one without the token, never the API or one that showed the token', async () => {
    const s = await startServer({ core, rendererDir, maxConnections: 4, headersTimeoutMs: 20_000, idleTimeoutMs: 20_000 });
    const held: Socket[] = [];
    try {
      const ws = await openApi(s);
      // A keep-alive connection that has asked for a picture with the token (there is none: 404).
      const pictures = await connect(s.port);
      pictures.on('error', () => {});
      held.push(pictures);
      expect(await ask(pictures, s.port, `/files/thumb/1?t=${s.token}`)).toMatch(/^HTTP\/1\.1 404 /);
      const first = await holding(s.port);
      await sleep(50);
      const second = await holding(s.port);
      held.push(first, second);
      await sleep(200);
      // Every slot is taken: a new client is still served, at once, in place of the oldest holder.
      expect(await status(s.port)).toBe(200);
      expect(await openAfter(first, 300)).toBe(false);
      expect(await openAfter(second, 0)).toBe(true);
      // A flood of new connections without the token turns over among themselves.
      for (let i = 0; i < 10; i++) held.push(await holding(s.port));
      await sleep(300);
      expect(held.slice(3).filter((h) => !h.destroyed && !h.readableEnded).length).toBeLessThanOrEqual(2);
      expect(held.slice(3).filter((h) => !h.destroyed && !h.readableEnded).length).toBeGreaterThan(0);
      // The API and the connection that showed the token are still there, and still answer.
      expect(ws.readyState).toBe(WebSocket.OPEN);
      expect(await apiAnswers(ws, 1)).toMatchObject({ type: 'result', id: 1 });
      expect(await ask(pictures, s.port, `/files/thumb/2?t=${s.token}`)).toMatch(/^HTTP\/1\.1 404 /);
      ws.close();
    } finally {
      for (const h of held) h.destroy();
      await s.close();
    }
  }, 30_000);

  it('closes a new connection when every other one has shown the token', async () => {
    const s = await startServer({ core, rendererDir, maxConnections: 3, headersTimeoutMs: 20_000, idleTimeoutMs: 20_000 });
    const held: Socket[] = [];
    try {
      const ws = await openApi(s);
      for (let i = 0; i < 2; i++) {
        const sock = await connect(s.port);
        sock.on('error', () => {});
        held.push(sock);
        expect(await ask(sock, s.port, `/files/thumb/1?t=${s.token}`)).toMatch(/^HTTP\/1\.1 404 /);
      }
      const extra = await holding(s.port);
      held.push(extra);
      expect(await openAfter(extra, 300)).toBe(false);
      for (const sock of held.slice(0, 2)) expect(await openAfter(sock, 0)).toBe(true);
      expect(await apiAnswers(ws, 1)).toMatchObject({ type: 'result', id: 1 });
      ws.close();
    } finally {
      for (const h of held) h.destroy();
      await s.close();
    }
  }, 30_000);

  it.skipIf(process.platform !== 'linux')('opens a pipelined request’s file only once the answers before it are sent', async () => {
    const s = await startServer({ core, rendererDir });
    const held: Socket[] = [];
    try {
      for (let i = 0; i < 3; i++) held.push(await stuck(s.port, 4));
      const file = path.join(rendererDir, BIG);
      const t0 = Date.now();
      while (openFds(file) < 3 && Date.now() - t0 < 5000) await sleep(50);
      await sleep(500); // time for any more to be opened
      expect(openFds(file)).toBe(3); // one per connection, not one per request (12)
    } finally {
      for (const h of held) h.destroy();
      await s.close();
    }
  }, 30_000);

  it('answers a few pipelined requests in order, and closes a connection that pipelines more than MAX_PIPELINED', async () => {
    const s = await startServer({ core, rendererDir });
    try {
      const few = await connect(s.port);
      few.write(get(s.port, '/assets/app.js') + get(s.port, '/') + `GET /assets/app.js HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nConnection: close\r\n\r\n`);
      const answers = await readFor(few, 5000);
      expect(answers.closed).toBe(true);
      const bodies = answers.text.split(/HTTP\/1\.1 200 OK/).slice(1).map((a) => a.slice(a.indexOf('\r\n\r\n') + 4));
      expect(bodies).toEqual(['console.log(1);\n', '<!doctype html><title>QC</title>', 'console.log(1);\n']);

      const many = await connect(s.port);
      const n = MAX_PIPELINED + 2;
      many.write(get(s.port, '/assets/app.js').repeat(n));
      const got = await readFor(many, 3000);
      expect(got.closed).toBe(true);
      expect(got.text.split('HTTP/1.1 200').length - 1).toBeLessThan(n);
    } finally {
      await s.close();
    }
  }, 30_000);
});
