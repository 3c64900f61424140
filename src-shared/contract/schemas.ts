/**
 * One runtime schema per API method: the arguments every transport (Electron IPC, `qc serve`'s
 * WebSocket, the CLI, direct calls) hands to the core are checked here, at the one dispatcher
 * (`Core.call`), before any handler runs. A wrong argument is an `invalid_argument` error whose
 * message starts with the field (`threshold: expected a number…`); unknown fields are refused too.
 *
 * Library: zod 4 (MIT, widely used and maintained; no dependencies; parses thousands of calls per
 * millisecond for argument objects this size; `z.toJSONSchema` exports these schemas as JSON Schema
 * for other clients). The renderer never imports this module: it talks through the typed contract
 * and the core checks what arrives. If it ever needs to validate, `zod/mini` has the same schemas
 * at a fraction of the bundle size.
 *
 * Adding a method: declare it in handlers.ts, then add its schema here. The compile-time check at
 * the bottom fails (naming the method) when a method has no schema or when its schema's fields or
 * types differ from the contract's, so the two cannot drift apart.
 */
import { z } from 'zod';
import { argumentIssueWords, optionIssueWords } from './argumentWords';
import { fieldPath, invalidArgument, QcError, type ArgumentDetail } from './errors';
import type { ArgsOf, Method } from './handlers';
import { SHELL_SCHEMAS } from './shell';
import { IMPORT_KINDS, isHttpUrl } from '../domain/library';
import { FEATURE_SETS } from '../domain/ml';

// ---- building blocks ------------------------------------------------------------------------

/** A database id: a positive safe integer. */
export const id = z.int().min(1);
/** Counts, offsets, seeds. */
export const count = z.int().min(0);
export const probability = z.number().min(0).max(1);
/** A UTF-16 surrogate without its other half: no file name holds one (it is written as U+FFFD, another path than the one named). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A file or folder path, or a URL: non-empty, no NUL bytes (they truncate paths in C libraries), no lone surrogates. */
export const pathString = z
  .string()
  .min(1, 'must not be empty')
  .max(8192)
  .refine((s) => !s.includes('\0'), 'must not contain a NUL byte')
  .refine((s) => !LONE_SURROGATE.test(s), 'must not contain an unpaired UTF-16 surrogate (not a character: the file would be made under another name)');

/**
 * Whether a path is absolute on POSIX (`/…`) or Windows (`C:\…`, `C:/…`, `\\server\share`): its shape
 * only (the renderer's early check; it cannot know the platform of the core it talks to). The API
 * takes absolute paths only: a relative one would be read against whatever folder the process
 * serving the API was started in (`qc serve`, the app), never what the caller meant. The CLI
 * resolves its arguments against its own working folder before calling.
 */
export function isAbsolutePath(s: string): boolean {
  return s.startsWith('/') || /^[A-Za-z]:[\\/]/.test(s) || s.startsWith('\\\\');
}

/** How the platform the core runs on decides that a path is absolute (the core passes Node's `path.isAbsolute`). */
export type AbsoluteRule = (p: string) => boolean;
/**
 * The rule of the {@link checkArgs} under way (set for that one synchronous check): `C:/…` and
 * `\\server\share` have an absolute shape but are relative on Linux and macOS, where Node would
 * read and write them under the core's working folder.
 */
let platformAbsolute: AbsoluteRule | undefined;
const absoluteHere = (s: string): boolean => isAbsolutePath(s) && (platformAbsolute?.(s) ?? true);
const RELATIVE = 'a relative one would depend on the folder the app or qc serve was started in';
const NOT_HERE = 'this one is absolute only on Windows: on the computer the app or qc serve runs on it is relative, so it would depend on the folder it was started in';
/** The message for a local path that is not absolute, saying why when its shape is another platform's. */
/** A path the user meant as their home's (`~/x`): no shell here to expand it. */
const TILDE = '~ is not expanded here: write the whole path, such as /home/you/x';
const notAbsolute = (start: string) => (issue: { input?: unknown }) => {
  const input = typeof issue.input === 'string' ? issue.input.trim() : null;
  return `${start} (${input?.startsWith('~') ? TILDE : input !== null && isAbsolutePath(input) ? NOT_HERE : RELATIVE})`;
};

