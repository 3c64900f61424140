/**
 * `npm run dist [-- electron-builder args]`: the installers for this OS, into dist/.
 *
 *   1. preflight: an Electron binary must be installable here (electron-builder downloads the
 *      same release zips); otherwise stop at once with one line saying why;
 *   2. npm run build (typecheck + electron-vite: out/main, out/preload, out/renderer);
 *   3. the ONNX backbone (scripts/convert-backbone.ts; cached, never committed) next to backbones.json;
 *   4. electron-builder install-app-deps: native modules (better-sqlite3) rebuilt for Electron's ABI;
 *   5. electron-builder with electron-builder.yml (afterPack flips the fuses);
 *   6. npm rebuild better-sqlite3, so the CLI and the tests run on plain Node again.
 *
 *   npm run dist -- --check     only the preflight (exit 0: can build here)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary, type ElectronBinary } from '../../src-main/core/doctor';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What electron-builder makes on each OS (electron-builder.yml), for the summary line. */
export const TARGETS: Record<string, string> = {
  linux: 'AppImage and .deb (x64)',
  darwin: '.dmg (Apple silicon, arm64)',
  win32: 'NSIS installer .exe (x64)',
};

/** null when installers can be built here, else the one line that says why not. */
export function preflight(root = ROOT, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | null {
  if (!TARGETS[platform]) return `npm run dist: no installer targets for ${platform} (electron-builder.yml builds for linux, darwin and win32)`;
  const electron: ElectronBinary = findElectronBinary(root, env);
  if (!electron.ok) {
    return `npm run dist: cannot build installers here: ${electron.why}. electron-builder needs the same download from github.com, so build them on a machine with internet access or let .github/workflows/release.yml build them`;
  }
  return null;
}

function run(cmd: string, args: string[]): number {
  const win = process.platform === 'win32';
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', shell: win && !cmd.endsWith('.exe') && cmd !== process.execPath });
  return r.status ?? 1;
}

function step(name: string, cmd: string, args: string[]): void {
  process.stderr.write(`[dist] ${name}\n`);
  if (run(cmd, args) !== 0) {
    process.stderr.write(`[dist] FAILED: ${name}\n`);
    process.exit(1);
  }
}

/** Every model file the manifest names must exist before packing (they become extraResources). */
function checkModels(): void {
  const dir = path.join(ROOT, 'resources', 'models');
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'backbones.json'), 'utf8')) as { backbones: { id: string; file: string }[] };
  const missing = manifest.backbones.filter((b) => !fs.existsSync(path.join(dir, b.file)));
  if (missing.length) {
    process.stderr.write(`[dist] FAILED: model files missing: ${missing.map((b) => `${b.id} (${b.file})`).join(', ')}\n`);
    process.exit(1);
  }
}

function main(argv: string[]): void {
  const why = preflight();
  if (why) {
    process.stderr.write(`${why}\n`);
    process.exit(1);
  }
  if (argv.includes('--check')) {
    process.stderr.write(`[dist] ok: Electron is installed; npm run dist builds ${TARGETS[process.platform]} into dist/\n`);
    return;
  }
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const node = process.execPath;
  const builder = path.join(ROOT, 'node_modules', 'electron-builder', 'cli.js');
  step('build (typecheck + electron-vite)', npm, ['run', '--silent', 'build']);
  step('ONNX backbones (float32, then its int8 copy)', node, ['--import', 'tsx', path.join(ROOT, 'scripts', 'convert-backbone.ts')]);
  checkModels();
  let status: number;
  let failed = 'electron-builder';
  try {
    process.stderr.write('[dist] native modules for Electron (install-app-deps)\n');
    status = run(node, [builder, 'install-app-deps']);
    if (status !== 0) failed = 'install-app-deps';
    else {
      process.stderr.write(`[dist] installers: ${TARGETS[process.platform]}\n`);
      status = run(node, [builder, '--config', 'electron-builder.yml', '--publish', 'never', ...argv]);
    }
  } finally {
    process.stderr.write('[dist] better-sqlite3 back to the Node ABI (npm rebuild better-sqlite3)\n');
    run(npm, ['rebuild', 'better-sqlite3']);
  }
  if (status !== 0) {
    process.stderr.write(`[dist] FAILED: ${failed}\n`);
    process.exit(status);
  }
  const out = path.join(ROOT, 'dist');
  const made = fs.existsSync(out) ? fs.readdirSync(out).filter((f) => /\.(AppImage|deb|dmg|exe)$/.test(f)) : [];
  process.stderr.write(`[dist] done: ${made.map((f) => path.join('dist', f)).join(', ') || 'no installer found in dist/'}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
