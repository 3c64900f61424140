/**
 * A response that names more content encodings than undici decodes (undici aborts it: "too many
 * content-encodings", limit 5) is the server's answer, not a network failure: it is filed as a bad
 * answer (`not_image`) at once, with no retry. A real HTTP server on 127.0.0.1 counts the requests.
 * Five layers, at undici's limit, still decode to the picture's bytes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchFailure as failure } from '../../../test-support/fetchFailure';
import { fetchBytes, fetchList } from './fetch';

const BODY = Buffer.from('not really a picture, but bytes to decode');
/** BODY gzipped `layers` times, and the Content-Encoding that says so. */
const encoded = (layers: number) => {
  let bytes = BODY;
  for (let i = 0; i < layers; i++) bytes = zlib.gzipSync(bytes);
  return { bytes, header: Array.from({ length: layers }, () => 'gzip').join(', ') };
};

describe('an answer with too many content encodings', () => {
  let server: http.Server;
  let base = '';
  const hits = new Map<string, number>();
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
      const layers = Number(/\/layers\/(\d+)/.exec(req.url!)?.[1] ?? 0);
      const { bytes, header } = encoded(layers);
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-encoding': header, 'content-length': bytes.length });
      res.end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('is a bad answer asked for once, not a network failure retried', async () => {
    const url = `${base}/layers/6/a.jpg`;
    let sent = 0;
    const e = await failure(fetchBytes(url, { retries: 3, backoffMs: 1, onRequest: () => sent++ }));
    expect(e.reason).toBe('not_image');
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/too many content-encodings/);
    expect(e.message).not.toMatch(/after \d+ attempts/);
    expect(hits.get('/layers/6/a.jpg')).toBe(1);
    expect(sent).toBe(1);
  });

  it('is the same for an input list (its own agents)', async () => {
    const e = await failure(fetchList(`${base}/layers/6/list.tsv`, { retries: 3, backoffMs: 1 }));
    expect(e.reason).toBe('not_image');
    expect(e.retryable).toBe(false);
    expect(hits.get('/layers/6/list.tsv')).toBe(1);
  });

  it("still reads an answer at undici's limit (five layers)", async () => {
    expect(await fetchBytes(`${base}/layers/5/b.jpg`, { retries: 3, backoffMs: 1 })).toEqual(BODY);
    expect(hits.get('/layers/5/b.jpg')).toBe(1);
  });
});