const ABSOLUTE = notAbsolute('must be an absolute path');
/** A local file or folder: an absolute path ({@link isAbsolutePath}, and absolute where the core runs). */
export const absolutePath = pathString.refine(absoluteHere, { error: ABSOLUTE });
/** The most gallery items one `review.page` call serves: a bigger limit is refused, never cut short (a client paging by its own limit would skip rows). */
export const MAX_PAGE = 1000;
/** The most tag files one `ml.importTags` call takes. */
export const MAX_TAG_FILES = 10_000;
/** An input list: an http(s) URL, or a local file or folder by its absolute path. */
export const sourcePath = pathString.refine((s) => isHttpUrl(s) || absoluteHere(s), { error: notAbsolute('must be an http(s) URL or an absolute path') });

/** No arguments: an empty object (strict, so even a `__proto__` key is refused, which z.record skips). */
const empty = z.strictObject({});

const importKind = z.enum(IMPORT_KINDS);
const mirror = z.strictObject({ prefix: z.string().min(1, 'must not be empty').max(8192), dir: pathString.refine((d) => absoluteHere(d.trim()), { error: ABSOLUTE }) });

/** Fields shared by every import-like call (import, retry, classify). */
export const importOptions = {
  mirrors: z.array(mirror).max(100).optional(),
  /** Parallel downloads. */
  concurrency: z.int().min(1).max(64).optional(),
  retryFailed: z.boolean().optional(),
  /** Per-request time limit in ms (whole body). */
  timeoutMs: z.int().min(1).max(600_000).optional(),
  /** Retries after the first attempt. */
  retries: z.int().min(0).max(10).optional(),
  allowLocal: z.boolean().optional(),
};

const labelValue = z.enum(['good', 'bad']).nullable();
const ratingClass = z.literal([1, 2, 3, 4, 5]);
const labelRule = z.strictObject({ bad: z.array(ratingClass).max(5), good: z.array(ratingClass).max(5), exemplar: labelValue });
const featureSet = z.enum(FEATURE_SETS);

export const trainOptions = {
  features: z.array(featureSet).min(1).max(4).optional(),
  backbone: z.string().min(1).max(200).optional(),
  hidden: z.int().min(0).max(4096).optional(),
  dropout: z.number().min(0).lt(1).optional(),
  l2: z.number().min(0).max(100).optional(),
  learningRate: z.number().gt(0).max(10).optional(),
  epochs: z.int().min(1).max(10_000).optional(),
  batchSize: z.int().min(1).max(1_000_000).optional(),
  classWeighting: z.boolean().optional(),
  seed: count.optional(),
  signalsWeight: z.number().min(0).max(1000).optional(),
  defectsWeight: z.number().min(0).max(1000).optional(),
  targetError: z.number().min(1e-6, 'must be at least 1e-6 (proving 1e-6 already takes 3 million flagged images without a mistake)').lt(1).optional(),
  folds: z.int().min(2).max(100).optional(),
  noise: z.enum(['prune', 'none']).optional(),
  labelWeights: z.boolean().optional(),
  augment: z.int().min(0).max(64).optional(),
  augmentExclude: z.array(z.string().min(1).max(100)).max(100).optional(),
  distance: z.union([z.boolean(), z.literal('aggregate')]).optional(),
  calibrate: z.boolean().optional(),
  groups: z.strictObject({ file: absolutePath, idColumn: z.string().min(1).max(200).optional(), groupColumn: z.string().min(1).max(200) }).optional(),
};

