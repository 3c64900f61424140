// Lint rules, including the layering rules of ARCHITECTURE.md: a wrong import fails CI.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** Node's built-in modules, bare (`fs`) and prefixed (`node:*`). */
const nodeBuiltins = ['node:*', ...builtinModules.filter((m) => !m.startsWith('_'))];

/**
 * The dependencies of package.json that the renderer uses. Every other one (better-sqlite3, sharp,
 * onnxruntime-node, @tensorflow/*, ws, undici, commander, cli-progress, tsx, …) is the core's or an
 * adapter's, and is banned in src-renderer: a new dependency is banned there until it is added here.
 */
const RENDERER_PACKAGES = ['react', 'react-dom', 'zustand', 'uplot', '@tanstack/react-virtual', 'zod'];
const NOT_RENDERER_PACKAGES = [
  ...Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }).filter((p) => !RENDERER_PACKAGES.includes(p)),
  '@tensorflow/*',
];

/** The only packages src-shared uses (its tests may also use the test tools and test-support/). */
const SHARED_PACKAGES = ['zod'];
const SHARED_TEST_PACKAGES = ['vitest', 'fast-check'];

/** Globals src-shared never touches: it is pure, the same code in Node and in the page. */
const NOT_SHARED_GLOBALS = [
  ...['process', 'Buffer', 'global', 'require', 'module', 'exports', '__dirname', '__filename', 'setImmediate', 'clearImmediate'],
  ...['window', 'self', 'document', 'navigator', 'location', 'history', 'localStorage', 'sessionStorage', 'indexedDB'],
  ...['globalThis', 'fetch', 'XMLHttpRequest', 'WebSocket', 'Worker'],
];

/** Tests, and the helpers only tests use: they may import test-support/ (production code may not). */
const TEST_FILES = ['**/*.test.ts', '**/*.test.tsx'];

/** Folders production code never imports: test helpers and fixtures, and the repo's scripts. */
const NOT_FOR_PRODUCTION = ['**/test-support/**', '**/test-support', '**/scripts/**', '**/scripts'];
const NOT_FOR_PRODUCTION_MESSAGE = 'production code never imports test-support/ or scripts/ (ARCHITECTURE.md, "Where things live").';

const isPattern = (b) => b.includes('*') || b.includes('/');

/**
 * A ban entry (a bare module name, or a gitignore-style pattern as no-restricted-imports takes it) as
 * a regular expression on the import path, for no-restricted-syntax selectors. A name also covers its
 * subpaths (`electron` → `electron/renderer`). No `/` inside: esquery would end the regex there.
 */
