/**
 * A library folder qc cannot create or open names the way out that qc has: browser mode (`qc serve`,
 * what `npm start` runs without Electron) has no folder chooser, so "Choose another folder." alone
 * left its user stuck. The refusal adds `--data DIR or QC_DATA_DIR=DIR` (and `npm start -- --data
 * DIR` for qc serve), and following it works. The real `qc` process, with the default folder under a
 * file (XDG_DATA_HOME naming a file), as an unwritable app-data folder leaves it.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../test-support/fixtures';
import { qcNodeArgs } from '../../test-support/qcProcess';

let dir: string;
let env: NodeJS.ProcessEnv;
let defaultFolder: string;

beforeAll(() => {
  dir = tempDir('qc-cli-way-out-');
  const blocker = path.join(dir, 'not-a-folder');
  fs.writeFileSync(blocker, 'x');
  defaultFolder = path.join(blocker, 'quality-curator');
  const { QC_DATA_DIR: _unused, ...rest } = process.env;
  env = { ...rest, XDG_DATA_HOME: blocker };
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const qc = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
  const r = spawnSync(process.execPath, [...qcNodeArgs(), ...args], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...env, ...extra }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('a library folder qc cannot create', () => {
  it('qc serve (browser mode, npm start): one line naming the folder, then --data, QC_DATA_DIR and npm start -- --data', () => {
    const r = qc(['serve', '--no-open']);
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^qc: ${defaultFolder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot create the library folder: .*Choose another folder\\. `));
    expect(lines[0]!.endsWith(' Start with another folder: --data DIR or QC_DATA_DIR=DIR (npm start -- --data DIR).')).toBe(true);
    const json = qc(['serve', '--no-open', '--json']);
    expect(json.code).toBe(1);
    const error = (JSON.parse(json.stdout) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('bad_input');
    expect(error.message).toBe(lines[0]!.slice('qc: '.length));
  }, 120_000);

  it('any other qc command: the same words, then --data and QC_DATA_DIR', () => {
    const r = qc(['rule']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^qc: .*cannot create the library folder: .*Choose another folder\. Name another folder with --data DIR or QC_DATA_DIR=DIR\.\n$/);
    expect(r.stdout).toBe('');
  }, 60_000);

  it('following it works: QC_DATA_DIR=DIR, and --data DIR after serve (what npm start -- --data DIR runs)', async () => {
    const viaEnv = path.join(dir, 'by-env');
    expect(qc(['rule'], { QC_DATA_DIR: viaEnv }).code).toBe(0);
    expect(fs.existsSync(path.join(viaEnv, 'library.sqlite'))).toBe(true);

    const viaOption = path.join(dir, 'by-option');
    const child = spawn(process.execPath, [...qcNodeArgs(), 'serve', '--no-open', '--json', '--data', viaOption], { cwd: REPO_ROOT, env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const begun = Date.now();
      while (!out.includes('\n') && child.exitCode === null && Date.now() - begun < 30_000) await new Promise((r) => setTimeout(r, 100));
      expect(JSON.parse(out || 'null'), err).toMatchObject({ data_dir: viaOption });
      child.kill('SIGTERM');
      expect(await exit, err).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 90_000);
});
