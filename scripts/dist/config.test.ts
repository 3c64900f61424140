/**
 * The packaging configuration and the release workflow, checked here because neither can run on
 * this machine: electron-builder.yml against electron-builder's own schema (shipped in the
 * installed app-builder-lib), .github/workflows/release.yml against SchemaStore's workflow schema
 * (vendored in test-support/schemas), plus what this project needs of each.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PACKAGED_DEMO, PACKAGED_MODELS } from '../../src-main/electron/resources';
import { preflight, TARGETS } from './dist';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);

function validator(schemaFile: string): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true });
  return ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as object);
}
const errorsOf = (v: ValidateFunction) => (v.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`).join('\n');
/** The few glob forms used in electron-builder.yml's file patterns: `{a,b}` alternatives and a trailing `**`. */
function globMatch(file: string, glob: string): boolean {
  const re = glob
    .split(/(\{[^}]*\}|\*\*)/)
    .map((part) => (part === '**' ? '.*' : part.startsWith('{') ? `(?:${part.slice(1, -1).split(',').join('|')})` : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${re}$`).test(file);
}
const yamlFile = (rel: string) => parse(fs.readFileSync(path.join(ROOT, rel), 'utf8')) as Record<string, unknown>;

interface BuilderConfig {
  appId: string;
  productName: string;
  asar: boolean;
  asarUnpack: string[];
  files: string[];
  afterPack: string;
  extraResources: { from: string; to: string; filter?: string[] }[];
  linux: { target: string[]; icon: string; files: string[] };
  mac: { target: { target: string; arch: string[] }[]; icon: string; files: string[] };
  win: { target: { target: string; arch: string[] }[]; icon: string; files: string[] };
}

describe('electron-builder.yml', () => {
  const schemaFile = path.join(path.dirname(require.resolve('app-builder-lib/package.json')), 'scheme.json');
  const validate = validator(schemaFile);
  const config = yamlFile('electron-builder.yml') as unknown as BuilderConfig;

  it("is valid against electron-builder's schema", () => {
    expect(validate(config), errorsOf(validate)).toBe(true);
  });

  it('the schema check catches a misspelt option (the check can fail)', () => {
    expect(validate({ ...config, asarUnpak: ['x'] })).toBe(false);
    expect(validate({ ...config, nsis: { oneClick: 'no' } })).toBe(false);
  });

  it('builds AppImage + deb, an Apple-silicon dmg and an NSIS installer, each for an architecture onnxruntime-node ships', () => {
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z0-9]+)+$/);
    expect(config.productName).toBe('Quality Curator');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual([{ target: 'dmg', arch: ['arm64'] }]);
    // Every Mac architecture built has an onnxruntime-node binary (1.30 ships none for darwin-x64).
    const ort = path.dirname(require.resolve('onnxruntime-node/package.json'));
    for (const arch of config.mac.target[0]!.arch) expect(fs.existsSync(path.join(ort, 'bin', 'napi-v6', 'darwin', arch, 'onnxruntime_binding.node')), arch).toBe(true);
    for (const arch of config.win.target[0]!.arch) expect(fs.existsSync(path.join(ort, 'bin', 'napi-v6', 'win32', arch, 'onnxruntime_binding.node')), arch).toBe(true);
    expect(config.win.target).toEqual([{ target: 'nsis', arch: ['x64'] }]);
    for (const icon of [config.linux.icon, config.mac.icon, config.win.icon]) expect(fs.existsSync(path.join(ROOT, icon)), icon).toBe(true);
  });

  it("each installer keeps only its own platform's onnxruntime-node binaries", () => {
    const kept = (os: 'linux' | 'mac' | 'win', dir: string) => !config[os].files.some((p) => globMatch(`node_modules/onnxruntime-node/bin/napi-v6/${dir}/onnxruntime_binding.node`, p.slice(1)));
    expect(['linux/x64', 'linux/arm64', 'darwin/arm64', 'win32/x64', 'win32/arm64'].filter((d) => kept('linux', d))).toEqual(['linux/x64']);
    expect(['linux/x64', 'darwin/arm64', 'win32/x64'].filter((d) => kept('mac', d))).toEqual(['darwin/arm64']);
    expect(['linux/x64', 'darwin/arm64', 'win32/x64', 'win32/arm64'].filter((d) => kept('win', d))).toEqual(['win32/x64']);
    // A platform list of exclusions alone makes electron-builder pack the whole project: each starts with the app's files.
    for (const os of ['linux', 'mac', 'win'] as const) expect(config[os].files.slice(0, 2)).toEqual(['out/**/*', '!out/**/*.map']);
  });

  it('packs into asar with every native module unpacked', () => {
    expect(config.asar).toBe(true);
    for (const mod of ['better-sqlite3', 'sharp', '@img', 'onnxruntime-node']) expect(config.asarUnpack).toContain(`node_modules/${mod}/**`);
    // Every package with a compiled .node file in this install is covered by an unpack pattern.
    for (const mod of ['better-sqlite3', 'onnxruntime-node']) {
      const dir = path.dirname(require.resolve(`${mod}/package.json`));
      const hasNode = (d: string): boolean => fs.readdirSync(d, { withFileTypes: true }).some((e) => (e.isDirectory() ? hasNode(path.join(d, e.name)) : e.name.endsWith('.node')));
      expect(hasNode(dir), `${mod} has a native addon`).toBe(true);
    }
  });

  it('ships the backbone and the demo library as extra resources where the app looks for them', () => {
    const byTo = new Map(config.extraResources.map((r) => [r.to, r]));
    expect(byTo.get(PACKAGED_MODELS)).toMatchObject({ from: 'resources/models', filter: expect.arrayContaining(['backbones.json', '*.onnx']) });
    expect(byTo.get(PACKAGED_DEMO)).toMatchObject({ from: 'resources/demo' });
    expect(fs.existsSync(path.join(ROOT, 'resources', 'demo', 'image_ratings.txt'))).toBe(true);
    // The app's code is out/ only; resources never go into app.asar.
    expect(config.files).toContain('out/**/*');
    expect(config.files.some((f) => f.startsWith('resources'))).toBe(false);
  });

  it('flips the fuses after packing, with the hook this repository tests', () => {
    expect(config.afterPack).toBe('./scripts/dist/after-pack.mjs');
    expect(fs.existsSync(path.join(ROOT, config.afterPack))).toBe(true);
  });
});