function banRegex(entry) {
  const anywhere = entry.startsWith('**/');
  const body = entry.replace(/^\*\*\//, '').replace(/\/\*\*$/, '');
  const re = [...body].map((c) => (c === '*' ? '[^\\x2F]*' : c === '/' ? '\\x2F' : /[\\^$.|?+()[\]{}]/.test(c) ? `\\${c}` : c)).join('');
  return `(?:${anywhere ? '(?:^|\\x2F)' : '^'}${re}(?:\\x2F|$))`;
}

/**
 * no-restricted-syntax selectors refusing, for banned paths, `import('…')` (a literal, or a template's
 * fixed start), `typeof import('…')`, and `require('…')` / `createRequire(…)('…')` called directly.
 */
function dynamicImportBans(banned, message) {
  const re = banned.map(banRegex).join('|');
  return [
    { selector: `ImportExpression[source.value=/${re}/]`, message },
    { selector: `ImportExpression > TemplateLiteral[quasis.0.value.cooked=/${re}/]`, message },
    { selector: `TSImportType[source.value=/${re}/]`, message },
    { selector: `CallExpression[callee.name='require'][arguments.0.value=/${re}/]`, message },
    { selector: `CallExpression[callee.callee.name='createRequire'][arguments.0.value=/${re}/]`, message },
  ];
}

/**
 * One layer's bans: no-restricted-imports for import and export-from, no-restricted-syntax for
 * dynamic import(), both from the one `banned` list. A bare module name is banned with its subpaths
 * (`react` → `react/jsx-runtime`); entries containing `*` or `/` are gitignore-style patterns on the
 * import path. Production files of the layer (not tests) are also barred from test-support/ and
 * scripts/. ESLint lets one config object's rule replace an earlier one's, so the layer's two
 * objects (production, tests) repeat the layer's bans rather than adding to them.
 */
function layer(files, banned, message) {
  const names = banned.filter((b) => !isPattern(b));
  const rule = (extraPatterns) => [
    'error',
    {
      paths: names.map((name) => ({ name, message })),
      patterns: [{ group: [...banned.filter(isPattern), ...names.map((n) => `${n}/*`)], message }, ...extraPatterns],
    },
  ];
  return [
    {
      files,
      ignores: TEST_FILES,
      rules: {
        'no-restricted-imports': rule([{ group: NOT_FOR_PRODUCTION, message: NOT_FOR_PRODUCTION_MESSAGE }]),
        'no-restricted-syntax': ['error', ...dynamicImportBans(banned, message), ...notForProductionSyntax],
      },
    },
    {
      files: files.map((f) => [f, '**/*.test.{ts,tsx}']),
      rules: { 'no-restricted-imports': rule([]), 'no-restricted-syntax': ['error', ...dynamicImportBans(banned, message)] },
    },
  ];
}

/** no-restricted-imports does not see dynamic import(): the test-support/scripts ban for `await import('…')`. */
const notForProductionSyntax = [
  { selector: 'ImportExpression[source.value=/(^|[.]{1,2}\\x2F|\\x2F)(test-support|scripts)(\\x2F|$)/]', message: NOT_FOR_PRODUCTION_MESSAGE },
  { selector: 'ImportExpression > TemplateLiteral[quasis.0.value.raw=/(test-support|scripts)\\x2F/]', message: NOT_FOR_PRODUCTION_MESSAGE },
];

/**
 * src-shared's imports, by allow-list: a relative path that stays inside one of `folders`, or one of
 * `packages` (with its subpaths). Checks import, export-from, import() (one it cannot read is refused)
 * and `typeof import('…')`.
 */
const onlyImportsRule = {
  meta: {
    type: 'problem',
    schema: [
      {
        type: 'object',
        properties: { folders: { type: 'array', items: { type: 'string' } }, packages: { type: 'array', items: { type: 'string' } }, message: { type: 'string' } },
        additionalProperties: false,
      },
    ],
  },
  create(context) {
    const { folders, packages, message } = context.options[0];
    const dir = path.dirname(context.filename);
    const inside = (p, folder) => {
      const rel = path.relative(path.join(ROOT, folder), p);
      return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
    };
    const allowed = (source) =>
      source.startsWith('./') || source.startsWith('../')
        ? folders.some((f) => inside(path.resolve(dir, source), f))
        : packages.some((p) => source === p || source.startsWith(`${p}/`));
    const check = (node, source) => {
      const value =
        source?.type === 'Literal' ? source.value : source?.type === 'TemplateLiteral' && source.expressions.length === 0 ? source.quasis[0].value.cooked : undefined;
      if (typeof value !== 'string') {
        if (node.type === 'ImportExpression') context.report({ node, message: `a computed import(): ${message}` });
        return;
      }
      if (!allowed(value)) context.report({ node: source, message: `'${value}': ${message}` });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      TSImportType: (node) => check(node, node.source),
      TSExternalModuleReference: (node) => check(node, node.expression),
    };
  },
};

/**
 * Packages that load on first use (src-main/core/deferred.ts): production code in src-main takes
 * them from there (`sharp`, `ort`, `undici`), never by a value import of the package, which would
 * load it with every command again. Type-only imports are fine; tests may import them.
 */
const DEFERRED_PACKAGES = ['sharp', 'onnxruntime-node', 'undici', 'protobufjs', 'cli-progress'];
const deferredRule = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const check = (node, source, typeOnly) => {
      if (typeOnly || source?.type !== 'Literal' || !DEFERRED_PACKAGES.some((p) => source.value === p || String(source.value).startsWith(`${p}/`))) return;
      context.report({ node: source, message: `'${source.value}' loads on first use: take it from src-main/core/deferred.ts (or import only its types), so that commands which never use it do not load it.` });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source, node.importKind === 'type' || (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type'))),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node, node.source, node.exportKind === 'type'),
      ImportExpression: (node) => check(node, node.source, false),
    };
  },
};

