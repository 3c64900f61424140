/**
 * The layering rules of ARCHITECTURE.md are enforced by ESLint (eslint.config.js). This checks that
 * the rules really catch a wrong import in each layer, and allow the right ones.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const eslint = new ESLint({ cwd: root });

const LAYER_RULES = [
  'no-restricted-imports',
  'no-restricted-syntax',
  'no-restricted-globals',
  'layers/only-imports',
  'layers/no-computed-import',
  'layers/no-create-require',
  'layers/no-dev-dependencies',
];

/** The layer rules' reports on `code` linted as if it were `file`: rule id and message. */
async function reports(file: string, code: string): Promise<{ ruleId: string; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  const messages = result?.messages ?? [];
  const fatal = messages.find((m) => m.fatal);
  if (fatal) throw new Error(`${file}: ${fatal.message}`);
  return messages.filter((m) => LAYER_RULES.includes(m.ruleId ?? '')).map((m) => ({ ruleId: m.ruleId ?? '', message: m.message }));
}

async function restricted(file: string, code: string): Promise<string[]> {
  return (await reports(file, code)).map((m) => m.message);
}

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;

describe('layering rules', () => {
  it.each([
    ['src-shared/domain/x.ts', "import fs from 'node:fs'; export const a = fs;"],
    ['src-shared/domain/x.ts', "import fs from 'fs'; export const a = fs;"],
    ['src-shared/domain/x.ts', "import { createCore } from '../../src-main/core/app'; export const a = createCore;"],
    ['src-shared/domain/x.ts', "import React from 'react'; export const a = React;"],
    ['src-main/core/library/x.ts', "import { app } from 'electron'; export const a = app;"],
    ['src-main/core/library/x.ts', "import { buildProgram } from '../../cli/main'; export const a = buildProgram;"],
    ['src-main/cli/x.ts', "import { app } from 'electron'; export const a = app;"],
    ['src-main/server/x.ts', "import { buildProgram } from '../cli/main'; export const a = buildProgram;"],
    ['src-main/electron/x.ts', "import { x } from '../server/http'; export const a = x;"],
    ['src-renderer/x.ts', "import { createCore } from '../src-main/core/app'; export const a = createCore;"],
    ['src-renderer/x.ts', "import path from 'node:path'; export const a = path;"],
    // production code never reaches into test helpers or scripts, statically or dynamically
    ['src-main/core/ml/x.ts', "import { tempDir } from '../../../test-support/fixtures'; export const a = tempDir;"],
    ['src-main/core/ml/backbone/x.ts', "import { main } from '../../../../scripts/convert-backbone'; export const a = main;"],
    ['src-main/core/ml/backbone/x.ts', "export const load = () => import('../../../../scripts/convert-backbone');"],
    ['src-main/core/ml/x.ts', "export const load = () => import('../../../test-support/synthetic');"],
    ['src-main/core/ml/x.ts', "export type Fixtures = typeof import('../../../test-support/fixtures');"],
    ['src-renderer/stores/x.ts', "export type Bench = typeof import('../../scripts/bench/fixtures');"],
    ['src-main/cli/x.ts', "export { makeSynthetic } from '../../test-support/synthetic';"],
    ['src-renderer/stores/x.ts', "import { seed } from '../../test-support/renderer'; export const a = seed;"],
    ['src-shared/domain/x.ts', "export const load = () => import('../../test-support/fixtures');"],
    // subpaths of banned packages
    ['src-shared/domain/x.ts', "import { ipcRenderer } from 'electron/renderer'; export const a = ipcRenderer;"],
    ['src-shared/domain/x.ts', "import { jsx } from 'react/jsx-runtime'; export const a = jsx;"],
    ['src-shared/domain/x.ts', "import { createRoot } from 'react-dom/client'; export const a = createRoot;"],
    ['src-shared/domain/x.ts', "import { create } from 'zustand/vanilla'; export const a = create;"],
    ['src-renderer/x.ts', "import Database from 'better-sqlite3/lib/database'; export const a = Database;"],
    ['src-renderer/x.ts', "import { ipcRenderer } from 'electron/renderer'; export const a = ipcRenderer;"],
    ['src-main/core/library/x.ts', "import { ipcMain } from 'electron/main'; export const a = ipcMain;"],
    ['src-main/core/library/x.ts', "import { jsx } from 'react/jsx-runtime'; export const a = jsx;"],
    // Node-only packages in the pure and the page layers
    ['src-shared/domain/x.ts', "import ort from 'onnxruntime-node'; export const a = ort;"],
    ['src-shared/domain/x.ts', "import { WebSocketServer } from 'ws'; export const a = WebSocketServer;"],
    ['src-renderer/x.ts', "import ort from 'onnxruntime-node'; export const a = ort;"],
    ['src-renderer/x.ts', "import { WebSocketServer } from 'ws'; export const a = WebSocketServer;"],
    ['src-renderer/x.ts', "import { Command } from 'commander'; export const a = Command;"],
    ['src-renderer/x.ts', "import cliProgress from 'cli-progress'; export const a = cliProgress;"],
    ['src-renderer/x.ts', "import * as tf from '@tensorflow/tfjs-node'; export const a = tf;"],
    ['src-renderer/x.ts', "import * as c from '@tensorflow/tfjs-converter'; export const a = c;"],
    // dynamic import() of banned modules (and require of them)
    ['src-main/core/library/x.ts', "export const load = () => import('electron');"],
    ['src-main/core/library/x.ts', "export const load = () => import('../../server/server');"],
    ['src-main/core/library/x.ts', "export type A = typeof import('../../cli/main');"],
    ['src-main/cli/x.ts', "export const load = () => import('electron');"],
    ['src-main/server/x.ts', "export const load = () => import('electron');"],
    ['src-main/server/x.ts', "export const load = () => import('../cli/commands');"],
    ['src-main/electron/x.ts', "export const load = () => import('../server/server');"],
    ['src-renderer/x.ts', "export const load = () => import('node:fs');"],
    ['src-renderer/x.ts', "export const load = () => import('../src-main/core/app');"],
    ['src-renderer/x.ts', "export const load = () => import('better-sqlite3');"],
    ['src-shared/domain/x.ts', "export const load = () => import('node:fs');"],
    ['src-shared/domain/x.ts', "export const load = () => import('ws');"],
    ['src-shared/domain/x.ts', "const m = 'fs'; export const load = () => import(m);"],
    // src-shared is an allow-list: relative imports that stay inside it, and zod
    ['src-shared/domain/x.ts', "import { app } from '../../src-main/electron/main'; export const a = app;"],
    ['src-shared/domain/x.ts', "import pkg from '../../package.json'; export const a = pkg;"],
    ['src-shared/domain/x.ts', "import { test } from '@playwright/test'; export const a = test;"],
    ['src-shared/domain/x.ts', "import pLimit from 'p-limit'; export const a = pLimit;"],
    ['src-shared/domain/x.ts', "export type A = typeof import('node:fs');"],
    ['src-shared/contract/x.ts', "export * from 'electron';"],
    // ...and its production code touches no Node or DOM global
    ['src-shared/domain/x.ts', 'export const a = process.env.HOME;'],
    ['src-shared/domain/x.ts', "export const a = Buffer.from('x');"],
    ['src-shared/domain/x.ts', 'export const a = document.title;'],
    ['src-shared/domain/x.ts', 'export const a = window.location;'],
    ['src-shared/domain/x.ts', 'export const a = __dirname;'],
    ['src-shared/domain/x.ts', "export const a = require('x');"],
    ['src-shared/domain/x.ts', 'export const a = globalThis;'],
    // production code of src-main and src-renderer: no import() of a computed path...
    ['src-main/core/library/x.ts', "const m = 'electron'; export const load = () => import(m);"],
    ['src-main/core/library/x.ts', "const m = 'x'; export const load = () => import(`./${m}`);"],
    ['src-main/cli/x.ts', 'export const load = (m: string) => import(m);'],
    ['src-main/server/x.ts', 'export const load = (m: string) => import(m);'],
    ['src-main/electron/x.ts', 'export const load = (m: string) => import(m);'],
    ['src-renderer/x.ts', 'export const load = (m: string) => import(m);'],
    ['src-main/core/ml/worker/x.mjs', 'export const load = (m) => import(m);'],
    // ...beyond the ones allowed by name (the same file's other computed import() is refused)
    ['src-main/core/ml/train/backend.ts', "const other = '@tensorflow/tfjs-node'; export const load = () => import(other);"],
    ['src-main/core/ml/worker/tsBoot.mjs', "import { workerData } from 'node:worker_threads'; await import(workerData.other);"],
    // ...no createRequire, nor global require, outside the files that need them
    ['src-main/core/library/x.ts', "import { createRequire } from 'node:module'; export const a = createRequire(import.meta.url)('./x');"],
    ['src-main/core/library/x.ts', "import { createRequire as cr } from 'module'; export const a = cr(import.meta.url);"],
    ['src-main/core/library/x.ts', "import * as m from 'node:module'; export const a = m.createRequire(import.meta.url);"],
    ['src-main/core/library/x.ts', "import m from 'node:module'; export const a = m['createRequire'](import.meta.url);"],
    ['src-main/core/library/x.ts', "const { createRequire } = await import('node:module'); export const a = createRequire(import.meta.url);"],
    ['src-main/core/library/x.ts', "export { createRequire } from 'node:module';"],
    ['src-main/core/library/x.ts', "export const a = require('./x');"],
    ['src-main/server/x.ts', "import { createRequire } from 'node:module'; export const a = createRequire(import.meta.url);"],
    // ...and where createRequire is allowed, still no test-support/ or scripts/ through it
    ['src-main/core/deferred.ts', "import { createRequire } from 'node:module'; export const a = createRequire(import.meta.url)('../../test-support/fixtures');"],
    ['src-main/core/deferred.ts', "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); export const a = require('../../scripts/qc.mjs');"],
    // ...no devDependency (not in the packaged app), nor its subpaths, however loaded
    ['src-main/core/library/x.ts', "import { it } from 'vitest'; export const a = it;"],
    ['src-main/core/library/x.ts', "import { defineConfig } from 'vitest/config'; export const a = defineConfig;"],
    ['src-main/core/library/x.ts', "import { type Mock, vi } from 'vitest'; export const a: Mock = vi.fn();"],
    ['src-main/core/library/x.ts', "export * from 'vitest';"],
    ['src-main/core/library/x.ts', "export { vi } from 'vitest';"],
    ['src-main/core/library/x.ts', "import fc = require('fast-check'); export const a = fc;"],
    ['src-main/core/deferred.ts', "import { createRequire } from 'node:module'; export const a = createRequire(import.meta.url)('yaml');"],
    ['src-main/cli/x.ts', "import YAML from 'yaml'; export const a = YAML;"],
    ['src-main/server/x.ts', "export const load = () => import('ajv');"],
    ['src-main/electron/x.ts', "import { flipFuses } from '@electron/fuses'; export const a = flipFuses;"],
    ['src-renderer/x.tsx', "import { render } from '@testing-library/react'; export const a = render;"],
    ['src-renderer/x.ts', "export const load = () => import('@testing-library/user-event');"],
    // electron is refused once, by its layer rule, where it is a devDependency too
    ['src-main/core/library/x.ts', "import { app } from 'electron'; export const a = app;"],
    ['src-renderer/x.ts', "import { ipcRenderer } from 'electron'; export const a = ipcRenderer;"],
  ])('%s: %s is refused', async (file, code) => {
    expect(await restricted(file, code)).toHaveLength(1);
  });

  it.each([
    ['src-shared/contract/x.ts', "import type { Label } from '../domain/label'; export type A = Label;"],
    ['src-main/core/library/x.ts', "import fs from 'node:fs'; import { QcError } from '../../../src-shared/contract/errors'; export const a = [fs, QcError];"],
    ['src-main/cli/x.ts', "import { createCore } from '../core/app'; export const a = createCore;"],
    ['src-main/electron/x.ts', "import { app } from 'electron'; import { createCore } from '../core/app'; export const a = [app, createCore];"],
    ['src-renderer/x.ts', "import type { Api } from '../src-shared/contract/handlers'; export type A = Api;"],
    // tests may use the test helpers; production code may lazy-load its own modules
    ['src-main/core/ml/x.test.ts', "import { tempDir } from '../../../test-support/fixtures'; export const a = tempDir;"],
    ['src-renderer/stores/x.test.ts', "import { seed } from '../../test-support/renderer'; export const a = seed;"],
    ['src-main/core/ml/backbone/x.ts', "export const load = () => import('./convert');"],
    // what the layers use today
    ['src-shared/contract/x.ts', "import { z } from 'zod'; import { deriveLabel } from '../domain/label'; export const a = [z, deriveLabel];"],
    ['src-shared/domain/x.test.ts', "import fc from 'fast-check'; import { it } from 'vitest'; import { r } from '../../test-support/spreadsheetTsv'; export const a = [fc, it, r, process.env.X];"],
    ['src-renderer/x.tsx', "import { createRoot } from 'react-dom/client'; import { useShallow } from 'zustand/react/shallow'; import { useVirtualizer } from '@tanstack/react-virtual'; export const a = [createRoot, useShallow, useVirtualizer, window];"],
    ['src-renderer/x.ts', "export const load = () => import('uplot');"],
    ['src-main/core/doctor.ts', "import { createRequire } from 'node:module'; export const load = () => [import('@tensorflow/tfjs'), createRequire(import.meta.url)('better-sqlite3')];"],
    ['src-main/cli/main.ts', "export const load = () => import('../server/server');"],
    // the computed import()s allowed by name, and import() of a fixed path written as a template
    ['src-main/core/ml/train/backend.ts', 'export const load = (specifier: string) => import(/* @vite-ignore */ specifier);'],
    ['src-main/core/ml/worker/tsBoot.mjs', "import { workerData } from 'node:worker_threads'; await import(workerData.entry);"],
    ['src-main/core/ml/backbone/x.ts', 'export const load = () => import(`./convert`);'],
    // every file that uses createRequire today
    ...['deferred', 'doctor', 'ml/backbone/convert', 'ml/backbone/runtime', 'ml/train/backend'].map((f) => [
      `src-main/core/${f}.ts`,
      "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); export const a = [require('better-sqlite3'), require.resolve('onnxruntime-node')];",
    ]),
    // a devDependency's types only, in production code; tests keep devDependencies and computed import()
    ['src-main/core/library/x.ts', "import type { Mock } from 'vitest'; export type A = Mock;"],
    ['src-main/core/library/x.ts', "import { type Mock } from 'vitest'; export type A = Mock;"],
    ['src-main/core/library/x.ts', "export type { Mock } from 'vitest'; export type A = typeof import('vitest');"],
    ['src-renderer/x.ts', "import type { RenderResult } from '@testing-library/react'; export type A = RenderResult;"],
    ['src-main/core/library/x.test.ts', "import { it } from 'vitest'; import fc from 'fast-check'; export const a = [it, fc, (m: string) => import(m)];"],
    ['src-renderer/x.test.tsx', "import { render } from '@testing-library/react'; import userEvent from '@testing-library/user-event'; export const a = [render, userEvent];"],
    ['src-main/core/library/x.test.ts', "import { createRequire } from 'node:module'; export const a = createRequire(import.meta.url)('./x');"],
  ])('%s: %s is allowed', async (file, code) => {
    expect(await restricted(file, code)).toEqual([]);
  });

  it.each([
    // a path that is computed and also banned: each rule says its part
    ['src-main/core/ml/x.ts', "const dir = 'x'; export const load = () => import(`../../../scripts/${dir}`);", ['layers/no-computed-import', 'no-restricted-syntax']],
    ['src-main/core/library/x.ts', "const m = 'main'; export const load = () => import(`electron/${m}`);", ['layers/no-computed-import', 'no-restricted-syntax']],
    // createRequire where it is not allowed, reaching a banned module or test-support/
    ['src-main/core/library/x.ts', "import { createRequire } from 'node:module'; export const a = createRequire(import.meta.url)('electron');", ['layers/no-create-require', 'no-restricted-syntax']],
    ['src-main/core/library/x.ts', "import { createRequire } from 'node:module'; export const a = createRequire(import.meta.url)('../../../test-support/x');", ['layers/no-create-require', 'no-restricted-syntax']],
  ])('%s: %s is refused by each rule it breaks', async (file, code, rules) => {
    expect((await reports(file, code)).map((m) => m.ruleId).sort()).toEqual(rules);
  });

  it('every devDependency but electron is refused, with its subpaths, statically and dynamically, in the production files of every layer, and allowed in their tests', async () => {
    const dev = Object.keys(pkg.devDependencies ?? {}).filter((p) => p !== 'electron');
    expect(dev).toEqual(expect.arrayContaining(['vitest', '@testing-library/react', 'fast-check', 'jsdom', 'vite']));
    for (const file of ['src-main/core/library/x.ts', 'src-main/cli/x.ts', 'src-main/server/x.ts', 'src-main/electron/x.ts', 'src-renderer/x.tsx', 'src-shared/domain/x.ts']) {
      for (const d of dev) {
        for (const code of [`import * as m from '${d}'; export const a = m;`, `export * from '${d}/x';`, `export const load = () => import('${d}');`]) {
          expect(await restricted(file, code), `${file}: ${code}`).toHaveLength(1);
          if (!file.startsWith('src-shared/')) expect(await restricted(file.replace(/\.tsx?$/, '.test$&'), code), `test of ${file}: ${code}`).toEqual([]);
        }
      }
    }
  });

  it('every dependency in package.json but the renderer\'s own is refused in src-renderer and src-shared, with its subpaths, statically and dynamically', async () => {
    const rendererPackages = ['react', 'react-dom', 'zustand', 'uplot', '@tanstack/react-virtual', 'zod', '@noble/hashes'];
    const nodeSide = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }).filter((p) => !rendererPackages.includes(p));
    expect(nodeSide).toEqual(expect.arrayContaining(['better-sqlite3', 'sharp', 'onnxruntime-node', 'ws', 'commander', 'cli-progress', '@tensorflow/tfjs']));
    for (const file of ['src-renderer/x.ts', 'src-shared/domain/x.ts']) {
      for (const dep of nodeSide) {
        for (const code of [`import * as m from '${dep}'; export const a = m;`, `import * as m from '${dep}/x'; export const a = m;`, `export const load = () => import('${dep}');`]) {
          expect(await restricted(file, code), `${file}: ${code}`).toHaveLength(1);
        }
      }
    }
    // The renderer's own packages but zod stay out of src-shared (the image key's HMAC is the renderer's).
    expect(await restricted('src-shared/domain/x.ts', "import { hmac } from '@noble/hashes/hmac'; export const a = hmac;")).toHaveLength(1);
    expect(await restricted('src-renderer/x.ts', "import { hmac } from '@noble/hashes/hmac'; export const a = hmac;")).toEqual([]);
  });

  it('a test file keeps its layer\'s rules (only test-support is opened to it)', async () => {
    expect(await restricted('src-main/core/library/x.test.ts', "import { app } from 'electron'; export const a = app;")).toHaveLength(1);
    expect(await restricted('src-renderer/x.test.ts', "import { createCore } from '../src-main/core/app'; export const a = createCore;")).toHaveLength(1);
  });
});