const reviewQuery = {
  runId: id.optional(),
  predicted: z.enum(['bad', 'good', 'all']).optional(),
  threshold: probability.optional(),
  outcome: z.enum(['all', 'tp', 'fp', 'tn', 'fn', 'unlabeled']).optional(),
  taxon: z.string().max(1000).optional(),
  importId: id.optional(),
  origin: z.enum(['import', 'curator', 'any']).optional(),
  label: z.enum(['good', 'bad', 'none', 'any']).optional(),
  issuesOnly: z.boolean().optional(),
  bundleId: id.optional(),
  sort: z.enum(['confidence', 'issue-rank', 'id']).optional(),
  order: z.enum(['asc', 'desc']).optional(),
};

// ---- one schema per method ------------------------------------------------------------------

export const API_SCHEMAS = {
  'library.status': empty,
  'library.import': z.strictObject({ source: sourcePath, kind: importKind.optional(), ...importOptions }),
  'library.retryFailed': z.strictObject({ mirrors: importOptions.mirrors, concurrency: importOptions.concurrency, timeoutMs: importOptions.timeoutMs, retries: importOptions.retries, allowLocal: importOptions.allowLocal }),
  'library.failures': z.strictObject({ limit: z.int().min(0).max(10_000_000).optional() }),
  'library.sources': empty,

  'demo.load': z.strictObject({ train: z.boolean().optional() }),

  'labels.set': z.strictObject({ imageIds: z.array(id).max(1_000_000), label: labelValue }),
  'labels.undo': z.strictObject({ batchId: id.optional() }),
  'labels.getRule': empty,
  'labels.setRule': z.strictObject({ rule: labelRule, expected: labelRule.optional() }),

  'ml.embed': z.strictObject({ features: trainOptions.features, backbone: trainOptions.backbone, batchSize: z.int().min(1).max(4096).optional() }),
  'ml.train': z.strictObject(trainOptions),
  'ml.cancelTraining': z.strictObject({ runId: id.optional() }),
  'ml.runs': z.strictObject({ all: z.boolean().optional() }),
  'ml.bestRuns': z.strictObject({ n: z.int().min(1).max(10_000).optional(), archiveRest: z.boolean().optional() }),
  'ml.archiveRuns': z.strictObject({ runIds: z.array(id).max(100_000), archived: z.boolean() }),
  'ml.run': z.strictObject({ runId: id.optional() }),
  'ml.setActive': z.strictObject({ runId: id.nullable() }),
  'ml.labelIssues': z.strictObject({ runId: id.optional(), limit: z.int().min(0).max(10_000_000).optional(), includeReviewed: z.boolean().optional(), imageIds: z.array(id).max(10_000).optional() }),
  'ml.reviewIssues': z
    .strictObject({
      imageIds: z.array(id).max(1_000_000),
      action: z.enum(['confirm', 'dismiss', 'reopen']),
      shown: z.array(z.enum(['good', 'bad'])).max(1_000_000).optional(),
      undoing: z.strictObject({ action: z.enum(['confirm', 'dismiss']) }).optional(),
      restore: z
        .array(z.strictObject({ image_id: id, label: z.enum(['good', 'bad']), action: z.enum(['confirmed', 'dismissed']), run_id: id.nullable() }))
        .max(1_000_000)
        .optional(),
    })
    .refine((a) => !a.shown || a.shown.length === a.imageIds.length, { message: 'shown must give one label for each of imageIds', path: ['shown'] })
    .refine((a) => !a.undoing || a.action === 'reopen', { message: 'undoing goes only with action reopen', path: ['undoing'] })
    .refine((a) => !a.undoing || a.shown !== undefined, { message: 'undoing needs shown: the label each verdict taken back was given on', path: ['shown'] })
    .refine((a) => !a.restore?.length || a.action === 'reopen', { message: 'restore goes only with action reopen', path: ['restore'] })
    .refine((a) => !a.restore || new Set(a.restore.map((r) => r.image_id)).size === a.restore.length, { message: 'restore names an image twice', path: ['restore'] })
    .refine(
      (a) => {
        if (!a.restore?.length) return true;
        const named = new Set(a.imageIds);
        return a.restore.every((r) => named.has(r.image_id));
      },
      { message: 'restore names an image that is not one of imageIds', path: ['restore'] },
    ),
  'ml.classify': z.strictObject({
    source: sourcePath,
    ...importOptions,
    outDir: absolutePath,
    chunkRows: z.int().min(1).max(100_000_000).optional(),
    threshold: probability.optional(),
    runId: id.optional(),
    shard: z
      .strictObject({ k: z.int().min(1), n: z.int().min(1).max(1_000_000) })
      .refine((s) => s.k <= s.n, { message: 'shard k must be <= n' })
      .optional(),
  }),
  // Each file is read twice (checked whole, then written): 10,000 files of the default 5,000-row chunks are 50 M rows.
  'ml.importTags': z.strictObject({ files: z.array(absolutePath).min(1).max(MAX_TAG_FILES, `at most ${MAX_TAG_FILES.toLocaleString('en')} tag files a call (import them in parts)`), runId: id.optional() }),
  'ml.setThreshold': z.strictObject({ threshold: probability.nullable(), runId: id.optional(), expected: probability.nullable().optional() }),

  'export.tags': z
    .strictObject({
      bundleId: id.optional(),
      outDir: absolutePath,
      threshold: probability.optional(),
      runId: id.optional(),
      chunkRows: z.int().min(1).max(100_000_000).optional(),
    })
    // Only a bundle's tags are split into chunk files; the whole library's are one file, and were silently written unsplit.
    .refine((a) => a.chunkRows === undefined || a.bundleId !== undefined, {
      message: "splits a bundle's tag files only (give bundleId): the whole library's tags are one file",
      path: ['chunkRows'],
    }),
  'export.training': z.strictObject({ outDir: absolutePath, sample: z.int().min(1).max(100_000_000).optional(), seed: count.optional() }),
  'export.model': z.strictObject({ runId: id.optional(), outDir: absolutePath }),
  'export.graphs': z.strictObject({ runId: id.optional(), outDir: absolutePath }),
  'export.features': z.strictObject({ files: z.array(absolutePath).min(1).max(10_000), runId: id.optional() }),

  'review.page': z.strictObject({ ...reviewQuery, offset: z.int().min(0), limit: z.int().min(1).max(MAX_PAGE, `at most ${MAX_PAGE} items a page`) }),
  'review.scores': z.strictObject({ runId: id.optional() }),
  'images.get': z.strictObject({ imageId: id }),

  // The desktop shell's native dialogs (contract/shell.ts).
  ...SHELL_SCHEMAS,
} satisfies { [M in Method]: z.ZodType };

