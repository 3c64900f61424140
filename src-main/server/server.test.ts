/**
 * `qc serve` as a browser meets it: a real server on 127.0.0.1, real HTTP requests, real
 * WebSocket clients (`ws`), a real library made with createCore from real photos.
 */
import fs from 'node:fs';
import http from 'node:http';
import net, { type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { QcError } from '../../src-shared/contract/errors';
import type { ServerMessage } from '../../src-shared/contract/transport';
import { createCore, type Core } from '../core/app';
import { DEV_IMAGES, tempDir } from '../../test-support/fixtures';
import { MAX_MESSAGE_BYTES, startServer, type RunningServer } from './server';
import { fileKeyOf } from './security';

let dir: string;
let core: Core;
let server: RunningServer;
let rendererDir: string;
let imageIds: number[];
const APP_JS = 'console.log("quality curator");\n';
const SECRET = 'not for the browser\n';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A raw HTTP request: the path is sent exactly as given (no normalisation). */
function request(target: string, headers: Record<string, string> = {}, method = 'GET', port = server.port): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const wsUrl = (query = `?t=${server.token}`, p = '/api') => `ws://127.0.0.1:${server.port}${p}${query}`;

/** The HTTP status with which an upgrade is refused (or 101 when it is accepted). */
function upgradeStatus(url: string, opts: { origin?: string; headers?: Record<string, string> } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', (e) => reject(e));
  });
}

class Client {
  readonly messages: ServerMessage[] = [];
  private waiters: { pred: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  private nextId = 1;
  closeCode: number | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as ServerMessage;
      this.messages.push(msg);
      for (const w of [...this.waiters]) {
        if (w.pred(msg)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(msg);
        }
      }
    });
    ws.on('close', (code) => (this.closeCode = code));
  }

  static open(url = wsUrl()): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { origin: `http://127.0.0.1:${server.port}` });
      ws.once('open', () => resolve(new Client(ws)));
      ws.once('error', reject);
    });
  }

  /** The first message (already received or still to come) that matches. */
  next(pred: (m: ServerMessage) => boolean, timeoutMs = 15_000): Promise<ServerMessage> {
    const seen = this.messages.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message in ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(-5))}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  call(method: string, args: unknown = {}): number {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ type: 'call', id, method, args }));
    return id;
  }

  /** The result or error of call `id`. */
  outcome(id: number): Promise<ServerMessage> {
    return this.next((m) => (m.type === 'result' || m.type === 'error') && m.id === id);
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

function copyPhotos(dest: string, from: number, count: number): void {
  fs.mkdirSync(dest, { recursive: true });
  for (let i = from; i < from + count; i++) fs.copyFileSync(path.join(DEV_IMAGES, `${9000000 + i}.jpg`), path.join(dest, `${9000000 + i}.jpg`));
}

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  dir = tempDir('qc-server-');
  copyPhotos(path.join(dir, 'photos'), 1, 4);
  core = createCore({ dataDir: path.join(dir, 'data'), ml: 'in-process' });
  const summary = await core.call('library.import', { source: path.join(dir, 'photos') });
  expect(summary.images_new).toBe(4);
  imageIds = (core.context.db.prepare('SELECT id FROM images ORDER BY id').all() as { id: number }[]).map((r) => r.id);

  rendererDir = path.join(dir, 'renderer');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>QC</title><script type="module" src="./assets/app.js"></script>');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), APP_JS);
  fs.writeFileSync(path.join(rendererDir, '.env'), SECRET);
  fs.writeFileSync(path.join(dir, 'secret.txt'), SECRET);
  fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(rendererDir, 'assets', 'link.txt'));
  server = await startServer({ core, rendererDir });
});

