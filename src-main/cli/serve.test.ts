/**
 * `qc serve` as a user meets it: a real process that prints one `Open …` line, serves the library
 * and stops cleanly on SIGTERM. The cli layer does not import the server, so this test composes the
 * command the way the `qc` entry point does (registerServeCommand + startServer) in a child process.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createCore } from '../core/app';
import { DEV_IMAGES, REPO_ROOT, tempDir } from '../../test-support/fixtures';

const ENTRY = `
import { Command } from 'commander';
import { registerServeCommand } from './src-main/cli/serve.ts';
import { startServer } from './src-main/server/server.ts';
const program = new Command('qc').option('--data <dir>').option('--json');
registerServeCommand(program, startServer);
try {
  await program.parseAsync(JSON.parse(process.env.QC_TEST_ARGV), { from: 'user' });
} catch (e) {
  process.stderr.write('qc: ' + e.message + '\\n');
  process.exitCode = 1;
}
`;

let dir: string;
let dataDir: string;
let renderer: string;

interface Served {
  child: ChildProcessWithoutNullStreams;
  firstLine: string;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function serve(...args: string[]): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ENTRY], {
    cwd: REPO_ROOT,
    env: { ...process.env, QC_TEST_ARGV: JSON.stringify(['--data', dataDir, 'serve', ...args]) },
  });
  let out = '';
  let err = '';
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`qc serve printed nothing; stderr: ${err}`)), 30_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve({ child, firstLine: out.slice(0, nl), stdout: () => out, stderr: () => err, exit });
      }
    });
    void exit.then((code) => reject(new Error(`qc serve exited (${code}) early; stderr: ${err}`)));
  });
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('qc serve', () => {
  beforeAll(async () => {
    dir = tempDir('qc-serve-');
    dataDir = path.join(dir, 'data');
    const photos = path.join(dir, 'photos');
    fs.mkdirSync(photos);
    for (const f of ['9000001.jpg', '9000002.jpg']) fs.copyFileSync(path.join(DEV_IMAGES, f), path.join(photos, f));
    // --renderer names a built user interface: a folder with its index.html.
    renderer = path.join(dir, 'renderer');
    fs.mkdirSync(renderer);
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><p>the test renderer</p>\n');
    const core = createCore({ dataDir, ml: 'in-process' });
    await core.call('library.import', { source: photos });
    await core.close();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints one Open line, serves the library and stops on SIGTERM', async () => {
    const s = await serve('--port', '0', '--no-open', '--renderer', renderer);
    const m = /^Open (http:\/\/127\.0\.0\.1:(\d+)\/)#token=([A-Za-z0-9_-]{43})$/.exec(s.firstLine);
    expect(m, s.firstLine).not.toBeNull();
    const [, base, , token] = m!;
    const page = await get(base!);
    expect(page.status).toBe(200);
    expect(page.body).toContain('the test renderer');
    expect((await get(`${base}files/thumb/1`)).status).toBe(401);
    expect((await get(`${base}files/thumb/1?t=${token}`)).status).toBe(200);

    const ws = new WebSocket(`${base!.replace('http:', 'ws:')}api?t=${token}`);
    const reply = await new Promise<{ type: string; result: { images: number } }>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'call', id: 1, method: 'library.status', args: {} })));
      ws.on('message', (d) => resolve(JSON.parse(String(d)) as { type: string; result: { images: number } }));
      ws.on('error', reject);
    });
    expect(reply).toMatchObject({ type: 'result', result: { images: 2 } });

    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(s.stdout().trim().split('\n')).toHaveLength(1);
    expect(s.stderr()).toContain('stopping');
    ws.terminate();
  }, 60_000);

  it('stops on SIGHUP (its terminal closed) as on SIGTERM, closing the library, and exits 129', async () => {
    const s = await serve('--port', '0', '--no-open', '--renderer', renderer);
    s.child.kill('SIGHUP');
    expect(await s.exit).toBe(129);
    expect(s.stderr()).toContain('qc serve: SIGHUP, stopping');
    // Closed, not killed: no writer of this process is left registered in the library.
    expect(fs.readdirSync(path.join(dataDir, 'owners')).filter((f) => f.includes(String(s.child.pid)))).toEqual([]);
  }, 60_000);

  it('prints one JSON object with --json', async () => {
    const s = await serve('--port', '0', '--no-open', '--json');
    const info = JSON.parse(s.firstLine) as { url: string; port: number; data_dir: string };
    expect(info.url).toBe(`http://127.0.0.1:${info.port}/#token=${info.url.split('#token=')[1]}`);
    expect(info.data_dir).toBe(dataDir);
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(s.stdout().trim().split('\n')).toHaveLength(1);
  }, 60_000);

  it('refuses a port out of range', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ENTRY], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, QC_TEST_ARGV: JSON.stringify(['--data', dataDir, 'serve', '--port', '70000', '--no-open']) },
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--port: .*65535, got "70000"/);
  }, 60_000);
});