export type ApiSchemas = typeof API_SCHEMAS;

// ---- checking -------------------------------------------------------------------------------

/** The number schema at `path` inside `schema` (through objects, arrays, optional, nullable, default), or null. */
function numberAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodNumber | null {
  let s: unknown = schema;
  let i = 0;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) s = s.unwrap();
    else if (i === path.length) return s instanceof z.ZodNumber ? s : null;
    else if (s instanceof z.ZodObject && typeof path[i] === 'string') s = (s.shape as Record<string, unknown>)[path[i++] as string];
    else if (s instanceof z.ZodArray && typeof path[i] === 'number') {
      s = s.element;
      i++;
    }
    else return null;
  }
}

/** The range a number schema accepts, from its checks (the tighter bound where there are two). */
function numberRange(n: z.ZodNumber): ArgumentDetail['range'] {
  const range: NonNullable<ArgumentDetail['range']> = {};
  for (const c of n._zod.def.checks ?? []) {
    const def = c._zod.def as { check: string; value?: unknown; inclusive?: boolean };
    if (typeof def.value !== 'number') continue;
    const bound = { value: def.value, inclusive: def.inclusive !== false };
    if (def.check === 'greater_than' && (!range.min || bound.value > range.min.value || (bound.value === range.min.value && !bound.inclusive))) range.min = bound;
    if (def.check === 'less_than' && (!range.max || bound.value < range.max.value || (bound.value === range.max.value && !bound.inclusive))) range.max = bound;
  }
  return range.min || range.max ? range : undefined;
}

