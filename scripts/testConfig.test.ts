/**
 * The Node and renderer test files share their worker's modules (vitest.config.ts, isolate off): a
 * file that replaces a module (vi.mock, vi.doMock) or imports one afresh (vi.resetModules) only
 * works on modules no earlier file has loaded, and would hand later files its copy. Every such file
 * must run in an isolated project (ISOLATED_NODE_TESTS, ISOLATED_RENDERER_TESTS in
 * vitest.config.ts); this finds them by their source.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ISOLATED_NODE_TESTS, ISOLATED_RENDERER_TESTS } from '../vitest.config';

const ROOT = path.resolve(import.meta.dirname, '..');
const NODE_DIRS = ['src-shared', 'src-main', 'scripts', 'test-support'];
const RELOADS = /\bvi\s*\.\s*(mock|doMock|resetModules|importActual)\s*\(/;

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') out.push(...testFiles(rel));
    } else if (/\.test\.tsx?$/.test(e.name)) out.push(rel);
  }
  return out;
}

describe('which Node test files run isolated', () => {
  const files = NODE_DIRS.flatMap(testFiles);

  it('every Node test file that replaces or reloads a module is in ISOLATED_NODE_TESTS', () => {
    // This file names the calls only in its pattern and comments.
    const reloading = files.filter((f) => f !== 'scripts/testConfig.test.ts' && RELOADS.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(reloading.length).toBeGreaterThan(0);
    expect(reloading.filter((f) => !ISOLATED_NODE_TESTS.includes(f))).toEqual([]);
  });

  it('every file ISOLATED_NODE_TESTS names exists', () => {
    expect(ISOLATED_NODE_TESTS.filter((f) => !files.includes(f))).toEqual([]);
  });
});

describe('which renderer test files run isolated', () => {
  const files = testFiles('src-renderer');

  it('every renderer test file that replaces or reloads a module is in ISOLATED_RENDERER_TESTS, and each named file exists', () => {
    const reloading = files.filter((f) => RELOADS.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(reloading.length).toBeGreaterThan(0);
    expect(reloading.filter((f) => !ISOLATED_RENDERER_TESTS.includes(f))).toEqual([]);
    expect(ISOLATED_RENDERER_TESTS.filter((f) => !files.includes(f))).toEqual([]);
  });
});
