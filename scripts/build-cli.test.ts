/**
 * The prebuilt `qc` (scripts/build-cli.mjs, started by scripts/qc.mjs): the real esbuild bundles,
 * run by plain Node on a real library, answer exactly what the sources do through tsx, and the
 * launcher runs the bundle when it is fresh.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION } from '../src-main/core/db/migrations';
import { tempDir } from '../test-support/fixtures';
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildCli, isFresh, newestSource } from './build-cli.mjs';

const root = path.resolve(import.meta.dirname, '..');
// Two folders below the repository, like out/cli (the bundle finds resources/ relative to itself).
const dir = path.join(root, 'out', `cli-test-${process.pid}`);
const dataDir = tempDir();

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const run = (args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('the prebuilt qc bundle', () => {
  it('bundles the CLI and both workers, stamped fresh', async () => {
    const files = (await buildCli(dir)) as string[];
    expect(files.map((f) => path.basename(f)).sort()).toEqual(['mlWorker.js', 'prepWorker.js', 'qc.js']);
    expect((isFresh as (n?: number, d?: string) => boolean)(undefined, dir)).toBe(true);
    // A source newer than the bundles makes them stale.
    expect((isFresh as (n?: number, d?: string) => boolean)((newestSource as () => number)() + 60_000, dir)).toBe(false);
    // The lock file counts as a source: the plain-JavaScript dependencies are inside the bundles.
    expect((newestSource as () => number)()).toBeGreaterThanOrEqual(fs.statSync(path.join(root, 'package-lock.json')).mtimeMs);
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      const imported = new Set([...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']([^"'.][^"']*)["']/g)].map((m) => m[1]!).filter((m) => !m.startsWith('node:')));
      // Only native addons and TensorFlow.js are loaded from node_modules.
      for (const m of imported) expect(m, `${path.basename(f)} imports ${m}`).toMatch(/^(better-sqlite3|sharp|onnxruntime-node|onnxruntime-web|@tensorflow\/[\w-]+|electron)$/);
    }
    expect(fs.readFileSync(path.join(dir, 'qc.js'), 'utf8')).toContain('ZodError'); // zod, bundled in
  }, 60_000);

  it('runs on plain Node: status of a new library, and a bad option', () => {
    // status never makes a library (it refuses a folder without one): `qc rule` does.
    expect(run([path.join(dir, 'qc.js'), '--data', dataDir, 'rule']).status).toBe(0);
    const bundled = run([path.join(dir, 'qc.js'), '--data', dataDir, '--json', 'status']);
    expect(bundled.status, bundled.stderr).toBe(0);
    const status = JSON.parse(bundled.stdout) as { images: number; schema_version: number; data_dir: string };
    expect(status).toMatchObject({ images: 0, schema_version: LATEST_SCHEMA_VERSION, data_dir: dataDir });
    // An option that does not fit: exit 2, one line naming it, from the bundle too.
    const bad = run([path.join(dir, 'qc.js'), '--data', dataDir, 'failures', '--limit', 'abc']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--limit/);
  }, 60_000);

  it('the launcher (npm run qc) runs the same command, from the bundle or, with QC_FROM_SOURCE=1, from source', () => {
    expect(run([path.join(root, 'scripts', 'qc.mjs'), '--data', dataDir, 'rule']).status).toBe(0);
    const a = run([path.join(root, 'scripts', 'qc.mjs'), '--data', dataDir, '--json', 'status']);
    expect(a.status, a.stderr).toBe(0);
    const b = run([path.join(root, 'scripts', 'qc.mjs'), '--data', dataDir, '--json', 'status'], { QC_FROM_SOURCE: '1' });
    expect(b.status, b.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toEqual(JSON.parse(b.stdout));
  }, 60_000);
});
