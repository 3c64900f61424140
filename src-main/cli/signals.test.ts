/**
 * SIGTERM (`kill`, `timeout`, systemd) and SIGHUP (the terminal closed) stop a long command as
 * Ctrl-C does: the work is cancelled cleanly (the import ends `cancelled`, not left `running` for
 * the next open to settle), what came back is printed marked cancelled, and the exit status is
 * 128 + the signal (143, 129). A real `qc import` whose downloads hang on a local server.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../test-support/fixtures';
import { qcNodeArgs } from '../../test-support/qcProcess';

let dir: string;
let server: http.Server;
let port: number;

beforeAll(async () => {
  dir = tempDir('qc-cli-signals-');
  server = http.createServer(() => undefined); // never answers
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const connections = () => new Promise<number>((r) => server.getConnections((_e, n) => r(n)));

/**
 * `qc import` of a bundle whose pictures hang, sent `signal` once its downloads wait. `hangUp`:
 * the reading ends of its stdout and stderr are closed first, as a closed terminal leaves them.
 */
async function signalledImport(name: string, signal: NodeJS.Signals, { hangUp = false } = {}) {
  const bundle = path.join(dir, `${name}.tsv`);
  fs.writeFileSync(bundle, `eolMediaURL\nhttp://127.0.0.1:${port}/${name}/a.jpg\nhttp://127.0.0.1:${port}/${name}/b.jpg\n`);
  const dataDir = path.join(dir, name);
  const before = await connections();
  const child = spawn(process.execPath, [...qcNodeArgs(), '--data', dataDir, 'import', bundle], { cwd: REPO_ROOT });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, sig) => r({ code, signal: sig })));
  try {
    const begun = Date.now();
    while ((await connections()) <= before && Date.now() - begun < 30_000) await setTimeout(100);
    expect(await connections(), err).toBeGreaterThan(before);
    if (hangUp) {
      child.stdout.destroy();
      child.stderr.destroy();
    }
    child.kill(signal);
    const end = await exit;
    server.closeAllConnections();
    // Read as the child left it: opening a core here would settle an import left running.
    const db = new Database(path.join(dataDir, 'library.sqlite'), { readonly: true });
    const imports = db.prepare('SELECT status FROM imports').pluck().all();
    db.close();
    return { ...end, stdout: out, stderr: err, imports };
  } finally {
    child.kill('SIGKILL');
  }
}

describe('qc after SIGTERM or SIGHUP', () => {
  it('SIGTERM cancels the import cleanly: "Cancelled: " and its summary, the import recorded cancelled, exit 143', async () => {
    const r = await signalledImport('term', 'SIGTERM');
    expect(r.code, r.stderr).toBe(143);
    expect(r.signal).toBeNull();
    expect(r.stderr).toContain('qc: SIGTERM: cancelling (SIGTERM again to quit at once)');
    expect(r.stdout).toMatch(/^Cancelled: imported bundle from /);
    expect(r.imports).toEqual(['cancelled']);
  }, 120_000);

  it('SIGHUP with the terminal gone (its pipes closed) still cancels cleanly and exits 129', async () => {
    const r = await signalledImport('hup', 'SIGHUP', { hangUp: true });
    expect(r.code).toBe(129);
    expect(r.signal).toBeNull();
    expect(r.imports).toEqual(['cancelled']);
  }, 120_000);
});
