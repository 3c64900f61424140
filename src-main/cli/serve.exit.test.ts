/**
 * `qc serve` ends as every other command does: Ctrl-C (SIGINT) exits 130, and a port in use is a
 * refusal the user can fix (bad_input, exit 1), not an internal error; a `--renderer` folder that
 * holds no built user interface is refused at start, naming it (exit 2). The real `qc` process.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../test-support/fixtures';
import { qcNodeArgs } from '../../test-support/qcProcess';

let dir: string;
let dataDir: string;

beforeAll(() => {
  dir = tempDir('qc-cli-serve-exit-');
  dataDir = path.join(dir, 'data');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('qc serve', () => {
  it('Ctrl-C stops it with exit 130', async () => {
    const child = spawn(process.execPath, [...qcNodeArgs(), '--data', dataDir, 'serve', '--no-open', '--json'], { cwd: REPO_ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exit = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
    try {
      const begun = Date.now();
      while (!out.includes('\n') && Date.now() - begun < 30_000) await new Promise((r) => setTimeout(r, 100));
      const { url } = JSON.parse(out) as { url: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      child.kill('SIGINT');
      expect(await exit, err).toEqual({ code: 130, signal: null });
      expect(err).toMatch(/qc serve: SIGINT, stopping/);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);

  it('a port in use is bad_input (exit 1), one line', async () => {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const r = spawnSync(process.execPath, [...qcNodeArgs(), '--data', dataDir, 'serve', '--no-open', '--port', String(port), '--json'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toBe(`qc: port ${port} is in use (try --port 0 for any free port)\n`);
      expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'bad_input', message: `port ${port} is in use (try --port 0 for any free port)` } });
    } finally {
      server.close();
    }
  }, 60_000);

  it('--renderer naming no folder, a file, or a folder with no index.html is refused at start (exit 2), naming it, before the library is made', () => {
    const run = (renderer: string, ...extra: string[]) =>
      spawnSync(process.execPath, [...qcNodeArgs(), '--data', path.join(dir, 'unmade'), ...extra, 'serve', '--no-open', '--port', '0', '--renderer', renderer], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
    const missing = path.join(dir, 'no-such-renderer');
    const r = run(missing);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`qc: --renderer: no folder ${missing}\n`);
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    expect(run(file).stderr).toBe(`qc: --renderer: ${file} is not a folder\n`);
    const empty = path.join(dir, 'empty-renderer');
    fs.mkdirSync(empty);
    const e = run(empty, '--json');
    expect(e.status, e.stderr).toBe(2);
    expect(e.stderr.startsWith(`qc: --renderer: no index.html in ${empty} (`), e.stderr).toBe(true);
    expect(JSON.parse(e.stdout)).toMatchObject({ error: { code: 'invalid_argument' } });
    // Refused before anything was opened: no library was made at --data.
    expect(fs.existsSync(path.join(dir, 'unmade'))).toBe(false);
  }, 60_000);
});