const SHARED_MESSAGE = `src-shared is pure: only relative imports inside src-shared, and ${SHARED_PACKAGES.join(', ')}; no node:, DOM, React, electron, Node-only packages or src-main/src-renderer.`;

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
  // src-shared: an allow-list (what it may import), and no Node or DOM globals in its production code.
  {
    files: ['src-shared/**'],
    ignores: TEST_FILES,
    plugins: { layers: { rules: { 'only-imports': onlyImportsRule } } },
    rules: {
      'layers/only-imports': ['error', { folders: ['src-shared'], packages: SHARED_PACKAGES, message: SHARED_MESSAGE }],
      'no-restricted-globals': ['error', ...NOT_SHARED_GLOBALS.map((name) => ({ name, message: SHARED_MESSAGE }))],
    },
  },
  {
    files: ['src-shared/**/*.test.{ts,tsx}'],
    plugins: { layers: { rules: { 'only-imports': onlyImportsRule } } },
    rules: {
      'layers/only-imports': ['error', { folders: ['src-shared', 'test-support'], packages: [...SHARED_PACKAGES, ...SHARED_TEST_PACKAGES], message: `${SHARED_MESSAGE} (Its tests may also use test-support/ and ${SHARED_TEST_PACKAGES.join(', ')}.)` }],
    },
  },
  {
    files: ['src-main/**'],
    ignores: [...TEST_FILES, 'src-main/core/deferred.ts'],
    plugins: { deferred: { rules: { 'first-use': deferredRule } } },
    rules: { 'deferred/first-use': 'error' },
  },
  ...layer(
    ['src-main/core/**'],
    ['electron', '**/src-renderer/**', '**/electron/**', '**/server/**', '**/cli/**', 'react', 'react-dom', 'zustand'],
    'src-main/core is plain Node: it never imports electron, the renderer, or an adapter (cli, server, electron).',
  ),
  ...layer(
    ['src-main/cli/**'],
    ['electron', '**/src-renderer/**', '**/electron/**', '**/server/**', 'react', 'react-dom', 'zustand'],
    'cli is an adapter over core: no electron, server or renderer imports.',
  ),
  // The qc entry point is the CLI's composition root: it may hand the server to `qc serve`.
  ...layer(
    ['src-main/cli/main.ts'],
    ['electron', '**/src-renderer/**', '**/electron/**', 'react', 'react-dom', 'zustand'],
    'the qc entry point composes the cli and the server, nothing else.',
  ),
  ...layer(
    ['src-main/server/**'],
    ['electron', '**/src-renderer/**', '**/electron/**', '**/cli/**', 'react', 'react-dom', 'zustand'],
    'server is an adapter over core: no electron, cli or renderer imports.',
  ),
  ...layer(
    ['src-main/electron/**'],
    ['**/src-renderer/**', '**/server/**', '**/cli/**', 'react', 'react-dom', 'zustand'],
    'electron is an adapter over core: no cli, server or renderer imports.',
  ),
  ...layer(
    ['src-renderer/**'],
    [...nodeBuiltins, 'electron', '**/src-main/**', ...NOT_RENDERER_PACKAGES],
    `src-renderer talks to the core only through src-shared/contract: no node:, electron or src-main imports; of package.json's dependencies it uses only ${RENDERER_PACKAGES.join(', ')}.`,
  ),
);
