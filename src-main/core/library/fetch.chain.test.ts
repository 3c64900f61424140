/**
 * Redirect chains judged hop by hop, and where a list was served from: a real HTTP server on
 * 127.0.0.1 stands for every host, reached through names that a lookup of the test's own resolves
 * (as /etc/hosts or an attacker's DNS would), never through the system's resolver.
 */
import dns from 'node:dns';
import fs from 'node:fs';
import type { LookupFunction } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_IMAGES, devRatings } from '../../../test-support/fixtures';
import { fetchFailure as failure } from '../../../test-support/fetchFailure';
import { startImageServer, type ImageServer } from '../../../test-support/image-server';
import { fetchBytes, fetchList } from './fetch';

const PHOTO = path.basename(devRatings()[0]![1]);

/**
 * `public.example` is a public host by its spelling (the test server answers for it);
 * `mixed.example` resolves to the test server and to a public address (192.0.2.1);
 * `inside.example` only to 127.0.0.1; `nat64.example` to NAT64's form of 127.0.0.1.
 */
const NAMES: Record<string, { address: string; family: number }[]> = {
  'public.example': [{ address: '127.0.0.1', family: 4 }],
  'mixed.example': [
    { address: '127.0.0.1', family: 4 },
    { address: '192.0.2.1', family: 4 },
  ],
  'inside.example': [{ address: '127.0.0.1', family: 4 }],
  'nat64.example': [{ address: '64:ff9b::7f00:1', family: 6 }],
};
const lookup: LookupFunction = (hostname, options, callback) => {
  const found = NAMES[hostname];
  if (!found) return dns.lookup(hostname, options, callback);
  if (options.all) callback(null, found);
  else callback(null, found[0]!.address, found[0]!.family);
};

describe('a redirect chain that passes a public host', () => {
  let server: ImageServer;
  let port: string;
  let local: string;
  const photo = fs.readFileSync(path.join(DEV_IMAGES, PHOTO));
  const redirect = (route: string, to: () => string) =>
    server.override(route, (res) => {
      res.writeHead(302, { location: to() });
      res.end();
    });

  beforeAll(async () => {
    server = await startImageServer({ imagesDir: DEV_IMAGES });
    port = new URL(server.base).port;
    local = `http://127.0.0.1:${port}`;
    // An open redirect on a local host (an intranet page) that leads to a public host …
    redirect('/open', () => `http://public.example:${port}/bounce`);
    // … which redirects back into the user's network: by address, by a name, or through NAT64.
    redirect('/bounce', () => `${local}/img/${PHOTO}`);
    redirect('/open-to-name', () => `http://public.example:${port}/bounce-to-name`);
    redirect('/bounce-to-name', () => `http://inside.example:${port}/img/${PHOTO}`);
    redirect('/open-to-nat64', () => `http://public.example:${port}/bounce-to-nat64`);
    redirect('/bounce-to-nat64', () => `http://nat64.example:${port}/img/${PHOTO}`);
    // A local chain that stays local, and one that ends at a public host.
    redirect('/local-hop', () => `${local}/img/${PHOTO}`);
    redirect('/to-public-list', () => `http://mixed.example:${port}/list.tsv`);
    redirect('/to-local-list', () => `http://inside.example:${port}/list.tsv`);
    server.override('/list.tsv', (res) => {
      res.writeHead(200, { 'content-type': 'text/tab-separated-values' });
      res.end('obj_url\toverall_rating\n');
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses the public host redirecting into loopback, though the chain began at a local URL', async () => {
    const before = server.hits.get(`/img/${PHOTO}`) ?? 0;
    const e = await failure(fetchBytes(`${local}/open`, { lookup, retries: 0 }));
    expect(e.reason).toBe('redirect_refused');
    expect(e.message).toMatch(/from a public host to a local or private address \(127\.0\.0\.1:\d+\)/);
    expect(server.hits.get('/bounce')).toBe(1);
    expect(server.hits.get(`/img/${PHOTO}`) ?? 0).toBe(before);
  });

  it('judges every hop after it by where its name resolves, NAT64 forms of local addresses included', async () => {
    const before = server.hits.get(`/img/${PHOTO}`) ?? 0;
    const byName = await failure(fetchBytes(`${local}/open-to-name`, { lookup, retries: 0 }));
    expect(byName.reason).toBe('redirect_refused');
    expect(byName.message).toMatch(/inside\.example resolves to 127\.0\.0\.1/);
    const nat64 = await failure(fetchBytes(`${local}/open-to-nat64`, { lookup, retries: 0 }));
    expect(nat64.reason).toBe('redirect_refused');
    expect(nat64.message).toMatch(/nat64\.example resolves to 64:ff9b::7f00:1/);
    expect(server.hits.get(`/img/${PHOTO}`) ?? 0).toBe(before);
  });

  it('still follows a chain that stays in the user network', async () => {
    expect((await fetchBytes(`${local}/local-hop`, { lookup, retries: 0 })).equals(photo)).toBe(true);
  });

  it('fetchList: a list counts as local only when every connection and every address of its names was local', async () => {
    // Written local, and a name resolving only to 127.0.0.1 (also at the end of a local chain).
    expect((await fetchList(`${local}/list.tsv`, { lookup, retries: 0 })).fromPrivate).toBe(true);
    expect((await fetchList(`http://inside.example:${port}/list.tsv`, { lookup, retries: 0 })).fromPrivate).toBe(true);
    expect((await fetchList(`${local}/to-local-list`, { lookup, retries: 0 })).fromPrivate).toBe(true);
    // A name that also resolves to a public address may have been served from there.
    expect((await fetchList(`http://mixed.example:${port}/list.tsv`, { lookup, retries: 0 })).fromPrivate).toBe(false);
    // A local URL that redirects to a public host's list: the list came from the public host.
    const viaPublic = await fetchList(`${local}/to-public-list`, { lookup, retries: 0 });
    expect(viaPublic.fromPrivate).toBe(false);
    expect(viaPublic.bytes.toString()).toBe('obj_url\toverall_rating\n');
  });
});
