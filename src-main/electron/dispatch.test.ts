/**
 * The Electron adapter's logic that needs no Electron binary: the IPC call session (validation,
 * per-call cancellation, dispose) over a real core, and app:// URL resolution over a real library.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../src-shared/contract/transport';
import { createCore, type Core } from '../core/app';
import { DEV_IMAGES, tempDir } from '../../test-support/fixtures';
import { CallSession } from '../core/session';
import { RENDERER_CSP, resolveAppRequest } from './resolve';

let dir: string;
let core: Core;
let rendererDir: string;
let ids: number[];

function copyPhotos(dest: string, from: number, count: number): void {
  fs.mkdirSync(dest, { recursive: true });
  for (let i = from; i < from + count; i++) fs.copyFileSync(path.join(DEV_IMAGES, `${9000000 + i}.jpg`), path.join(dest, `${9000000 + i}.jpg`));
}

function session() {
  const messages: ServerMessage[] = [];
  const waiters: { pred: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  const s = new CallSession(core, (m) => {
    messages.push(m);
    for (const w of [...waiters]) {
      if (!w.pred(m)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    }
  });
  const next = (pred: (m: ServerMessage) => boolean) =>
    new Promise<ServerMessage>((resolve) => {
      const seen = messages.find(pred);
      if (seen) resolve(seen);
      else waiters.push({ pred, resolve });
    });
  const outcome = (id: number) => next((m) => (m.type === 'result' || m.type === 'error') && m.id === id);
  return { s, messages, next, outcome };
}

beforeAll(async () => {
  dir = tempDir('qc-electron-');
  copyPhotos(path.join(dir, 'photos'), 1, 3);
  core = createCore({ dataDir: path.join(dir, 'data'), ml: 'in-process' });
  await core.call('library.import', { source: path.join(dir, 'photos') });
  ids = (core.context.db.prepare('SELECT id FROM images ORDER BY id').all() as { id: number }[]).map((r) => r.id);
  rendererDir = path.join(dir, 'renderer');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>QC</title>');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'export {};\n');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'secret');
  fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(rendererDir, 'assets', 'link.txt'));
});

afterAll(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('CallSession (IPC calls)', () => {
  it('runs a call and answers with its result', async () => {
    const { s, outcome } = session();
    s.call({ type: 'call', id: 1, method: 'library.status', args: {} });
    expect(await outcome(1)).toMatchObject({ type: 'result', result: { images: 3 } });
  });

  it('refuses unknown methods and malformed messages', async () => {
    const { s, outcome, next } = session();
    s.call({ type: 'call', id: 2, method: 'library.nuke', args: {} });
    expect(await outcome(2)).toMatchObject({ type: 'error', error: { code: 'unknown_method' } });
    s.call({ type: 'call', id: 3, method: '__proto__', args: {} });
    expect(await outcome(3)).toMatchObject({ type: 'error', error: { code: 'unknown_method' } });
    s.call({ type: 'call', id: 4, method: 'library.status', args: 'x' });
    expect(await outcome(4)).toMatchObject({ type: 'error', error: { code: 'bad_input' } });
    s.call('nonsense');
    expect(await next((m) => m.type === 'error' && m.id === -1)).toMatchObject({ error: { code: 'bad_input' } });
  });

  it('sends progress and stops a long call on cancel', async () => {
    copyPhotos(path.join(dir, 'many'), 11, 30);
    const { s, next, outcome } = session();
    s.call({ type: 'call', id: 5, method: 'library.import', args: { source: path.join(dir, 'many'), concurrency: 1 } });
    await next((m) => m.type === 'progress' && m.id === 5 && m.progress.phase === 'download');
    s.cancel({ type: 'cancel', id: 5 });
    const r = await outcome(5);
    expect(r).toMatchObject({ type: 'result', result: { cancelled: true } });
  });

  it('aborts every call on dispose and sends nothing more', async () => {
    copyPhotos(path.join(dir, 'more'), 41, 30);
    const { s, next, messages } = session();
    s.call({ type: 'call', id: 6, method: 'library.import', args: { source: path.join(dir, 'more'), concurrency: 1 } });
    await next((m) => m.type === 'progress' && m.id === 6);
    expect(s.inFlight).toBe(1);
    await s.dispose();
    expect(s.inFlight).toBe(0);
    expect(messages.some((m) => m.type === 'result')).toBe(false);
    const row = core.context.db.prepare("SELECT status FROM imports WHERE source LIKE '%more' ORDER BY id DESC").get() as { status: string };
    expect(row.status).toBe('cancelled');
  });
});

describe('app:// resolution', () => {
  const opts = () => ({ rendererDir, core });

  it('serves the renderer with a strict CSP', async () => {
    const r = await resolveAppRequest('app://renderer/index.html', 'GET', opts());
    expect(r.status).toBe(200);
    expect(r.headers['Content-Security-Policy']).toBe(RENDERER_CSP);
    expect(RENDERER_CSP).toContain("script-src 'self'");
    const js = await resolveAppRequest('app://renderer/assets/app.js', 'GET', opts());
    expect(js).toMatchObject({ status: 200, headers: { 'Content-Type': 'text/javascript; charset=utf-8' } });
    expect((await resolveAppRequest('app://renderer/', 'GET', opts())).status).toBe(200);
  });

  it('serves image files from app://files/<kind>/<id>', async () => {
    const r = await resolveAppRequest(`app://files/thumb/${ids[0]}`, 'GET', opts());
    expect(r).toMatchObject({ status: 200, headers: { 'Content-Type': 'image/webp', 'X-Content-Type-Options': 'nosniff' } });
    // The page (app://renderer) is another origin than app://files: a same-origin CORP blocks every <img>.
    expect(r.headers['Cross-Origin-Resource-Policy']).toBe('cross-origin');
    expect((await resolveAppRequest('app://renderer/index.html', 'GET', opts())).headers['Cross-Origin-Resource-Policy']).toBe('same-origin');
    if (r.status === 200) {
      expect(r.file.startsWith(core.context.paths.root)).toBe(true);
      await r.handle?.close();
    }
    expect((await resolveAppRequest('app://files/thumb/999999', 'GET', opts())).status).toBe(404);
    expect((await resolveAppRequest('app://files/big/1', 'GET', opts())).status).toBe(400);
  });

  it('streams the image file it checked: a link swapped in for it after the check is not read', async () => {
    const outside = path.join(tempDir(), 'secret.txt');
    fs.writeFileSync(outside, 'outside the library');
    const r = await resolveAppRequest(`app://files/thumb/${ids[1]}`, 'GET', opts());
    if (r.status !== 200) throw new Error(`expected 200, got ${r.status}`);
    const thumb = fs.readFileSync(r.file);
    // Swapped after the check, before the protocol handler reads it.
    fs.renameSync(r.file, `${r.file}.moved`);
    fs.symlinkSync(outside, r.file);
    try {
      const served = r.handle ? await r.handle.readFile() : fs.readFileSync(r.file);
      expect(served.toString('latin1')).not.toContain('outside the library');
      expect(served.equals(thumb)).toBe(true);
    } finally {
      await r.handle?.close();
      fs.rmSync(r.file);
      fs.renameSync(`${r.file}.moved`, r.file);
    }
  });

  it('never leaves the renderer folder or the library', async () => {
    for (const url of [
      'app://renderer/../secret.txt',
      'app://renderer/%2e%2e/secret.txt',
      'app://renderer/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'app://renderer/assets/link.txt',
      'app://renderer/..%5csecret.txt',
      'app://files/thumb/../../library.sqlite',
      'app://files/thumb/%2e%2e/%2e%2e/library.sqlite',
      `app://files/thumb/${ids[0]}/../../x`,
      'app://elsewhere/index.html',
      'app://renderer:8080/index.html',
      'https://renderer/index.html',
    ]) {
      const r = await resolveAppRequest(url, 'GET', opts());
      expect(r.status, url).not.toBe(200);
    }
    expect((await resolveAppRequest('app://renderer/index.html', 'POST', opts())).status).toBe(405);
  });
});
