/**
 * Any value in any field of a call or cancel message, as a WebSocket (JSON) or IPC (structured
 * clone) delivers it, through a CallSession over a real core: the session never throws (a throw
 * would run inside the transport's listener and end `qc serve` or the app), and every call with a
 * well-formed id gets exactly one answer. Audit 3, finding 1: `{"method":{"toString":1}}` made
 * `String()` throw while the error was being worded.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../src-shared/contract/transport';
import { tempDir } from '../../test-support/fixtures';
import { createCore, type Core } from './app';
import { CallSession, shownValue } from './session';

let dir: string;
let core: Core;

beforeAll(() => {
  dir = tempDir();
  core = createCore({ dataDir: path.join(dir, 'data'), ml: 'in-process' });
});
afterAll(async () => {
  await core?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

type Answer = Extract<ServerMessage, { type: 'result' | 'error' }>;

function session(): { s: CallSession; answers: Answer[] } {
  const answers: Answer[] = [];
  const s = new CallSession(core, (m) => {
    if (m.type === 'result' || m.type === 'error') answers.push(m);
  });
  return { s, answers };
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Values that break a careless `String()`, template or `+ ''`. */
const TRAPS: (() => unknown)[] = [
  () => JSON.parse('{"toString":1}'),
  () => JSON.parse('[{"toString":1}]'),
  () => JSON.parse('{"toString":{},"valueOf":[]}'),
  () => JSON.parse('{"__proto__":{"toString":1}}'),
  () => JSON.parse('{"constructor":{"prototype":{"toString":1}},"hasOwnProperty":1}'),
  () => Object.create(null),
  () => ({ [Symbol.toPrimitive]: 1 }),
  () => ({
    [Symbol.toPrimitive]() {
      throw new Error('no');
    },
  }),
  () => ({
    toString() {
      throw new Error('no');
    },
    valueOf() {
      throw new Error('no');
    },
  }),
  () => Symbol('s'),
  () => 10n,
  () => JSON.parse(`${'['.repeat(50_000)}${']'.repeat(50_000)}`),
  () => JSON.parse(`${'{"toString":'.repeat(20_000)}1${'}'.repeat(20_000)}`),
];

const trap = fc.constantFrom(...TRAPS).map((make) => make());
const trapKey = fc.constantFrom('toString', 'valueOf', '__proto__', 'constructor', 'hasOwnProperty', 'then', 'id', 'type', 'method', 'args');
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  trap,
  fc.dictionary(trapKey, fc.oneof(fc.jsonValue({ maxDepth: 2 }), trap), { maxKeys: 4 }),
  fc.array(trap, { maxLength: 3 }),
  fc.integer({ min: 10_000, max: 1_000_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 1_000, max: 200_000 }).map((n) => JSON.parse(`${'{"a":'.repeat(n % 5_000)}${JSON.stringify('y'.repeat(n))}${'}'.repeat(n % 5_000)}`)),
);

/** Methods that only read (a random well-formed call must not import or export anything). */
const READ_ONLY = ['library.status', 'library.failures', 'library.sources', 'labels.getRule', 'ml.runs', 'review.page', 'images.get'];

const ABSENT = Symbol('absent');
const field = <T>(sane: fc.Arbitrary<T>) => fc.oneof(sane, hostile, fc.constant(ABSENT));
/** A hostile id never looks like a good one (a good id is given below, one per message). */
const badId = fc.oneof(hostile.filter((v) => !(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)), fc.integer({ min: -1000, max: -1 }), fc.constant(-0));

interface Planned {
  msg: unknown;
  /** The id the session must answer, or null when it must answer with -1. */
  id: number | null;
}

