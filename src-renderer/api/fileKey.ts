/**
 * The key a page's image URLs carry instead of the session token (`/files/…?f=KEY`): the token's
 * HMAC-SHA256 of "qc-files", base64url, which the server derives the same way
 * (src-main/server/security.ts fileKeyOf) and accepts on the image routes only. An image address
 * copied, dragged or opened in a tab then hands on no access to the API. Computed here with
 * @noble/hashes: the browser's own crypto.subtle is asynchronous, and image URLs are made while
 * rendering.
 */
import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';

export const FILE_KEY_PURPOSE = 'qc-files';

const utf8 = (s: string) => new TextEncoder().encode(s);

export function fileKeyOf(token: string): string {
  const mac = hmac(sha256, utf8(token), utf8(FILE_KEY_PURPOSE));
  let bin = '';
  for (const b of mac) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
