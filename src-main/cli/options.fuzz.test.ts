/** Fuzz: qc's option parsers give a value the API schema accepts, or one invalid_argument naming the option. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QcError } from '../../src-shared/contract/errors';
import { API_SCHEMAS, probability, trainOptions } from '../../src-shared/contract/schemas';
import { FUZZ_TIMEOUT_MS, fuzzParams } from '../../test-support/fuzz';
import { numberOption } from './options';

const OPTIONS = [
  ['--retries', API_SCHEMAS['library.import'].shape.retries],
  ['--concurrency', API_SCHEMAS['library.import'].shape.concurrency],
  ['--timeout', API_SCHEMAS['library.import'].shape.timeoutMs],
  ['--threshold', probability],
  ['--dropout', trainOptions.dropout],
  ['--epochs', trainOptions.epochs],
] as const;

describe('fuzz: option values', () => {
  it(
    'parse to a schema-valid number or fail with one clear line',
    () => {
      const text = fc.oneof(fc.string({ maxLength: 12 }), fc.double().map(String), fc.integer().map(String), fc.constantFrom('0x10', '1e3', '-0', '+5', ' 3 ', '', 'Infinity', 'NaN', '1_000'));
      fc.assert(
        fc.property(fc.constantFrom(...OPTIONS), text, ([flag, schema], t) => {
          try {
            const v = numberOption(flag, schema)(t);
            expect(schema.safeParse(v).success).toBe(true);
          } catch (e) {
            expect(e).toBeInstanceOf(QcError);
            expect((e as QcError).code).toBe('invalid_argument');
            expect((e as QcError).message.startsWith(`${flag}: `)).toBe(true);
            expect((e as QcError).message).not.toMatch(/\n/);
          }
        }),
        fuzzParams(500),
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});
