/**
 * A `qc` command loads only what it runs: sharp, onnxruntime-node, undici, protobufjs and
 * cli-progress wait for first use (core/deferred.ts), so `qc status` and a usage error start in
 * ~0.4 s instead of ~0.5 s. A real process; a preloaded hook lists the CommonJS modules it loaded.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_IMAGES, REPO_ROOT, tempDir } from '../../test-support/fixtures';
import { qcNodeArgs } from '../../test-support/qcProcess';

const dir = tempDir('qc-startup-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const DEFERRED = ['sharp', 'onnxruntime-node', 'undici', 'protobufjs', 'cli-progress'];

/** The packages under node_modules that `qc ...args` loaded, by name. */
function packagesLoaded(...args: string[]): { code: number | null; packages: Set<string>; stderr: string } {
  const out = path.join(dir, `modules-${Math.random().toString(36).slice(2)}.json`);
  const hook = path.join(dir, 'hook.cjs');
  fs.writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))));\n`);
  const r = spawnSync(process.execPath, ['-r', hook, ...qcNodeArgs(), '--data', path.join(dir, 'data'), ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  const files = JSON.parse(fs.readFileSync(out, 'utf8')) as string[];
  const packages = new Set(files.map((f) => /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(f)?.[1]).filter((p): p is string => Boolean(p)));
  return { code: r.status, packages, stderr: r.stderr };
}

describe('qc start-up', () => {
  it('loads none of the heavy packages for a status or a usage error, and the database driver it needs', () => {
    // `qc status` reads a library and never makes one: make it first (qc rule opens it).
    expect(packagesLoaded('rule').code).toBe(0);
    const status = packagesLoaded('status');
    expect(status.code, status.stderr).toBe(0);
    expect(status.packages.has('better-sqlite3')).toBe(true);
    for (const p of DEFERRED) expect(status.packages.has(p), p).toBe(false);
    const usage = packagesLoaded('train', '--no-such-option');
    expect(usage.code).toBe(2);
    for (const p of DEFERRED) expect(usage.packages.has(p), p).toBe(false);
  }, 60_000);

  it('loads them when a command uses them: a preview of a picture needs sharp', () => {
    const img = path.join(DEV_IMAGES, '9000001.jpg');
    const folder = path.join(dir, 'photos');
    fs.mkdirSync(folder, { recursive: true });
    fs.copyFileSync(img, path.join(folder, 'a.jpg'));
    const r = packagesLoaded('import', folder);
    expect(r.code, r.stderr).toBe(0);
    expect(r.packages.has('sharp')).toBe(true);
  }, 60_000);
});
