// Lint rules, including the layering rules of ARCHITECTURE.md: a wrong import fails CI.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

import { builtinModules } from 'node:module';

/** Node's built-in modules, bare (`fs`) and prefixed (`node:*`). */
const nodeBuiltins = ['node:*', ...builtinModules.filter((m) => !m.startsWith('_'))];

/** Tests, and the helpers only tests use: they may import test-support/ (production code may not). */
const TEST_FILES = ['**/*.test.ts', '**/*.test.tsx'];

/** Folders production code never imports: test helpers and fixtures, and the repo's scripts. */
const NOT_FOR_PRODUCTION = ['**/test-support/**', '**/test-support', '**/scripts/**', '**/scripts'];
const NOT_FOR_PRODUCTION_MESSAGE = 'production code never imports test-support/ or scripts/ (ARCHITECTURE.md, "Where things live").';

/**
 * One no-restricted-imports rule per layer. Bare module names (Node built-ins, packages) are
 * matched exactly; entries containing `*` or `/` are gitignore-style patterns on the import path.
 * Production files of the layer (not tests) are also barred from test-support/ and scripts/.
 * ESLint lets one config object's rule replace an earlier one's, so the layer's two objects
 * (production, tests) repeat the layer's bans rather than adding to them.
 */
function layer(files, banned, message) {
  const isPattern = (b) => b.includes('*') || b.includes('/');
  const rule = (extraPatterns) => [
    'error',
    {
      paths: banned.filter((b) => !isPattern(b)).map((name) => ({ name, message })),
      patterns: [{ group: banned.filter(isPattern), message }, ...extraPatterns],
    },
  ];
  return [
    { files, ignores: TEST_FILES, rules: { 'no-restricted-imports': rule([{ group: NOT_FOR_PRODUCTION, message: NOT_FOR_PRODUCTION_MESSAGE }]) } },
    { files: files.map((f) => [f, '**/*.test.{ts,tsx}']), rules: { 'no-restricted-imports': rule([]) } },
  ];
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
  ...layer(
    ['src-shared/**'],
    [...nodeBuiltins, 'electron', 'react', 'react-dom', 'zustand', '**/src-main/**', '**/src-renderer/**', 'better-sqlite3', 'sharp'],
    'src-shared is pure: no node:, DOM, React, electron or src-main/src-renderer imports.',
  ),
  ...layer(
    ['src-main/core/**'],
    ['electron', 'electron/*', '**/src-renderer/**', '**/electron/**', '**/server/**', '**/cli/**', 'react', 'react-dom'],
    'src-main/core is plain Node: it never imports electron, the renderer, or an adapter (cli, server, electron).',
  ),
  ...layer(
    ['src-main/cli/**'],
    ['electron', 'electron/*', '**/src-renderer/**', '**/electron/**', '**/server/**'],
    'cli is an adapter over core: no electron, server or renderer imports.',
  ),
  // The qc entry point is the CLI's composition root: it may hand the server to `qc serve`.
  ...layer(
    ['src-main/cli/main.ts'],
    ['electron', 'electron/*', '**/src-renderer/**', '**/electron/**'],
    'the qc entry point composes the cli and the server, nothing else.',
  ),
  ...layer(
    ['src-main/server/**'],
    ['electron', 'electron/*', '**/src-renderer/**', '**/electron/**', '**/cli/**'],
    'server is an adapter over core: no electron, cli or renderer imports.',
  ),
  ...layer(
    ['src-main/electron/**'],
    ['**/src-renderer/**', '**/server/**', '**/cli/**'],
    'electron is an adapter over core: no cli, server or renderer imports.',
  ),
  ...layer(
    ['src-renderer/**'],
    [...nodeBuiltins, 'electron', 'electron/*', '**/src-main/**', 'better-sqlite3', 'sharp'],
    'src-renderer talks to the core only through src-shared/contract.',
  ),
  // no-restricted-imports does not see dynamic import(): the same ban for `await import('…')`.
  {
    files: ['src-*/**'],
    ignores: TEST_FILES,
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'ImportExpression[source.value=/(^|[.]{1,2}\\x2F|\\x2F)(test-support|scripts)(\\x2F|$)/]', message: NOT_FOR_PRODUCTION_MESSAGE },
        { selector: 'ImportExpression > TemplateLiteral[quasis.0.value.raw=/(test-support|scripts)\\x2F/]', message: NOT_FOR_PRODUCTION_MESSAGE },
      ],
    },
  },
);
