/**
 * qc doctor on this machine (real onnxruntime, tfjs, better-sqlite3, statfs) and on stand-in
 * installs for what differs between machines (an Electron binary, a Chromium).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultModelsDir } from './app';
import { chromiumCandidates, findElectronBinary, formatDoctor, gpuItem, repoRoot, runDoctor, type DoctorReport } from './doctor';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-doctor-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const item = (r: DoctorReport, id: string) => {
  const i = r.items.find((x) => x.id === id);
  expect(i, `item ${id}`).toBeDefined();
  return i!;
};

describe('qc doctor on this machine', () => {
  it('reports every item, each with what it found or why it is missing, and never creates the library', async () => {
    const dataDir = path.join(tmp, 'not-yet', 'library');
    const r = await runDoctor({ dataDir, modelsDir: defaultModelsDir() });
    for (const id of ['onnxruntime.cuda', 'onnxruntime.dml', 'onnxruntime.coreml', 'onnxruntime.webgpu', 'onnxruntime.cpu', 'gpu', 'tfjs', 'electron', 'chromium', 'sqlite', 'library', 'disk']) {
      const i = item(r, id);
      if (i.ok) expect(i.detail?.length, id).toBeGreaterThan(0);
      else expect(i.why?.length, id).toBeGreaterThan(10);
    }
    // The CPU provider is always in onnxruntime-node: it must really load the backbone.
    expect(item(r, 'onnxruntime.cpu').ok).toBe(true);
    expect(r.provider).not.toBeNull();
    expect(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).toContain(r.tfBackend);
    expect(r.mlpTrainer).toBe(r.tfBackend?.startsWith('tensorflow') ? (r.tfBackend === 'tensorflow' ? 'tfjs-node' : 'tfjs-node-gpu') : 'onnxruntime');
    expect(item(r, 'sqlite').detail).toMatch(/^SQLite 3\.\d+\.\d+/);
    expect(item(r, 'library').detail).toContain(path.resolve(dataDir));
    expect(item(r, 'disk').ok ? item(r, 'disk').detail : item(r, 'disk').why).toMatch(/GB free/);
    expect(fs.existsSync(dataDir)).toBe(false);
    // A provider this platform's onnxruntime-node lacks says so.
    const missing = r.items.filter((i) => i.id.startsWith('onnxruntime.') && !i.ok);
    for (const m of missing) expect(m.why).not.toBe('');
    const text = formatDoctor(r);
    expect(text.split('\n')).toHaveLength(r.items.length + 2);
    expect(r.providersProbed).toBe(true);
    expect(text.split('\n').at(-1)).toMatch(new RegExp(`^embedding runs on: ${r.provider}; `));
  });

  it('with the providers skipped, says they were not probed, not that embedding runs on nothing', async () => {
    const r = await runDoctor({ dataDir: path.join(tmp, 'skipped'), modelsDir: defaultModelsDir(), skipProviders: true });
    expect(r).toMatchObject({ provider: null, providersProbed: false });
    const last = formatDoctor(r).split('\n').at(-1)!;
    expect(last).toMatch(/^embedding runs on: not probed \(the providers were skipped\); MLP heads train on: /);
    expect(last).not.toContain('nothing');
  });

  it('says the providers were not probed when the backbone file is missing', async () => {
    const models = path.join(tmp, 'models');
    fs.mkdirSync(models, { recursive: true });
    fs.copyFileSync(path.join(defaultModelsDir(), 'backbones.json'), path.join(models, 'backbones.json'));
    const r = await runDoctor({ dataDir: tmp, modelsDir: models });
    expect(item(r, 'onnxruntime')).toMatchObject({ ok: false, why: expect.stringMatching(/is missing.*convert-backbone/) });
    expect(r.provider).toBeNull();
  });
});

describe('GPU', () => {
  it('names the GPU, or says why there is none', () => {
    const g = gpuItem();
    expect(g.id).toBe('gpu');
    if (g.ok) expect(g.detail).toMatch(/NVIDIA|render node|Apple|DirectML/);
    else expect(g.why).toMatch(/no GPU found|Intel Mac/);
    // Here (Linux without NVIDIA or DRM devices) it must say none, since the WebGPU probe is skipped for the same reason.
    if (process.platform === 'linux' && !fs.existsSync('/dev/nvidia0') && !fs.existsSync('/dev/dri')) expect(g.ok).toBe(false);
    expect(gpuItem('darwin', 'arm64')).toMatchObject({ ok: true, detail: expect.stringContaining('CoreML') });
    expect(gpuItem('darwin', 'x64')).toMatchObject({ ok: false });
  });
});

describe('Electron binary', () => {
  const root = (name: string) => path.join(tmp, name);

  it('is missing with the reason when the package is not installed', () => {
    expect(findElectronBinary(root('none'), {})).toMatchObject({ ok: false, why: expect.stringContaining('not installed') });
  });

  it('is missing with the reason when the download was skipped or failed', () => {
    const dir = path.join(root('skipped'), 'node_modules', 'electron');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ version: '41.10.0' }));
    const r = findElectronBinary(root('skipped'), { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
    expect(r).toMatchObject({ ok: false });
    if (!r.ok) expect(r.why).toMatch(/Electron 41\.10\.0's binary was not downloaded \(ELECTRON_SKIP_BINARY_DOWNLOAD is set\).*install\.js/);
  });

  it('is found where install.js puts it', () => {
    const dir = path.join(root('present'), 'node_modules', 'electron');
    fs.mkdirSync(path.join(dir, 'dist'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ version: '41.10.0' }));
    fs.writeFileSync(path.join(dir, 'path.txt'), 'electron');
    expect(findElectronBinary(root('present'), {})).toMatchObject({ ok: false, why: expect.stringContaining('missing at') });
    fs.writeFileSync(path.join(dir, 'dist', 'electron'), '');
    expect(findElectronBinary(root('present'), {})).toEqual({ ok: true, path: path.join(dir, 'dist', 'electron'), version: '41.10.0' });
  });

  it("matches this checkout's install", () => {
    const r = findElectronBinary(repoRoot());
    const installed = fs.existsSync(path.join(repoRoot(), 'node_modules', 'electron', 'path.txt'));
    expect(r.ok).toBe(installed);
  });
});

describe('Chromium', () => {
  it('looks at CHROMIUM_PATH first, then where each OS keeps it', () => {
    expect(chromiumCandidates({ CHROMIUM_PATH: '/x/chrome' }, 'linux')).toEqual(['/x/chrome', '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable']);
    expect(chromiumCandidates({}, 'darwin')[1]).toMatch(/Google Chrome\.app/);
    expect(chromiumCandidates({ PROGRAMFILES: 'C:\\Program Files' }, 'win32')[0]).toMatch(/chrome\.exe$/);
  });

  it.skipIf(process.platform === 'win32')('reports the version an executable prints, or why it failed', async () => {
    const good = path.join(tmp, 'chromium-ok');
    fs.writeFileSync(good, '#!/bin/sh\necho "Chromium 141.0.7390.54 built on Debian"\n', { mode: 0o755 });
    const bad = path.join(tmp, 'chromium-bad');
    fs.writeFileSync(bad, '#!/bin/sh\necho "cannot open display" >&2\nexit 3\n', { mode: 0o755 });
    const run = (exe: string) => runDoctor({ dataDir: tmp, modelsDir: defaultModelsDir(), skipProviders: true, env: { ...process.env, CHROMIUM_PATH: exe } });
    expect(item(await run(good), 'chromium')).toEqual({ id: 'chromium', ok: true, detail: `Chromium 141.0.7390.54 built on Debian (${good})` });
    expect(item(await run(bad), 'chromium')).toMatchObject({ ok: false, why: expect.stringContaining('cannot open display') });
  });
});

describe('qc doctor --json', () => {
  it('prints exactly one JSON object with the items', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot(), 'src-main', 'cli', 'main.ts'), '--json', '--data', path.join(tmp, 'cli'), 'doctor', '--no-providers'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!) as DoctorReport;
    expect(report.items.map((i) => i.id)).toEqual(['onnxruntime', 'gpu', 'tfjs', 'electron', 'chromium', 'sqlite', 'library', 'disk']);
    expect(report.items.find((i) => i.id === 'electron')!.ok).toBe(findElectronBinary().ok);
  });
});

describe('the library files', () => {
  it('counts the files in originals/, thumbs/ and previews/ that no image row names, without changing the library', async () => {
    const { createCore } = await import('./app');
    const dataDir = path.join(tmp, 'files-lib');
    const core = createCore({ dataDir });
    await core.close();
    const r0 = await runDoctor({ dataDir, modelsDir: defaultModelsDir(), skipProviders: true });
    expect(item(r0, 'library.files')).toMatchObject({ ok: true, detail: expect.stringMatching(/named by an image row/) });
    // A stray file (an older qc killed during an import, or copied in by hand).
    const stray = path.join('originals', 'ab', `${'ab'.repeat(32)}.jpg`);
    fs.mkdirSync(path.join(dataDir, 'originals', 'ab'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, stray), Buffer.alloc(2048));
    const r = await runDoctor({ dataDir, modelsDir: defaultModelsDir(), skipProviders: true });
    const files = item(r, 'library.files');
    expect(files.ok).toBe(false);
    expect(files.why).toMatch(/^1 file \(2 kB\) no image row names, e\.g\. originals\/ab\/(ab){32}\.jpg; nothing uses them/);
    expect(files.why).not.toMatch(/killed import/);
    expect(fs.existsSync(path.join(dataDir, stray))).toBe(true);
  });
});

describe('the library, as the other commands would use it (audit-durable F7)', () => {
  const doctor = (dataDir: string) => runDoctor({ dataDir, modelsDir: defaultModelsDir(), skipProviders: true });
  async function newLibrary(dataDir: string): Promise<void> {
    const { createCore } = await import('./app');
    await createCore({ dataDir }).close();
  }

  it('is not ok when originals/ is a link, saying so as opening it would', async () => {
    const dataDir = path.join(tmp, 'linked-lib');
    await newLibrary(dataDir);
    const elsewhere = path.join(tmp, 'linked-elsewhere');
    fs.renameSync(path.join(dataDir, 'originals'), elsewhere);
    fs.symlinkSync(elsewhere, path.join(dataDir, 'originals'));
    const library = item(await doctor(dataDir), 'library');
    expect(library.ok).toBe(false);
    expect(library.why).toMatch(/originals is a link, not a folder/);
  });

  it.runIf(process.platform === 'linux' && process.getuid?.() === 0 && spawnSync('chattr', ['--help']).error === undefined)(
    'is not ok when its database cannot be written (the immutable flag: root is not stopped by chmod)',
    async () => {
      const dataDir = path.join(tmp, 'immutable-lib');
      await newLibrary(dataDir);
      const db = path.join(dataDir, 'library.sqlite');
      if (spawnSync('chattr', ['+i', db]).status !== 0) return; // a file system without the flag: nothing to show
      try {
        const library = item(await doctor(dataDir), 'library');
        expect(library).toEqual({ id: 'library', ok: false, why: `${db} cannot be written (not permitted): every change to the library would fail; make it writable (check its owner, permissions and immutable flag)` });
      } finally {
        spawnSync('chattr', ['-i', db]);
      }
    },
  );

  it('reports originals that are missing or of another size (a stat each, no read), and ok when they are whole', async () => {
    const { createCore } = await import('./app');
    const { DEV_DIR, DEV_IMAGES, DEV_URL_PREFIX } = await import('../../test-support/fixtures');
    const dataDir = path.join(tmp, 'originals-lib');
    const core = createCore({ dataDir, ml: 'in-process' });
    let rows: { id: number; path: string; bytes: number }[];
    try {
      const lines = fs.readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'latin1').trim().split('\n');
      const ratings = path.join(tmp, 'originals-ratings.txt');
      fs.writeFileSync(ratings, `${lines.slice(0, 7).join('\n')}\n`, 'latin1');
      await core.call('library.import', { source: ratings, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
      rows = core.context.db.prepare('SELECT id, path, bytes FROM images ORDER BY id').all() as typeof rows;
    } finally {
      await core.close();
    }
    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect(item(await doctor(dataDir), 'library.originals')).toEqual({ id: 'library.originals', ok: true, detail: `all ${rows.length} originals there, each of the size recorded` });

    const [gone, emptied, garbage] = rows;
    fs.rmSync(path.join(dataDir, gone!.path));
    fs.writeFileSync(path.join(dataDir, emptied!.path), '');
    fs.writeFileSync(path.join(dataDir, garbage!.path), 'garbage\n');
    const r = await doctor(dataDir);
    expect(item(r, 'library.originals')).toEqual({
      id: 'library.originals',
      ok: false,
      why: `of all ${rows.length} originals, 1 missing and 2 of another size than recorded (emptied, truncated or replaced), e.g. ${gone!.path} (image ${gone!.id}) is missing; ${emptied!.path} (image ${emptied!.id}) has 0 bytes, ${emptied!.bytes} recorded; ${garbage!.path} (image ${garbage!.id}) has 8 bytes, ${garbage!.bytes} recorded: their pictures are lost to the library (export-training leaves them out); put back the library's originals/ from a backup`,
    });
  });

  it("says a library inside another's originals/ is one, never that its files may be deleted; the inner one is told it is inside", async () => {
    const outer = path.join(tmp, 'outer-lib');
    await newLibrary(outer);
    const inner = path.join(outer, 'originals');
    await newLibrary(inner);
    const r = await doctor(outer);
    expect(item(r, 'library')).toEqual({
      id: 'library',
      ok: false,
      why: `another library is inside this one's originals/ (a library.sqlite there): its files look unused to this library, never delete them; move that library out of ${outer}`,
    });
    const files = item(r, 'library.files');
    expect(files.ok).toBe(false);
    expect(files.why).toMatch(/another library is inside originals\/ and some of them are its files: do not delete any of them before that library is moved out$/);
    expect(files.why).not.toMatch(/may be deleted/);
    expect(item(await doctor(inner), 'library')).toEqual({ id: 'library', ok: false, why: `${inner} is inside the library ${outer} (its originals/ folder), which counts its files as its own: move this library out of ${outer}` });
  });
});
