#!/usr/bin/env node
// `npm start` and `npm test` on a fresh clone: install what is missing (with the fallbacks this
// project needs where binaries cannot be downloaded), then run. Plain Node, no dependencies.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mode = process.argv[2] ?? 'test';
const rest = process.argv.slice(3);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const say = (line) => process.stderr.write(`[qc] ${line}\n`);

function run(cmd, args, opts = {}) {
  // Node refuses to spawn a .cmd (npm.cmd on Windows) without a shell (CVE-2024-27980).
  const shell = process.platform === 'win32' && cmd.endsWith('.cmd');
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell, ...opts, env: { ...process.env, ...opts.env } });
  return r.status ?? 1;
}

function mtime(p) {
  try {
    return fs.statSync(path.join(root, p)).mtimeMs;
  } catch {
    return -1;
  }
}

/** Install when node_modules is missing or older than the lock file. */
function ensureInstalled() {
  const installed = mtime('node_modules/.package-lock.json');
  if (installed >= 0 && installed >= mtime('package-lock.json')) return;
  say('installing dependencies (first run; better-sqlite3 compiles from source if no prebuilt binary fits, ~2 min)');
  // Binaries that cannot be had everywhere are skipped at install and fetched best-effort below.
  const env = { ELECTRON_SKIP_BINARY_DOWNLOAD: '1', ONNXRUNTIME_NODE_INSTALL: 'skip', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' };
  const useCi = fs.existsSync(path.join(root, 'package-lock.json'));
  if (run(npm, [useCi ? 'ci' : 'install', '--no-audit', '--no-fund'], { env }) !== 0) {
    say('npm install failed; see the output above');
    process.exit(1);
  }
  if (!process.env.CI) fetchElectronBinary();
  say('onnxruntime CUDA add-on skipped (CPU, and WebGPU/DirectML/CoreML where present, still work); with CUDA 12 run: npm rebuild onnxruntime-node');
}

/** Electron's binary comes from a download that fails on machines without internet access. */
function fetchElectronBinary() {
  const installer = path.join(root, 'node_modules', 'electron', 'install.js');
  if (!fs.existsSync(installer)) return;
  const r = spawnSync(process.execPath, [installer], { cwd: path.dirname(installer), stdio: 'ignore', timeout: 180_000, env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '' } });
  if (r.status !== 0) say('Electron binary could not be downloaded here: npm start will use browser mode (qc serve)');
}

/** The Electron executable when its binary was downloaded, else null. */
function electronBinary() {
  const dir = path.join(root, 'node_modules', 'electron');
  try {
    const rel = fs.readFileSync(path.join(dir, 'path.txt'), 'utf8').trim();
    const exe = path.join(dir, 'dist', rel);
    return fs.existsSync(exe) ? exe : null;
  } catch {
    return null;
  }
}

/** Newest modification time of any file under `dir` (recursively), or -1. */
function newest(dir) {
  let t = -1;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else t = Math.max(t, fs.statSync(p).mtimeMs);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return t;
}

/** `electron-vite build` unless out/ is newer than every source file. */
function ensureBuilt() {
  const built = mtime('out/renderer/index.html');
  const sources = Math.max(...['src-main', 'src-renderer', 'src-shared'].map((d) => newest(path.join(root, d))), mtime('electron.vite.config.ts'));
  if (built >= 0 && built >= sources && mtime('out/main/main.js') >= 0) return;
  say('building the app (electron-vite build)');
  if (run(npm, ['run', '--silent', 'build:app']) !== 0) {
    say('the build failed; see the output above');
    process.exit(1);
  }
}

ensureInstalled();

if (mode === 'test') {
  // The README's test command: types, lint (with the layering rules), unit + integration tests, CLI contract.
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const VITEST_JSON = path.join(root, 'test-results', 'vitest.json');
  const E2E_JSON = path.join(root, 'test-results', 'e2e.json');
  for (const f of [VITEST_JSON, E2E_JSON]) fs.rmSync(f, { force: true });
  const steps = [
    ['typecheck', npm, ['run', '--silent', 'typecheck']],
    ['lint', npm, ['run', '--silent', 'lint']],
    ['unit and integration tests', npm, ['run', '--silent', 'test:unit', '--', '--reporter=default', '--reporter=json', `--outputFile.json=${VITEST_JSON}`, ...rest]],
    ['build (electron-vite: main, ML worker, preload, renderer)', npm, ['run', '--silent', 'build:app']],
    ['end-to-end in Chromium (browser mode; Electron where its binary exists)', npm, ['run', '--silent', 'test:e2e', '--', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: E2E_JSON }],
    ['qc command-line contract (shared/checks)', 'bash', [path.join(root, '..', 'shared', 'checks', 'cli-contract.sh'), 'all']],
  ];
  let failed = 0;
  for (const [name, cmd, args, env] of steps) {
    if (name.startsWith('qc command-line') && !fs.existsSync(args[0])) {
      say(`skipping ${name}: ${args[0]} not found`);
      continue;
    }
    if (name.startsWith('end-to-end') && !fs.existsSync(chromium)) {
      say(`skipping ${name}: no Chromium at ${chromium} (apt-get install chromium, or set CHROMIUM_PATH)`);
      continue;
    }
    say(`── ${name}`);
    if (run(cmd, args, { env: env ?? {} }) !== 0) {
      say(`FAILED: ${name}`);
      failed++;
    }
  }
  say(failed ? `${failed} step(s) failed` : 'all steps passed');
  // One plain closing line over the unit, integration and e2e tests.
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const read = (f) => (fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : null);
  const v = read(VITEST_JSON);
  if (v) {
    counts.passed += v.numPassedTests;
    counts.failed += v.numFailedTests;
    counts.skipped += v.numPendingTests + v.numTodoTests;
  }
  const e = read(E2E_JSON)?.stats;
  if (e) {
    counts.passed += e.expected + e.flaky;
    counts.failed += e.unexpected;
    counts.skipped += e.skipped;
  }
  if (v || e) console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  process.exit(failed ? 1 : 0);
} else if (mode === 'start') {
  // The app: build when the sources are newer than the build, then Electron, or browser mode without it.
  ensureBuilt();
  const electron = electronBinary();
  if (electron) process.exit(run(electron, ['.', ...rest]));
  say('no Electron binary here (it could not be downloaded): starting browser mode instead');
  process.exit(run(npm, ['run', '--silent', 'qc', '--', 'serve', ...rest]));
} else {
  say(`unknown mode ${mode}`);
  process.exit(2);
}
