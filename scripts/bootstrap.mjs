#!/usr/bin/env node
// `npm start` and `npm test` on a fresh clone: install what is missing (with the fallbacks this
// project needs where binaries cannot be downloaded), then run. Plain Node, no dependencies.
import { spawn, spawnSync } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
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

/**
 * Several checks at once (each alone uses about one core): each one's output is held and printed,
 * when it ends, so outputs never interleave, and `log` says whether it passed, under its name.
 * Resolves with the names that failed.
 */
export function runTogether(jobs, cwd = root, log = say) {
  return Promise.all(
    jobs.map(
      ([name, args]) =>
        new Promise((resolve) => {
          const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
          const out = [];
          child.stdout.on('data', (b) => out.push(b));
          child.stderr.on('data', (b) => out.push(b));
          child.on('error', (e) => out.push(Buffer.from(`${e.message}\n`)));
          child.on('close', (code) => {
            const text = Buffer.concat(out).toString();
            if (text.trim()) process.stdout.write(`${text.endsWith('\n') ? text : `${text}\n`}`);
            log(`${code === 0 ? 'ok' : 'FAILED'}: ${name}`);
            resolve(code === 0 ? null : name);
          });
        }),
    ),
  ).then((failed) => failed.filter(Boolean));
}

/**
 * The type checks and the lint as jobs for {@link runTogether}: each project `npm run typecheck`
 * checks (read from package.json, so the two never differ) and `eslint .`. Side by side they take
 * ~40 s on 2 cores where one after the other took ~55–60 s (each is about one core's work).
 */
