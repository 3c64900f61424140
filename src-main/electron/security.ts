/**
 * Electron's security checklist, applied: no permissions, no navigation away from the app, no new
 * windows (a link goes to the user's browser if it is plain http(s): links.ts), no <webview>, no downloads, no network requests from the renderer (the API is IPC, the
 * images are app://files), and a strict CSP on every page (set by the app:// protocol; for the
 * dev server's pages, here).
 */
import { app, shell, type Session } from 'electron';
import { externalLink } from './links';
import { allowedRequest } from './requests';
import { RENDERER_ORIGIN } from './resolve';

/** The dev server's origin (`electron-vite dev`), only in an unpackaged app and only on loopback. */
export function devRendererOrigin(): string | null {
  const url = process.env.ELECTRON_RENDERER_URL;
  if (!url || app.isPackaged) return null;
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '127.0.0.1')) return u.origin;
  } catch {
    // not a URL
  }
  return null;
}

/** A URL of our own renderer: app://renderer/…, or the dev server's pages in development. */
export function isTrustedRendererUrl(url: string): boolean {
  if (url.startsWith(`${RENDERER_ORIGIN}/`)) return true;
  const dev = devRendererOrigin();
  return dev !== null && (url === dev || url.startsWith(`${dev}/`));
}

/** The looser policy of the dev server's pages (Vite's client and React refresh need inline scripts and a WebSocket). */
function devCsp(origin: string): string {
  const ws = origin.replace(/^http/, 'ws');
  return [
    "default-src 'self'",
    "img-src 'self' app://files blob: data:",
    `connect-src 'self' ${ws}`,
    "style-src 'self' 'unsafe-inline'",
    "script-src 'self' 'unsafe-inline'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function secureSession(ses: Session): void {
  ses.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.on('will-download', (event) => event.preventDefault());
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !allowedRequest(details.url, { packaged: app.isPackaged, devOrigin: devRendererOrigin() }) }));
  const dev = devRendererOrigin();
  if (dev) {
    ses.webRequest.onHeadersReceived((details, callback) => {
      const headers = { ...details.responseHeaders };
      if (details.url.startsWith(`${dev}/`) && details.resourceType === 'mainFrame') headers['Content-Security-Policy'] = [devCsp(dev)];
      callback({ responseHeaders: headers });
    });
  }
}

/** Every web contents the app ever creates: no navigation off the app, no windows, no <webview>. */
export function secureAllWebContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => {
      if (!isTrustedRendererUrl(event.url)) event.preventDefault();
    });
    contents.on('will-frame-navigate', (event) => {
      if (!isTrustedRendererUrl(event.url)) event.preventDefault();
    });
    contents.on('will-redirect', (event) => {
      if (!isTrustedRendererUrl(event.url)) event.preventDefault();
    });
    // A link the page opens (an image's source URL) goes to the user's browser, if it is plain http(s).
    contents.setWindowOpenHandler(({ url }) => {
      const link = externalLink(url);
      if (link) void shell.openExternal(link);
      return { action: 'deny' };
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}
