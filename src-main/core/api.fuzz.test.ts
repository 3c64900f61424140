/**
 * Fuzz: the API. Any arguments to any method are either accepted by its schema or refused with
 * `invalid_argument`; through a real core and the transport session, calls with arbitrary
 * arguments answer a result or a clear error, never `internal` (an unexpected exception), and the
 * library stays consistent.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QcError } from '../../src-shared/contract/errors';
import { API_SCHEMAS, parseArgs } from '../../src-shared/contract/schemas';
import type { Method } from '../../src-shared/contract/handlers';
import type { ServerMessage } from '../../src-shared/contract/transport';
import { DEV_IMAGES, tempDir } from '../../test-support/fixtures';
import { FUZZ_TIMEOUT_MS, fuzzParams } from '../../test-support/fuzz';
import { createCore, type Core } from './app';
import { CallSession } from './session';

const METHODS = Object.keys(API_SCHEMAS) as Method[];
/** Methods that touch only the library itself (no paths, no downloads, no long jobs). */
const SAFE: Method[] = ['library.status', 'library.failures', 'labels.set', 'labels.undo', 'labels.getRule', 'labels.setRule', 'ml.runs', 'ml.run', 'ml.setActive', 'ml.labelIssues', 'ml.setThreshold', 'review.page', 'review.scores', 'images.get'].filter((m) => m in API_SCHEMAS) as Method[];

const value = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, -1, 0.5, 1.5, 1e9, Number.NaN, Infinity, null, true, false, '', '1', 'good', 'bad', 'none', 'any', 'all', 'asc', 'confidence', '%', "'", [], [1], [1, 2, 3], ['1'], { bad: [1], good: [5], exemplar: 'good' }, { bad: [1, 2], good: [2], exemplar: null }),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 10 }),
  fc.array(fc.integer({ min: -2, max: 6 }), { maxLength: 4 }),
);
const argsFor = (m: Method) => {
  const shape = (API_SCHEMAS[m] as unknown as { shape?: Record<string, unknown> }).shape ?? {};
  return fc.oneof(fc.dictionary(fc.constantFrom(...Object.keys(shape), 'extra'), value, { maxKeys: 4 }), fc.anything({ maxDepth: 2 }));
};
const call = fc.constantFrom(...METHODS).chain((m) => fc.tuple(fc.constant(m), argsFor(m)));
const safeCall = fc.constantFrom(...SAFE).chain((m) => fc.tuple(fc.constant(m), argsFor(m)));

describe('fuzz: the API', () => {
  let dir: string;
  let core: Core;

  beforeAll(async () => {
    dir = tempDir();
    const photos = path.join(dir, 'photos');
    fs.mkdirSync(photos);
    for (const n of [9000001, 9000002, 9000003]) fs.copyFileSync(path.join(DEV_IMAGES, `${n}.jpg`), path.join(photos, `${n}.jpg`));
    core = createCore({ dataDir: path.join(dir, 'data'), ml: 'in-process' });
    await core.call('library.import', { source: photos });
  });
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(
    'every schema accepts or refuses with invalid_argument, nothing else',
    () => {
      fc.assert(
        fc.property(call, ([method, args]) => {
          try {
            parseArgs(method, args);
          } catch (e) {
            expect(e).toBeInstanceOf(QcError);
            expect((e as QcError).code).toBe('invalid_argument');
            expect((e as QcError).message.startsWith(`${method}: `)).toBe(true);
          }
        }),
        fuzzParams(1000),
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'calls over the transport session answer a result or a clear error, never internal',
    async () => {
      let id = 0;
      const session = (() => {
        const waiting = new Map<number, (m: ServerMessage) => void>();
        const s = new CallSession(core, (m) => {
          if ((m.type === 'result' || m.type === 'error') && waiting.has(m.id)) waiting.get(m.id)!(m);
        });
        return (method: string, args: unknown) =>
          new Promise<ServerMessage>((resolve) => {
            const n = ++id;
            waiting.set(n, resolve);
            s.call({ type: 'call', id: n, method, args });
          });
      })();
      await fc.assert(
        fc.asyncProperty(safeCall, async ([method, args]) => {
          const m = await session(method, args);
          if (m.type === 'error') expect(['invalid_argument', 'not_found', 'bad_input', 'conflict'], `${method} ${JSON.stringify(args)}: ${m.error.message}`).toContain(m.error.code);
        }),
        fuzzParams(300),
      );
      expect(core.context.db.pragma('integrity_check', { simple: true })).toBe('ok');
      const labels = core.context.db.prepare('SELECT COUNT(*) AS n FROM labels').get() as { n: number };
      expect(labels.n).toBe(3);
    },
    FUZZ_TIMEOUT_MS,
  );
});
