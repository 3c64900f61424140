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
const RENDERER_PACKAGES = ['react', 'react-dom', 'zustand', 'uplot', '@tanstack/react-virtual', 'zod', '@noble/hashes'];
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
const NOT_FOR_PRODUCTION_MESSAGE = 'production code never imports test-support/ or scripts/ (ARCHITECTURE.md, "Where each concept lives").';

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

/**
 * no-restricted-imports does not see dynamic import(), `typeof import()` nor require(): the
 * test-support/scripts ban for `await import('…')`, `typeof import('…')`, and for `require('…')` /
 * `createRequire(…)('…')` in the files allowed a require.
 */
const NOT_FOR_PRODUCTION_PATH = '/(^|[.]{1,2}\\x2F|\\x2F)(test-support|scripts)(\\x2F|$)/';
const notForProductionSyntax = [
  { selector: `ImportExpression[source.value=${NOT_FOR_PRODUCTION_PATH}]`, message: NOT_FOR_PRODUCTION_MESSAGE },
  { selector: 'ImportExpression > TemplateLiteral[quasis.0.value.raw=/(test-support|scripts)\\x2F/]', message: NOT_FOR_PRODUCTION_MESSAGE },
  { selector: `TSImportType[source.value=${NOT_FOR_PRODUCTION_PATH}]`, message: NOT_FOR_PRODUCTION_MESSAGE },
  { selector: `CallExpression[callee.name='require'][arguments.0.value=${NOT_FOR_PRODUCTION_PATH}]`, message: NOT_FOR_PRODUCTION_MESSAGE },
  { selector: `CallExpression[callee.callee.name='createRequire'][arguments.0.value=${NOT_FOR_PRODUCTION_PATH}]`, message: NOT_FOR_PRODUCTION_MESSAGE },
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

/** A file's path from the repository root, with `/` (for the allow-lists below). */
const repoPath = (filename) => path.relative(ROOT, filename).split(path.sep).join('/');

/** An import()'s path when lint can read it: a string, or a template without `${…}`. */
const literalSource = (source) =>
  source?.type === 'Literal' && typeof source.value === 'string'
    ? source.value
    : source?.type === 'TemplateLiteral' && source.expressions.length === 0
      ? source.quasis[0].value.cooked
      : undefined;

/**
 * import() of a computed path: lint cannot check it against the layer rules, so production code of
 * src-main and src-renderer may not write one; `allow` lists the few that must be, each as its file
 * and the exact text of its argument (another computed import() in the same file is still refused).
 */
const noComputedImportRule = {
  meta: {
    type: 'problem',
    schema: [
      {
        type: 'object',
        properties: {
          allow: { type: 'array', items: { type: 'object', properties: { file: { type: 'string' }, source: { type: 'string' }, why: { type: 'string' } }, required: ['file', 'source', 'why'], additionalProperties: false } },
        },
        additionalProperties: false,
      },
    ],
  },
  create(context) {
    const file = repoPath(context.filename);
    const allow = (context.options[0]?.allow ?? []).filter((a) => a.file === file).map((a) => a.source);
    return {
      ImportExpression(node) {
        if (literalSource(node.source) !== undefined || allow.includes(context.sourceCode.getText(node.source))) return;
        context.report({
          node,
          message: 'import() of a computed path: lint cannot check it against the layers of ARCHITECTURE.md. Import a fixed path, or add this one to COMPUTED_IMPORTS in eslint.config.js with the reason.',
        });
      },
    };
  },
};

/**
 * createRequire (and a bare global `require`): a second loader beside import, which lint checks only
 * where it is called directly with a fixed path, so only the files in CREATE_REQUIRE_FILES may use it. Refuses importing or re-exporting `createRequire`, reading it
 * off a namespace or object (`m.createRequire`, `m['createRequire']`, `const { createRequire } = …`),
 * and the global `require`.
 */
const CREATE_REQUIRE_MESSAGE =
  'createRequire and require load modules around the layer checks of ARCHITECTURE.md: only the files in CREATE_REQUIRE_FILES (eslint.config.js) may use them.';
const noCreateRequireRule = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const named = (n) => (n?.type === 'Identifier' ? n.name : n?.type === 'Literal' ? n.value : undefined) === 'createRequire';
    const report = (node) => context.report({ node, message: CREATE_REQUIRE_MESSAGE });
    return {
      ImportSpecifier: (node) => named(node.imported) && report(node),
      ExportSpecifier: (node) => (named(node.local) || named(node.exported)) && report(node),
      MemberExpression: (node) => named(node.property) && (node.computed ? node.property.type === 'Literal' : true) && report(node),
      'ObjectPattern > Property': (node) => named(node.key) && report(node),
      'Program:exit'(node) {
        const scope = context.sourceCode.getScope(node);
        const implicit = scope.set.get('require');
        const refs = [...scope.through.filter((r) => r.identifier.name === 'require'), ...(implicit && implicit.defs.length === 0 ? implicit.references : [])];
        for (const ref of new Set(refs)) report(ref.identifier);
      },
    };
  },
};

