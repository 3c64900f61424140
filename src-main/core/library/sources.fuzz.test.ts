/**
 * Fuzz: the URL policy. For any URL text, resolveSource either refuses it with a FetchFailure or
 * sends it to the network only as http(s) without a user name or password, to a mirror file only
 * inside the mirror, and to a local file only when local files are allowed; reading what it
 * resolves to never hangs or throws anything but a FetchFailure. The redirect rule never lets a
 * public host bounce to a private one.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUZZ_TIMEOUT_MS, fuzzParams } from '../../../test-support/fuzz';
import { tempDir } from '../../../test-support/fixtures';
import { FetchFailure } from './fetch';
import { checkRedirect, isInside, isPrivateHost, readLocalFile, resolveSource, type Resolved } from './sources';

let dir: string;
let mirror: string;
const PREFIX = 'https://m.example/p/';

beforeAll(() => {
  dir = tempDir();
  mirror = path.join(dir, 'mirror');
  fs.mkdirSync(path.join(mirror, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(mirror, 'a.jpg'), 'x');
  fs.writeFileSync(path.join(dir, 'outside.jpg'), 'secret');
  fs.symlinkSync(path.join(dir, 'outside.jpg'), path.join(mirror, 'out.jpg'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const segment = fc.oneof(fc.constantFrom('a.jpg', 'sub', 'out.jpg', '..', '.', '%2e%2e', '%2F', '%ZZ', '%00', '%', 'x%20y', ''), fc.string({ maxLength: 8 }));
const urlText = fc.oneof(
  fc.array(segment, { maxLength: 5 }).map((s) => PREFIX + s.join('/')),
  fc.tuple(fc.constantFrom('http', 'https', 'file', 'ftp', 'javascript', 'data', 'HTTP', 'FiLe', ''), fc.constantFrom('://', ':', ':///', '://localhost/', '://host/', '://user:pw@host/', '://u@host/', '://:@host/', '://host/@x/'), fc.array(segment, { maxLength: 4 })).map(([s, sep, p]) => s + sep + p.join('/')),
  fc.webUrl(),
  fc.webUrl({ authoritySettings: { withUserInfo: true } }),
  fc.string({ maxLength: 40 }),
);

describe('fuzz: the URL policy', () => {
  it(
    'refuses with a FetchFailure, or resolves only to what the policy allows',
    async () => {
      await fc.assert(
        fc.asyncProperty(urlText, fc.boolean(), async (url, allowLocal) => {
          let r: Resolved;
          try {
            r = resolveSource(url, { mirrors: [{ prefix: PREFIX, dir: mirror }], allowLocal });
          } catch (e) {
            expect(e).toBeInstanceOf(FetchFailure);
            return;
          }
          if (r.kind === 'http') {
            expect(r.url).toMatch(/^https?:/i);
            const u = new URL(r.url);
            expect(u.username + u.password).toBe('');
            return;
          }
          if (r.via === 'mirror') expect(isInside(mirror, fs.realpathSync(r.path))).toBe(true);
          else expect(allowLocal).toBe(true);
          try {
            const bytes = await readLocalFile(r.path, 1024);
            expect(bytes.length).toBeLessThanOrEqual(1024);
          } catch (e) {
            expect(e).toBeInstanceOf(FetchFailure);
          }
        }),
        fuzzParams(),
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'redirects: only http(s), and never from a public host to a private one',
    () => {
      const host = fc.oneof(fc.constantFrom('127.0.0.1', 'localhost', '[::1]', '10.1.2.3', '192.168.0.1', '169.254.169.254', '[fe80::1]', '[::ffff:127.0.0.1]', '0.0.0.0', 'example.org', '8.8.8.8', 'a.localhost'), fc.domain(), fc.ipV4(), fc.ipV6().map((h) => `[${h}]`));
      const url = fc.tuple(fc.constantFrom('http', 'https', 'file', 'ftp', 'data'), host).map(([s, h]) => `${s}://${h}/x`);
      fc.assert(
        fc.property(fc.tuple(fc.constantFrom('http', 'https'), host).map(([s, h]) => `${s}://${h}/`), url, (from, to) => {
          let allowed = true;
          try {
            checkRedirect(from, to);
          } catch (e) {
            expect(e).toBeInstanceOf(FetchFailure);
            allowed = false;
          }
          if (!allowed) return;
          const target = new URL(to);
          expect(['http:', 'https:']).toContain(target.protocol);
          if (isPrivateHost(target.hostname)) expect(isPrivateHost(new URL(from).hostname)).toBe(true);
        }),
        fuzzParams(),
      );
      expect(() => checkRedirect('https://example.org/', 'http://127.0.0.1:8080/')).toThrow(/private/);
      expect(() => checkRedirect('https://example.org/', 'http://[::ffff:7f00:1]/')).toThrow(/private/);
      expect(() => checkRedirect('http://127.0.0.1:1/', 'http://localhost:2/')).not.toThrow();
    },
    FUZZ_TIMEOUT_MS,
  );
});