/** What an issue is about, in parts; a number out of its range also says the range. */
function issueDetail(method: string, schema: z.ZodType, issue: z.core.$ZodIssue): ArgumentDetail {
  const path = issue.path.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number');
  const detail: ArgumentDetail = { method, path, reason: issue.message };
  if ((issue.code === 'too_big' || issue.code === 'too_small') && issue.origin === 'number') {
    const n = numberAt(schema, path);
    const range = n && numberRange(n);
    if (range) detail.range = range;
  }
  return detail;
}

/**
 * `args` checked against `schema` for `method` (unknown fields refused, nothing coerced). Throws
 * a QcError `invalid_argument` whose message names the method and the wrong fields (at most
 * three), e.g. `ml.setThreshold: threshold: must be a number, not a list` (argumentWords.ts), and
 * whose `detail` is the first of them in parts (for a screen that words it for a curator).
 */
export function checkArgs<T>(method: string, schema: z.ZodType<T>, args: unknown, opts: { isAbsolute?: AbsoluteRule } = {}): T {
  const outer = platformAbsolute;
  platformAbsolute = opts.isAbsolute;
  let r: z.ZodSafeParseResult<T>;
  try {
    r = schema.safeParse(args ?? {}, { error: argumentIssueWords });
  } finally {
    platformAbsolute = outer;
  }
  if (r.success) return r.data;
  const details = r.error.issues.map((issue) => issueDetail(method, schema, issue));
  const shown = details.slice(0, 3).map((d) => `${fieldPath(d.path)}: ${d.reason}`);
  const more = details.length > 3 ? ` (and ${details.length - 3} more)` : '';
  throw invalidArgument(details[0] ?? { method, path: [], reason: 'invalid arguments' }, `${method}: ${shown.join('; ') || 'args: invalid arguments'}${more}`);
}

/**
 * The checked arguments of `method` ({@link checkArgs} with the method's schema). The core passes
 * its platform's `isAbsolute`, so a local path must also be absolute where it will be read.
 */
export function parseArgs<M extends Method>(method: M, args: unknown, opts: { isAbsolute?: AbsoluteRule } = {}): ArgsOf<M> {
  const schema = (API_SCHEMAS as Record<string, z.ZodType>)[method];
  if (!schema) throw new QcError('unknown_method', `no such method: ${String(method)}`);
  return checkArgs(method, schema, args, opts) as ArgsOf<M>;
}

/**
 * Check one value against a schema for a command-line option and return it; a wrong value is an
 * `invalid_argument` error naming the option (`--retries: must be an integer ≥ 0, got "abc"`).
 * Used by the CLI so its options obey the same schemas as the API.
 */
export function parseOption<T>(option: string, schema: z.ZodType<T>, value: unknown, given: string): T {
  const r = schema.safeParse(value, { error: optionIssueWords });
  if (r.success) return r.data;
  throw new QcError('invalid_argument', `${option}: ${r.error.issues[0]?.message ?? 'invalid value'}, got "${given}"`);
}

// ---- the contract and the schemas agree (compile time) --------------------------------------

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Agrees<M extends Method> = Same<keyof z.output<ApiSchemas[M]>, keyof ArgsOf<M>> extends true ? Same<z.output<ApiSchemas[M]>, ArgsOf<M>> : false;
/** Methods whose schema is missing or disagrees with handlers.ts (never, when all is well). */
export type SchemaMismatch = { [M in Method]: Agrees<M> extends true ? never : M }[Method];
/** Fails to compile, naming the method, when a schema is missing or differs from the contract. */
export const SCHEMAS_MATCH_CONTRACT: [SchemaMismatch] extends [never] ? true : { schemaMismatchIn: SchemaMismatch } = true;
