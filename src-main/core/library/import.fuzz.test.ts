/**
 * Fuzz: whole imports. Random list files (real photo URLs through a mirror, dead and local URLs,
 * broken escapes, junk) always end in a summary or one bad_input error, never leave an import
 * running, and their counts add up.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QcError } from '../../../src-shared/contract/errors';
import { DEV_IMAGES, DEV_URL_PREFIX } from '../../../test-support/fixtures';
import { DEV_MIRRORS, useTempLibrary } from '../../../test-support/devLibrary';
import { FUZZ_TIMEOUT_MS, fuzzParams } from '../../../test-support/fuzz';

const url = fc.oneof(
  fc.integer({ min: 9000001, max: 9000040 }).map((n) => `${DEV_URL_PREFIX}${n}.jpg`),
  fc.constantFrom(`${DEV_URL_PREFIX}%ZZ.jpg`, `${DEV_URL_PREFIX}`, `${DEV_URL_PREFIX}..%2F..%2Fetc%2Fpasswd`, 'http://127.0.0.1:9/x.jpg', 'file:///etc/passwd', 'file://host/x', 'file:///dev/zero', `file://${DEV_IMAGES}/9000001.jpg`, 'javascript:1', ''),
  fc.string({ maxLength: 12 }),
);
const rating = fc.oneof(fc.constantFrom('1', '2.5', '5', '0x3', '6', '', 'NaN'), fc.string({ maxLength: 4 }));
const row = fc.tuple(fc.string({ maxLength: 6 }), url, rating, fc.constantFrom('{}', '{"a":1}', 'nope', '')).map((c) => c.join('\t'));
const file = fc.oneof(
  fc.array(row, { maxLength: 8 }).map((rows) => ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', ...rows].join('\n')),
  fc.array(url, { maxLength: 8 }).map((us) => us.join('\n')),
  fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b).toString('latin1')),
);

describe('fuzz: imports', () => {
  const lib = useTempLibrary();

  it(
    'always end with a summary or one bad_input error, never running, counts adding up',
    async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(file, fc.boolean(), async (text, allowLocal) => {
          const list = path.join(lib.dir, `list-${++n}.txt`);
          fs.writeFileSync(list, text, 'latin1');
          try {
            const s = await lib.core.call('library.import', { source: list, mirrors: DEV_MIRRORS, allowLocal, timeoutMs: 300, retries: 0 });
            expect(s.failed).toBeLessThanOrEqual(s.urls);
            expect(s.images_new + s.images_existing).toBeLessThanOrEqual(s.urls - s.failed);
            expect(s.cancelled).toBe(false);
          } catch (e) {
            expect(e).toBeInstanceOf(QcError);
            expect((e as QcError).code).toBe('bad_input');
          } finally {
            fs.rmSync(list, { force: true });
          }
          expect(lib.core.context.db.prepare("SELECT COUNT(*) AS n FROM imports WHERE status <> 'done'").get()).toEqual({ n: 0 });
        }),
        fuzzParams(60),
      );
      expect(lib.core.context.db.pragma('integrity_check', { simple: true })).toBe('ok');
    },
    FUZZ_TIMEOUT_MS,
  );
});
