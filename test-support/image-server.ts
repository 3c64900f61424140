/**
 * A real HTTP server on 127.0.0.1 for tests and benchmarks: it serves real photos and, on
 * purpose, misbehaves the ways image hosts do (404, 500-then-200, stalls, HTML error pages with an
 * image content type, truncated JPEGs, empty bodies, redirect loops, connection resets, a huge PNG).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import sharp from 'sharp';

export interface ImageServer {
  /** `http://127.0.0.1:PORT` */
  base: string;
  /** Requests seen, by path. */
  hits: Map<string, number>;
  totalHits(): number;
  /** Make a path answer differently from now on (e.g. a fixed 404). */
  override(pathname: string, handler: (res: http.ServerResponse) => void): void;
  close(): Promise<void>;
}

export interface ImageServerOptions {
  /** Folder served under /img/<name>. */
  imagesDir: string;
  /** Delay before answering each /img/ request (for kill tests). */
  delayMs?: number;
}

let hugePng: Promise<Buffer> | null = null;
/** A 10,000 × 10,000 PNG (100 megapixels) that compresses to a few hundred KB: a decompression bomb. */
export function hugePngBytes(): Promise<Buffer> {
  hugePng ??= sharp({ create: { width: 10_000, height: 10_000, channels: 3, background: { r: 40, g: 120, b: 40 } } })
    .png({ compressionLevel: 9 })
    .toBuffer();
  return hugePng;
}

export async function startImageServer(opts: ImageServerOptions): Promise<ImageServer> {
  const hits = new Map<string, number>();
  const overrides = new Map<string, (res: http.ServerResponse) => void>();
  const sockets = new Set<Socket>();
  const huge = await hugePngBytes();
  const readImage = (name: string) => fs.readFileSync(path.join(opts.imagesDir, path.basename(name)));

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    const n = (hits.get(p) ?? 0) + 1;
    hits.set(p, n);
    const [, route, name = ''] = p.split('/');
    const send = (status: number, body: Buffer | string, type = 'image/jpeg') => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    const override = overrides.get(p);
    if (override) return override(res);
    switch (route) {
      case 'img': {
        const go = () => {
          try {
            send(200, readImage(name));
          } catch {
            send(404, 'not found', 'text/plain');
          }
        };
        return opts.delayMs ? void setTimeout(go, opts.delayMs) : go();
      }
      case '404':
        return send(404, '<html><body>Not Found</body></html>', 'text/html');
      case 'flaky': // 500 on the first request, then the image
        return n === 1 ? send(500, 'Internal Server Error', 'text/plain') : send(200, readImage(name));
      case 'down': // always 503
        return send(503, 'Service Unavailable', 'text/plain');
      case 'stall': // headers and a few bytes, then nothing
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': '100000' });
        res.write(readImage(name).subarray(0, 100));
        return;
      case 'html': // an error page that claims to be a JPEG
        return send(200, '<!DOCTYPE html>\n<html><head><title>Error</title></head><body>Temporarily unavailable</body></html>');
      case 'truncated': {
        const bytes = readImage(name);
        return send(200, bytes.subarray(0, Math.floor(bytes.length / 2)));
      }
      case 'empty':
        return send(200, Buffer.alloc(0));
      case 'text':
        return send(200, 'id,name\n1,owl\n', 'text/csv');
      case 'loop': // /loop/a → /loop2/a → /loop/a …
        res.writeHead(302, { location: `/loop2/${name}` });
        return res.end();
      case 'loop2':
        res.writeHead(302, { location: `/loop/${name}` });
        return res.end();
      case 'redirect': // one hop to the real image
        res.writeHead(301, { location: `/img/${name}` });
        return res.end();
      case 'huge.png':
        return send(200, huge, 'image/png');
      case 'reset':
        return req.socket.destroy();
      case 'list': // serve a file from the images dir as text (a list file)
        return send(200, readImage(name), 'text/plain');
      default:
        return send(404, 'no route', 'text/plain');
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    hits,
    totalHits: () => [...hits.values()].reduce((a, b) => a + b, 0),
    override: (p, h) => void overrides.set(p, h),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Write an EOL ratings file: `rows` are [id, url, rating, ancestry?]. */
export function writeRatingsFile(file: string, rows: [string, string, number, string?][]): void {
  const lines = ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', ...rows.map(([id, url, r, a]) => `${id}\t${url}\t${r}\t${a ?? '{}'}`)];
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}
