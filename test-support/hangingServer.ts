/**
 * A local HTTP server (127.0.0.1) that accepts connections and never answers, for tests of a `qc`
 * process stopped while its downloads wait: `bundle(name)` writes a bundle of two of its URLs into
 * the test's folder, and `downloadsWaiting(before)` resolves once the server holds more connections
 * than `before` (the process is then past its rows, in its downloads).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { tempDir } from './fixtures';

export interface HangingServer {
  /** The test's folder (removed after the file's tests). */
  readonly dir: string;
  readonly server: http.Server;
  /** Connections the server holds now. */
  connections(): Promise<number>;
  /** `dir`/`name`.tsv: a bundle of two URLs the server never answers. */
  bundle(name: string): string;
  /** Waits (at most 30 s) until the server holds more than `before` connections; says whether it did. */
  downloadsWaiting(before: number): Promise<boolean>;
}

/** A hanging server and a folder for the tests of this file, made before them and closed after. */
export function useHangingServer(prefix: string): HangingServer {
  let port = 0;
  const s = {
    dir: '',
    server: http.createServer(() => undefined), // never answers
    connections: () => new Promise<number>((r) => s.server.getConnections((_e, n) => r(n))),
    bundle(name: string) {
      const file = path.join(s.dir, `${name}.tsv`);
      fs.writeFileSync(file, `eolMediaURL\nhttp://127.0.0.1:${port}/${name}/a.jpg\nhttp://127.0.0.1:${port}/${name}/b.jpg\n`);
      return file;
    },
    async downloadsWaiting(before: number) {
      const begun = Date.now();
      while ((await s.connections()) <= before && Date.now() - begun < 30_000) await setTimeout(100);
      return (await s.connections()) > before;
    },
  };
  beforeAll(async () => {
    s.dir = tempDir(prefix);
    await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
    port = (s.server.address() as AddressInfo).port;
  });
  afterAll(() => {
    s.server.closeAllConnections();
    s.server.close();
    if (s.dir) fs.rmSync(s.dir, { recursive: true, force: true });
  });
  return s;
}