/**
 * devDependencies are not in the packaged app: a production file that loads one works in the repo and
 * fails only once packaged. Refuses value imports, export-from, import() and require() of `packages`
 * (with their subpaths); type-only imports (and `typeof import()`) are erased, so they are fine.
 */
const noDevDependenciesRule = {
  meta: {
    type: 'problem',
    schema: [{ type: 'object', properties: { packages: { type: 'array', items: { type: 'string' } } }, additionalProperties: false }],
  },
  create(context) {
    const { packages } = context.options[0];
    const check = (source, typeOnly) => {
      const value = literalSource(source);
      if (typeOnly || value === undefined || !packages.some((p) => value === p || value.startsWith(`${p}/`))) return;
      context.report({
        node: source,
        message: `'${value}' is a devDependency, not in the packaged app: production code imports only its types (tests and test-support/ may import it).`,
      });
    };
    const typeSpecifiers = (specifiers, kind) => specifiers.length > 0 && specifiers.every((s) => s[kind] === 'type');
    return {
      ImportDeclaration: (node) => check(node.source, node.importKind === 'type' || typeSpecifiers(node.specifiers, 'importKind')),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.exportKind === 'type' || typeSpecifiers(node.specifiers, 'exportKind')),
      ExportAllDeclaration: (node) => check(node.source, node.exportKind === 'type'),
      ImportExpression: (node) => check(node.source, false),
      TSImportEqualsDeclaration: (node) => node.moduleReference.type === 'TSExternalModuleReference' && check(node.moduleReference.expression, node.importKind === 'type'),
      CallExpression(node) {
        const callee = node.callee;
        if ((callee.type === 'Identifier' && callee.name === 'require') || (callee.type === 'CallExpression' && callee.callee.type === 'Identifier' && callee.callee.name === 'createRequire')) {
          check(node.arguments[0], false);
        }
      },
    };
  },
};

/** The one plugin holding this file's own rules (ESLint refuses two different plugins of one name). */
const layersPlugin = {
  rules: {
    'only-imports': onlyImportsRule,
    'no-computed-import': noComputedImportRule,
    'no-create-require': noCreateRequireRule,
    'no-dev-dependencies': noDevDependenciesRule,
  },
};

/** The computed import()s production code needs (see noComputedImportRule). */
const COMPUTED_IMPORTS = [
  { file: 'src-main/core/ml/train/backend.ts', source: 'specifier', why: 'the optional tfjs-node backends: neither TypeScript nor the bundler may require them installed' },
  { file: 'src-main/core/ml/worker/tsBoot.mjs', source: 'workerData.entry', why: 'the worker boot under tsx loads the TypeScript entry its parent names' },
];

/** The production files that need createRequire: deferred loading, and finding a package's own files. */
const CREATE_REQUIRE_FILES = [
  'src-main/core/deferred.ts',
  'src-main/core/doctor.ts',
  'src-main/core/ml/backbone/convert.ts',
  'src-main/core/ml/backbone/runtime.ts',
  'src-main/core/ml/train/backend.ts',
];

/**
 * devDependencies no production file may load. electron is left to the layer rules: only
 * src-main/electron imports it, and there the Electron runtime provides it.
 */
const DEV_PACKAGES = Object.keys(pkg.devDependencies ?? {}).filter((p) => p !== 'electron');

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
    plugins: { layers: layersPlugin },
    rules: {
      'layers/only-imports': ['error', { folders: ['src-shared'], packages: SHARED_PACKAGES, message: SHARED_MESSAGE }],
      'no-restricted-globals': ['error', ...NOT_SHARED_GLOBALS.map((name) => ({ name, message: SHARED_MESSAGE }))],
    },
  },
  {
    files: ['src-shared/**/*.test.{ts,tsx}'],
    plugins: { layers: layersPlugin },
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
  // Production code of src-main and src-renderer (src-shared's allow-list already refuses all three):
  // no computed import(), no createRequire/require outside CREATE_REQUIRE_FILES, no devDependency.
  {
    files: ['src-main/**', 'src-renderer/**'],
    ignores: TEST_FILES,
    plugins: { layers: layersPlugin },
    rules: {
      'layers/no-computed-import': ['error', { allow: COMPUTED_IMPORTS }],
      'layers/no-create-require': 'error',
      'layers/no-dev-dependencies': ['error', { packages: DEV_PACKAGES }],
    },
  },
  { files: CREATE_REQUIRE_FILES, rules: { 'layers/no-create-require': 'off' } },
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
