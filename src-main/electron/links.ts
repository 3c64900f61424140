/**
 * Links the page opens (an image's source URL in the preview) go to the user's browser, never to
 * a window of the app. Only plain http(s) addresses are handed to the system (Electron's checklist:
 * shell.openExternal with untrusted content), since a source URL comes from an imported file: no
 * file:, smb:, custom-protocol or javascript: URL, and none with credentials in it (the
 * "https://trusted.org@elsewhere" look-alike). Pure, so tested without Electron.
 */
export function externalLink(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.username || u.password || !u.hostname) return null;
  return u.href;
}
