/**
 * electron-vite: main (+ the ML worker), preload and renderer, all under out/.
 *
 * - out/main/main.js and out/main/mlWorker.js, side by side: src-main/core/ml/worker/client.ts
 *   starts `new URL('./mlWorker.js', import.meta.url)` relative to the bundle that contains it,
 *   so it must be bundled into main.js (checked at build time below). Shared code goes to chunks/.
 * - out/preload/preload.cjs: CommonJS, because sandboxed preloads cannot be ES modules.
 * - out/renderer: the React app from src-renderer (relative base, served from app://renderer/ and by `qc serve`).
 *
 * Native and heavy packages stay external (loaded from node_modules at run time): every
 * `dependency` is externalized by electron-vite, and these are named explicitly too.
 */
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';

const root = import.meta.dirname;
/**
 * Rolldown's timing check warns (`[PLUGIN_TIMINGS] JavaScript callbacks ran for 2.4s …`) whenever
 * plugins take a noticeable share of a build, which on a busy machine is every first `npm start`:
 * noise for the person starting the app, not something they can act on.
 */
const CHECKS = { bundlerTimings: false };
const NATIVE = [/^better-sqlite3(\/|$)/, /^sharp(\/|$)/, /^onnxruntime-node(\/|$)/, /^@tensorflow\//, /^tsx(\/|$)/];

/** Fail the build if the code that starts `./mlWorker.js` does not sit next to mlWorker.js. */
function workerNextToEngine(): Plugin {
  return {
    name: 'qc:ml-worker-next-to-engine',
    generateBundle(_options, bundle) {
      const worker = Object.values(bundle).find((c) => c.type === 'chunk' && c.isEntry && c.name === 'mlWorker');
      if (!worker) return this.error('the ML worker entry (mlWorker) is missing from the main build');
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk' || !chunk.code.includes('./mlWorker.js')) continue;
        if (path.posix.dirname(chunk.fileName) !== path.posix.dirname(worker.fileName)) {
          this.error(`${chunk.fileName} starts ./mlWorker.js but the worker is at ${worker.fileName}`);
        }
      }
    },
  };
}

export default defineConfig({
  main: {
    build: {
      outDir: path.join(root, 'out/main'),
      sourcemap: true,
      externalizeDeps: true,
      rolldownOptions: {
        checks: CHECKS,
        input: {
          main: path.join(root, 'src-main/electron/main.ts'),
          mlWorker: path.join(root, 'src-main/core/ml/worker/entry.ts'),
          // The ML worker's image-preparation pool (worker/prepPool.ts looks for ./prepWorker.js; without it, it prepares in-thread).
          prepWorker: path.join(root, 'src-main/core/ml/worker/prepEntry.ts'),
        },
        external: NATIVE,
        output: {
          format: 'es',
          entryFileNames: '[name].js',
          chunkFileNames: 'chunks/[name]-[hash].js',
        },
      },
    },
    plugins: [workerNextToEngine()],
  },
  preload: {
    build: {
      outDir: path.join(root, 'out/preload'),
      sourcemap: true,
      rolldownOptions: {
        checks: CHECKS,
        input: { preload: path.join(root, 'src-main/electron/preload.ts') },
        output: {
          format: 'cjs',
          entryFileNames: '[name].cjs',
          // One self-contained file: a sandboxed preload can require only `electron` and a few Node polyfills.
          codeSplitting: false,
        },
      },
    },
  },
  renderer: {
    root: path.join(root, 'src-renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: path.join(root, 'out/renderer'),
      emptyOutDir: true,
      sourcemap: true,
      // electron-vite leaves its bundles unminified; the page parses this one at every start (in the
      // app and in `qc serve`'s browser), so it is minified (the source map keeps it debuggable).
      minify: true,
      rolldownOptions: {
        checks: CHECKS,
        input: path.join(root, 'src-renderer/index.html'),
      },
    },
  },
});
