#!/usr/bin/env node
// The prebuilt `qc` command line: src-main/cli/main.ts and the two worker entries it starts, each
// bundled by esbuild into one ES module under out/cli/ (native addons stay in node_modules). Node
// then starts `qc` without compiling TypeScript at every run (tsx: ~2 s of a 2.5 s `qc status`).
//
//   node scripts/build-cli.mjs          # build (npm run build:cli)
//   import { ensureCli } from './build-cli.mjs'   // build only when a source is newer (scripts/qc.mjs)
//
// The bundles sit two folders below the repository like out/main/*.js, so the paths the sources
// derive from import.meta.url (resources/, out/renderer/) resolve the same; the workers sit next to
// the CLI bundle, where worker/client.ts and prepPool.ts look for them. Each file is written to a
// temporary name and renamed into place, so a `qc` starting meanwhile never loads half a file.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_DIR = path.join(root, 'out', 'cli');
export const CLI_ENTRY = path.join(CLI_DIR, 'qc.js');
const ENTRIES = {
  qc: 'src-main/cli/main.ts',
  mlWorker: 'src-main/core/ml/worker/entry.ts',
  prepWorker: 'src-main/core/ml/worker/prepEntry.ts',
};
/** Dependencies left out of the bundles: native addons, and what loads files of its own at run time. */
const EXTERNAL = ['better-sqlite3', 'sharp', 'onnxruntime-node', 'onnxruntime-web', '@tensorflow/*', 'electron'];
/** What the bundles are made of: a change to any file here makes them stale (the lock file: the bundled dependencies). */
const SOURCES = ['src-main', 'src-shared', 'package-lock.json'];

/** Newest modification time (ms) of any file under the source folders, and of the lock file. */
export function newestSource() {
  let t = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else t = Math.max(t, fs.statSync(p).mtimeMs);
    }
  };
  for (const d of SOURCES) {
    const p = path.join(root, d);
    if (fs.statSync(p).isDirectory()) walk(p);
    else t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

const mtime = (f) => {
  try {
    return fs.statSync(f).mtimeMs;
  } catch {
    return -1;
  }
};

/** Whether every bundle exists in `dir` and none is older than the newest source. */
export function isFresh(newest = newestSource(), dir = CLI_DIR) {
  // Within a millisecond: file systems round the stamped time.
  return Object.keys(ENTRIES).every((name) => mtime(path.join(dir, `${name}.js`)) + 1 >= newest);
}

/**
 * Bundle the CLI and its workers into `dir` (default out/cli/; another folder must also sit two
 * below the repository). Returns the files written.
 */
export async function buildCli(dir = CLI_DIR) {
  const newest = newestSource();
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, path.join(root, file)])),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Native addons and TensorFlow.js (loaded only when asked for, with files of their own) stay in
    // node_modules; the plain-JavaScript dependencies (zod, commander, p-limit, ws) are bundled in:
    // loading zod's ~100 ES modules one by one cost more than the rest of a `qc status` start
    // (0.52 → 0.34 CPU-s a start, measured on 2 cores).
    external: EXTERNAL,
    // Bundled CommonJS code calls require(): the bundle, an ES module, defines it.
    banner: { js: "import { createRequire as __qcCreateRequire } from 'node:module';\nconst require = __qcCreateRequire(import.meta.url);" },
    outdir: dir,
    entryNames: '[name]',
    write: false,
    logLevel: 'error',
  });
  fs.mkdirSync(dir, { recursive: true });
  const written = [];
  for (const f of result.outputFiles) {
    const tmp = `${f.path}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, f.contents);
    // Stamped with the sources' time: a source saved during the build leaves it stale.
    fs.utimesSync(tmp, Date.now() / 1000, newest / 1000);
    fs.renameSync(tmp, f.path);
    written.push(f.path);
  }
  return written;
}

/** Build when stale; true when fresh bundles are there afterwards. */
export async function ensureCli() {
  if (isFresh()) return true;
  await buildCli();
  return isFresh();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t = performance.now();
  buildCli().then(
    (files) => console.log(`built ${files.map((f) => path.relative(root, f)).join(', ')} in ${((performance.now() - t) / 1000).toFixed(1)} s`),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
