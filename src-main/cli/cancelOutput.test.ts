/**
 * Ctrl-C has one rule for what `qc` prints: when the call came back with what it had done, --json
 * prints that answer with `"cancelled": true` and the text starts with `Cancelled: `; the exit
 * status is 130. A real `qc import` whose downloads hang on a local server, interrupted.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test-support/fixtures';
import { useHangingServer } from '../../test-support/hangingServer';
import { qcNodeArgs } from '../../test-support/qcProcess';

const hanging = useHangingServer('qc-cli-cancel-output-');

/** `qc import` of a bundle whose pictures hang, interrupted once its downloads wait. */
async function interruptedImport(name: string, ...extra: string[]) {
  const bundle = hanging.bundle(name);
  const before = await hanging.connections();
  const child = spawn(process.execPath, [...qcNodeArgs(), '--data', path.join(hanging.dir, name), 'import', bundle, ...extra], { cwd: REPO_ROOT });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    expect(await hanging.downloadsWaiting(before), err).toBe(true);
    child.kill('SIGINT');
    const code = await exit;
    hanging.server.closeAllConnections();
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