const envelope: fc.Arbitrary<(nextId: () => number) => Planned> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      type: field(fc.constant('call')),
      id: fc.oneof(fc.constant('good' as const), badId, fc.constant(ABSENT)),
      method: field(fc.constantFrom(...READ_ONLY)),
      args: field(fc.constant({})),
    }),
  },
  // The whole message is not a call envelope at all (one without an `id` that could be taken for one).
  { weight: 1, arbitrary: hostile.filter((v) => !(typeof v === 'object' && v !== null && !Array.isArray(v) && 'id' in v)).map((msg) => ({ whole: msg })) },
).map((e) => (nextId: () => number): Planned => {
  if ('whole' in e) return { msg: e.whole, id: null };
  const id = e.id === 'good' ? nextId() : null;
  const msg: Record<string, unknown> = {};
  for (const [k, v] of Object.entries({ ...e, id: id ?? e.id })) if (v !== ABSENT) msg[k] = v;
  return { msg, id };
});

describe('CallSession: any envelope', () => {
  it('answers a method that cannot be turned into a string with unknown_method, and stays up (the audit case)', async () => {
    for (const method of [JSON.parse('{"toString":1}'), JSON.parse('[{"toString":1}]'), Object.create(null), { [Symbol.toPrimitive]: 1 }]) {
      const { s, answers } = session();
      expect(() => s.call({ type: 'call', id: 1, method })).not.toThrow();
      expect(answers).toEqual([{ type: 'error', id: 1, error: { code: 'unknown_method', message: expect.stringMatching(/^no such method: \(an? (object|array)\)$/) } }]);
      s.call({ type: 'call', id: 2, method: 'library.status', args: {} });
      await until(() => answers.length === 2);
      expect(answers[1]).toMatchObject({ type: 'result', id: 2 });
    }
  });

  it('names a string method in its error, cut short when it is huge', () => {
    const { s, answers } = session();
    s.call({ type: 'call', id: 1, method: 'x'.repeat(1_000_000) });
    const error = (answers[0] as Extract<Answer, { type: 'error' }>).error;
    expect(error.code).toBe('unknown_method');
    expect(error.message.length).toBeLessThan(300);
    expect(error.message).toContain('1,000,000 characters');
  });

  it('never throws, and answers every well-formed id exactly once (arbitrary envelopes)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(envelope, { minLength: 1, maxLength: 6 }), async (plans) => {
        const { s, answers } = session();
        let next = 1;
        const planned = plans.map((p) => p(() => next++));
        for (const p of planned) {
          expect(() => s.call(p.msg)).not.toThrow();
          if (p.id === null) expect(() => s.cancel(p.msg)).not.toThrow(); // cancels nothing of ours
        }
        const ids = planned.filter((p) => p.id !== null).map((p) => p.id);
        const anonymous = planned.length - ids.length;
        await until(() => answers.length >= planned.length && s.inFlight === 0);
        for (const id of ids) expect(answers.filter((a) => a.id === id), `answers to call ${id}`).toHaveLength(1);
        expect(answers.filter((a) => a.id === -1)).toHaveLength(anonymous);
        expect(answers).toHaveLength(planned.length);
        for (const a of answers) {
          if (a.type === 'error') {
            expect(typeof a.error.message).toBe('string');
            if (a.error.code === 'unknown_method') expect(a.error.message.length).toBeLessThan(300);
            expect(a.error.code).not.toBe('internal');
          }
        }
        await s.dispose(0);
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it('cancel never throws, whatever it is given', () => {
    const { s } = session();
    fc.assert(
      fc.property(hostile, (msg) => {
        expect(() => s.cancel(msg)).not.toThrow();
        expect(() => s.cancel({ type: 'cancel', id: msg })).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });
});

describe('shownValue', () => {
  it('never calls into a value and never throws', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, fc.anything()), (v) => {
        expect(typeof shownValue(v)).toBe('string');
      }),
      { numRuns: 300 },
    );
    for (const make of TRAPS) expect(typeof shownValue(make())).toBe('string');
  });

  it('writes strings and primitives as they are, and other values by their kind', () => {
    expect(shownValue('review.pages')).toBe('review.pages');
    expect(shownValue(42)).toBe('42');
    expect(shownValue(null)).toBe('null');
    expect(shownValue(undefined)).toBe('undefined');
    expect(shownValue([1])).toBe('(an array)');
    expect(shownValue({ toString: () => 'sneaky' })).toBe('(an object)');
  });
});
