/**
 * Ctrl-C has one rule for what `qc` prints: when the call came back with what it had done, --json
 * prints that answer with `"cancelled": true` and the text starts with `Cancelled: `; the exit
 * status is 130. A real `qc import` whose downloads hang on a local server, interrupted.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../test-support/fixtures';
import { qcNodeArgs } from '../../test-support/qcProcess';

let dir: string;
let server: http.Server;
let port: number;

beforeAll(async () => {
  dir = tempDir('qc-cli-cancel-output-');
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

/** `qc import` of a bundle whose pictures hang, interrupted once its downloads wait. */
async function interruptedImport(name: string, ...extra: string[]) {
  const bundle = path.join(dir, `${name}.tsv`);
  fs.writeFileSync(bundle, `eolMediaURL\nhttp://127.0.0.1:${port}/${name}/a.jpg\nhttp://127.0.0.1:${port}/${name}/b.jpg\n`);
  const before = await connections();
  const child = spawn(process.execPath, [...qcNodeArgs(), '--data', path.join(dir, name), 'import', bundle, ...extra], { cwd: REPO_ROOT });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    const begun = Date.now();
    while ((await connections()) <= before && Date.now() - begun < 30_000) await setTimeout(100);
    child.kill('SIGINT');
    const code = await exit;
    server.closeAllConnections();
    return { code, stdout: out, stderr: err };
  } finally {
    child.kill('SIGKILL');
  }
}

describe('qc after Ctrl-C', () => {
  it('prints the answer marked cancelled: --json with "cancelled": true, the text starting "Cancelled: ", exit 130', async () => {
    const human = await interruptedImport('human');
    expect(human.code, human.stderr).toBe(130);
    expect(human.stdout).toMatch(/^Cancelled: /);
    expect(human.stdout).not.toMatch(/^Cancelled: Cancelled/);
    const json = await interruptedImport('json', '--json');
    expect(json.code, json.stderr).toBe(130);
    const lines = json.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ kind: 'bundle', cancelled: true });
  }, 120_000);
});
