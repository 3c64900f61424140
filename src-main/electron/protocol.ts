/**
 * The `app://` scheme: `app://renderer/…` serves the built renderer, `app://files/<kind>/<id>` the
 * library's image files (no token: only our own pages can reach this scheme). The scheme must be
 * registered as privileged before the app is ready (`registerAppScheme`), handled after.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { protocol } from 'electron';
import type { Core } from '../core/app';
import { APP_SCHEME, resolveAppRequest } from './resolve';

/** Call before `app` is ready: app:// behaves like https (standard, secure origin, fetch, streaming). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } }]);
}

export function handleAppProtocol(opts: { rendererDir: string; core: Pick<Core, 'context'> }): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const r = await resolveAppRequest(request.url, request.method, opts);
    if (r.status !== 200) return new Response(request.method === 'HEAD' ? null : r.body, { status: r.status, headers: r.headers });
    const headers = { ...r.headers, 'Content-Length': String(r.size) };
    if (request.method === 'HEAD') {
      await r.handle?.close();
      return new Response(null, { status: 200, headers });
    }
    // An image file is streamed from the file opened and checked (resolve.ts), never opened again by path.
    const body = Readable.toWeb(r.handle ? r.handle.createReadStream() : fs.createReadStream(r.file)) as unknown as ReadableStream<Uint8Array>;
    return new Response(body, { status: 200, headers });
  });
}