describe('.github/workflows/release.yml', () => {
  const validate = validator(path.join(ROOT, 'test-support', 'schemas', 'github-workflow.json'));
  const wf = yamlFile('.github/workflows/release.yml') as {
    jobs: Record<string, { 'runs-on': string; strategy?: { matrix: { include: { name: string; os: string }[] } }; steps: { name?: string; run?: string; uses?: string; if?: string; env?: Record<string, string> }[] }>;
  };

  it("is valid against SchemaStore's GitHub workflow schema", () => {
    expect(validate(wf), errorsOf(validate)).toBe(true);
  });

  it('the schema check catches a broken job (the check can fail)', () => {
    const broken = structuredClone(wf);
    delete (broken.jobs.build as Partial<(typeof wf.jobs)[string]>)['runs-on'];
    expect(validate(broken)).toBe(false);
    expect(validate({ ...wf, on: { pushh: null } })).toBe(false);
  });

  it('tests and builds installers on Linux, macOS and Windows, runs the Electron spec under xvfb and uploads the installers', () => {
    const build = wf.jobs.build!;
    expect(build.strategy!.matrix.include.map((m) => m.os.split('-')[0])).toEqual(['ubuntu', 'macos', 'windows']);
    const runs = build.steps.map((s) => s.run ?? '');
    const at = (re: RegExp) => runs.findIndex((r) => re.test(r));
    expect(at(/^npm ci\b/)).toBeGreaterThanOrEqual(0);
    expect(at(/^npm test$/)).toBeGreaterThan(at(/^npm ci\b/));
    const e2e = build.steps[at(/xvfb-run -a -s "-screen 0 1920x1080x24" npx playwright test -c e2e\/playwright\.config\.ts --project electron/)]!;
    expect(e2e.if).toBe("runner.os == 'Linux'");
    expect(e2e.run).toMatch(/install-app-deps[\s\S]*xvfb-run[\s\S]*npm rebuild better-sqlite3/);
    expect(e2e.env).toEqual({ QC_ELECTRON_E2E: 'require' });
    expect(at(/^npm run dist$/)).toBeGreaterThan(at(/^npm test$/));
    expect(build.steps.some((s) => s.uses?.startsWith('actions/upload-artifact@'))).toBe(true);
  });
});

describe('npm run dist', () => {
  it('says in one line why it cannot build where Electron is not installed', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-dist-'));
    try {
      const why = preflight(empty, {}, 'linux');
      expect(why).toMatch(/^npm run dist: cannot build installers here: .*not installed.*release\.yml/);
      expect(why).not.toContain('\n');
      expect(preflight(empty, {}, 'aix')).toMatch(/no installer targets for aix/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
    expect(Object.keys(TARGETS).sort()).toEqual(['darwin', 'linux', 'win32']);
  });

  it('fails fast here, or passes its preflight where Electron is installed', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'dist', 'dist.ts'), '--check'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    if (preflight() === null) expect(r.status).toBe(0);
    else {
      expect(r.status).toBe(1);
      expect(lines[0]).toBe(preflight());
    }
  });
});
