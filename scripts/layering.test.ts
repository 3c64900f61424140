/**
 * The layering rules of ARCHITECTURE.md are enforced by ESLint (eslint.config.js). This checks that
 * the rules really catch a wrong import in each layer, and allow the right ones.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const eslint = new ESLint({ cwd: root });

async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  const rules = ['no-restricted-imports', 'no-restricted-syntax'];
  return (result?.messages ?? []).filter((m) => rules.includes(m.ruleId ?? '')).map((m) => m.message);
}

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
    ['src-main/core/ml/x.ts', "const dir = 'x'; export const load = () => import(`../../../scripts/${dir}`);"],
    ['src-main/cli/x.ts', "export { makeSynthetic } from '../../test-support/synthetic';"],
    ['src-renderer/stores/x.ts', "import { seed } from '../../test-support/renderer'; export const a = seed;"],
    ['src-shared/domain/x.ts', "export const load = () => import('../../test-support/fixtures');"],
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
  ])('%s: %s is allowed', async (file, code) => {
    expect(await restricted(file, code)).toEqual([]);
  });

  it('a test file keeps its layer\'s rules (only test-support is opened to it)', async () => {
    expect(await restricted('src-main/core/library/x.test.ts', "import { app } from 'electron'; export const a = app;")).toHaveLength(1);
    expect(await restricted('src-renderer/x.test.ts', "import { createCore } from '../src-main/core/app'; export const a = createCore;")).toHaveLength(1);
  });
});
