/**
 * Whether a downloaded list may name the user's network is decided by where the list was served
 * from, once, and kept with its failures for retries: a real HTTP server on 127.0.0.1 stands for
 * both the public host and the user's network, reached through names that the test's own lookup
 * resolves (as an attacker's DNS would: its answers change between calls), never through the
 * system's resolver.
 */
import dns from 'node:dns';
import fs from 'node:fs';
import type { LookupFunction } from 'node:net';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { openDatabase } from '../db/open';
import { MIGRATIONS } from '../db/migrations';
import { startImageServer } from '../../../test-support/image-server';
import { DEV_IMAGES, devRatings, tempDir } from '../../../test-support/fixtures';
import { useTempLibrary } from '../../../test-support/devLibrary';

const PHOTOS = devRatings()
  .slice(0, 4)
  .map(([, url]) => path.basename(url));

const LOCAL = [{ address: '127.0.0.1', family: 4 }];
/** The test server first, then a public address (unreachable here): what a public name may answer. */
const MIXED = [...LOCAL, { address: '192.0.2.1', family: 4 }];

/** What each name answers now (the tests change it); everything else resolves as the system says. */
const names: Record<string, { address: string; family: number }[]> = {
  'mixed.example': MIXED,
  'lan.example': LOCAL,
};
const lookup: LookupFunction = (hostname, options, callback) => {
  const found = names[hostname];
  if (!found) return dns.lookup(hostname, options, callback);
  if (options.all) callback(null, found);
  else callback(null, found[0]!.address, found[0]!.family);
};

const listOf = (urls: string[]) => ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', ...urls.map((u, i) => `${100 + i}\t${u}\t1.5\t{}`)].join('\n') + '\n';

describe('where a downloaded list came from', () => {
  const lib = useTempLibrary({ serve: {}, lookup });
  let port: string;
  let local: string;
  const serveList = (route: string, urls: () => string[], after?: () => void) =>
    lib.server.override(route, (res) => {
      res.writeHead(200, { 'content-type': 'text/tab-separated-values' });
      res.end(listOf(urls()));
      after?.();
    });
  const hits = (p: string) => lib.server.hits.get(`/img/${p}`) ?? 0;

  beforeAll(async () => {
    port = new URL(lib.server.base).port;
    local = `http://127.0.0.1:${port}`;
  });

  it('DNS rebinding: a name that answers public while the list downloads and 127.0.0.1 after is still a public host', async () => {
    names['rebind.example'] = MIXED;
    // TTL 0: once the list is served, the name answers only 127.0.0.1.
    serveList('/rebind/list.tsv', () => [`${local}/img/${PHOTOS[0]}`], () => (names['rebind.example'] = LOCAL));
    const s = await lib.core.call('library.import', { source: `http://rebind.example:${port}/rebind/list.tsv`, retries: 0, timeoutMs: 2000 });
    expect(s.failures_by_reason).toEqual({ private_refused: 1 });
    expect(hits(PHOTOS[0]!)).toBe(0);
  });

  it('a retry keeps the rule the import decided, though the name now resolves only to 127.0.0.1', async () => {
    expect(names['rebind.example']).toBe(LOCAL);
    const s = await lib.core.call('library.retryFailed', { retries: 0, timeoutMs: 2000 });
    expect(s.failures_by_reason).toEqual({ private_refused: 1 });
    expect(hits(PHOTOS[0]!)).toBe(0);
  });

  it('a local list URL that redirects to a public host: the list is the public host’s', async () => {
    lib.server.override('/go/list.tsv', (res) => {
      res.writeHead(302, { location: `http://mixed.example:${port}/public/list.tsv` });
      res.end();
    });
    serveList('/public/list.tsv', () => [`${local}/img/${PHOTOS[1]}?via-redirect`]);
    const s = await lib.core.call('library.import', { source: `${local}/go/list.tsv`, retries: 0, timeoutMs: 2000 });
    expect(s.failures_by_reason).toEqual({ private_refused: 1 });
    expect(lib.server.hits.get('/public/list.tsv')).toBe(1);
    expect(hits(PHOTOS[1]!)).toBe(0);
  });

  it('a list served from the user network keeps its freedom at a retry, though its name now resolves publicly too', async () => {
    const photo = fs.readFileSync(path.join(DEV_IMAGES, PHOTOS[2]!));
    let asked = 0;
    // Down at the import, up at the retry.
    lib.server.override('/flaky.jpg', (res) => {
      if (asked++ === 0) {
        res.writeHead(503);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      res.end(photo);
    });
    serveList('/lan/list.tsv', () => [`${local}/flaky.jpg?lan`]);
    const first = await lib.core.call('library.import', { source: `http://lan.example:${port}/lan/list.tsv`, retries: 0, timeoutMs: 2000 });
    expect(first.failures_by_reason).toEqual({ http_5xx: 1 });
    names['lan.example'] = MIXED;
    try {
      const s = await lib.core.call('library.retryFailed', { retries: 0, timeoutMs: 2000 });
      // The URLs of the rebound and the redirected public lists stay refused; the intranet list's is fetched.
      expect(s.failures_by_reason).toEqual({ private_refused: 2 });
      expect(s.images_new).toBe(1);
      expect(asked).toBe(2);
    } finally {
      names['lan.example'] = LOCAL;
    }
  });
});

describe('failures recorded before the rule was kept with them (migration 16)', () => {
  it('a retry holds a named list host to public addresses; a list host written as local stays free', async () => {
    const server = await startImageServer({ imagesDir: DEV_IMAGES });
    const port = new URL(server.base).port;
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    fs.mkdirSync(dataDir, { recursive: true });
    try {
      const v15 = openDatabase(path.join(dataDir, 'library.sqlite'), { migrations: MIGRATIONS.filter((m) => m.version <= 15) });
      const fail = v15.prepare("INSERT INTO failures (url, file, line, reason, detail, stage) VALUES (?, ?, 2, 'timeout', 'no complete answer', 'fetch')");
      // lan.example resolves only to 127.0.0.1 now; where its list came from then is not known.
      fail.run(`http://127.0.0.1:${port}/img/${PHOTOS[0]}?named`, `http://lan.example:${port}/old/list.tsv`);
      fail.run(`http://127.0.0.1:${port}/img/${PHOTOS[1]}?written`, `http://127.0.0.1:${port}/old/list.tsv`);
      v15.close();
      const core = createCore({ dataDir, lookup });
      try {
        const db = core.context.db;
        expect(db.prepare("SELECT public_only FROM failures WHERE stage = 'fetch'").pluck().all()).toEqual([null, null]);
        const s = await core.call('library.retryFailed', { retries: 0, timeoutMs: 2000 });
        expect(s.failures_by_reason).toEqual({ private_refused: 1 });
        expect(s.images_new).toBe(1);
        expect(server.hits.get(`/img/${PHOTOS[0]}`) ?? 0).toBe(0);
        expect(server.hits.get(`/img/${PHOTOS[1]}`)).toBe(1);
        // The retry recorded the rule it applied.
        expect(db.prepare("SELECT public_only FROM failures WHERE stage = 'fetch'").pluck().all()).toEqual([1]);
      } finally {
        await core.close();
      }
    } finally {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
