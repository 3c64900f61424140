/**
 * A list downloaded from a public host may name only public addresses: a real HTTP server on
 * 127.0.0.1 stands for both the public host and the user's network, reached through names that the
 * test's own lookup resolves (as DNS or /etc/hosts would), never through the system's resolver.
 */
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { devRatings } from '../../../test-support/fixtures';
import { useTempLibrary } from '../../../test-support/devLibrary';

const PHOTOS = devRatings()
  .slice(0, 4)
  .map(([, url]) => path.basename(url));

/**
 * `public.example` has a public address too (192.0.2.1, listed second: the list's own download,
 * which the user chose and nothing guards, connects to the first, the test server); `far.example`
 * is only public (unreachable here); `inside.example` and `lan.example` resolve only to 127.0.0.1.
 * Everything else resolves as the system says.
 */
const NAMES: Record<string, { address: string; family: number }[]> = {
  'public.example': [
    { address: '127.0.0.1', family: 4 },
    { address: '192.0.2.1', family: 4 },
  ],
  'far.example': [{ address: '192.0.2.1', family: 4 }],
  'inside.example': [{ address: '127.0.0.1', family: 4 }],
  'lan.example': [{ address: '127.0.0.1', family: 4 }],
};
const lookup: LookupFunction = (hostname, options, callback) => {
  const found = NAMES[hostname];
  if (!found) return dns.lookup(hostname, options, callback);
  if (options.all) callback(null, found);
  else callback(null, found[0]!.address, found[0]!.family);
};

describe('URLs named by a list downloaded over HTTP', () => {
  const lib = useTempLibrary({ serve: {}, lookup });
  let port: string;
  const serveList = (route: string, urls: string[]) =>
    lib.server.override(route, (res) => {
      res.writeHead(200, { 'content-type': 'text/tab-separated-values' });
      res.end(['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', ...urls.map((u, i) => `${100 + i}\t${u}\t${i % 2 ? 4.5 : 1.5}\t{}`)].join('\n') + '\n');
    });

  beforeAll(async () => {
    port = new URL(lib.server.base).port;
  });

  it('from a public host: a local or private address, as written or as resolved, is refused before any request', async () => {
    serveList('/public/image_ratings.txt', [
      `http://far.example:${port}/img/${PHOTOS[0]}`,
      `http://127.0.0.1:${port}/img/${PHOTOS[1]}`,
      `http://localhost:${port}/img/${PHOTOS[2]}`,
      `http://inside.example:${port}/img/${PHOTOS[3]}`,
      `http://[::ffff:7f00:1]:${port}/img/${PHOTOS[3]}?v6`,
    ]);
    const s = await lib.core.call('library.import', { source: `http://public.example:${port}/public/image_ratings.txt`, retries: 0, timeoutMs: 2000 });
    const { private_refused: refused, ...rest } = s.failures_by_reason;
    expect(refused).toBe(4);
    // The public address was tried (it is unreachable from here: a timeout or a network failure).
    expect(Object.keys(rest).length === 1 && (rest.timeout === 1 || rest.network === 1)).toBe(true);
    // None of the refused URLs reached the server.
    for (const p of PHOTOS) expect(lib.server.hits.get(`/img/${p}`) ?? 0).toBe(0);
    const failures = await lib.core.call('library.failures', { limit: 10 });
    const why = failures.failures.map((f) => f.detail).join('\n');
    expect(why).toMatch(/127\.0\.0\.1:\d+\): refused/);
    expect(why).toMatch(/inside\.example resolves to 127\.0\.0\.1/);
  });

  it('a retry keeps them refused: the failures still belong to the public list', async () => {
    const s = await lib.core.call('library.retryFailed', { retries: 0, timeoutMs: 2000 });
    expect(s.failures_by_reason.private_refused).toBe(4);
    for (const p of PHOTOS.slice(1)) expect(lib.server.hits.get(`/img/${p}`) ?? 0).toBe(0);
  });

  it('from a host in the user network (written as such, or resolving only there): any host may be named', async () => {
    // New URLs (the ones refused above are not tried again without a retry).
    serveList('/lan/image_ratings.txt', [`http://127.0.0.1:${port}/img/${PHOTOS[1]}?lan`, `http://inside.example:${port}/img/${PHOTOS[2]}?lan`]);
    const s = await lib.core.call('library.import', { source: `http://lan.example:${port}/lan/image_ratings.txt`, retries: 0 });
    expect(s.failures_by_reason).toEqual({});
    expect(s.images_new + s.images_existing).toBe(2);
    expect(lib.server.hits.get(`/img/${PHOTOS[1]}`)).toBe(1);
    expect(lib.server.hits.get(`/img/${PHOTOS[2]}`)).toBe(1);
  });
});
