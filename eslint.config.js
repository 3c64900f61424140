// Lint rules, including the layering rules of ARCHITECTURE.md: a wrong import fails CI.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

import { builtinModules } from 'node:module';

/** Node's built-in modules, bare (`fs`) and prefixed (`node:*`). */
const nodeBuiltins = ['node:*', ...builtinModules.filter((m) => !m.startsWith('_'))];

/**
 * One no-restricted-imports rule per layer. Bare module names (Node built-ins, packages) are
 * matched exactly; entries containing `*` or `/` are gitignore-style patterns on the import path.
 */
function layer(files, banned, message) {
  const isPattern = (b) => b.includes('*') || b.includes('/');
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: banned.filter((b) => !isPattern(b)).map((name) => ({ name, message })),
          patterns: [{ group: banned.filter(isPattern), message }],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'resources/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['scripts/**/*.{js,mjs}', '.ci/**', '*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
  },
  layer(
    ['src-shared/**'],
    [...nodeBuiltins, 'electron', 'react', 'react-dom', 'zustand', '**/src-main/**', '**/src-renderer/**', 'better-sqlite3', 'sharp'],
    'src-shared is pure: no node:, DOM, React, electron or src-main/src-renderer imports.',
  ),
  layer(
    ['src-main/core/**'],
    ['electron', 'electron/*', '**/src-renderer/**', '**/electron/**', '**/server/**', '**/cli/**', 'react', 'react-dom'],
    'src-main/core is plain Node: it never imports electron, the renderer, or an adapter (cli, server, electron).',
  ),
  layer(
    ['src-main/cli/**'],
    ['electron', 'electron/*', '**/src-renderer/**', '**/electron/**', '**/server/**'],
    'cli is an adapter over core: no electron, server or renderer imports.',
  ),
  // The qc entry point is the CLI's composition root: it may hand the server to `qc serve`.
  layer(
    ['src-main/cli/main.ts'],
    ['electron', 'electron/*', '**/src-renderer/**', '**/electron/**'],
    'the qc entry point composes the cli and the server, nothing else.',
  ),
  layer(
    ['src-main/server/**'],
    ['electron', 'electron/*', '**/src-renderer/**', '**/electron/**', '**/cli/**'],
    'server is an adapter over core: no electron, cli or renderer imports.',
  ),
  layer(
    ['src-main/electron/**'],
    ['**/src-renderer/**', '**/server/**', '**/cli/**'],
    'electron is an adapter over core: no cli, server or renderer imports.',
  ),
  layer(
    ['src-renderer/**'],
    [...nodeBuiltins, 'electron', 'electron/*', '**/src-main/**', 'better-sqlite3', 'sharp'],
    'src-renderer talks to the core only through src-shared/contract.',
  ),
);
