/**
 * A local HTTP server (127.0.0.1) where every picture is gone: each URL answers 404 (or `status`: a 503
 * for a server that keeps failing), so every row of
 * a bundle pointing at it is a recorded download failure while its rows are stored. Started before
 * the file's tests and closed after them; `base()` is its http://127.0.0.1:PORT.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

export function useGoneServer(status = 404): { base: () => string } {
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(status === 404 ? 'not found' : 'unavailable');
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { base: () => base };
}
