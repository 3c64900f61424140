/**
 * electron-builder really packs the app with electron-builder.yml (`--linux dir`, no installer),
 * here where no Electron can be downloaded: a stand-in Electron distribution (a file carrying a
 * real fuse wire) is given as `electronDist`, and a copy of the project with a stub `out/` stands
 * in for the build. Checks what lands where: app.asar holds only the app and its production
 * modules (no sources, maps, converter or renderer-only packages), native modules are unpacked,
 * the backbone and demo sit under resources/, and the afterPack hook flipped the fuses.
 * Linux only (the layout and the stand-in binary are Linux's); about a minute on two cores.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-pack-'));
afterAll(() => {
  if (!process.env.QC_KEEP_PACK) fs.rmSync(tmp, { recursive: true, force: true });
});

/** A project like this one, with a stub build in out/ (what electron-vite would write). */
function stageProject(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['package.json', 'package-lock.json', 'electron-builder.yml']) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  // Hard links: a real node_modules tree (electron-builder's dependency walk does not follow a symlinked one), no copying.
  const cp = spawnSync('cp', ['-al', path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules')], { encoding: 'utf8' });
  if (cp.status !== 0) fs.cpSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  fs.mkdirSync(path.join(dir, 'scripts', 'dist'), { recursive: true });
  for (const f of ['after-pack.mjs', 'fuses.ts']) fs.copyFileSync(path.join(ROOT, 'scripts', 'dist', f), path.join(dir, 'scripts', 'dist', f));
  fs.mkdirSync(path.join(dir, 'resources'));
  for (const r of ['icons', 'demo']) fs.cpSync(path.join(ROOT, 'resources', r), path.join(dir, 'resources', r), { recursive: true });
  // The backbone is converted at build time; a stand-in file of the manifest's name is packed the same way.
  const models = path.join(dir, 'resources', 'models');
  fs.mkdirSync(models);
  for (const f of ['backbones.json', 'README.md', 'mobilenet_v2_nsfwjs_int8.ranges.json']) fs.copyFileSync(path.join(ROOT, 'resources', 'models', f), path.join(models, f));
  const manifest = JSON.parse(fs.readFileSync(path.join(models, 'backbones.json'), 'utf8')) as { backbones: { file: string }[] };
  for (const b of manifest.backbones) fs.writeFileSync(path.join(models, b.file), 'onnx stand-in');
  const out = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, 'out', rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'out', rel), text);
  };
  out('main/main.js', 'export {};\n');
  out('main/main.js.map', '{}');
  out('main/mlWorker.js', 'export {};\n');
  out('preload/preload.cjs', '');
  out('renderer/index.html', '<!doctype html><title>Quality Curator</title>');
  fs.writeFileSync(path.join(dir, 'README.md'), 'not for the package');
  fs.mkdirSync(path.join(dir, 'src-main'));
  fs.writeFileSync(path.join(dir, 'src-main', 'secret.ts'), 'not for the package');
}

/** An "Electron" distribution: the executable (with Electron's default fuses), licence and locales. */
function standInElectron(dir: string): void {
  fs.mkdirSync(path.join(dir, 'locales'), { recursive: true });
  const junk = Buffer.alloc(4096, 7);
  fs.writeFileSync(path.join(dir, 'electron'), Buffer.concat([junk, Buffer.from(SENTINEL), Buffer.from([1, 9]), Buffer.from('101100001', 'latin1'), junk]), { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'LICENSE'), 'MIT');
  fs.writeFileSync(path.join(dir, 'locales', 'en-US.pak'), '');
}

/** Every path inside an asar archive (electron-builder's own @electron/asar). */
async function asarList(file: string): Promise<string[]> {
  const asar = (await import('@electron/asar')) as unknown as { listPackage(p: string, o: object): string[] };
  return asar.listPackage(file, {}).map((p) => p.replaceAll('\\', '/'));
}

describe.skipIf(process.platform !== 'linux')('electron-builder pack (Linux, stand-in Electron)', () => {
  it('packs the app, its resources and unpacked native modules, and flips the fuses', { timeout: 300_000 }, async () => {
    const project = path.join(tmp, 'project');
    const electronDist = path.join(tmp, 'electron-dist');
    const output = path.join(tmp, 'dist');
    stageProject(project);
    standInElectron(electronDist);
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'node_modules', 'electron-builder', 'cli.js'), '--linux', 'dir', '--projectDir', project, '--publish', 'never', `-c.electronDist=${electronDist}`, '-c.npmRebuild=false', `-c.directories.output=${output}`],
      { cwd: project, encoding: 'utf8', timeout: 280_000, env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' } },
    );
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/fuses flipped/);

    const app = path.join(output, 'linux-unpacked');
    const res = path.join(app, 'resources');
    const files = await asarList(path.join(res, 'app.asar'));
    const top = new Set(files.map((f) => f.split('/')[1]));
    expect([...top].sort()).toEqual(['node_modules', 'out', 'package.json']);
    expect(files).toEqual(expect.arrayContaining(['/out/main/main.js', '/out/main/mlWorker.js', '/out/preload/preload.cjs', '/out/renderer/index.html']));
    expect(files.filter((f) => f.startsWith('/out/') && f.endsWith('.map'))).toEqual([]);
    const modules = new Set(files.filter((f) => f.startsWith('/node_modules/')).map((f) => f.split('/').slice(2, f.split('/')[2]!.startsWith('@') ? 4 : 3).join('/')));
    for (const gone of ['nsfwjs', 'tsx', 'esbuild', 'react', 'react-dom', 'zustand', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) expect(modules.has(gone), gone).toBe(false);
    for (const kept of ['zod', 'ws', 'commander', '@tensorflow/tfjs', 'better-sqlite3', 'sharp', 'onnxruntime-node']) expect(modules.has(kept), kept).toBe(true);

    // Native modules are real files beside the archive, with this platform's binaries only.
    const unpacked = path.join(res, 'app.asar.unpacked', 'node_modules');
    expect(fs.existsSync(path.join(unpacked, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))).toBe(true);
    expect(fs.readdirSync(path.join(unpacked, '@img')).some((d) => d.startsWith('sharp-linux'))).toBe(true);
    expect(fs.readdirSync(path.join(unpacked, 'onnxruntime-node', 'bin', 'napi-v6'))).toEqual(['linux']);
    expect(fs.readdirSync(path.join(unpacked, 'onnxruntime-node', 'bin', 'napi-v6', 'linux'))).toEqual(['x64']);

    // The backbone and the demo library where src-main/electron/resources.ts looks.
    expect(fs.readdirSync(path.join(res, 'models')).sort()).toEqual(['README.md', 'backbones.json', 'mobilenet_v2_nsfwjs.onnx', 'mobilenet_v2_nsfwjs_int8.onnx', 'mobilenet_v2_nsfwjs_int8.ranges.json']);
    expect(fs.existsSync(path.join(res, 'demo', 'image_ratings.txt'))).toBe(true);
    expect(fs.readdirSync(path.join(res, 'demo', 'images')).length).toBe(fs.readdirSync(path.join(ROOT, 'resources', 'demo', 'images')).length);

    const wire = await getCurrentFuseWire(path.join(app, 'quality-curator'));
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FuseState.ENABLE);
  });
});