afterAll(async () => {
  await server?.close();
  await core?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('qc serve: listening', () => {
  it('binds 127.0.0.1 on a free port and gives a link with a 256-bit token', () => {
    expect(server.address().address).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/#token=${server.token}`);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a host other than loopback and a weak token', async () => {
    await expect(startServer({ core, rendererDir, host: '0.0.0.0' })).rejects.toThrow(/127\.0\.0\.1/);
    await expect(startServer({ core, rendererDir, token: 'short' })).rejects.toThrow(/token/);
  });
});

describe('qc serve: Host and Origin', () => {
  it('refuses a foreign Host header with 403 (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, `127.0.0.1.evil.example:${server.port}`]) {
      expect((await request('/', { host })).status, host).toBe(403);
      expect((await request(`/files/thumb/${imageIds[0]}?t=${server.token}`, { host })).status, host).toBe(403);
    }
    expect((await request('/', { host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('refuses a request with two Host or two Origin headers (Node would keep only the first)', async () => {
    const raw = (lines: string[]) =>
      new Promise<string>((resolve, reject) => {
        const sock = net.connect(server.port, '127.0.0.1', () => sock.write([...lines, 'Connection: close', '', ''].join('\r\n')));
        let got = '';
        sock.on('data', (d) => (got += String(d)));
        sock.on('end', () => resolve(got.split('\r\n')[0]!));
        sock.on('error', reject);
      });
    const own = `Host: 127.0.0.1:${server.port}`;
    expect(await raw(['GET / HTTP/1.1', own])).toMatch(/^HTTP\/1\.1 200/);
    expect(await raw(['GET / HTTP/1.1', own, 'Host: evil.example'])).toMatch(/^HTTP\/1\.1 (403|400)/);
    expect(await raw([`GET /files/thumb/${imageIds[0]}?t=${server.token} HTTP/1.1`, own, `Origin: http://127.0.0.1:${server.port}`, 'Origin: http://evil.example'])).toMatch(/^HTTP\/1\.1 403/);
  });

  it('refuses a foreign Origin with 403 (CSRF) and accepts its own', async () => {
    const thumb = `/files/thumb/${imageIds[0]}?t=${server.token}`;
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${server.port + 1}`, `https://127.0.0.1:${server.port}`]) {
      expect((await request(thumb, { origin })).status, origin).toBe(403);
      expect((await request('/', { origin })).status, origin).toBe(403);
    }
    expect((await request(thumb, { origin: `http://127.0.0.1:${server.port}` })).status).toBe(200);
    expect((await request(thumb, { origin: `http://localhost:${server.port}` })).status).toBe(200);
  });

  it('opens the image routes with the image key the page derives from the token, and the API never with it', async () => {
    const key = fileKeyOf(server.token);
    // HMAC-SHA256 of "qc-files" under the token, base64url: the renderer's (src-renderer/api/fileKey.ts,
    // @noble/hashes) is checked against the same test vector in client.test.ts.
    expect(fileKeyOf('abc_DEF-123')).toBe('RG1IxO-p1bMvg7_6NI_Tktd_EbB9nJEySAIyBJKolKI');
    expect(key).not.toBe(server.token);
    expect((await request(`/files/thumb/${imageIds[0]}?f=${key}`)).status).toBe(200);
    expect((await request(`/files/thumb/${imageIds[0]}?f=${key.slice(0, -1)}x`)).status).toBe(401);
    expect((await request(`/files/thumb/${imageIds[0]}?f=${server.token}`)).status).toBe(401);
    // The key opens no socket to the API.
    expect(await upgradeStatus(wsUrl(`?t=${key}`))).toBe(401);
  });

  it('answers only GET and HEAD', async () => {
    expect((await request('/', {}, 'POST')).status).toBe(405);
    const head = await request(`/files/thumb/${imageIds[0]}?t=${server.token}`, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(head.body.length).toBe(0);
  });
});

describe('qc serve: the renderer', () => {
  it('serves the page without a token, with a strict CSP and safe headers', async () => {
    const r = await request('/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body.toString()).toContain('./assets/app.js');
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port} ws://localhost:${server.port}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['cache-control']).toBe('no-cache');
  });

  it('serves assets with their content type, cached for good', async () => {
    const r = await request('/assets/app.js');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(r.body.toString()).toBe(APP_JS);
    expect((await request('/assets/missing.js')).status).toBe(404);
  });

  it('never serves a file outside the renderer folder, a dotfile or a symlink out', async () => {
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/%2E%2E/%2E%2E/secret.txt',
      '/..%2fsecret.txt',
      '/assets%2f..%2f..%2fsecret.txt',
      '/assets\\..\\..\\secret.txt',
      '/%2e%2e%5csecret.txt',
      '//secret.txt',
      '/.env',
      '/assets/link.txt',
      `/${path.join(dir, 'secret.txt')}`,
      '/assets/%00',
      '/%E0%A4%A',
    ];
    for (const target of attempts) {
      const r = await request(target);
      expect([400, 404], target).toContain(r.status);
      expect(r.body.toString(), target).not.toContain(SECRET.trim());
    }
  });

  it('says how to build the renderer when it is not built', async () => {
    const empty = path.join(dir, 'no-renderer');
    fs.mkdirSync(empty);
    const other = await startServer({ core, rendererDir: empty });
    try {
      const r = await request('/', {}, 'GET', other.port);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers['content-security-policy']).toContain("default-src 'self'");
      expect(r.body.toString()).toContain('npm run build');
    } finally {
      await other.close();
    }
  });
});

describe('qc serve: image files', () => {
  it('needs the token (401 without it or with a wrong one)', async () => {
    const p = `/files/thumb/${imageIds[0]}`;
    expect((await request(p)).status).toBe(401);
    expect((await request(`${p}?t=`)).status).toBe(401);
    expect((await request(`${p}?t=${server.token.slice(0, -1)}`)).status).toBe(401);
    expect((await request(`${p}?t=${server.token}x`)).status).toBe(401);
  });

  it('streams a thumbnail with the token: WebP, the bytes on disk, cached privately for an hour at most', async () => {
    const id = imageIds[0]!;
    const r = await request(`/files/thumb/${id}?t=${server.token}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('image/webp');
    // Its URL carries the token and names a library picture: not kept in the browser for a year.
    const cache = String(r.headers['cache-control']);
    expect(cache).toMatch(/\bprivate\b/);
    expect(cache).not.toMatch(/immutable|public/);
    expect(Number(/max-age=(\d+)/.exec(cache)?.[1])).toBeGreaterThan(0);
    expect(Number(/max-age=(\d+)/.exec(cache)?.[1])).toBeLessThanOrEqual(3600);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    const row = core.context.db.prepare('SELECT thumb_path, path FROM images WHERE id = ?').get(id) as { thumb_path: string; path: string };
    expect(r.body.equals(fs.readFileSync(path.join(core.context.paths.root, row.thumb_path)))).toBe(true);
    const original = await request(`/files/original/${id}?t=${server.token}`);
    expect(original.headers['content-type']).toBe('image/jpeg');
    expect(original.body.equals(fs.readFileSync(path.join(core.context.paths.root, row.path)))).toBe(true);
    expect((await request(`/files/preview/${id}?t=${server.token}`)).status).toBe(200);
  });

  it('makes a thumbnail that is not on disk yet (a classified bundle leaves them for later) when first asked', async () => {
    const id = imageIds[1]!;
    const row = core.context.db.prepare('SELECT thumb_path FROM images WHERE id = ?').get(id) as { thumb_path: string };
    const file = path.join(core.context.paths.root, row.thumb_path);
    fs.rmSync(file);
    const r = await request(`/files/thumb/${id}?t=${server.token}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('image/webp');
    expect(r.body.subarray(8, 12).toString('latin1')).toBe('WEBP');
    expect(r.body.equals(fs.readFileSync(file))).toBe(true);
  });

  it('answers 404 for an unknown image and 400 for anything that is not files/<kind>/<id>', async () => {
    const t = `?t=${server.token}`;
    expect((await request(`/files/thumb/999999${t}`)).status).toBe(404);
    for (const p of ['/files/huge/1', '/files/thumb/01', '/files/thumb/1.5', '/files/thumb/-1', '/files/thumb', '/files/thumb/1/extra', '/files/thumb/%31']) {
      expect((await request(`${p}${t}`)).status, p).toBe(400);
    }
  });

  it('never serves the database or anything outside the library through traversal', async () => {
    const t = `?t=${server.token}`;
    const attempts = [
      '/files/thumb/../../library.sqlite',
      '/files/thumb/%2e%2e/%2e%2e/library.sqlite',
      '/files/thumb/%2E%2E%2F%2E%2E%2Flibrary.sqlite',
      `/files/thumb/${imageIds[0]}/../../x`,
      `/files/thumb/${imageIds[0]}/../../../library.sqlite`,
      '/files/..%5c..%5clibrary.sqlite',
      '/files\\thumb\\..\\..\\library.sqlite',
      '/files/thumb/1%00.webp',
    ];
    for (const target of attempts) {
      const r = await request(`${target}${t}`);
      expect([400, 404], target).toContain(r.status);
      expect(r.body.subarray(0, 15).toString('latin1'), target).not.toBe('SQLite format 3');
    }
  });

  it('answers 404 for a stored path edited to leave originals/, as written or through a link', async () => {
    const { db, paths } = core.context;
    const id = imageIds[1]!;
    const row = db.prepare('SELECT path, preview_path FROM images WHERE id = ?').get(id) as { path: string; preview_path: string };
    const set = db.prepare('UPDATE images SET path = ?, preview_path = ? WHERE id = ?');
    fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(paths.originals, 'zz_link.jpg'));
    try {
      for (const stored of ['originals/../library.sqlite', 'originals/zz_link.jpg', '../secret.txt']) {
        set.run(stored, stored, id);
        for (const kind of ['original', 'preview']) {
          const r = await request(`/files/${kind}/${id}?t=${server.token}`);
          expect(r.status, `${kind} ${stored}`).toBe(404);
          expect(r.body.toString('latin1'), `${kind} ${stored}`).not.toMatch(/SQLite format 3|not for the browser/);
        }
      }
    } finally {
      set.run(row.path, row.preview_path, id);
      fs.rmSync(path.join(paths.originals, 'zz_link.jpg'));
    }
    expect((await request(`/files/original/${id}?t=${server.token}`)).status).toBe(200);
  });
});

describe('qc serve: the API over WebSocket', () => {
  it('refuses an upgrade without a valid token (401), from a foreign Origin or Host (403), or on another path', async () => {
    expect(await upgradeStatus(wsUrl(''))).toBe(401);
    expect(await upgradeStatus(wsUrl('?t='))).toBe(401);
    expect(await upgradeStatus(wsUrl(`?t=${server.token.slice(1)}`))).toBe(401);
    expect(await upgradeStatus(wsUrl(), { origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(wsUrl(), { origin: 'null' })).toBe(403);
    expect(await upgradeStatus(wsUrl(), { headers: { host: `evil.example:${server.port}` } })).toBe(403);
    expect(await upgradeStatus(wsUrl(`?t=${server.token}`, '/other'))).toBe(404);
    expect(await upgradeStatus(wsUrl(), { origin: `http://localhost:${server.port}` })).toBe(101);
    // A plain GET of /api says it is a WebSocket.
    expect((await request('/api')).status).toBe(426);
  });

  it('answers library.status with the library counts', async () => {
    const c = await Client.open();
    try {
      const id = c.call('library.status');
      const m = await c.outcome(id);
      expect(m.type).toBe('result');
      const status = (m as Extract<ServerMessage, { type: 'result' }>).result as { images: number; data_dir: string };
      expect(status.images).toBe(4);
      expect(status.data_dir).toBe(core.context.paths.root);
    } finally {
      await c.close();
    }
  });

  it('broadcasts label.changed to every client when one of them sets a label', async () => {
    const a = await Client.open();
    const b = await Client.open();
    try {
      const id = a.call('labels.set', { imageIds: [imageIds[1]], label: 'bad' });
      const result = await a.outcome(id);
      expect(result.type).toBe('result');
      const ev = await b.next((m) => m.type === 'event' && m.name === 'label.changed');
      const changes = (ev as Extract<ServerMessage, { name: 'label.changed' }>).payload.changes;
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({ image_id: imageIds[1], new_label: 'bad', new_origin: 'curator' });
      await a.next((m) => m.type === 'event' && m.name === 'label.changed');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('pushes threshold.changed to every client when one of them sets the threshold for export (two tabs agree)', async () => {
    // A curator's threshold belongs to a run (with none it is refused): a finished run, for this test only.
    const runId = Number(core.context.db.prepare("INSERT INTO runs (status, params, backbone) VALUES ('done', '{}', 'test')").run().lastInsertRowid);
    const a = await Client.open();
    const b = await Client.open();
    try {
      const result = await a.outcome(a.call('ml.setThreshold', { threshold: 0.95 }));
      expect(result.type).toBe('result');
      const ev = await b.next((m) => m.type === 'event' && m.name === 'threshold.changed');
      expect((ev as Extract<ServerMessage, { name: 'threshold.changed' }>).payload).toMatchObject({ curator: 0.95 });
      await a.outcome(a.call('ml.setThreshold', { threshold: null }));
      const cleared = await b.next((m) => m.type === 'event' && m.name === 'threshold.changed' && (m.payload as { curator: number | null }).curator === null);
      expect(cleared).toBeTruthy();
    } finally {
      await Promise.all([a.close(), b.close()]);
      core.context.db.prepare('DELETE FROM runs WHERE id = ?').run(runId);
    }
  });

  it('answers unknown methods, malformed JSON and bad shapes with errors, and keeps the connection', async () => {
    const c = await Client.open();
    try {
      const unknown = await c.outcome(c.call('library.dropEverything'));
      expect(unknown).toMatchObject({ type: 'error', error: { code: 'unknown_method' } });
      for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
        expect(await c.outcome(c.call(name)), name).toMatchObject({ type: 'error', error: { code: 'unknown_method' } });
      }
      c.ws.send('{not json');
      expect(await c.next((m) => m.type === 'error' && m.id === -1)).toMatchObject({ error: { code: 'bad_input', message: 'malformed JSON' } });
      c.ws.send(JSON.stringify({ type: 'call', id: 77, method: 'library.status', args: [1] }));
      expect(await c.outcome(77)).toMatchObject({ type: 'error', error: { code: 'bad_input' } });
      c.ws.send(JSON.stringify({ type: 'frobnicate', id: 78 }));
      expect(await c.outcome(78)).toMatchObject({ type: 'error', error: { code: 'bad_input' } });
      // Handler errors cross as their QcError shape.
      expect(await c.outcome(c.call('images.get', { imageId: 999_999 }))).toMatchObject({ type: 'error', error: { code: 'not_found' } });
      // Still usable.
      expect(await c.outcome(c.call('library.status'))).toMatchObject({ type: 'result' });
    } finally {
      await c.close();
    }
  });

  it('keeps serving after a call whose method (or other field) cannot be turned into a string (audit 3: it ended the process)', async () => {
    const c = await Client.open();
    try {
      c.ws.send('{"type":"call","id":2,"method":{"toString":1}}');
      expect(await c.outcome(2)).toMatchObject({ type: 'error', error: { code: 'unknown_method', message: 'no such method: (an object)' } });
      c.ws.send('{"type":"call","id":3,"method":[{"toString":1}],"args":{"toString":1}}');
      expect(await c.outcome(3)).toMatchObject({ type: 'error' });
      c.ws.send('{"type":"call","id":{"valueOf":1,"toString":1},"method":{"toString":1}}');
      expect(await c.next((m) => m.type === 'error' && m.id === -1 && m.error.code === 'bad_input')).toBeTruthy();
      c.ws.send('{"type":"cancel","id":{"toString":1}}');
      c.ws.send(JSON.stringify({ type: 'call', id: 4, method: `${'x'.repeat(100_000)}` }));
      expect(((await c.outcome(4)) as Extract<ServerMessage, { type: 'error' }>).error.message.length).toBeLessThan(300);
      // The same socket, and a new one, still answer.
      expect(await c.outcome(c.call('library.status'))).toMatchObject({ type: 'result' });
    } finally {
      await c.close();
    }
    const d = await Client.open();
    try {
      expect(await d.outcome(d.call('library.status'))).toMatchObject({ type: 'result' });
    } finally {
      await d.close();
    }
    expect((await request('/')).status).toBe(200);
  });

  it('sends a wrong argument with its detail (field, reason, range) beside the message, and the page reads it back', async () => {
    const c = await Client.open();
    try {
      const reply = await c.outcome(c.call('ml.setThreshold', { threshold: 2 }));
      expect(reply.type).toBe('error');
      const error = (reply as Extract<ServerMessage, { type: 'error' }>).error;
      expect(error.code).toBe('invalid_argument');
      expect(error.message).toMatch(/^ml\.setThreshold: threshold: /);
      expect(error.detail).toEqual({ method: 'ml.setThreshold', path: ['threshold'], reason: expect.any(String), range: { min: { value: 0, inclusive: true }, max: { value: 1, inclusive: true } } });
      expect(QcError.fromJSON(error).detail).toEqual(error.detail);
      // The first of several wrong fields; the message still lists them all.
      const several = (await c.outcome(c.call('library.import', { source: '/x', concurrency: 99, retries: -1 }))) as Extract<ServerMessage, { type: 'error' }>;
      expect(several.error.detail).toMatchObject({ method: 'library.import', path: ['concurrency'], range: { max: { value: 64 } } });
      expect(several.error.message).toMatch(/concurrency: .*; retries: /);
    } finally {
      await c.close();
    }
  });

  it('closes the connection on a message over the size limit', async () => {
    const c = await Client.open();
    c.ws.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    await until(() => c.closeCode !== null);
    expect(c.closeCode).toBe(1009);
  });

  it('past its limit closes the oldest connection without the token at once, and serves the new one', async () => {
    const small = await startServer({ core, rendererDir, maxConnections: 3 });
    const connect = () =>
      new Promise<Socket>((resolve, reject) => {
        const sock = net.connect(small.port, '127.0.0.1', () => resolve(sock));
        sock.on('error', reject);
      });
    /** Whether the server closes the socket within `ms` without answering. */
    const closedBy = (sock: Socket, ms: number) =>
      new Promise<boolean>((resolve) => {
        if (sock.destroyed) return resolve(true);
        const t = setTimeout(() => resolve(false), ms);
        sock.once('close', () => {
          clearTimeout(t);
          resolve(true);
        });
      });
    const served = (sock: Socket) => {
      sock.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${small.port}\r\nConnection: close\r\n\r\n`);
      return new Promise<string>((resolve) => {
        let got = '';
        sock.on('data', (c: Buffer) => (got += c.toString('latin1')));
        sock.on('close', () => resolve(got.split('\r\n')[0]!));
      });
    };
    try {
      const held = [await connect(), await connect(), await connect()];
      await new Promise((r) => setTimeout(r, 100));
      const extra = await connect();
      expect(await closedBy(held[0]!, 2000)).toBe(true);
      expect(await closedBy(held[1]!, 200)).toBe(false);
      // The others, and the new one, are served.
      expect(await served(held[1]!)).toMatch(/^HTTP\/1\.1 200/);
      expect(await served(extra)).toMatch(/^HTTP\/1\.1 200/);
      expect((await request('/', {}, 'GET', small.port)).status).toBe(200);
      for (const h of held) h.destroy();
    } finally {
      await small.close();
    }
  });

  it('cuts off a client that stops reading (while it sends calls and pongs) and keeps one that reads', async () => {
    const limit = 256 * 1024;
    const small = await startServer({ core, rendererDir, maxBufferedBytes: limit });
    const open = () =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${small.port}/api?t=${small.token}`, { origin: `http://127.0.0.1:${small.port}` });
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    const flood = (ws: WebSocket, from: number, n: number) => {
      for (let i = 0; i < n; i++) ws.send(JSON.stringify({ type: 'call', id: from + i, method: 'library.status', args: {} }));
    };
    try {
      // One that reads: 3,000 answers (well over the limit in all) arrive, and it stays.
      const reader = await open();
      let answers = 0;
      reader.on('message', () => answers++);
      flood(reader, 1, 3000);
      await until(() => answers === 3000, 60_000);
      expect(small.clients()).toBe(1);
      reader.close();
      await until(() => small.clients() === 0);
      // One that stopped reading: its socket paused, it keeps calling and sends pongs to look alive.
      const stalled = await open();
      (stalled as unknown as { _socket: Socket })._socket.pause(); // ws keeps its socket there
      expect(small.clients()).toBe(1);
      let sent = 0;
      const t0 = Date.now();
      while (small.clients() > 0 && Date.now() - t0 < 60_000) {
        flood(stalled, sent + 1, 500);
        sent += 500;
        stalled.pong();
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(small.clients()).toBe(0);
      stalled.terminate();
      // The core is still there for others.
      const c = await Client.open();
      expect(await c.outcome(c.call('library.status'))).toMatchObject({ type: 'result' });
      await c.close();
    } finally {
      await small.close();
    }
  });

  it('sends progress during a long import and stops it on cancel', async () => {
    const photos = path.join(dir, 'many');
    copyPhotos(photos, 11, 40);
    const c = await Client.open();
    try {
      const id = c.call('library.import', { source: photos, concurrency: 1 });
      await c.next((m) => m.type === 'progress' && m.id === id && m.progress.phase === 'download');
      c.ws.send(JSON.stringify({ type: 'cancel', id }));
      const outcome = await c.outcome(id);
      expect(outcome.type).toBe('result');
      const summary = (outcome as Extract<ServerMessage, { type: 'result' }>).result as { cancelled: boolean; images_new: number };
      expect(summary.cancelled).toBe(true);
      expect(summary.images_new).toBeLessThan(40);
      // Progress also reaches clients as job.progress events.
      expect(c.messages.some((m) => m.type === 'event' && m.name === 'job.progress')).toBe(true);
    } finally {
      await c.close();
    }
  });

  it('aborts a client’s calls when its socket closes', async () => {
    const photos = path.join(dir, 'more');
    copyPhotos(photos, 61, 40);
    const c = await Client.open();
    const id = c.call('library.import', { source: photos, concurrency: 1 });
    await c.next((m) => m.type === 'progress' && m.id === id && m.progress.phase === 'download');
    c.ws.terminate();
    const statusOf = () => (core.context.db.prepare('SELECT status FROM imports WHERE source LIKE ? ORDER BY id DESC').get(`%${path.sep}more`) as { status: string } | undefined)?.status;
    await until(() => statusOf() === 'cancelled');
    const stored = core.context.db.prepare('SELECT COUNT(*) AS n FROM image_urls WHERE url LIKE ?').get(`%${path.sep}more${path.sep}%`) as { n: number };
    expect(stored.n).toBeLessThan(40);
    await until(() => server.clients() === 0);
  });
});
