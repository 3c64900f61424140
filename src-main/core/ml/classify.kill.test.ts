/**
 * `qc classify` killed with SIGKILL while downloading a bundle, then run again: the second run
 * downloads only what is missing and writes complete, correct tag files. Also: a training run can
 * be cancelled and is recorded as such.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { DEV_IMAGES, DEV_URL_PREFIX, REPO_ROOT, devRatings, tempDir } from '../../../test-support/fixtures';
import { startImageServer, type ImageServer } from '../../../test-support/image-server';
import { trainedDevLibrary } from '../../../test-support/trainedLibrary';
import { qcNodeArgs } from '../../../test-support/qcProcess';

const N = 40;

function run(cmd: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('classify after a crash, and cancelling a run', () => {
  let dir: string;
  let dataDir: string;
  let server: ImageServer;
  let core: Core | null = null;
  let libraryIds = new Set<string>();

  beforeAll(async () => {
    dir = tempDir();
    dataDir = path.join(dir, 'data');
    server = await startImageServer({ imagesDir: DEV_IMAGES, delayMs: 150 });
    // A trained model first (photos outside the bundle below).
    ({ ids: libraryIds } = await trainedDevLibrary(dataDir));
  }, 180_000);
  afterAll(async () => {
    await core?.close();
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('resumes after SIGKILL and writes the full tag files', async () => {
    // A bundle of dev photos the library does not have, over HTTP.
    const rows = devRatings().filter(([id]) => !libraryIds.has(id)).slice(0, N);
    const bundle = path.join(dir, 'bundle.txt');
    fs.writeFileSync(bundle, ['eolMediaURL\tidentifier\tdataObjectVersionID\tancestry', ...rows.map(([id, url]) => `${url.replace(DEV_URL_PREFIX, `${server.base}/img/`)}\t${id}\t1${id}\t{}`)].join('\n') + '\n');
    const out = path.join(dir, 'out');
    const cli = [...qcNodeArgs(), '--data', dataDir, 'classify', bundle, '--out', out, '--concurrency', '2', '--json'];

    const child = spawn(process.execPath, cli, { cwd: REPO_ROOT, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, s) => resolve(s)));
    const deadline = Date.now() + 60_000;
    while (server.totalHits() < N / 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(fs.existsSync(path.join(out, 'bundle_finaltags.tsv'))).toBe(false);
    const before = server.totalHits();
    expect(before).toBeLessThan(N);

    // Not spawnSync: the image server runs in this process and must keep answering.
    const again = await run(process.execPath, cli);
    expect(again.status, again.stderr).toBe(0);
    const summary = JSON.parse(again.stdout) as { rows: number; images: number; failed: number; files: string[] };
    expect(summary).toMatchObject({ rows: N, images: N, failed: 0 });
    // Only what the killed run had not stored was downloaded again (a request in flight at the kill may repeat).
    const refetched = server.totalHits() - before;
    expect(refetched).toBeLessThanOrEqual(N - before + 2);
    const [header, ...lines] = fs.readFileSync(path.join(out, 'bundle_finaltags.tsv'), 'utf8').trimEnd().split('\n');
    expect(header!.split('\t')).toEqual(['eolMediaURL', 'identifier', 'dataObjectVersionID', 'ancestry', 'imclass', 'confidence', 'source', 'p_bad']);
    expect(lines).toHaveLength(N);
    expect(lines.map((l) => l.split('\t')[1])).toEqual(rows.map(([id]) => id));
    expect(lines.every((l) => l.split('\t')[6] === 'model' && l.split('\t')[5] !== '')).toBe(true);
    expect(fs.readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 180_000);

  it('a cancelled training run is recorded as cancelled and changes nothing active', async () => {
    core = createCore({ dataDir });
    const active = (await core.call('ml.runs', {})).active;
    const controller = new AbortController();
    const run = await core.call('ml.train', { epochs: 200, features: ['whole'] }, { signal: controller.signal, onProgress: (p) => p.phase === 'epochs' && p.done >= 2 && controller.abort() });
    expect(run.status).toBe('cancelled');
    expect((await core.call('ml.runs', {})).active).toBe(active);
    expect((await core.call('ml.run', { runId: run.run_id })).metrics).toBeNull();
  }, 120_000);
});
