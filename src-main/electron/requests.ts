/**
 * Which requests the desktop app's renderer may make (security.ts applies it to the session): its
 * own app:// files, data and blob URLs, and the dev server in development. DevTools' own schemes
 * (`devtools:`, `chrome-extension:`) only in an unpackaged app, where DevTools can open: a
 * packaged app has no DevTools, so nothing of its needs them. No Electron import: tested in plain Node.
 */
export function allowedRequest(url: string, opts: { packaged: boolean; devOrigin: string | null }): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (['app:', 'data:', 'blob:'].includes(u.protocol)) return true;
  if (!opts.packaged && ['devtools:', 'chrome-extension:'].includes(u.protocol)) return true;
  if (opts.devOrigin && (u.protocol === 'http:' || u.protocol === 'ws:')) return `http://${u.host}` === opts.devOrigin;
  return false;
}