export function staticChecks(dir = root) {
  const typecheck = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).scripts.typecheck;
  const projects = typecheck.split('&&').map((part) => {
    const m = /^\s*tsc -p (\S+) --noEmit\s*$/.exec(part);
    if (!m) throw new Error(`package.json's typecheck script: expected "tsc -p PROJECT --noEmit" && …, got "${part.trim()}"`);
    return m[1];
  });
  return [
    ...projects.map((project) => [`types: ${project}`, [path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project, '--noEmit']]),
    ['lint', [path.join(dir, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.']],
  ];
}

function mtime(p) {
  try {
    return fs.statSync(path.join(root, p)).mtimeMs;
  } catch {
    return -1;
  }
}

/** Written into node_modules after an install: the sha256 of the package-lock.json it installed. */
export const LOCK_HASH_FILE = '.qc-lock-hash';

/** The sha256 (hex) of `dir`/package-lock.json, or null when there is none. */
export function lockHash(dir = root) {
  try {
    return createHash('sha256').update(fs.readFileSync(path.join(dir, 'package-lock.json'))).digest('hex');
  } catch {
    return null;
  }
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** JSON with every object's keys sorted: two entries that say the same compare equal whatever their key order. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  return JSON.stringify(value);
}

/**
 * Why the packages npm recorded as installed (node_modules/.package-lock.json, npm's hidden lock
 * file) are not those package-lock.json names, or null when they are: every installed entry the
 * same as the lock file's, and every entry of the lock file installed but the optional ones (the
 * other platforms' binaries npm skips) and the root project ("").
 */
function packagesDiffer(lock, hidden) {
  const want = lock?.packages;
  const have = hidden?.packages;
  if (!want || typeof want !== 'object') return 'package-lock.json cannot be read';
  if (!have || typeof have !== 'object') return 'node_modules/.package-lock.json cannot be read';
  for (const [key, entry] of Object.entries(have)) {
    if (!Object.hasOwn(want, key)) return `${key} is installed but package-lock.json does not name it`;
    if (canonical(entry) !== canonical(want[key])) return `${key} is not the one package-lock.json names`;
  }
  for (const [key, entry] of Object.entries(want)) {
    if (key !== '' && !entry?.optional && !Object.hasOwn(have, key)) return `${key} is not installed`;
  }
  return null;
}

/**
 * Why `npm start` or `npm test` must install first in the checkout `dir`, or null when its
 * node_modules holds what package-lock.json names. Never by modification times: a fresh clone's
 * package-lock.json carries the time of the checkout, newer than a node_modules copied, restored
 * from a cache or reached through a link. Installed means: the sha256 of package-lock.json that the
 * last install here wrote ({@link LOCK_HASH_FILE}) is today's, or, without that stamp or with one
 * of another lock file (node_modules from elsewhere, `npm install X` run by hand), npm's own record
 * of what it installed matches package-lock.json's packages. Without a package-lock.json, any
 * node_modules npm installed is taken as installed.
 */
export function installNeeded(dir = root) {
  const hidden = path.join(dir, 'node_modules', '.package-lock.json');
  if (!fs.existsSync(hidden)) return 'node_modules is missing, or npm did not install it';
  const hash = lockHash(dir);
  if (hash === null) return null;
  let stamp = null;
  try {
    stamp = fs.readFileSync(path.join(dir, 'node_modules', LOCK_HASH_FILE), 'utf8').trim();
  } catch {
    // not installed by this script (or before it stamped installs): npm's record decides
  }
  if (stamp === hash) return null;
  return packagesDiffer(readJson(path.join(dir, 'package-lock.json')), readJson(hidden));
}

/** After an install: stamp node_modules with the hash of the lock file it installed (best-effort). */
export function writeLockHash(dir = root) {
  const hash = lockHash(dir);
  if (hash === null) return;
  try {
    fs.writeFileSync(path.join(dir, 'node_modules', LOCK_HASH_FILE), `${hash}\n`);
  } catch (e) {
    say(`could not write node_modules/${LOCK_HASH_FILE} (${e.message}); the next start compares the installed packages instead`);
  }
}

/** Install when node_modules does not hold what package-lock.json names ({@link installNeeded}). */
function ensureInstalled() {
  const why = installNeeded();
  if (why === null) return;
  say(`installing dependencies (${why}; better-sqlite3 compiles from source if no prebuilt binary fits, ~2 min)`);
  // Binaries that cannot be had everywhere are skipped at install and fetched best-effort below.
  const env = { ELECTRON_SKIP_BINARY_DOWNLOAD: '1', ONNXRUNTIME_NODE_INSTALL: 'skip', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' };
  const useCi = fs.existsSync(path.join(root, 'package-lock.json'));
  if (run(npm, [useCi ? 'ci' : 'install', '--no-audit', '--no-fund'], { env }) !== 0) {
    say('npm install failed; see the output above');
    process.exit(1);
  }
  writeLockHash();
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

/** Whether this file is the program node runs (not imported, as its test does), links resolved. */
function isMain() {
  if (!process.argv[1]) return false;
  try {
    return fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
  }
}

if (isMain()) await main();

async function main() {
  ensureInstalled();

  if (mode === 'test') {
    // The README's test command: types, lint (with the layering rules), unit + integration tests, CLI contract.
    const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    const VITEST_JSON = path.join(root, 'test-results', 'vitest.json');
    const E2E_JSON = path.join(root, 'test-results', 'e2e.json');
    for (const f of [VITEST_JSON, E2E_JSON]) fs.rmSync(f, { force: true });
    const steps = [
      ['typecheck and lint', staticChecks()],
      ['unit and integration tests', npm, ['run', '--silent', 'test:unit', '--', '--reporter=default', '--reporter=json', `--outputFile.json=${VITEST_JSON}`, ...rest]],
      ['build (electron-vite: main, ML worker, preload, renderer)', npm, ['run', '--silent', 'build:app']],
      ['end-to-end in Chromium (browser mode; Electron where its binary exists)', npm, ['run', '--silent', 'test:e2e', '--', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: E2E_JSON }],
      ['qc command-line contract (shared/checks)', 'bash', [path.join(root, '..', 'shared', 'checks', 'cli-contract.sh'), 'all']],
    ];
    let failed = 0;
    const took = [];
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
      const started = Date.now();
      const ok = Array.isArray(cmd) ? (await runTogether(cmd)).length === 0 : run(cmd, args, { env: env ?? {} }) === 0;
      const seconds = Math.round((Date.now() - started) / 1000);
      took.push(`${name.replace(/ \(.*$/, '')} ${seconds} s`);
      say(`${ok ? 'done' : 'FAILED'}: ${name} (${seconds} s)`);
      if (!ok) failed++;
    }
    // Each step's time, so a suite that grows slower shows where (the suite should stay well under 15 minutes).
    say(`times: ${took.join(' · ')}`);
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
}
