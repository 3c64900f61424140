/**
 * Redirects judged by where a name leads, not only by how it is written: a real HTTP server on
 * 127.0.0.1, reached through names that a lookup of the test's own resolves (as /etc/hosts or an
 * attacker's DNS would), never through the system's resolver.
 */
import dns from 'node:dns';
import fs from 'node:fs';
import type { LookupFunction } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_IMAGES, devRatings } from '../../../test-support/fixtures';
import { fetchFailure as failure } from '../../../test-support/fetchFailure';
import { startImageServer, type ImageServer } from '../../../test-support/image-server';
import { fetchBytes, fetchList, MAX_LIST_BYTES } from './fetch';

const PHOTO = path.basename(devRatings()[0]![1]);

/** `*.example` names resolve as `names` says (default 127.0.0.1); everything else as the system does. */
function lookupOf(names: Record<string, { address: string; family: number }[]> = {}): LookupFunction {
  return (hostname, options, callback) => {
    if (!hostname.endsWith('.example')) return dns.lookup(hostname, options, callback);
    const found = names[hostname] ?? [{ address: '127.0.0.1', family: 4 }];
    if (options.all) callback(null, found);
    else callback(null, found[0]!.address, found[0]!.family);
  };
}

describe('redirects to a name that resolves to a local address', () => {
  let server: ImageServer;
  let port: string;
  const photo = fs.readFileSync(path.join(DEV_IMAGES, PHOTO));

  beforeAll(async () => {
    server = await startImageServer({ imagesDir: DEV_IMAGES });
    port = new URL(server.base).port;
    const to = (route: string, host: string) =>
      server.override(route, (res) => {
        res.writeHead(302, { location: `http://${host}:${port}/img/${PHOTO}` });
        res.end();
      });
    to('/to-inside/a.jpg', 'inside.example');
    to('/to-mapped/a.jpg', 'mapped.example');
    to('/to-mixed/a.jpg', 'mixed.example');
    to('/to-far/a.jpg', 'far.example');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses one from a public host before connecting, with the reason of the written-address check', async () => {
    const before = server.hits.get(`/img/${PHOTO}`) ?? 0;
    const e = await failure(fetchBytes(`http://public.example:${port}/to-inside/a.jpg`, { lookup: lookupOf(), retries: 2, backoffMs: 1 }));
    expect(e.reason).toBe('redirect_refused');
    expect(e.message).toMatch(/inside\.example resolves to 127\.0\.0\.1/);
    expect(e.retryable).toBe(false);
    // The redirect was asked once (not retried) and the picture never requested.
    expect(server.hits.get('/to-inside/a.jpg')).toBe(1);
    expect(server.hits.get(`/img/${PHOTO}`) ?? 0).toBe(before);
  });

  it('checks every address of the name, IPv4-mapped forms included', async () => {
    const lookup = lookupOf({
      'mapped.example': [{ address: '::ffff:127.0.0.1', family: 6 }],
      'mixed.example': [
        { address: '192.0.2.10', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ],
    });
    expect((await failure(fetchBytes(`http://public.example:${port}/to-mapped/a.jpg`, { lookup, retries: 0 }))).reason).toBe('redirect_refused');
    expect((await failure(fetchBytes(`http://public.example:${port}/to-mixed/a.jpg`, { lookup, retries: 0 }))).reason).toBe('redirect_refused');
  });

  it('lets a name that resolves to public addresses through (it is then simply unreachable here)', async () => {
    const lookup = lookupOf({ 'far.example': [{ address: '192.0.2.10', family: 4 }] });
    const e = await failure(fetchBytes(`http://public.example:${port}/to-far/a.jpg`, { lookup, retries: 0, timeoutMs: 500 }));
    expect(e.reason).not.toBe('redirect_refused');
    expect(['timeout', 'network']).toContain(e.reason);
  });

  it('still follows it from a local or private host (a local server, an intranet mirror)', async () => {
    const bytes = await fetchBytes(`${server.base}/to-inside/a.jpg`, { lookup: lookupOf(), retries: 0 });
    expect(bytes.equals(photo)).toBe(true);
  });

  it('does not judge the first request by DNS: a list may name a local host by any name', async () => {
    const bytes = await fetchBytes(`http://public.example:${port}/img/${PHOTO}`, { lookup: lookupOf(), retries: 0 });
    expect(bytes.equals(photo)).toBe(true);
  });

  it('still refuses a local host as written (localhost), with the system resolver', async () => {
    server.override('/to-localhost/a.jpg', (res) => {
      res.writeHead(302, { location: `http://localhost:${port}/img/${PHOTO}` });
      res.end();
    });
    const e = await failure(fetchBytes(`http://public.example:${port}/to-localhost/a.jpg`, { lookup: lookupOf(), retries: 0 }));
    expect(e.reason).toBe('redirect_refused');
    expect(e.message).toMatch(/localhost/);
  });
});

describe('what a body may be, and a redirect that names nowhere', () => {
  let server: ImageServer;
  beforeAll(async () => {
    server = await startImageServer({ imagesDir: DEV_IMAGES });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('files a 3xx without a Location as a redirect that cannot be followed, not as a 4xx refusal, and does not retry it', async () => {
    for (const status of [301, 302, 307]) {
      server.override(`/nowhere-${status}.jpg`, (res) => {
        res.writeHead(status);
        res.end();
      });
      const e = await failure(fetchBytes(`${server.base}/nowhere-${status}.jpg`, { retries: 2, backoffMs: 1 }));
      expect(e.reason).toBe('redirect_refused');
      expect(e.message).toBe(`HTTP ${status}, a redirect without a Location header: nowhere to follow`);
      expect(server.hits.get(`/nowhere-${status}.jpg`)).toBe(1);
    }
  });

  it('takes a list over a picture\'s 64 MB (up to the lists\' limit), and says a limit in megabytes', async () => {
    const list = Buffer.alloc(65 * 2 ** 20, 'https://example.org/a.jpg\n');
    server.override('/big-list.txt', (res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': list.length });
      res.end(list);
    });
    const got = await fetchList(`${server.base}/big-list.txt`, { retries: 0 });
    expect(got.bytes.length).toBe(list.length);
    expect(MAX_LIST_BYTES).toBeGreaterThan(list.length);
    // A picture stops at its own limit, said as a size a curator reads.
    const e = await failure(fetchBytes(`${server.base}/big-list.txt`, { retries: 0 }));
    expect(e.reason).toBe('too_large');
    expect(e.message).toBe('Content-Length 68,157,440 bytes is over the limit of 64 MB');
    server.override('/chunked-list.txt', (res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }); // no length: chunked
      res.write(list.subarray(0, 2 ** 20));
      res.end(list.subarray(2 ** 20, 3 * 2 ** 20));
    });
    const f = await failure(fetchList(`${server.base}/chunked-list.txt`, { retries: 0, maxBytes: 2 ** 20 }));
    expect(f).toMatchObject({ reason: 'too_large', message: 'the body is over the limit of 1 MB' });
  });
});
